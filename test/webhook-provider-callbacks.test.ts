// The callback route `POST /providers/webhook/{group}/machines`: drift the reports cause (an
// unknown RUNNING machine is an external member the next reconcile terminates, a REJECTED one is
// replaced), and every kind of bad request — credentials, tenancy, unknown group, a group with
// another provider, malformed bodies — answered in the `/providers` error shape, never a 500,
// changing nothing.
import { describe, expect, it } from "vitest";
import { call } from "./helpers";
import { ledger } from "./clock";
import { report, waitFor, webhookProvider, webhookTenant } from "./webhook-support";

async function pool(prefix: string, extra: Record<string, unknown> = {}) {
  const t = await webhookTenant(prefix);
  expect((await t.http.post("/cloudpools/g/config", { provider: webhookProvider(t.rx.url), updatePeriodSeconds: 3600, ...extra })).status).toBe(200);
  await t.http.post("/cloudpools/g/pool/size", { desiredSize: 1 });
  const [launch] = await waitFor("launch", async () => ((await t.rx.deliveries()).length ? t.rx.deliveries() : null));
  return { ...t, id: launch.body.data.machineIds[0] as string };
}

const expectError = (r: { status: number; body: any; headers: Headers }, status: number, field?: string) => {
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  expect(r.headers.get("content-type")).toContain("application/json");
  expect(typeof r.body.error).toBe("string");
  expect(typeof r.body.message).toBe("string");
  expect(r.body.request_id).toBe(r.headers.get("X-Request-Id"));
  if (field) expect(r.body.field).toBe(field);
};

describe("callbacks: drift", () => {
  it("an unknown machine reported RUNNING is an external member; the next reconcile terminates the excess", async () => {
    const { tenant, http, rx, id } = await pool("wh-ext", { updatePeriodSeconds: 1 });
    await report(http, "g", { id, state: "RUNNING" });
    const r = await report(http, "g", { id: "vm-outsider", state: "RUNNING", privateIps: ["10.9.9.9"] });
    expect(r.body.results).toEqual([{ id: "vm-outsider", outcome: "appeared", machineState: "RUNNING" }]);
    const m = (await http.get("/cloudpools/g/pool")).body.machines.find((x: any) => x.id === "vm-outsider");
    expect(m).toMatchObject({ machineState: "RUNNING", privateIps: ["10.9.9.9"], metadata: { provider: "webhook", origin: "external" } });
    const term = await waitFor("the reconcile's terminate", async () => (await rx.deliveries()).find((d) => d.type === "machine.terminate"));
    // The pool's victim policy (OLDEST_INSTANCE) chooses which of the two goes.
    expect([id, "vm-outsider"]).toContain(term.body.data.machineId);
    expect((await http.get("/cloudpools/g/pool/size")).body).toMatchObject({ desiredSize: 1, allocated: 1 });
    // An unknown machine reported ended is ignored.
    const gone = await report(http, "g", { id: "vm-never", state: "TERMINATED" });
    expect(gone.body.results[0]).toMatchObject({ id: "vm-never", outcome: "ignored", machineState: null });
    expect((await ledger(tenant, "g")).some((x) => x.type === "provider.webhook.report")).toBe(true);
  });

  it("a REJECTED machine is replaced by the next reconcile (a new machine.launch)", async () => {
    const { http, rx, id } = await pool("wh-rej", { updatePeriodSeconds: 1 });
    expect((await report(http, "g", { id, state: "REJECTED" })).body.results[0]).toEqual({ id, outcome: "updated", machineState: "REJECTED" });
    const again = await waitFor("the replacement", async () => (await rx.deliveries()).filter((d) => d.type === "machine.launch")[1]);
    expect(again.body.data.count).toBe(1);
    expect(again.body.data.machineIds[0]).not.toBe(id);
    const machines = (await http.get("/cloudpools/g/pool")).body.machines;
    expect(machines.find((x: any) => x.id === id).machineState).toBe("REJECTED");
    expect(machines.find((x: any) => x.id === again.body.data.machineIds[0]).machineState).toBe("REQUESTED");
  });
});

describe("callbacks: metadata and addresses", () => {
  it("metadata is any JSON object up to 8 KiB (numbers, booleans, null, arrays, nested); IPv4 and IPv6 addresses in every text form", async () => {
    const { http, id } = await pool("wh-meta");
    const metadata = { zone: "eu-1", cores: 4, ratio: 0.5, spot: true, gone: null, tags: ["a", 1, false], labels: { team: { name: "core", size: 3 } }, region: "eu-west-1", machineSize: "m5.large" };
    const privateIps = ["10.0.0.7", "0.0.0.0", "255.255.255.255"];
    const publicIps = ["2001:db8::7", "::ffff:192.0.2.1", "::", "1:2:3:4:5:6:7:8"];
    const r = await report(http, "g", { id, state: "RUNNING", metadata, privateIps, publicIps });
    expect(r.status, r.text).toBe(200);
    const m = (await http.get("/cloudpools/g/pool")).body.machines.find((x: any) => x.id === id);
    expect(m.metadata).toMatchObject(metadata);
    // The later elastisys API's origin fields come from the reported metadata when it names them.
    expect(m).toMatchObject({ cloudProvider: "scalegate-webhook", region: "eu-west-1", machineSize: "m5.large" });
    expect(m.privateIps).toEqual(privateIps);
    expect(m.publicIps).toEqual(publicIps);
    // Exactly 8 KiB serialized is accepted; merged with the earlier keys it would outgrow 8 KiB, so it replaces them.
    const pad = 8 * 1024 - JSON.stringify({ k: "" }).length;
    expect((await report(http, "g", { id, state: "RUNNING", metadata: { k: "x".repeat(pad) } })).status).toBe(200);
    const big = (await http.get("/cloudpools/g/pool")).body.machines.find((x: any) => x.id === id).metadata;
    expect(Object.keys(big).sort()).toEqual(["k", "provider"]);
    // A small report merges again (the machine's metadata stays bounded, never grows without limit).
    expect((await report(http, "g", { id, state: "RUNNING", metadata: { k: "small", zone: "eu-2" } })).status).toBe(200);
    expect((await http.get("/cloudpools/g/pool")).body.machines.find((x: any) => x.id === id).metadata).toEqual({ k: "small", zone: "eu-2", provider: "webhook" });
  });
});

describe("callbacks: bad requests", () => {
  it("credentials, tenancy, unknown groups and other providers", async () => {
    const { http, token, id } = await pool("wh-auth");
    const path = "/providers/webhook/g/machines";
    const body = { id, state: "RUNNING" };
    expectError(await call("POST", path, { body }), 401);
    expectError(await call("POST", path, { body, headers: { Authorization: "Basic abc" } }), 401);
    expectError(await call("POST", path, { body, token: "sg_garbage" }), 401);
    expectError(await call("POST", path, { body, token, headers: { "X-Tenant-Id": "someone-else" } }), 403);
    // Another tenant's token names its own (absent) group: 404, and the first tenant's machine is untouched.
    const other = await webhookTenant("wh-other");
    const r = await report(other.http, "g", body);
    expectError(r, 404);
    expect(r.body.error).toBe("NOT_FOUND");
    expect((await http.get("/cloudpools/g/pool")).body.machines[0].machineState).toBe("REQUESTED");
    expectError(await report(http, "nope", body), 404);
    await http.post("/cloudpools/sim/config", {});
    const sim = await report(http, "sim", body);
    expectError(sim, 409);
    expect(sim.body.message).toContain("not 'webhook'");
    expectError(await report(http, "-bad", body), 400, "group");
    const get = await http.get(path);
    expectError(get, 405);
    expect(get.headers.get("Allow")).toBe("POST");
    expectError(await http.post("/providers/webhook/g", body), 404);
  });

  it("every kind of malformed body is a 400 naming the field, never a 500, and changes nothing", async () => {
    const { tenant, http, id } = await pool("wh-bad");
    const before = JSON.stringify((await http.get("/cloudpools/g/pool")).body.machines);
    const rowsBefore = (await ledger(tenant, "g")).length;
    const cases: [string, string | undefined][] = [
      ["", "body"],
      ["{", "body"],
      ["[]", "body"],
      [JSON.stringify(Array.from({ length: 101 }, () => ({ id, state: "RUNNING" }))), "body"],
      ["42", "body"],
      ['"RUNNING"', "body"],
      ["null", "body"],
      [JSON.stringify({ state: "RUNNING" }), "id"],
      [JSON.stringify({ id }), "state"],
      [JSON.stringify({ id, state: "running" }), "state"],
      [JSON.stringify({ id, state: "BOOTING" }), "state"],
      [JSON.stringify({ id, state: "RUNNING", extra: 1 }), "extra"],
      [JSON.stringify({ id: "", state: "RUNNING" }), "id"],
      [JSON.stringify({ id: "x".repeat(129), state: "RUNNING" }), "id"],
      [JSON.stringify({ id: "has space", state: "RUNNING" }), "id"],
      [JSON.stringify({ id: 7, state: "RUNNING" }), "id"],
      [JSON.stringify({ id, state: "RUNNING", publicIps: "1.2.3.4" }), "publicIps"],
      [JSON.stringify({ id, state: "RUNNING", privateIps: ["not-an-ip"] }), "privateIps.0"],
      [JSON.stringify({ id, state: "RUNNING", launchtime: "yesterday" }), "launchtime"],
      [JSON.stringify({ id, state: "RUNNING", launchtime: 1700000000000 }), "launchtime"],
      [JSON.stringify({ id, state: "RUNNING", privateIps: ["abc"] }), "privateIps.0"],
      [JSON.stringify({ id, state: "RUNNING", privateIps: ["10.0.0.1", "999.1.1.1"] }), "privateIps.1"],
      [JSON.stringify({ id, state: "RUNNING", publicIps: ["1.2.3"] }), "publicIps.0"],
      [JSON.stringify({ id, state: "RUNNING", publicIps: ["010.1.1.1"] }), "publicIps.0"],
      [JSON.stringify({ id, state: "RUNNING", publicIps: ["fe80::1%eth0"] }), "publicIps.0"],
      [JSON.stringify({ id, state: "RUNNING", publicIps: ["1:::2"] }), "publicIps.0"],
      [JSON.stringify({ id, state: "RUNNING", publicIps: [7] }), "publicIps.0"],
      [JSON.stringify({ id, state: "RUNNING", metadata: "a=1" }), "metadata"],
      [JSON.stringify({ id, state: "RUNNING", metadata: [1, 2] }), "metadata"],
      [JSON.stringify({ id, state: "RUNNING", metadata: 5 }), "metadata"],
      [JSON.stringify({ id, state: "RUNNING", metadata: { "": 1 } }), "metadata."], // the empty key names itself
      [JSON.stringify({ id, state: "RUNNING", metadata: { k: "x".repeat(8 * 1024) } }), "metadata"],
      [JSON.stringify({ id, state: "RUNNING", metadata: { k: JSON.parse("[".repeat(40) + "]".repeat(40)) } }), "metadata"],
      [JSON.stringify([{ id, state: "RUNNING" }, { id, state: "UP" }]), "1.state"],
      [`{"id":"${id}","state":"RUNNING","__proto__":{"x":1}}`, "__proto__"],
    ];
    for (const [raw, field] of cases) {
      const r = await http.postRaw("/providers/webhook/g/machines", raw);
      expect(r.status, `${raw.slice(0, 60)} → ${r.text}`).toBe(400);
      expectError(r, 400, field);
      expect(r.body.error).toBe("INVALID_ARGUMENT");
    }
    const big = await http.postRaw("/providers/webhook/g/machines", JSON.stringify({ id, state: "RUNNING", metadata: { k: "x".repeat(70_000) } }));
    expectError(big, 413);
    expect(JSON.stringify((await http.get("/cloudpools/g/pool")).body.machines)).toBe(before);
    expect((await ledger(tenant, "g")).length).toBe(rowsBefore);
  });
});
