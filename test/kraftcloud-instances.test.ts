// KraftCloud instances through the Worker: POST/GET /v1/instances, GET/DELETE
// /v1/instances/{uuid}, PUT /v1/instances/{uuid}/start|stop — defaults, names, references to
// service groups, per-item errors 7/8/23/29, the state mapping along real lifecycles (time passes
// with `advance`), and one model with the elastisys pools. Every response is also checked against
// the OpenAPI file by the client.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { groupUuid } from "../src/domain/model";
import type { GroupObject } from "../src/objects/group";
import { advance, call } from "./helpers";
import { BOOT_MS, SLOW, STOP_MS, expectBatch, expectKcError, expectNoChange, expectSingleError, newInstance, newTenant, slowService, stub, type Tenant } from "./kraftcloud-support";

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const UNKNOWN_UUID = "0b5e2a8e-1111-4222-8333-444455556666";

const one = (r: { body: any }) => r.body.data.instances[0];
const get = async (t: Tenant, uuid: string) => {
  const r = await t.api.get(`/v1/instances/${uuid}`);
  expect(r.status, r.text).toBe(200);
  return one(r);
};

describe("POST /v1/instances", () => {
  it("creates an instance in a group named by name: starting, KraftCloud defaults, one model with the pool", async () => {
    const t = await newTenant("in-create");
    const gUuid = await slowService(t, "web");
    const r = await t.api.post("/v1/instances", { name: "web-1", image: "user/app:latest", service_group: { name: "web" } });
    expect(r.status, r.text).toBe(200);
    expect(r.body.status).toBe("success");
    expect(one(r)).toEqual({
      status: "success",
      uuid: expect.stringMatching(UUID_V4),
      name: "web-1",
      created_at: expect.stringMatching(ISO),
      state: "starting",
      image: "user/app:latest",
      memory_mb: 128,
      vcpus: 1,
      restart_policy: "never",
      type: "micro",
      service_group: { uuid: gUuid, name: "web" },
    });
    const uuid = one(r).uuid;
    const pool = await call("GET", "/cloudpools/web/pool", { token: t.token });
    expect(pool.body.machines.map((m: any) => [m.id, m.machineState])).toEqual([[uuid, "REQUESTED"]]);
    expect((await call("GET", "/cloudpools/web/pool/size", { token: t.token })).body).toMatchObject({ desiredSize: 1, allocated: 1, outOfService: 0 });
    expect((await t.api.get(`/v1/services/${gUuid}`)).body.data.service_groups[0].instances).toEqual([{ uuid, name: "web-1" }]);
    const rows = await env.DB.prepare(`SELECT type, dialect FROM operations WHERE tenant_id = ? AND type = 'instance.create'`).bind(t.tenant).all<any>();
    expect(rows.results).toEqual([{ type: "instance.create", dialect: "kraftcloud" }]);
  });

  it("an elastisys pool is a service group: an instance created in `web` through /v1 is a machine of GET /cloudpools/web/pool", async () => {
    const t = await newTenant("in-pool");
    expect((await call("POST", "/cloudpools/web/config", { token: t.token, body: SLOW })).status).toBe(200);
    const [svc] = expectBatch(await t.api.get("/v1/services"), "service_groups", "success");
    expect(svc).toMatchObject({ name: "web", uuid: await groupUuid(t.tenant, "web") });
    const inst = await newInstance(t, "web", { service_group: { uuid: svc.uuid }, memory_mb: 512 });
    expect(inst).toMatchObject({ memory_mb: 512, service_group: { uuid: svc.uuid, name: "web" } });
    const pool = await call("GET", "/cloudpools/web/pool", { token: t.token });
    expect(pool.body.machines.map((m: any) => m.id)).toEqual([inst.uuid]);
  });

  it.each([
    ["user/app:latest", /^app-[a-z0-9]{5}$/],
    ["registry.example.com:5000/team/my_app.v2:1.0", /^my-app-v2-[a-z0-9]{5}$/],
    ["nginx", /^nginx-[a-z0-9]{5}$/],
  ])("without a name, the name comes from the image: %s", async (image, pattern) => {
    const t = await newTenant("in-noname");
    await slowService(t, "g");
    const inst = await newInstance(t, "g", { image });
    expect(inst.name).toMatch(pattern);
    expect(inst.image).toBe(image);
  });

  it("autostart false: created stopped, counted nowhere; start makes it starting", async () => {
    const t = await newTenant("in-nostart");
    await slowService(t, "g");
    const inst = await newInstance(t, "g", { autostart: false });
    expect(inst.state).toBe("stopped");
    expect((await call("GET", "/cloudpools/g/pool/size", { token: t.token })).body.desiredSize).toBe(0);
    const r = await t.api.put(`/v1/instances/${inst.uuid}/start`);
    expect(one(r)).toEqual({ status: "success", uuid: inst.uuid, name: inst.name, state: "starting", previous_state: "stopped" });
  });

  it("scale_to_zero is kept (cooldown default 1000); the deprecated features ['scale-to-zero'] means policy on", async () => {
    const t = await newTenant("in-s2z");
    await slowService(t, "g");
    expect((await newInstance(t, "g", { scale_to_zero: { policy: "idle", cooldown_time_ms: 5000 } })).scale_to_zero).toEqual({ policy: "idle", cooldown_time_ms: 5000 });
    expect((await newInstance(t, "g", { scale_to_zero: { policy: "off" } })).scale_to_zero).toEqual({ policy: "off", cooldown_time_ms: 1000 });
    expect((await newInstance(t, "g", { features: ["scale-to-zero"] })).scale_to_zero).toEqual({ policy: "on", cooldown_time_ms: 1000 });
    expect((await newInstance(t, "g", { features: [] })).scale_to_zero).toBeUndefined();
  });

  it("a name already used in the tenant — same group, another group, a pool machine — is 200, error 23, nothing changed", async () => {
    const t = await newTenant("in-dup");
    await slowService(t, "g1");
    await slowService(t, "g2");
    await newInstance(t, "g1", { name: "taken" });
    expect((await call("POST", "/cloudpools/g2/pool/size", { token: t.token, body: { desiredSize: 1 } })).status).toBe(200);
    const poolMachine = (await t.api.get("/v1/instances")).body.data.instances.find((i: any) => i.name !== "taken");
    for (const [group, name] of [["g1", "taken"], ["g2", "taken"], ["g1", poolMachine.name]]) {
      const r = await expectNoChange(t, ["g1", "g2"], () => t.api.post("/v1/instances", { name, image: "a/b", service_group: { name: group } }));
      const item = expectSingleError(r, "instances", 23, `instance '${name}' already exists`);
      expect(item.name).toBe(name);
    }
  });

  const refs: [string, number, number, (o: Tenant) => Promise<object>, string][] = [
    ["an unknown group name", 200, 8, async () => ({ name: "nope" }), "not found"],
    ["an unknown group uuid", 200, 8, async () => ({ uuid: UNKNOWN_UUID }), UNKNOWN_UUID],
    ["another tenant's group uuid", 200, 8, async (o) => ({ uuid: await slowService(o, "theirs") }), "not found"],
    ["another tenant's group name", 200, 8, async (o) => (await slowService(o, "theirs2"), { name: "theirs2" }), "not found"],
    ["both uuid and name", 200, 7, async () => ({ uuid: UNKNOWN_UUID, name: "g" }), "exactly one"],
    ["neither uuid nor name", 200, 7, async () => ({}), "exactly one"],
    ["a name as uuid", 200, 7, async () => ({ uuid: "g" }), "Invalid uuid 'g'"],
    ["a name no group can have", 200, 7, async () => ({ name: "a/b" }), "Invalid name 'a/b'"],
  ];
  it.each(refs)("service_group: %s → %i, error %i, nothing changed", async (_case, http, code, ref, mentions) => {
    const t = await newTenant("in-ref");
    const other = await newTenant("in-ref-o");
    await slowService(t, "g");
    const service_group = await ref(other);
    const r = await expectNoChange(t, ["g"], () => t.api.post("/v1/instances", { image: "a/b", service_group }));
    expect(http).toBe(200);
    expectSingleError(r, "instances", code, mentions);
  });

  it.each(["Web", "a_b", "-a", "a-", "a".repeat(64), ""])("instance name %j → 200, error 7, nothing changed", async (name) => {
    const t = await newTenant("in-name");
    await slowService(t, "g");
    const r = await expectNoChange(t, ["g"], () => t.api.post("/v1/instances", { name, image: "a/b", service_group: { name: "g" } }));
    expectSingleError(r, "instances", 7, `Invalid name '${name}'`);
  });

  it("scale_to_zero and features ['scale-to-zero'] together → 200, error 7", async () => {
    const t = await newTenant("in-s2z-both");
    await slowService(t, "g");
    const body = { image: "a/b", service_group: { name: "g" }, scale_to_zero: { policy: "on" }, features: ["scale-to-zero"] };
    expectSingleError(await expectNoChange(t, ["g"], () => t.api.post("/v1/instances", body)), "instances", 7, "deprecated");
  });

  it("a group at its max size (autoscale max_size 1): starting another instance is 200, error 29", async () => {
    const t = await newTenant("in-max");
    await slowService(t, "g");
    const master = await newInstance(t, "g", { name: "master" });
    const s = stub(t, "g") as DurableObjectStub<GroupObject>;
    const ctx = { tenantId: t.tenant, group: "g", dialect: "kraftcloud" as const, requestId: "test" };
    expect((await s.configureAutoscale(ctx, { master: { uuid: master.uuid }, min_size: 1, max_size: 1 })).ok).toBe(true);
    const r = await expectNoChange(t, ["g"], () => t.api.post("/v1/instances", { image: "a/b", service_group: { name: "g" } }));
    expectSingleError(r, "instances", 29, "max size 1");
    const stopped = await newInstance(t, "g", { autostart: false });
    expectSingleError(await t.api.put(`/v1/instances/${stopped.uuid}/start`), "instances", 29, "max size 1");
  });
});

describe("GET /v1/instances", () => {
  it("lists the tenant's instances of every group (pool machines too), oldest first; nothing of another tenant", async () => {
    const t = await newTenant("in-list");
    const other = await newTenant("in-list-o");
    await slowService(other, "g");
    await newInstance(other, "g", { name: "theirs" });
    const g1 = await slowService(t, "g1");
    const g2 = await slowService(t, "g2");
    const a = await newInstance(t, "g1", { name: "a" });
    const b = await newInstance(t, "g2", { name: "b", autostart: false });
    expect((await call("POST", "/cloudpools/g2/pool/size", { token: t.token, body: { desiredSize: 1 } })).status).toBe(200);
    const items = expectBatch(await t.api.get("/v1/instances"), "instances", "success");
    expect(items.map((i) => i.name).slice(0, 2)).toEqual(["a", "b"]);
    expect(items).toHaveLength(3);
    expect(items[0]).toEqual(a);
    expect(items[1]).toEqual(b);
    expect(items[2]).toMatchObject({ status: "success", state: "starting", service_group: { uuid: g2, name: "g2" } });
    expect(items[2]).toMatchObject({ image: "", memory_mb: 0, vcpus: 0 });
    expect(a.service_group.uuid).toBe(g1);
    const brief = expectBatch(await t.api.get("/v1/instances?details=false"), "instances", "success");
    expect(brief).toEqual(items.map((i) => ({ status: "success", uuid: i.uuid, name: i.name })));
  });

  it("an empty tenant lists nothing; a bad query is a 400 naming the parameter", async () => {
    const t = await newTenant("in-list-empty");
    expect(expectBatch(await t.api.get("/v1/instances"), "instances", "success")).toEqual([]);
    expectKcError(await t.api.get("/v1/instances?details=no"), 400, "details");
    expectKcError(await t.api.get("/v1/instances?metrics=true"), 400, "metrics");
  });
});

describe("GET /v1/instances/{uuid}", () => {
  it("a name in the path → 200 (7); unknown, another tenant's → 200 (8)", async () => {
    const t = await newTenant("in-get");
    const other = await newTenant("in-get-o");
    await slowService(other, "g");
    const theirs = await newInstance(other, "g", { name: "x" });
    expectSingleError(await t.api.get("/v1/instances/x"), "instances", 7, "Invalid uuid 'x'");
    expectSingleError(await t.api.get(`/v1/instances/${UNKNOWN_UUID}`), "instances", 8, UNKNOWN_UUID);
    const r = await expectNoChange(other, ["g"], () => t.api.get(`/v1/instances/${theirs.uuid}`));
    expectSingleError(r, "instances", 8);
    for (const action of ["start", "stop"]) {
      expectSingleError(await expectNoChange(other, ["g"], () => t.api.put(`/v1/instances/${theirs.uuid}/${action}`)), "instances", 8);
    }
    expectSingleError(await expectNoChange(other, ["g"], () => t.api.del(`/v1/instances/${theirs.uuid}`)), "instances", 8);
    expect((await get(other, theirs.uuid)).state).toBe("starting");
  });
});

describe("lifecycle and states", () => {
  it("starting → running → (stop) stopping → stopped → (start) starting → running; repeated calls change nothing", async () => {
    const t = await newTenant("in-life");
    await slowService(t, "g");
    const s = stub(t, "g");
    const inst = await newInstance(t, "g", { name: "life" });
    await advance(s, BOOT_MS);
    const running = await get(t, inst.uuid);
    expect(running).toMatchObject({ state: "running", started_at: expect.stringMatching(ISO), private_ip: expect.stringMatching(/^10\./) });
    expect(one(await t.api.put(`/v1/instances/${inst.uuid}/start`))).toMatchObject({ state: "running", previous_state: "running" });
    expect(one(await t.api.put(`/v1/instances/${inst.uuid}/stop`))).toEqual({ status: "success", uuid: inst.uuid, name: "life", state: "stopping", previous_state: "running" });
    expect((await get(t, inst.uuid)).state).toBe("stopping");
    // Stopping again changes nothing (a start while stopping: kraftcloud-start-while-stopping.test.ts).
    expect(one(await t.api.put(`/v1/instances/${inst.uuid}/stop`))).toMatchObject({ state: "stopping", previous_state: "stopping" });
    await advance(s, STOP_MS);
    const stopped = await get(t, inst.uuid);
    expect(stopped).toMatchObject({ state: "stopped", stopped_at: expect.stringMatching(ISO) });
    expect(stopped.started_at).toBeUndefined();
    expect(stopped.created_at).toBe(inst.created_at);
    expect(one(await t.api.put(`/v1/instances/${inst.uuid}/stop`))).toMatchObject({ state: "stopped", previous_state: "stopped" });
    expect(one(await t.api.put(`/v1/instances/${inst.uuid}/start`))).toMatchObject({ state: "starting", previous_state: "stopped" });
    await advance(s, BOOT_MS);
    const again = await get(t, inst.uuid);
    expect(again.state).toBe("running");
    expect(again.created_at).toBe(inst.created_at);
  });

  it("DELETE: the previous state; gone from GET, the listing and the pool; the name is free again", async () => {
    const t = await newTenant("in-del");
    await slowService(t, "g");
    const inst = await newInstance(t, "g", { name: "bye" });
    await advance(stub(t, "g"), BOOT_MS);
    const r = await t.api.del(`/v1/instances/${inst.uuid}`);
    expect(r.status, r.text).toBe(200);
    expect(one(r)).toEqual({ status: "success", uuid: inst.uuid, name: "bye", previous_state: "running" });
    expectSingleError(await t.api.get(`/v1/instances/${inst.uuid}`), "instances", 8);
    expectSingleError(await t.api.del(`/v1/instances/${inst.uuid}`), "instances", 8);
    expect(expectBatch(await t.api.get("/v1/instances"), "instances", "success")).toEqual([]);
    expect((await call("GET", "/cloudpools/g/pool", { token: t.token })).body.machines).toEqual([]);
    expect((await newInstance(t, "g", { name: "bye" })).uuid).not.toBe(inst.uuid);
  });

  it("draining: a RUNNING machine chosen for scale-in that waits for its instance hour", async () => {
    const t = await newTenant("in-drain");
    const cfg = { ...SLOW, victimSelectionPolicy: "CLOSEST_TO_INSTANCE_HOUR", instanceHourMarginSeconds: 60 };
    expect((await call("POST", "/cloudpools/p/config", { token: t.token, body: cfg })).status).toBe(200);
    expect((await call("POST", "/cloudpools/p/pool/size", { token: t.token, body: { desiredSize: 1 } })).status).toBe(200);
    await advance(stub(t, "p"), BOOT_MS);
    expect((await call("POST", "/cloudpools/p/pool/size", { token: t.token, body: { desiredSize: 0 } })).status).toBe(200);
    const [m] = expectBatch(await t.api.get("/v1/instances"), "instances", "success");
    expect(m.state).toBe("draining");
  });

  it("standby: scale-to-zero put the master to sleep (autoscale min_size 0); start wakes it", async () => {
    const t = await newTenant("in-standby");
    await slowService(t, "g");
    const master = await newInstance(t, "g", { name: "m", features: ["scale-to-zero"] });
    const s = stub(t, "g") as DurableObjectStub<GroupObject>;
    await advance(s, BOOT_MS);
    const ctx = { tenantId: t.tenant, group: "g", dialect: "kraftcloud" as const, requestId: "test" };
    expect((await s.configureAutoscale(ctx, { master: { name: "m" }, min_size: 0, max_size: 2, cooldown_time_ms: 1 })).ok).toBe(true);
    await new Promise((r) => setTimeout(r, 5));
    await advance(s, 10);
    expect((await get(t, master.uuid)).state).toBe("standby");
    await advance(s, STOP_MS);
    expect((await get(t, master.uuid)).state).toBe("standby");
    expect(one(await t.api.put(`/v1/instances/${master.uuid}/start`))).toMatchObject({ state: "starting", previous_state: "standby" });
  });
});

describe("routing", () => {
  it.each([
    ["PUT", "/v1/instances", "GET, POST, DELETE"],
    ["POST", `/v1/instances/${UNKNOWN_UUID}`, "GET, DELETE"],
    ["GET", `/v1/instances/${UNKNOWN_UUID}/start`, "PUT"],
    ["POST", `/v1/instances/${UNKNOWN_UUID}/stop`, "PUT"],
  ])("%s %s → 405 with Allow", async (method, path, allow) => {
    const t = await newTenant("in-405");
    // No body: a body on a method the path lacks is refused as such (400) before routing.
    const r = method === "GET" ? await t.api.get(path) : await t.api.raw(method, path, undefined);
    expectKcError(r, 405);
    expect(r.headers.get("Allow")).toBe(allow);
  });

  it.each(["force=true", "drain_timeout_ms=10", "wait_timeout_ms=10"])("start/stop with ?%s (not implemented) → 400 naming it, nothing changed", async (q) => {
    const t = await newTenant("in-query");
    await slowService(t, "g");
    const inst = await newInstance(t, "g");
    for (const action of ["start", "stop"]) {
      const r = await expectNoChange(t, ["g"], () => t.api.put(`/v1/instances/${inst.uuid}/${action}?${q}`));
      expectKcError(r, 400, q.split("=")[0]);
    }
  });
});
