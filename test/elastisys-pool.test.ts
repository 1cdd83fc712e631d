// The pool-level elastisys routes through the Worker's fetch: pool configuration (create,
// reconfigure, GET, DELETE), the tenant's pool listing, the spec's wire formats, the simulated
// machine lifecycle, the activities extension, and 404 `{message, detail}` on every route of a
// pool that is not configured.
import { describe, expect, it } from "vitest";
import { advance, call, timers } from "./helpers";
import { SLOW, expectError, expectNoChange, fixture, ledger, listing, size, snapshot, storedMachines, types, withMachines } from "./elastisys-support";

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const DEFAULTS = {
  provider: { type: "simulated", requestDelayMs: 200, bootDelayMs: 1000, terminateDelayMs: 500 },
  victimSelectionPolicy: "OLDEST_INSTANCE",
  instanceHourMarginSeconds: 0,
  updatePeriodSeconds: 10,
};

describe("POST/GET /cloudpools/{pool}/config", () => {
  it("{} creates a pool with the documented defaults; GET returns the same", async () => {
    const f = await fixture("cfg-create", null);
    const r = await f.api.post(`${f.base}/config`, {});
    expect(r.status, r.text).toBe(200);
    expect(r.body).toEqual({ name: f.pool, ...DEFAULTS });
    const g = await f.api.get(`${f.base}/config`);
    expect(g.status, g.text).toBe(200);
    expect(g.body).toEqual({ name: f.pool, ...DEFAULTS });
    expect(await size(f)).toEqual({ desiredSize: 0, allocated: 0, outOfService: 0 });
    const rows = await ledger(f.tenant, f.pool);
    expect(types(rows)).toEqual(["pool.configure"]);
    expect(rows[0]).toMatchObject({ dialect: "elastisys", status: "succeeded", request: {}, result: { created: true, before: null, after: DEFAULTS } });
  });

  it("every field can be set at creation", async () => {
    const f = await fixture("cfg-full", null);
    const config = {
      provider: { type: "simulated", requestDelayMs: 1, bootDelayMs: 2, terminateDelayMs: 3 },
      victimSelectionPolicy: "CLOSEST_TO_INSTANCE_HOUR",
      instanceHourMarginSeconds: 120,
      updatePeriodSeconds: 30,
    };
    const r = await f.api.post(`${f.base}/config`, config);
    expect(r.status, r.text).toBe(200);
    expect(r.body).toEqual({ name: f.pool, ...config });
    expect((await f.api.get(`${f.base}/config`)).body).toEqual({ name: f.pool, ...config });
  });

  it("reconfiguring changes only what is sent; a partial provider keeps its other delays; desired size and machines stay", async () => {
    const f = await fixture("cfg-re", null);
    let r = await f.api.post(`${f.base}/config`, { provider: { type: "simulated", requestDelayMs: 60_000, bootDelayMs: 60_000, terminateDelayMs: 60_000 }, updatePeriodSeconds: 3600 });
    expect(r.status, r.text).toBe(200);
    const ids = await withMachines(f, 2);
    r = await f.api.post(`${f.base}/config`, { provider: { type: "simulated", bootDelayMs: 5 } });
    expect(r.status, r.text).toBe(200);
    expect(r.body.provider).toEqual({ type: "simulated", requestDelayMs: 60_000, bootDelayMs: 5, terminateDelayMs: 60_000 });
    r = await f.api.post(`${f.base}/config`, { victimSelectionPolicy: "NEWEST_INSTANCE" });
    expect(r.body).toEqual({
      name: f.pool,
      provider: { type: "simulated", requestDelayMs: 60_000, bootDelayMs: 5, terminateDelayMs: 60_000 },
      victimSelectionPolicy: "NEWEST_INSTANCE",
      instanceHourMarginSeconds: 0,
      updatePeriodSeconds: 3600,
    });
    expect((await f.api.get(`${f.base}/config`)).body).toEqual(r.body);
    expect(await size(f)).toEqual({ desiredSize: 2, allocated: 2, outOfService: 0 });
    expect((await listing(f)).map((m) => m.id)).toEqual(ids);
    const rows = (await ledger(f.tenant, f.pool)).filter((x) => x.type === "pool.configure");
    expect(rows.map((x) => x.result.created)).toEqual([true, false, false]);
    expect(rows[2].result.before.victimSelectionPolicy).toBe("OLDEST_INSTANCE");
    expect(rows[2].result.after.victimSelectionPolicy).toBe("NEWEST_INSTANCE");
    // Still one pool for the tenant.
    expect((await f.api.get("/cloudpools")).body.pools.map((p: any) => p.name)).toEqual([f.pool]);
  });

  it("GET config of a pool never configured → 404 {message, detail} naming the pool, and creates nothing", async () => {
    const f = await fixture("cfg-404", null);
    const r = await expectNoChange(f, () => f.api.get(`${f.base}/config`));
    expectError(r, 404, f.pool);
  });
});

describe("routes of an unconfigured pool", () => {
  const routes: [string, string, unknown][] = [
    ["GET", "/config", undefined],
    ["GET", "/pool", undefined],
    ["GET", "/pool/size", undefined],
    ["POST", "/pool/size", { desiredSize: 2 }],
    ["POST", "/pool/i-00000000000000001/terminate", { decrementDesiredSize: true }],
    ["POST", "/pool/i-00000000000000001/detach", { decrementDesiredSize: false }],
    ["POST", "/pool/i-00000000000000001/attach", {}],
    ["POST", "/pool/i-00000000000000001/serviceState", { serviceState: "OUT_OF_SERVICE" }],
    ["GET", "/activities", undefined],
    ["DELETE", "", undefined],
  ];
  it.each(routes)("%s /cloudpools/{pool}%s → 404 {message, detail}, nothing created", async (method, path, body) => {
    const f = await fixture("unconf", null);
    const r = await expectNoChange(f, () => call(method, `${f.base}${path}`, { token: f.token, body }));
    expectError(r, 404);
    expect(r.body.message).toMatch(/not configured|not found/);
    const after = await snapshot(f);
    expect(after.config).toMatchObject({ ok: false });
    expect(after.d1.groups).toEqual([]);
    expect(after.d1.operations).toEqual([]);
  });
});

describe("GET /cloudpools/{pool}/pool and /pool/size: wire formats and the simulated lifecycle", () => {
  it("machines go REQUESTED → PENDING (launchtime, IPs) → RUNNING, and TERMINATING → TERMINATED, on the configured delays", async () => {
    const f = await fixture("life", { provider: { type: "simulated", requestDelayMs: 10_000, bootDelayMs: 20_000, terminateDelayMs: 30_000 }, updatePeriodSeconds: 3600 });
    const r0 = await f.api.post(`${f.base}/pool/size`, { desiredSize: 1 });
    expect(r0.status, r0.text).toBe(200);
    expect(r0.text).toBe("");

    let r = await f.api.get(`${f.base}/pool`);
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(["machines", "timestamp"]);
    expect(r.body.timestamp).toMatch(ISO);
    expect(r.body.machines).toHaveLength(1);
    const [m] = r.body.machines;
    expect(Object.keys(m).sort()).toEqual(["cloudProvider", "id", "launchTime", "launchtime", "machineSize", "machineState", "membershipStatus", "metadata", "privateIps", "publicIps", "region", "serviceState"]);
    expect(m).toMatchObject({ machineState: "REQUESTED", serviceState: "UNKNOWN", launchtime: null, launchTime: null, membershipStatus: { active: true, evictable: true }, cloudProvider: "scalegate-simulated", region: "global", machineSize: "default", publicIps: [], privateIps: [] });
    expect(m.id).toMatch(/^i-[0-9a-f]{17}$/);
    expect(m.metadata).toBeTypeOf("object");

    await advance(f.stub, 9_000);
    expect((await listing(f))[0].machineState).toBe("REQUESTED");
    await advance(f.stub, 2_000);
    let [p] = await listing(f);
    expect(p.machineState).toBe("PENDING");
    expect(p.launchtime).toMatch(ISO);
    expect(p.privateIps).toHaveLength(1);
    expect(p.privateIps[0]).toMatch(/^10\.\d{1,3}\.\d{1,3}\.\d{1,3}$/);
    expect(p.publicIps).toHaveLength(1);
    expect(p.publicIps[0]).toMatch(/^198\.51\.100\.\d{1,3}$/);
    await advance(f.stub, 15_000);
    expect((await listing(f))[0].machineState).toBe("PENDING");
    await advance(f.stub, 10_000);
    [p] = await listing(f);
    expect(p.machineState).toBe("RUNNING");
    expect(await size(f)).toEqual({ desiredSize: 1, allocated: 1, outOfService: 0 });

    r = await f.api.post(`${f.base}/pool/${m.id}/terminate`, { decrementDesiredSize: true });
    expect(r.status, r.text).toBe(200);
    expect((await listing(f))[0].machineState).toBe("TERMINATING");
    expect(await size(f)).toEqual({ desiredSize: 0, allocated: 0, outOfService: 0 });
    await advance(f.stub, 25_000);
    expect((await listing(f))[0].machineState).toBe("TERMINATING");
    await advance(f.stub, 10_000);
    expect((await listing(f))[0]).toMatchObject({ id: m.id, machineState: "TERMINATED" });
  });

  it("a desired size takes effect at once: the reconciler runs on the change itself", async () => {
    const f = await fixture("at-once");
    const r = await f.api.post(`${f.base}/pool/size`, { desiredSize: 3 });
    expect(r.status, r.text).toBe(200);
    const s = await f.api.get(`${f.base}/pool/size`);
    expect(Object.keys(s.body).sort()).toEqual(["active", "allocated", "desiredSize", "outOfService", "timestamp"]);
    expect(s.body).toEqual({ timestamp: expect.stringMatching(ISO), desiredSize: 3, allocated: 3, outOfService: 0, active: 3 });
    expect((await listing(f)).map((m) => m.machineState)).toEqual(["REQUESTED", "REQUESTED", "REQUESTED"]);
  });

  it("an ended machine stays listed as TERMINATED", async () => {
    const f = await fixture("ended", { provider: { type: "simulated", requestDelayMs: 100, bootDelayMs: 100, terminateDelayMs: 100 }, updatePeriodSeconds: 10 });
    const [id] = await withMachines(f, 1, true);
    const r = await f.api.post(`${f.base}/pool/${id}/terminate`, { decrementDesiredSize: true });
    expect(r.status, r.text).toBe(200);
    await advance(f.stub, 1_000);
    expect((await listing(f)).map((m) => [m.id, m.machineState])).toEqual([[id, "TERMINATED"]]);
    expect(await size(f)).toEqual({ desiredSize: 0, allocated: 0, outOfService: 0 });
  });

  it("a machine lost outside Scalegate is replaced by the next periodic reconcile; one that appears is scaled in", async () => {
    const f = await fixture("outside", { provider: { type: "simulated", requestDelayMs: 100, bootDelayMs: 100, terminateDelayMs: 100 }, updatePeriodSeconds: 10 });
    const [a, b] = await withMachines(f, 2, true);
    let r = await f.api.post(`${f.base}/simulator/events`, { type: "machine.crashed", machineId: a });
    expect(r.status, r.text).toBe(200);
    expect(await size(f)).toEqual({ desiredSize: 2, allocated: 1, outOfService: 0 });
    await advance(f.stub, 10_500);
    let s = await size(f);
    expect(s).toEqual({ desiredSize: 2, allocated: 2, outOfService: 0 });
    const replaced = (await ledger(f.tenant, f.pool)).filter((x) => x.type === "machine.replaced");
    expect(replaced).toHaveLength(1);
    expect(replaced[0].cause).toBe("periodic reconcile");

    r = await f.api.post(`${f.base}/simulator/events`, { type: "machine.appeared" });
    expect(r.status, r.text).toBe(200);
    expect((await size(f)).allocated).toBe(3);
    await advance(f.stub, 10_500);
    s = await size(f);
    expect(s).toEqual({ desiredSize: 2, allocated: 2, outOfService: 0 });
    // OLDEST_INSTANCE: the survivor of the first two is the victim, not the newcomer.
    expect((await listing(f)).find((m) => m.id === b).machineState).toMatch(/^TERMINAT/);
  });
});

describe("DELETE /cloudpools/{pool}", () => {
  it("terminates every machine (detached ones too), removes the pool, keeps its history; the name can be reused", async () => {
    const f = await fixture("del");
    const ids = await withMachines(f, 3, true);
    let r = await f.api.post(`${f.base}/pool/${ids[0]}/detach`, { decrementDesiredSize: true });
    expect(r.status, r.text).toBe(200);

    r = await f.api.del(f.base);
    expect(r.status, r.text).toBe(200);
    expect(r.body.message).toContain(f.pool);
    expect([...r.body.terminated].sort()).toEqual([...ids].sort());

    expectError(await f.api.get(`${f.base}/config`), 404, f.pool);
    expectError(await f.api.get(`${f.base}/pool`), 404, f.pool);
    expectError(await f.api.get(`${f.base}/pool/size`), 404, f.pool);
    expectError(await f.api.del(f.base), 404, f.pool);
    expect((await f.api.get("/cloudpools")).body.pools).toEqual([]);
    expect(await storedMachines(f.stub)).toEqual([]);

    const rows = await ledger(f.tenant, f.pool);
    const del = rows.find((x) => x.type === "pool.delete")!;
    expect(del.result).toMatchObject({ desiredSize: 2 });
    expect(rows.filter((x) => x.type === "machine.terminated" && x.result.reason === "pool deleted").map((x) => x.result.machineId).sort()).toEqual([...ids].sort());

    const a = await f.api.get(`${f.base}/activities`);
    expect(a.status, a.text).toBe(200);
    expect(a.body.activities[0].type).toBe("machine.terminated");
    expect(a.body.activities.map((x: any) => x.type)).toContain("pool.delete");

    // The same name starts from scratch.
    r = await f.api.post(`${f.base}/config`, {});
    expect(r.status, r.text).toBe(200);
    expect(r.body).toEqual({ name: f.pool, ...DEFAULTS });
    expect(await size(f)).toEqual({ desiredSize: 0, allocated: 0, outOfService: 0 });
    expect(await listing(f)).toEqual([]);
    expect((await f.api.get("/cloudpools")).body.pools.map((p: any) => p.name)).toEqual([f.pool]);
  });
});

describe("GET /cloudpools", () => {
  it("lists the tenant's pools by name, with provider and timestamps, and no one else's", async () => {
    const a = await fixture("list-a", null);
    const b = await fixture("list-b", null);
    expect((await a.api.get("/cloudpools")).body).toEqual({ pools: [] });
    for (const name of ["zeta", "alpha", "mid"]) expect((await a.api.post(`/cloudpools/${name}/config`, {})).status).toBe(200);
    expect((await b.api.post(`/cloudpools/other/config`, {})).status).toBe(200);
    const r = await a.api.get("/cloudpools");
    expect(r.status, r.text).toBe(200);
    expect(r.body.pools.map((p: any) => p.name)).toEqual(["alpha", "mid", "zeta"]);
    for (const p of r.body.pools) {
      expect(Object.keys(p).sort()).toEqual(["createdAt", "name", "provider", "updatedAt"]);
      expect(p.provider).toBe("simulated");
      expect(p.createdAt).toMatch(ISO);
      expect(p.updatedAt).toMatch(ISO);
    }
    expect((await b.api.get("/cloudpools")).body.pools.map((p: any) => p.name)).toEqual(["other"]);
  });
});

describe("GET /cloudpools/{pool}/activities", () => {
  it("lists the pool's records newest first, the same records as the D1 ledger; limit cuts the newest n", async () => {
    const f = await fixture("acts");
    await withMachines(f, 2, true);
    const [victim] = (await listing(f)).map((m) => m.id);
    const t = await f.api.post(`${f.base}/pool/${victim}/terminate`, { decrementDesiredSize: false }, { "X-Orch-Action-Id": "act-42" });
    expect(t.status, t.text).toBe(200);

    const rows = await ledger(f.tenant, f.pool);
    expect(types(rows)).toEqual(["pool.configure", "pool.set_desired_size", "machine.launched", "machine.terminate", "machine.replaced"]);
    const r = await f.api.get(`${f.base}/activities`);
    expect(r.status, r.text).toBe(200);
    expect(r.body.activities.map((x: any) => x.id)).toEqual(rows.map((x) => x.id).reverse());
    const [replaced, terminate] = r.body.activities;
    expect(Object.keys(terminate).sort()).toEqual(["actionId", "cause", "dialect", "id", "idempotencyKey", "request", "result", "status", "timestamp", "type"]);
    expect(terminate).toMatchObject({
      type: "machine.terminate",
      status: "succeeded",
      dialect: "elastisys",
      actionId: "act-42",
      idempotencyKey: null,
      request: { machineId: victim, decrementDesiredSize: false },
      result: { machineId: victim, desiredSize: { before: 2, after: 2 } },
    });
    expect(terminate.timestamp).toMatch(ISO);
    expect(replaced).toMatchObject({ type: "machine.replaced", dialect: "system", request: null, result: { count: 1 } });
    expect(replaced.cause).toContain(terminate.id);

    const two = await f.api.get(`${f.base}/activities?limit=2`);
    expect(two.body.activities.map((x: any) => x.type)).toEqual(["machine.replaced", "machine.terminate"]);
    const one = await f.api.get(`${f.base}/activities?limit=1`);
    expect(one.body.activities).toHaveLength(1);
    expect(one.body.activities[0].id).toBe(replaced.id);
  });

  it("another pool's records never show up", async () => {
    const f = await fixture("acts-sep");
    await withMachines(f, 1);
    expect((await f.api.post(`/cloudpools/${f.pool}-other/config`, {})).status).toBe(200);
    const r = await f.api.get(`/cloudpools/${f.pool}-other/activities`);
    expect(r.body.activities.map((x: any) => x.type)).toEqual(["pool.configure"]);
  });
});

describe("CLOSEST_TO_INSTANCE_HOUR with instanceHourMarginSeconds", () => {
  it("delays a scale-in victim's termination to just before its next instance hour", async () => {
    const f = await fixture("hour", { ...SLOW, victimSelectionPolicy: "CLOSEST_TO_INSTANCE_HOUR", instanceHourMarginSeconds: 120 });
    const [id] = await withMachines(f, 1, true);
    const r = await f.api.post(`${f.base}/pool/size`, { desiredSize: 0 });
    expect(r.status, r.text).toBe(200);
    expect((await listing(f))[0]).toMatchObject({ id, machineState: "RUNNING" });
    const scheduled = (await ledger(f.tenant, f.pool)).find((x) => x.type === "machine.termination_scheduled")!;
    expect(scheduled.result.machineId).toBe(id);
    const launch = Date.parse((await listing(f))[0].launchtime);
    const at = launch + 3_600_000 - 120_000;
    expect(Date.parse(scheduled.result.terminateAt)).toBe(at);
    expect((await timers(f.stub)).find((t) => t.name === `terminate:${id}`)?.due_ms).toBe(at);
    // Chosen for scale-in, it no longer counts toward the desired size but is still allocated.
    expect(await size(f)).toEqual({ desiredSize: 0, allocated: 1, outOfService: 0 });
    // Growing again calls the pending termination off instead of launching.
    const g = await f.api.post(`${f.base}/pool/size`, { desiredSize: 1 });
    expect(g.status, g.text).toBe(200);
    expect((await listing(f)).map((m) => m.id)).toEqual([id]);
    expect((await timers(f.stub)).some((t) => t.name === `terminate:${id}`)).toBe(false);
    expect(types(await ledger(f.tenant, f.pool)).slice(-2)).toEqual(["pool.set_desired_size", "machine.termination_cancelled"]);
  });
});
