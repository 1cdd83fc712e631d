// The batch instance routes the SDK's idiomatic layer uses — `PUT /v1/instances/start`,
// `PUT /v1/instances/stop`, `DELETE /v1/instances` — with one `{uuid}` | `{name}` object or an
// array of them (and the SDK's options per item): each item on its own, HTTP 200 with
// success / partial_success / error; whole-request errors are 400s naming the field and change
// nothing. Also the options body of the per-uuid routes, and per-item failures at HTTP 200.
import { describe, expect, it } from "vitest";
import { advance, call } from "./helpers";
import { BOOT_MS, expectBatch, expectItemError, expectKcError, expectNoChange, expectSingleError, newInstance, newTenant, slowService, stub } from "./kraftcloud-support";

const UNKNOWN_UUID = "0b5e2a8e-1111-4222-8333-444455556666";

/** A tenant with groups g and h, running instances g-1, g-2 (in g) and h-1 (in h). */
async function running(prefix: string) {
  const t = await newTenant(prefix);
  await slowService(t, "g");
  await slowService(t, "h");
  const inst: Record<string, any> = {};
  for (const [g, n] of [["g", "g-1"], ["g", "g-2"], ["h", "h-1"]]) inst[n] = await newInstance(t, g, { name: n });
  await advance(stub(t, "g"), BOOT_MS);
  await advance(stub(t, "h"), BOOT_MS);
  return { t, inst };
}

describe("batch start / stop / delete", () => {
  it("stop by uuid and by name across groups, then start them again; the answer has state and previous_state", async () => {
    const { t, inst } = await running("bs");
    const stopped = expectBatch(await t.api.raw("PUT", "/v1/instances/stop", JSON.stringify([{ uuid: inst["g-1"].uuid }, { name: "h-1", drain_timeout_ms: 0, force: true }])), "instances", "success");
    expect(stopped).toEqual([
      { status: "success", uuid: inst["g-1"].uuid, name: "g-1", state: "stopping", previous_state: "running" },
      { status: "success", uuid: inst["h-1"].uuid, name: "h-1", state: "stopping", previous_state: "running" },
    ]);
    await advance(stub(t, "g"), 60_000);
    await advance(stub(t, "h"), 60_000);
    const started = expectBatch(await t.api.raw("PUT", "/v1/instances/start", JSON.stringify([{ name: "g-1", timeout_s: 5 }, { uuid: inst["h-1"].uuid, wait_timeout_ms: 100 }])), "instances", "success");
    expect(started.map((i) => [i.name, i.state, i.previous_state])).toEqual([["g-1", "starting", "stopped"], ["h-1", "starting", "stopped"]]);
    // One object (not an array) is a batch of one.
    const [one] = expectBatch(await t.api.raw("PUT", "/v1/instances/stop", JSON.stringify({ name: "g-2" })), "instances", "success");
    expect(one).toMatchObject({ name: "g-2", state: "stopping" });
  });

  it("delete by name and uuid: previous_state, gone from the list; a second delete is error 8", async () => {
    const { t, inst } = await running("bd");
    const items = expectBatch(await t.api.del("/v1/instances", [{ name: "g-1", timeout_s: 0, dont_retain: true }, { uuid: inst["h-1"].uuid }]), "instances", "success");
    expect(items).toEqual([
      { status: "success", uuid: inst["g-1"].uuid, name: "g-1", previous_state: "running" },
      { status: "success", uuid: inst["h-1"].uuid, name: "h-1", previous_state: "running" },
    ]);
    expect(expectBatch(await t.api.get("/v1/instances"), "instances", "success").map((i) => i.name)).toEqual(["g-2"]);
    const again = expectBatch(await t.api.del("/v1/instances", [{ name: "g-1" }]), "instances", "error");
    expectItemError(again[0], 8, "g-1");
  });

  it("per item: unknown name/uuid 8, another tenant's 8, malformed uuid 7, both or neither 7 — the rest still runs (partial_success)", async () => {
    const { t, inst } = await running("bp");
    const other = await newTenant("bp-o");
    await slowService(other, "g");
    const theirs = await newInstance(other, "g", { name: "their-1" });
    const body = [{ name: "nope" }, { uuid: UNKNOWN_UUID }, { uuid: theirs.uuid }, { name: "their-1" }, { uuid: "g-1" }, { uuid: inst["g-1"].uuid, name: "g-1" }, {}, { name: "g-1" }];
    const items = expectBatch(await t.api.raw("PUT", "/v1/instances/stop", JSON.stringify(body)), "instances", "partial_success");
    expect(items.map((i) => [i.status, i.error ?? i.state])).toEqual([["error", 8], ["error", 8], ["error", 8], ["error", 8], ["error", 7], ["error", 7], ["error", 7], ["success", "stopping"]]);
    expect(items[5].message).toContain("exactly one of 'uuid' or 'name'");
    // Nothing of the other tenant moved.
    expect(expectBatch(await other.api.get("/v1/instances"), "instances", "success")[0].state).toBe("starting");
    // All items failing: top status error, still 200, nothing changed.
    const r = await expectNoChange(t, ["g", "h"], () => t.api.del("/v1/instances", [{ name: "nope" }, { uuid: "x" }]));
    expectBatch(r, "instances", "error");
  });

  it("one Idempotency-Key for a batch keys its items <key>#<i>: a retry replays item by item", async () => {
    const { t } = await running("bi");
    const key = { "Idempotency-Key": "batch-1" };
    const first = expectBatch(await t.api.raw("PUT", "/v1/instances/stop", JSON.stringify([{ name: "g-1" }, { name: "g-2" }]), key), "instances", "success");
    const again = await expectNoChange(t, ["g", "h"], () => t.api.raw("PUT", "/v1/instances/stop", JSON.stringify([{ name: "g-1" }, { name: "g-2" }]), key));
    expect(expectBatch(again, "instances", "success").map((i) => i.name)).toEqual(first.map((i) => i.name));
  });
});

describe("bad batch bodies: 400 naming the field, nothing changed", () => {
  const long = JSON.stringify(Array.from({ length: 254 }, (_, i) => ({ name: `n${i}` })));
  const cases: [string, string | undefined, string][] = [
    ["no body", undefined, "body"],
    ["malformed JSON", "[{", "body"],
    ["an empty array", "[]", "body"],
    ["254 items", long, "body"],
    ["a number", "5", "body"],
    ["a string", '"g-1"', "body"],
    ["uuid a number", '[{"uuid": 5}]', "0.uuid"],
    ["name null", '[{"name": null}]', "0.name"],
    ["an unknown field", '[{"name": "g-1", "zz": 1}]', "0.zz"],
    ["an unknown field in one object", '{"name": "g-1", "zz": 1}', "zz"],
    ["an array item that is not an object", '[{"name": "g-1"}, 3]', "1"],
  ];
  it.each(cases)("%s → 400 on start, stop and delete", async (_case, raw, field) => {
    const t = await newTenant("bb");
    await slowService(t, "g");
    await newInstance(t, "g", { name: "g-1" });
    for (const [method, path] of [["PUT", "/v1/instances/start"], ["PUT", "/v1/instances/stop"], ["DELETE", "/v1/instances"]]) {
      const r = await expectNoChange(t, ["g"], () => t.api.raw(method, path, raw));
      expectKcError(r, 400, field === "body" ? undefined : `'${field}'`);
    }
  });

  const options: [string, string, object][] = [
    ["stop", "force", { force: "yes" }],
    ["stop", "drain_timeout_ms", { drain_timeout_ms: -2 }],
    ["stop", "drain_timeout_ms", { drain_timeout_ms: 3_600_001 }],
    ["stop", "timeout_s", { timeout_s: 1 }],
    ["start", "timeout_s", { timeout_s: -1 }],
    ["start", "wait_timeout_ms", { wait_timeout_ms: 1.5 }],
    ["start", "force", { force: true }],
  ];
  it.each(options)("%s with a bad or foreign option %s → 400 naming it, on the batch and the per-uuid route", async (action, field, opt) => {
    const t = await newTenant("bo");
    await slowService(t, "g");
    const inst = await newInstance(t, "g", { name: "g-1" });
    const batch = await expectNoChange(t, ["g"], () => t.api.raw("PUT", `/v1/instances/${action}`, JSON.stringify([{ name: "g-1", ...opt }])));
    expectKcError(batch, 400, `'0.${field}'`);
    const single = await expectNoChange(t, ["g"], () => t.api.raw("PUT", `/v1/instances/${inst.uuid}/${action}`, JSON.stringify(opt)));
    expectKcError(single, 400, `'${field}'`);
  });

  it("delete options: dont_retain must be a boolean; the per-uuid delete takes the same body", async () => {
    const t = await newTenant("bdo");
    await slowService(t, "g");
    const inst = await newInstance(t, "g", { name: "g-1" });
    expectKcError(await expectNoChange(t, ["g"], () => t.api.del("/v1/instances", [{ name: "g-1", dont_retain: 1 }])), 400, "'0.dont_retain'");
    expectKcError(await expectNoChange(t, ["g"], () => t.api.del(`/v1/instances/${inst.uuid}`, { force: true })), 400, "'force'");
    expect(expectBatch(await t.api.del(`/v1/instances/${inst.uuid}`, { timeout_s: 0, dont_retain: true }), "instances", "success")[0]).toMatchObject({ name: "g-1" });
  });

  it("GET, DELETE or POST on a batch path is 405 with Allow PUT (not an instance named by the uuid 'start')", async () => {
    const t = await newTenant("b405");
    for (const path of ["/v1/instances/start", "/v1/instances/stop"]) {
      for (const r of [await t.api.get(path), await t.api.del(path), await t.api.raw("POST", path, undefined)]) {
        expectKcError(r, 405);
        expect(r.headers.get("Allow")).toBe("PUT");
      }
    }
  });
});

describe("per-uuid routes: the SDK's options body, per-item failures at HTTP 200", () => {
  it("an Idempotency-Key reused for another request is a whole-request 422 (no item), not an item at 200", async () => {
    const { t, inst } = await running("pk");
    const key = { "Idempotency-Key": "single-1" };
    expect(expectBatch(await t.api.raw("PUT", `/v1/instances/${inst["g-1"].uuid}/stop`, undefined, key), "instances", "success")[0].state).toBe("stopping");
    const r = await expectNoChange(t, ["g", "h"], () => t.api.raw("PUT", `/v1/instances/${inst["g-2"].uuid}/stop`, undefined, key));
    expectKcError(r, 422);
  });

  it("start/stop take an empty body, {} or their options; a deleted instance reads as HTTP 200 with error 8", async () => {
    const { t, inst } = await running("pu");
    const uuid = inst["g-1"].uuid;
    expect(expectBatch(await t.api.raw("PUT", `/v1/instances/${uuid}/stop`, JSON.stringify({ drain_timeout_ms: -1, force: false })), "instances", "success")[0].state).toBe("stopping");
    expect(expectBatch(await t.api.raw("PUT", `/v1/instances/${uuid}/start`, "{}"), "instances", "success")[0].state).toBe("stopping");
    expect(expectBatch(await t.api.raw("PUT", `/v1/instances/${inst["g-2"].uuid}/stop`, undefined), "instances", "success")[0].state).toBe("stopping");
    expectBatch(await t.api.del(`/v1/instances/${uuid}`), "instances", "success");
    const gone = expectSingleError(await t.api.get(`/v1/instances/${uuid}`), "instances", 8);
    expect(gone.uuid).toBe(uuid);
    // The pool view agrees: the instance is gone there too.
    const pool = await call("GET", "/cloudpools/g/pool", { token: t.token });
    expect(pool.body.machines.map((m: any) => m.id)).not.toContain(uuid);
  });
});
