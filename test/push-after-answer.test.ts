// Issue 10, "no database on the request path": a hot mutation (elastisys desired size, KraftCloud
// metrics, machine operations) answers once its object committed the change and its ledger record;
// the push to D1 is dispatched before the answer but not waited for. Read-your-writes holds through
// the object (the pool's activities merge its outbox) and through D1 once the push lands. Quilt
// control writes and registry changes (creations, deletions) still wait for the push: their reads
// (operation by id, by action, rollback; lookups by uuid, lists) read D1 (docs/benchmarks.md,
// "Push after the answer"; a Quilt write whose push hangs does not answer: kernel-restart.test.ts).
import { env, runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { call, tenantToken } from "./helpers";
import { OUTBOX_SAFETY_MS } from "../src/objects/outbox";
import { hangPushes, kernelTenant, killAll } from "./kernel-support";
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

describe("read-your-writes over HTTP", () => {
  it("the activities list a desired-size change at once, and D1 holds it right after the answer", async () => {
    const { token } = await tenantToken("paa-http");
    expect((await call("POST", "/cloudpools/p/config", { token, body: {} })).status).toBe(200);
    for (const size of [1, 0, 2]) {
      const w = await call("POST", "/cloudpools/p/pool/size", { token, body: { desiredSize: size } });
      expect(w.status, w.text).toBe(200);
      const a = await call("GET", "/cloudpools/p/activities?limit=10", { token });
      expect(a.status).toBe(200);
      const mine = a.body.activities.find((x: any) => x.type === "pool.set_desired_size");
      expect(mine?.request).toEqual({ desiredSize: size });
      // The push was dispatched before the answer: a D1 read made after it finds the record.
      expect(await d1Operation(mine.id)).not.toBeNull();
    }
  });
});
