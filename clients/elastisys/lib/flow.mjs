// What both elastisys clients read of a cloud pool's answers, and the bodies they send.
import assert from "node:assert/strict";

const MACHINE_STATES = ["REQUESTED", "PENDING", "RUNNING", "TERMINATING", "TERMINATED", "REJECTED"];
const SERVICE_STATES = ["BOOTING", "IN_SERVICE", "UNHEALTHY", "UNKNOWN", "OUT_OF_SERVICE"];

/** The splitter formats its bodies by hand with String.format: `{ "desiredSize": 3 }`. */
export const splitterBody = {
  size: (n) => `{ "desiredSize": ${n} }`,
  decrement: (b) => `{ "decrementDesiredSize": ${b} }`,
  serviceState: (s) => `{ "serviceState": "${s}" }`,
};

/** Jackson's default pretty printer (the autoscaler's REST client): `{\n  "desiredSize" : 3\n}`. */
export function jacksonPretty(value, indent = "") {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  const inner = `${indent}  `;
  if (Array.isArray(value)) return value.length ? `[ ${value.map((v) => jacksonPretty(v, indent)).join(", ")} ]` : "[ ]";
  const entries = Object.entries(value);
  if (!entries.length) return "{ }";
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)} : ${jacksonPretty(v, inner)}`).join(",\n")}\n${indent}}`;
}

/** Gson's pretty printing (scale.commons JsonUtils.toPrettyString): `{\n  "desiredSize": 3\n}`. */
export const gsonPretty = (value) => JSON.stringify(value, null, 2);

/** A pool's machine as the clients' Machine type reads it. */
export function expectMachine(m, where = "machine") {
  assert.equal(typeof m.id, "string", `${where}.id`);
  assert.ok(MACHINE_STATES.includes(m.machineState), `${where}.machineState ${m.machineState}`);
  assert.ok(SERVICE_STATES.includes(m.serviceState), `${where}.serviceState ${m.serviceState}`);
  assert.equal(typeof m.membershipStatus, "object", `${where}.membershipStatus: ${JSON.stringify(m)}`);
  assert.equal(typeof m.membershipStatus?.active, "boolean", `${where}.membershipStatus.active`);
  assert.equal(typeof m.membershipStatus?.evictable, "boolean", `${where}.membershipStatus.evictable`);
  assert.ok("launchtime" in m, `${where}.launchtime (2015 API): ${JSON.stringify(m)}`);
  assert.ok("launchTime" in m, `${where}.launchTime (later API): ${JSON.stringify(m)}`);
  assert.equal(m.launchTime, m.launchtime, `${where}: launchTime and launchtime agree`);
  if (m.launchTime !== null) assert.ok(!Number.isNaN(Date.parse(m.launchTime)), `${where}.launchTime is ISO 8601`);
  assert.ok(Array.isArray(m.privateIps), `${where}.privateIps`);
  assert.ok(Array.isArray(m.publicIps), `${where}.publicIps`);
  // The later API's Machine requires these three (checkNotNull in its constructor); the
  // autoscaler tags its pool-size metrics with them (CloudPoolOrigin: cloud provider, region,
  // machine size). Gson leaves a missing one null.
  for (const k of ["cloudProvider", "region", "machineSize"]) {
    assert.equal(typeof m[k], "string", `${where}.${k} (required by the later API's Machine): ${JSON.stringify(m)}`);
  }
  return m;
}

/** `GET /pool`: `{timestamp, machines: [...]}`. */
export function expectPool(pool) {
  assert.equal(typeof pool?.timestamp, "string", `timestamp: ${JSON.stringify(pool).slice(0, 300)}`);
  assert.ok(Array.isArray(pool.machines), "machines");
  pool.machines.forEach((m, i) => expectMachine(m, `machines[${i}]`));
  return pool;
}

/** `GET /pool/size`: `{timestamp, desiredSize, allocated, active}` (the later API's PoolSizeSummary). */
export function expectSize(size) {
  for (const k of ["desiredSize", "allocated", "active"]) {
    assert.ok(Number.isInteger(size?.[k]), `pool size ${k}: ${JSON.stringify(size)}`);
  }
  assert.ok(typeof size.timestamp === "string" && !Number.isNaN(Date.parse(size.timestamp)), `pool size timestamp (ISO 8601): ${JSON.stringify(size)}`);
  return size;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `read` until `done(value)`; fails with the last value. */
export async function eventually(read, done, { timeoutMs = 20_000, what = "the condition" } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await read();
    if (done(last)) return last;
    if (Date.now() > deadline) assert.fail(`${what} did not hold within ${timeoutMs / 1000} s; last: ${JSON.stringify(last).slice(0, 600)}`);
    await sleep(200);
  }
}

/** Wraps a step: a failure reports the last requests as they went on the wire. */
export async function onWire(client, label, run) {
  try {
    return await run();
  } catch (err) {
    const wire = client.wire
      .slice(-2)
      .map((e) => `  ${e.head.join("\n  ")}\n\n  ${e.body ?? ""}\n  → ${e.status}${e.wwwAuthenticate ? ` (WWW-Authenticate: ${e.wwwAuthenticate})` : ""} ${String(e.answer).slice(0, 600)}`)
      .join("\n  ---\n");
    const e = new Error(`${label}: ${err.message}\nlast requests on the wire:\n${wire}`);
    e.cause = err;
    throw e;
  }
}
