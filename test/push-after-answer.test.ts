// Issue 10, "no database on the request path": a mutation (elastisys desired size, KraftCloud
// metrics, machine operations, Quilt control writes) answers once its object committed the change
// and its ledger record; the push to D1 leaves a moment after the answer (it gathers what commits
// within D1_GATHER_MS) and is not waited for, one push in flight per object (what commits meanwhile
// goes in one batch after it). Read-your-writes holds
// through the object (the pool's activities merge its outbox; Quilt reads: quilt-operations.test.ts)
// and through D1 once the push lands. Registry changes (creations, deletions) still wait for the
// push: lookups by uuid and lists read D1 (docs/benchmarks.md, "Push after the answer").
import { env, runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { call, tenantToken } from "./helpers";
import { OUTBOX_SAFETY_MS } from "../src/objects/outbox";
import { hangPushes, holdPushes, kernelTenant, killAll, until } from "./kernel-support";
import { freezeClock, outboxOperationIds, releaseClock, setClock } from "./clock";

const TENANT = "paa-tenant";

const { stubOf, ctx } = kernelTenant(TENANT);

const d1Operation = (id: string) => env.DB.prepare(`SELECT id, type FROM operations WHERE id = ?`).bind(id).first<{ id: string; type: string }>();

describe("push after the answer", () => {
  beforeEach(() => {
    freezeClock();
  });
  afterEach(() => {
    releaseClock();
  });

  it("a desired-size change answers while its push to D1 hangs (before issue 10 it waited); killed then, the record reaches D1 by the alarm", async () => {
    let stub = stubOf("group", "p-hang");
    expect((await stub.configure(ctx("group", "p-hang"), { updatePeriodSeconds: 3600 })).ok).toBe(true);
    const gate = await hangPushes(stub);
    const r = await stub.setDesiredSize(ctx("group", "p-hang"), 0);
    expect(r.ok).toBe(true);
    const pending = await outboxOperationIds(stub);
    expect(pending.length).toBeGreaterThan(0);
    for (const id of pending) expect(await d1Operation(id)).toBeNull();
    // The push never ends; the process dies. The outbox timer the commit set brings the alarm.
    await killAll();
    gate.hang = false;
    stub = stubOf("group", "p-hang");
    setClock(Date.now() + OUTBOX_SAFETY_MS);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    for (const id of pending) expect(await d1Operation(id), id).not.toBeNull();
    expect(await outboxOperationIds(stub)).toEqual([]);
  });
});

describe("one D1 push in flight per object (a group commit)", () => {
  it("commands answered while a push hangs go to D1 together in one batch once it ends, none lost, none twice", async () => {
    const stub = stubOf("group", "p-group-commit");
    expect((await stub.configure(ctx("group", "p-group-commit"), { updatePeriodSeconds: 3600 })).ok).toBe(true);
    // Count the D1 batches the object sends, and hold the first one.
    const gate = await holdPushes(stub);
    const seen = gate.sizes;
    const first = await stub.setServiceState(ctx("group", "p-group-commit"), "nope", "IN_SERVICE");
    expect(first.ok).toBe(false); // no such machine: nothing committed, nothing pushed
    expect((await stub.setDesiredSize(ctx("group", "p-group-commit"), 1)).ok).toBe(true);
    // It leaves a moment after the answer (D1_GATHER_MS, src/objects/push-lane.ts), then hangs.
    await until(async () => seen.length === 1);
    for (const size of [2, 3, 2, 1]) expect((await stub.setDesiredSize(ctx("group", "p-group-commit"), size)).ok).toBe(true);
    expect(seen).toHaveLength(1); // answered, queued behind it: no second push yet
    const pending = await outboxOperationIds(stub);
    gate.hold = false;
    await until(async () => (await outboxOperationIds(stub)).length === 0);
    expect(seen).toHaveLength(2); // everything committed meanwhile went in one more batch
    for (const id of pending) expect(await d1Operation(id), id).not.toBeNull();
    const rows = await env.DB.prepare(`SELECT COUNT(*) AS n FROM operations WHERE tenant_id = ? AND target_id = ? AND type = 'pool.set_desired_size'`).bind(TENANT, "p-group-commit").first<{ n: number }>();
    expect(rows?.n).toBe(5);
  });
});

describe("read-your-writes over HTTP", () => {
  it("the activities list a desired-size change at once, and D1 holds it once the object's push ends", async () => {
    const { token } = await tenantToken("paa-http");
    expect((await call("POST", "/cloudpools/p/config", { token, body: {} })).status).toBe(200);
    for (const size of [1, 0, 2]) {
      const w = await call("POST", "/cloudpools/p/pool/size", { token, body: { desiredSize: size } });
      expect(w.status, w.text).toBe(200);
      const a = await call("GET", "/cloudpools/p/activities?limit=10", { token });
      expect(a.status).toBe(200);
      const mine = a.body.activities.find((x: any) => x.type === "pool.set_desired_size");
      expect(mine?.request).toEqual({ desiredSize: size });
      // The push leaves a moment after the answer (or queued behind the one in flight, a group
      // commit): D1 holds the record once the object's pushes end, with no other request.
      await until(async () => (await d1Operation(mine.id)) !== null);
    }
  });
});
