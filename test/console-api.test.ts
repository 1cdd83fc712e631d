// The console's aggregate reads (src/console/api.ts), driven the way the page drives them: with
// the session cookie, mutations through the dialects' own routes with X-CSRF-Token. Groups made
// through each dialect in one table with the dialects used; one group's machines, ledger,
// decisions with their explanation, chart series and policy bands; orchestrator actions and a
// rollback through the Quilt API; hook deliveries; bad input on every route; no credentials.
import { describe, expect, it } from "vitest";
import { advance, call, groupStub } from "./helpers";
import { newTenant, signIn, uniq, withCookie } from "./console-support";

const SERVICE = { services: [{ port: 443, destination_port: 8080, handlers: ["tls", "http"] }] };

async function session(prefix: string) {
  const t = await newTenant(prefix);
  const s = await signIn(t.token);
  return { ...t, s, go: withCookie(s) };
}

const quilt = (tenant: string, action: string) => ({ "X-Tenant-Id": tenant, "Idempotency-Key": uniq("key"), "X-Orch-Action-Id": action });

describe("GET /console/api/groups", () => {
  it("lists the groups made through every dialect, with the dialects used, counts, provider, autoscale and domains", async () => {
    const { tenant, go } = await session("api");
    const pool = uniq("pool");
    expect((await go("POST", `/cloudpools/${pool}/config`, { body: {}, csrf: true })).status).toBe(200);
    expect((await go("POST", `/cloudpools/${pool}/pool/size`, { body: { desiredSize: 2 }, csrf: true })).status).toBe(200);
    const scaled = await go("POST", `/api/elasticity/control/node-groups/${pool}/scale`, { body: { delta_units: 1 }, csrf: true, headers: quilt(tenant, uniq("act")) });
    expect(scaled.status, scaled.text).toBe(200);
    const svc = uniq("svc");
    const created = await go("POST", "/v1/services", { body: { name: svc, ...SERVICE, domains: [{ name: `${svc}.example.com` }] }, csrf: true });
    expect(created.body.status, created.text).toBe("success");
    const inst = await go("POST", "/v1/instances", { body: { name: `${svc}-i0`, image: "user/app:latest", service_group: { name: svc } }, csrf: true });
    expect(inst.body.status, inst.text).toBe("success");

    const r = await go("GET", "/console/api/groups");
    expect(r.status, r.text).toBe(200);
    const byName = Object.fromEntries(r.body.groups.map((g: any) => [g.name, g]));
    expect(Object.keys(byName).sort()).toEqual([pool, svc].sort());
    expect(byName[pool]).toMatchObject({ dialects: ["elastisys", "quilt"], desired: 3, running: 0, starting: 3, draining: 0, provider: "simulated", autoscale: false, domains: [] });
    expect(byName[svc]).toMatchObject({ dialects: ["kraftcloud"], desired: 1, provider: "simulated", autoscale: false, domains: [`${svc}.example.com`] });

    // Machines come up on the object's timers; the counts follow.
    await advance(groupStub(tenant, pool), 5_000);
    const later = (await go("GET", "/console/api/groups")).body.groups.find((g: any) => g.name === pool);
    expect(later).toMatchObject({ desired: 3, running: 3, starting: 0 });
    // Scale in: victims leave (TERMINATING) and are counted as draining until gone.
    expect((await go("POST", `/cloudpools/${pool}/pool/size`, { body: { desiredSize: 1 }, csrf: true })).status).toBe(200);
    const shrinking = (await go("GET", "/console/api/groups")).body.groups.find((g: any) => g.name === pool);
    expect(shrinking).toMatchObject({ desired: 1, running: 1, draining: 2 });
  });

  it("a deleted group is not listed; a bearer token reads the same; pool-scoped tokens and no credentials are refused", async () => {
    const { tenant, token, go } = await session("api");
    const pool = uniq("pool");
    expect((await go("POST", `/cloudpools/${pool}/config`, { body: {}, csrf: true })).status).toBe(200);
    const gone = uniq("pool");
    expect((await go("POST", `/cloudpools/${gone}/config`, { body: {}, csrf: true })).status).toBe(200);
    expect((await go("DELETE", `/cloudpools/${gone}`, { csrf: true })).status).toBe(200);
    const viaCookie = await go("GET", "/console/api/groups");
    expect(viaCookie.body.groups.map((g: any) => g.name)).toEqual([pool]);
    const viaBearer = await call("GET", "/console/api/groups", { token });
    expect(viaBearer.body).toEqual(viaCookie.body);
    const scoped = await call("POST", `/admin/tenants/${tenant}/tokens`, { token: "test-admin-token", body: { pool } });
    const refused = await call("GET", "/console/api/groups", { token: scoped.body.token });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: "FORBIDDEN" });
    for (const path of ["/console/api/groups", `/console/api/groups/${pool}`, "/console/api/actions", "/console/api/deliveries", "/console/api/feed"]) {
      const r = await call("GET", path);
      expect(r.status, path).toBe(401);
      expect(r.body).toMatchObject({ error: "UNAUTHORIZED" });
    }
  });
});

describe("GET /console/api/groups/{name}", () => {
  it("machines, activities, decisions with their explanation, series and policy bands of an autoscaled service group", async () => {
    const { tenant, go } = await session("api");
    const svc = uniq("svc");
    const created = await go("POST", "/v1/services", { body: { name: svc, ...SERVICE }, csrf: true });
    const uuid = created.body.data.service_groups[0].uuid;
    await go("POST", "/v1/instances", { body: { name: `${svc}-m`, image: "user/app:latest", service_group: { name: svc } }, csrf: true });
    await advance(groupStub(tenant, svc), 5_000);
    const base = `/v1/services/${uuid}/autoscale`;
    const cfg = await go("POST", base, { body: { master: { name: `${svc}-m` }, min_size: 1, max_size: 5 }, csrf: true });
    expect(cfg.body.status, cfg.text).toBe("success");
    const pol = await go("POST", `${base}/policies`, {
      body: { name: "cpu-out", metric: "cpu", adjustment_type: "change", steps: [{ lower_bound: 500, upper_bound: 800, adjustment: 1 }, { lower_bound: 800, adjustment: 2 }] },
      csrf: true,
    });
    expect(pol.body.status, pol.text).toBe("success");
    const m = await go("POST", `${base}/metrics`, { body: { cpu: 900 }, csrf: true });
    expect(m.body.status, m.text).toBe("success");

    const r = await go("GET", `/console/api/groups/${svc}`);
    expect(r.status, r.text).toBe(200);
    expect(r.body.group).toMatchObject({ name: svc, dialects: ["kraftcloud"], autoscale: true, desired: 3, running: 1, starting: 2 });
    expect(r.body.group.autoscale_config).toMatchObject({ min_size: 1, max_size: 5, last_sample: { cpu: 900 } });
    expect(r.body.machines).toHaveLength(3);
    expect(r.body.machines[0]).toMatchObject({ name: `${svc}-m`, state: "RUNNING", member: true });
    expect(r.body.machines[0].address).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(r.body.machines[0].age_seconds).toBeGreaterThanOrEqual(0);
    const decision = r.body.records.find((x: any) => x.type === "autoscale.decision");
    expect(decision.request).toMatchObject({ cpu: 900 });
    expect(decision.result).toMatchObject({ winner: "cpu-out", desired: 3, change: 2, direction: "out", clamp: null });
    expect(decision.result.policies[0].match).toMatchObject({ step: 1, raw_adjustment: 2, rounded_adjustment: 2, resulting_capacity: 3 });
    expect(decision.result.explanation).toMatch(/cpu-out/);
    expect(r.body.records.map((x: any) => x.type)).toEqual(expect.arrayContaining(["service.create", "instance.create", "autoscale.configure", "autoscale.policy.create", "machine.launched"]));
    // Newest first.
    const times = r.body.records.map((x: any) => x.created_at);
    expect([...times].sort().reverse()).toEqual(times);
    expect(r.body.bands).toEqual([
      { policy: "cpu-out", adjustment_type: "change", lower: 500, upper: 800, adjustment: 1 },
      { policy: "cpu-out", adjustment_type: "change", lower: 800, upper: null, adjustment: 2 },
    ]);
    // The decision's metric and the live point are in the series (x strictly increasing).
    const s = r.body.series;
    expect(s.cpu).toContain(900);
    expect(s.desired[s.desired.length - 1]).toBe(3);
    expect(s.running[s.running.length - 1]).toBe(1);
    for (let i = 1; i < s.t.length; i++) expect(s.t[i]).toBeGreaterThan(s.t[i - 1]);

    const limited = await go("GET", `/console/api/groups/${svc}?limit=2`);
    expect(limited.body.records).toHaveLength(2);
  });

  it("refuses bad input: invalid name, unknown or another tenant's group, bad limit, unknown parameters, other methods", async () => {
    const a = await session("api");
    const b = await session("api");
    const pool = uniq("pool");
    expect((await a.go("POST", `/cloudpools/${pool}/config`, { body: {}, csrf: true })).status).toBe(200);
    const cases: [string, number, RegExp][] = [
      [`/console/api/groups/${"x".repeat(64)}`, 400, /invalid group name/],
      ["/console/api/groups/-bad", 400, /invalid group name/],
      ["/console/api/groups/a%20b", 400, /invalid group name/],
      ["/console/api/groups/nope", 404, /not found/],
      [`/console/api/groups/${pool}?limit=0`, 400, /limit/],
      [`/console/api/groups/${pool}?limit=501`, 400, /limit/],
      [`/console/api/groups/${pool}?limit=abc`, 400, /limit/],
      [`/console/api/groups/${pool}?limit=1.5`, 400, /limit/],
      [`/console/api/groups/${pool}?verbose=1`, 400, /verbose/],
      ["/console/api/groups?q=x", 400, /'q'/],
      ["/console/api/actions?limit=-1", 400, /limit/],
      ["/console/api/deliveries?limit=x", 400, /limit/],
    ];
    for (const [path, status, msg] of cases) {
      const r = await a.go("GET", path);
      expect(r.status, `${path}: ${r.text}`).toBe(status);
      expect(r.body.message, path).toMatch(msg);
    }
    // Tenant B's session never reaches A's group, by name or in a list.
    const other = await b.go("GET", `/console/api/groups/${pool}`);
    expect(other.status).toBe(404);
    expect((await b.go("GET", "/console/api/groups")).body.groups).toEqual([]);
    for (const [method, path, allow] of [["POST", "/console/api/groups", "GET"], ["DELETE", `/console/api/groups/${pool}`, "GET"], ["PUT", "/console/api/actions", "GET"], ["POST", "/console/api/deliveries", "GET"], ["POST", "/console/api/feed", "GET"]]) {
      const r = await a.go(method, path, { csrf: true });
      expect(r.status, `${method} ${path}`).toBe(405);
      expect(r.headers.get("Allow")).toBe(allow);
    }
  });
});

describe("GET /console/api/actions", () => {
  it("groups Quilt operations by action with before/after; a rollback through the Quilt API is its own action and marks the first", async () => {
    const { tenant, go } = await session("api");
    const pool = uniq("pool");
    expect((await go("POST", `/cloudpools/${pool}/config`, { body: {}, csrf: true })).status).toBe(200);
    const act = uniq("act");
    const c = uniq("ctr");
    const resize = await go("POST", `/api/elasticity/control/containers/${c}/resize`, { body: { memory_limit_mb: 512, cpu_limit_percent: 50 }, csrf: true, headers: quilt(tenant, act) });
    expect(resize.status, resize.text).toBe(200);
    const scale = await go("POST", `/api/elasticity/control/node-groups/${pool}/scale`, { body: { delta_units: 2 }, csrf: true, headers: quilt(tenant, act) });
    expect(scale.status, scale.text).toBe(200);

    let r = await go("GET", "/console/api/actions");
    expect(r.status, r.text).toBe(200);
    const first = r.body.actions.find((x: any) => x.action_id === act);
    expect(first.targets).toEqual([`container:${c}`, `group:${pool}`]);
    expect(first.operations.map((o: any) => o.type)).toEqual(["elasticity.resize_container", "elasticity.scale_node_group"]);
    expect(first.operations[1].result).toMatchObject({ before: { desired_size: 0 }, after: { desired_size: 2 } });
    expect(first).toMatchObject({ rollback_of: null, rolled_back_by: [] });

    // The rollback the console's button sends: without the CSRF header it is refused, nothing undone.
    const body = { target_action_id: act, force: false };
    const refused = await go("POST", `/api/elasticity/control/actions/${act}/rollback`, { body, headers: quilt(tenant, `${act}-rb`) });
    expect(refused.status).toBe(403);
    expect(refused.body.error_code).toBeDefined();
    const rb = await go("POST", `/api/elasticity/control/actions/${act}/rollback`, { body, csrf: true, headers: quilt(tenant, `${act}-rb`) });
    expect(rb.status, rb.text).toBe(200);
    expect(rb.body.status).toBe("succeeded");

    r = await go("GET", "/console/api/actions");
    const after = r.body.actions.find((x: any) => x.action_id === act);
    expect(after.rolled_back_by).toEqual([`${act}-rb`]);
    const rollback = r.body.actions.find((x: any) => x.action_id === `${act}-rb`);
    expect(rollback.rollback_of).toBe(act);
    expect(rollback.operations.map((o: any) => o.type)).toEqual(expect.arrayContaining(["elasticity.rollback_action"]));
    expect(r.body.actions[0].action_id).toBe(`${act}-rb`); // newest first
    expect((await go("GET", "/console/api/actions?limit=1")).body.actions).toHaveLength(1);
  });
});

describe("GET /console/api/deliveries", () => {
  it("each hook with its deliveries (acted, duplicate) and the tenant's provider deliveries", async () => {
    const { go } = await session("api");
    const pool = uniq("pool");
    expect((await go("POST", `/cloudpools/${pool}/config`, { body: {}, csrf: true })).status).toBe(200);
    const hook = await go("POST", "/hooks", { body: { name: "alerts", group: pool, format: "generic", action: { type: "change", value: 1 } }, csrf: true });
    expect(hook.status, hook.text).toBe(201);
    const deliver = (key: string) => call("POST", `/hooks/${hook.body.id}`, { raw: "{}", headers: { "Content-Type": "application/json", Authorization: `Bearer ${hook.body.secret}`, "Idempotency-Key": key } });
    expect((await deliver("d-1")).status).toBe(202);
    expect((await deliver("d-1")).status).toBe(200);
    const r = await go("GET", "/console/api/deliveries");
    expect(r.status, r.text).toBe(200);
    expect(r.body.hooks).toHaveLength(1);
    expect(r.body.hooks[0]).toMatchObject({ id: hook.body.id, name: "alerts", group: pool, format: "generic" });
    expect(r.body.hooks[0].deliveries.length).toBeGreaterThanOrEqual(1);
    expect(r.body.hooks[0].deliveries[0].result.results[0]).toMatchObject({ outcome: "acted", desired_size: 1 });
    expect(r.body.provider_deliveries).toEqual([]);
  });
});
