// A pool-scoped token on any other pool, in every dialect (issue 8 part 3): 403 in that dialect's
// error shape and nothing of the tenant changed (D1 rows and the groups' Durable Object storage).
// Tenant-wide routes (listings, collection routes, Quilt operation/action reads, hooks) refuse it
// too; routes that name the token's own group work in every dialect.
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call, type Call } from "./helpers";
import { expectKcError, newInstance, newTenant, slowService, snapshot, uniq, type Tenant } from "./kraftcloud-support";

interface Setup {
  t: Tenant;
  own: string;
  ownUuid: string;
  other: string;
  otherUuid: string;
  instanceUuid: string;
  machineId: string;
  scoped: string;
}

async function setup(prefix: string): Promise<Setup> {
  const t = await newTenant(prefix);
  const own = uniq("own");
  const other = uniq("other");
  const ownUuid = await slowService(t, own);
  const otherUuid = await slowService(t, other);
  const instance = await newInstance(t, other);
  expect((await call("POST", `/cloudpools/${other}/pool/size`, { token: t.token, body: { desiredSize: 2 } })).status).toBe(200);
  const listed = await call("GET", `/cloudpools/${other}/pool`, { token: t.token });
  const machineId = listed.body.machines.find((m: any) => m.id !== instance.uuid && m.id !== instance.name)?.id ?? listed.body.machines[0].id;
  const issued = await call("POST", `/admin/tenants/${t.tenant}/tokens`, { token: ADMIN_TOKEN, body: { pool: own } });
  expect(issued.status, issued.text).toBe(201);
  return { t, own, ownUuid, other, otherUuid, instanceUuid: instance.uuid, machineId, scoped: issued.body.token };
}

/** The tenant's state, once the outbox of the setup's writes has settled (two equal reads in a row). */
async function settled(s: Setup) {
  let before = await snapshot(s.t, [s.own, s.other]);
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 50));
    const again = await snapshot(s.t, [s.own, s.other]);
    if (JSON.stringify(again) === JSON.stringify(before)) return again;
    before = again;
  }
  return before;
}

type Req = [method: string, path: string, body?: unknown, headers?: Record<string, string>];

async function send(s: Setup, [method, path, body, headers]: Req, via: "bearer" | "basic" = "bearer"): Promise<Call> {
  const auth = via === "bearer" ? { Authorization: `Bearer ${s.scoped}` } : { Authorization: `Basic ${btoa(`u:${s.scoped}`)}` };
  return call(method, path, { body, headers: { ...auth, ...headers } });
}

describe("elastisys: another pool → 403 {message, detail}, nothing changed", () => {
  it("every route of /cloudpools/{other}, the pool listing, and a pool that does not exist", async () => {
    const s = await setup("sd-el");
    const before = await settled(s);
    const P = `/cloudpools/${s.other}`;
    const m = s.machineId;
    const routes: Req[] = [
      ["GET", "/cloudpools"],
      ["DELETE", P],
      ["GET", `${P}/config`],
      ["POST", `${P}/config`, { updatePeriodSeconds: 5 }],
      ["GET", `${P}/pool`],
      ["GET", `${P}/pool/size`],
      ["POST", `${P}/pool/size`, { desiredSize: 5 }],
      ["POST", `${P}/pool/${m}/terminate`, { decrementDesiredSize: true }],
      ["POST", `${P}/pool/${m}/detach`, { decrementDesiredSize: true }],
      ["POST", `${P}/pool/${m}/attach`],
      ["POST", `${P}/pool/${m}/serviceState`, { serviceState: "OUT_OF_SERVICE" }],
      ["GET", `${P}/activities`],
      ["POST", `${P}/simulator/events`, { type: "machine.appeared" }],
      ["POST", "/cloudpools/never-made/config", {}],
      ["DELETE", "/cloudpools/never-made"],
    ];
    for (const req of routes) {
      for (const via of ["bearer", "basic"] as const) {
        const r = await send(s, req, via);
        expect(r.status, `${req[0]} ${req[1]} (${via}) → ${r.text}`).toBe(403);
        expect(Object.keys(r.body).sort()).toEqual(["detail", "message"]);
        expect(r.body.message).toContain(`scoped to pool '${s.own}'`);
      }
    }
    expect(await snapshot(s.t, [s.own, s.other])).toEqual(before);
    // Its own pool works under /cloudpools/{pool} too.
    expect((await send(s, ["GET", `/cloudpools/${s.own}/pool/size`])).status).toBe(200);
  });
});

describe("KraftCloud: another group or a collection route → 403 {status: error}, nothing changed", () => {
  it("every /v1 route", async () => {
    const s = await setup("sd-kc");
    const before = await settled(s);
    const S = `/v1/services/${s.otherUuid}`;
    const I = `/v1/instances/${s.instanceUuid}`;
    const routes: Req[] = [
      ["GET", "/v1/services"],
      ["POST", "/v1/services", { name: uniq("fresh") }],
      ["DELETE", "/v1/services", [{ uuid: s.otherUuid }]],
      ["GET", S],
      ["DELETE", S],
      ["GET", `${S}/autoscale`],
      ["POST", `${S}/autoscale`, { min_size: 0, max_size: 3 }],
      ["DELETE", `${S}/autoscale`],
      ["POST", `${S}/autoscale/policies`, { name: "p", type: "step", metric: "cpu", adjustment_type: "change", steps: [{ lower_bound: 0, adjustment: 1 }] }],
      ["GET", `${S}/autoscale/policies`],
      ["DELETE", `${S}/autoscale/policies`],
      ["GET", `${S}/autoscale/policies/p`],
      ["DELETE", `${S}/autoscale/policies/p`],
      ["POST", `${S}/autoscale/metrics`, { cpu: 900 }],
      ["POST", `${S}/autoscale/evaluate`, { cpu: 900 }],
      ["GET", "/v1/services/autoscale"],
      ["POST", "/v1/services/autoscale", { uuid: s.otherUuid, min_size: 0, max_size: 3 }],
      ["DELETE", "/v1/services/autoscale", { uuid: s.otherUuid }],
      ["GET", "/v1/instances"],
      ["POST", "/v1/instances", { image: "user/app:latest", service_group: { name: s.other } }],
      ["DELETE", "/v1/instances", [{ uuid: s.instanceUuid }]],
      ["PUT", "/v1/instances/start", [{ uuid: s.instanceUuid }]],
      ["PUT", "/v1/instances/stop", [{ uuid: s.instanceUuid }]],
      ["GET", I],
      ["DELETE", I],
      ["PUT", `${I}/start`],
      ["PUT", `${I}/stop`],
    ];
    for (const req of routes) {
      const r = await send(s, req, req[0] === "GET" ? "basic" : "bearer");
      expectKcError(r, 403, "scoped to pool");
    }
    expect(await snapshot(s.t, [s.own, s.other])).toEqual(before);
    // Its own group, named by uuid, works.
    const own = await send(s, ["GET", `/v1/services/${s.ownUuid}`]);
    expect(own.status, own.text).toBe(200);
    expect(own.body.data.service_groups[0]).toMatchObject({ uuid: s.ownUuid, name: s.own });
  });
});

describe("Quilt, provider callbacks and hooks", () => {
  it("Quilt: another node group, containers, functions, workloads, rollbacks and operation reads → 403; its own node group scales", async () => {
    const s = await setup("sd-q");
    const before = await settled(s);
    const Q = "/api/elasticity";
    const ctl = (key: string) => ({ "X-Tenant-Id": s.t.tenant, "Idempotency-Key": key, "X-Orch-Action-Id": "act-sd", "Content-Type": "application/json" });
    const read = { "X-Tenant-Id": s.t.tenant };
    const routes: Req[] = [
      ["POST", `${Q}/control/node-groups/${s.other}/scale`, { delta_units: 1 }, ctl("k1")],
      ["POST", `${Q}/containers/c1/resize`, { memory_limit_mb: 256, cpu_limit_percent: 50 }, read],
      ["POST", `${Q}/control/containers/c1/resize`, { memory_limit_mb: 256, cpu_limit_percent: 50 }, ctl("k2")],
      ["POST", `${Q}/functions/f1/pool-target`, { min_instances: 0, max_instances: 2 }, read],
      ["POST", `${Q}/control/functions/f1/pool-target`, { min_instances: 0, max_instances: 2 }, ctl("k3")],
      ["PUT", `${Q}/control/workloads/w1/function-binding`, { function_id: "fn" }, ctl("k4")],
      ["GET", `${Q}/control/workloads/w1/function-binding`, undefined, read],
      ["POST", `${Q}/control/workloads/w1/function-binding/rotate`, { next_function_id: "fn2", cutover_at: 1 }, ctl("k5")],
      ["PUT", `${Q}/control/workloads/w1/placement-preference`, { node_group: s.own, anti_affinity: false }, ctl("k6")],
      ["GET", `${Q}/control/workloads/w1/placement-preference`, undefined, read],
      ["POST", `${Q}/control/actions/act-x/rollback`, { target_action_id: "act-x" }, ctl("k7")],
      ["GET", `${Q}/control/operations/00000000-0000-4000-8000-000000000000`, undefined, read],
      ["GET", `${Q}/control/actions/act-x/operations`, undefined, read],
    ];
    for (const req of routes) {
      const r = await send(s, req);
      expect(r.status, `${req[0]} ${req[1]} → ${r.text}`).toBe(403);
      expect(r.body.error_code).toBe("FORBIDDEN");
      expect(r.body.error).toContain(`scoped to pool '${s.own}'`);
    }
    expect(await snapshot(s.t, [s.own, s.other])).toEqual(before);
    expect((await send(s, ["GET", `${Q}/control/contract`, undefined, read])).status).toBe(200);
    const scale = await send(s, ["POST", `${Q}/control/node-groups/${s.own}/scale`, { delta_units: 1 }, ctl("k-own")]);
    expect(scale.status, scale.text).toBe(200);
    expect(scale.body.status).toBe("succeeded");
  });

  it("provider callbacks for another group → 403 (its own group passes the scope); hooks management → 403", async () => {
    const s = await setup("sd-ph");
    const before = await settled(s);
    const other = await send(s, ["POST", `/providers/webhook/${s.other}/machines`, { id: "vm-1", state: "RUNNING" }]);
    expect(other.status, other.text).toBe(403);
    expect(other.body).toMatchObject({ error: "FORBIDDEN" });
    for (const req of [
      ["GET", "/hooks"],
      ["POST", "/hooks", { name: "h", group: s.own, format: "generic", action: { type: "scale_by", delta: 1 } }],
      ["DELETE", "/hooks/00000000-0000-4000-8000-000000000000"],
    ] as Req[]) {
      const r = await send(s, req);
      expect(r.status, `${req[0]} ${req[1]} → ${r.text}`).toBe(403);
      expect(r.body.error).toBe("FORBIDDEN");
    }
    expect(await snapshot(s.t, [s.own, s.other])).toEqual(before);
    // Its own group: past the scope, refused for what it is (a simulated pool takes no callbacks).
    const own = await send(s, ["POST", `/providers/webhook/${s.own}/machines`, { id: "vm-1", state: "RUNNING" }]);
    expect(own.status, own.text).toBe(409);
  });
});
