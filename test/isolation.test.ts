// Tenant isolation at the Durable Object level: the same pool name in two tenants is two
// different group objects with separate state, timers, idempotency records and ledger rows, and
// one tenant's token cannot reach the other's machines.
import { env, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { client, groupStub, tenantToken } from "./helpers";
import { SECOND, freezeClock, ledger, passTime, releaseClock, storedMachines, timerNames } from "./clock";
import type { GroupObject } from "../src/objects/group";

const A = "iso-a";
const B = "iso-b";
let a: ReturnType<typeof client>;
let b: ReturnType<typeof client>;

beforeAll(async () => {
  a = client((await tenantToken(A)).token);
  b = client((await tenantToken(B)).token);
});
beforeEach(() => {
  freezeClock();
});
afterEach(() => {
  releaseClock();
});

/** The pool `pool` in both tenants: A's with 3 machines and its own config, B's with 1. */
async function twoPools(pool: string) {
  await ok(a.post(`/cloudpools/${pool}/config`, { victimSelectionPolicy: "NEWEST_INSTANCE", provider: { type: "simulated", requestDelayMs: 100 }, updatePeriodSeconds: 3600 }));
  await ok(b.post(`/cloudpools/${pool}/config`, { updatePeriodSeconds: 60 }));
  await ok(a.post(`/cloudpools/${pool}/pool/size`, { desiredSize: 3 }));
  await ok(b.post(`/cloudpools/${pool}/pool/size`, { desiredSize: 1 }));
  return { stubA: groupStub(A, pool), stubB: groupStub(B, pool) };
}

async function ok(r: Promise<{ status: number; text: string; body: any; headers: Headers }>) {
  const res = await r;
  expect(res.status, res.text).toBe(200);
  return res;
}

describe("same pool name, two tenants", () => {
  it("are two Durable Objects with their own config, machines, timers and ledger", async () => {
    const POOL = "shared";
    const { stubA, stubB } = await twoPools(POOL);
    expect(stubA.id.equals(stubB.id)).toBe(false);

    // Each object holds only its tenant's group.
    const groupOf = async (stub: DurableObjectStub<GroupObject>) => {
      const r = await stub.getGroup();
      return r.ok ? r.group : r;
    };
    expect(await groupOf(stubA)).toMatchObject({ tenantId: A, name: POOL, desiredSize: 3, config: { victimSelectionPolicy: "NEWEST_INSTANCE", updatePeriodSeconds: 3600 } });
    expect(await groupOf(stubB)).toMatchObject({ tenantId: B, name: POOL, desiredSize: 1, config: { victimSelectionPolicy: "OLDEST_INSTANCE", updatePeriodSeconds: 60 } });

    const machinesA = await storedMachines(stubA);
    const machinesB = await storedMachines(stubB);
    expect(machinesA.size).toBe(3);
    expect(machinesB.size).toBe(1);
    for (const id of machinesB.keys()) expect(machinesA.has(id)).toBe(false);

    // Through the API each tenant sees its own pool only.
    expect((await ok(a.get(`/cloudpools/${POOL}/pool/size`))).body).toMatchObject({ desiredSize: 3, allocated: 3, outOfService: 0 });
    expect((await ok(b.get(`/cloudpools/${POOL}/pool/size`))).body).toMatchObject({ desiredSize: 1, allocated: 1, outOfService: 0 });
    expect((await ok(b.get(`/cloudpools/${POOL}/pool`))).body.machines.map((m: any) => m.id)).toEqual([...machinesB.keys()]);
    expect((await ok(a.get(`/cloudpools/${POOL}/config`))).body.provider.requestDelayMs).toBe(100);
    expect((await ok(b.get(`/cloudpools/${POOL}/config`))).body.provider.requestDelayMs).toBe(200);

    // Time passing in A's object moves only A's machines.
    await passTime(stubA, 2 * SECOND);
    expect([...(await storedMachines(stubA)).values()].map((m) => m.machineState)).toEqual(["RUNNING", "RUNNING", "RUNNING"]);
    expect([...(await storedMachines(stubB)).values()].map((m) => m.machineState)).toEqual(["REQUESTED"]);
    expect((await timerNames(stubB)).filter((n) => n.startsWith("machine-step:"))).toHaveLength(1);

    // Ledger rows carry their tenant; activities list only the caller's.
    const la = await ledger(A, POOL);
    const lb = await ledger(B, POOL);
    expect(la.map((x) => x.type)).toEqual(["pool.configure", "pool.set_desired_size", "machine.launched"]);
    expect(lb.map((x) => x.type)).toEqual(["pool.configure", "pool.set_desired_size", "machine.launched"]);
    const idsB = new Set(lb.map((x) => x.id));
    const actA = (await ok(a.get(`/cloudpools/${POOL}/activities`))).body.activities;
    expect(actA.map((x: any) => x.id).sort()).toEqual(la.map((x) => x.id).sort());
    expect(actA.some((x: any) => idsB.has(x.id))).toBe(false);
    const launchedB = JSON.parse(lb[2].result!).machineIds;
    expect(launchedB).toEqual([...machinesB.keys()]);
  });

  it("a tenant cannot reach the other tenant's machines, even knowing their ids", async () => {
    const POOL = "shared-reach";
    const { stubB } = await twoPools(POOL);
    const [victim] = [...(await storedMachines(stubB)).keys()];
    const before = await storedMachines(stubB);
    const ledgerB = await ledger(B, POOL);

    for (const [path, body] of [
      [`/cloudpools/${POOL}/pool/${victim}/terminate`, { decrementDesiredSize: true }],
      [`/cloudpools/${POOL}/pool/${victim}/detach`, { decrementDesiredSize: false }],
      [`/cloudpools/${POOL}/pool/${victim}/attach`, {}],
      [`/cloudpools/${POOL}/pool/${victim}/serviceState`, { serviceState: "OUT_OF_SERVICE" }],
      [`/cloudpools/${POOL}/simulator/events`, { type: "machine.crashed", machineId: victim }],
    ] as const) {
      const r = await a.post(path, body);
      expect(r.status, `${path}: ${r.text}`).toBe(404);
    }
    // Asserting the other tenant in X-Tenant-Id is refused outright.
    const r = await a.get(`/cloudpools/${POOL}/pool`, { "X-Tenant-Id": B });
    expect(r.status, r.text).toBe(403);

    expect(await storedMachines(stubB)).toEqual(before);
    expect(await ledger(B, POOL)).toEqual(ledgerB);
  });

  it("the same Idempotency-Key in both tenants is two keys", async () => {
    const POOL = "shared-idem";
    await twoPools(POOL);
    const key = { "Idempotency-Key": "same-key" };
    const ra = await ok(a.post(`/cloudpools/${POOL}/pool/size`, { desiredSize: 2 }, key));
    expect(ra.headers.get("Idempotent-Replayed")).toBeNull();
    // Another request under the same key: no conflict, no replay in B.
    const rb = await ok(b.post(`/cloudpools/${POOL}/pool/size`, { desiredSize: 4 }, key));
    expect(rb.headers.get("Idempotent-Replayed")).toBeNull();
    expect((await ok(b.get(`/cloudpools/${POOL}/pool/size`))).body.desiredSize).toBe(4);
    expect((await ok(a.get(`/cloudpools/${POOL}/pool/size`))).body.desiredSize).toBe(2);
    // Each replays its own.
    const again = await ok(a.post(`/cloudpools/${POOL}/pool/size`, { desiredSize: 2 }, key));
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
  });

  it("each tenant lists its own pools, and deleting one leaves the other's intact", async () => {
    const POOL = "shared-del";
    await twoPools(POOL);
    await ok(b.post(`/cloudpools/${POOL}/pool/size`, { desiredSize: 4 }));
    await ok(a.post(`/cloudpools/only-a/config`, {}));
    const listA = (await ok(a.get(`/cloudpools`))).body.pools.map((p: any) => p.name);
    const listB = (await ok(b.get(`/cloudpools`))).body.pools.map((p: any) => p.name);
    expect(listA).toContain("only-a");
    expect(listA).toContain(POOL);
    expect(listB).toContain(POOL);
    expect(listB).not.toContain("only-a");
    expect((await b.get(`/cloudpools/only-a/config`)).status).toBe(404);

    const del = await ok(a.del(`/cloudpools/${POOL}`));
    expect(del.body.terminated).toHaveLength(3);
    expect((await a.get(`/cloudpools/${POOL}/pool`)).status).toBe(404);
    expect((await ok(b.get(`/cloudpools/${POOL}/pool/size`))).body).toMatchObject({ desiredSize: 4, allocated: 4, outOfService: 0 });
    expect((await storedMachines(groupStub(B, POOL))).size).toBe(4);
    expect((await ok(b.get(`/cloudpools`))).body.pools.map((p: any) => p.name)).toContain(POOL);
    expect((await ok(a.get(`/cloudpools`))).body.pools.map((p: any) => p.name)).not.toContain(POOL);
    const rows = await env.DB.prepare(`SELECT tenant_id, deleted_at FROM groups WHERE name = ? ORDER BY tenant_id`).bind(POOL).all<{ tenant_id: string; deleted_at: number | null }>();
    expect(rows.results.map((r) => [r.tenant_id, r.deleted_at === null])).toEqual([
      [A, false],
      [B, true],
    ]);
  });
});
