// Hook objects on the kernel's machinery (issue 10): a delivery id is an idempotency key of the one
// mechanism — in flight known in memory only, completed stored with its answer — so a hook object
// killed in the middle of a delivery leaves nothing behind and the next delivery with that id is
// handled (it used to answer 409 for 24 h). Hook registry rows go to D1 through the outbox.
import { SELF, env, runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { SECOND, releaseClock, setClock, freezeClock } from "./clock";
import { deliverBearer, desired, hookFixture, rows } from "./hooks-support";
import { hangCalls, killAll, until } from "./kernel-support";
import { objectStub } from "./helpers";



afterEach(() => {
  releaseClock();
});

/** The hook's D1 registry row as stored (deleted ones too). */
const registryRow = (id: string) => env.DB.prepare(`SELECT id, deleted_at, version FROM hooks WHERE id = ?`).bind(id).first<{ id: string; deleted_at: number | null; version: number }>();

describe("a hook object killed in the middle of a delivery", () => {
  it("the next delivery with the same id is handled (not 409 for a day); while the first runs, a repeat is told it is in flight", async () => {
    const f = await hookFixture("evict");
    expect(await desired(f)).toBe(2);
    // The hook's call to its group hangs: the delivery waits in it (applyTrigger). (The group's own
    // D1 push is no longer awaited by a trigger, so hanging that would not hold the delivery.)
    const gate = await hangCalls(objectStub(f.tenant, "hook", f.id), "GROUPS");
    const first = SELF.fetch(`http://scalegate.test/hooks/${f.id}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${f.secret}`, "X-Delivery-Id": "evt-evicted" },
      body: "{}",
    }).catch((err: unknown) => err);
    // The hook has begun the delivery and called its group: it is mid-delivery.
    await until(async () => gate.reached);
    const meanwhile = await deliverBearer(f.id, f.secret, {}, { "X-Delivery-Id": "evt-evicted" });
    expect(meanwhile.status, meanwhile.text).toBe(409);
    expect(meanwhile.body.detail).toBe("retry shortly");

    await killAll();
    await first;
    gate.hang = false;

    // Handled at once: the killed attempt left no marker. (Had its trigger committed on the group
    // before the kill, this generic delivery would act again: at-least-once, docs/architecture.md.)
    const again = await deliverBearer(f.id, f.secret, {}, { "X-Delivery-Id": "evt-evicted" });
    expect(again.status, again.text).toBe(202);
    expect(again.body.results[0].outcome).toBe("acted");
    // Now it is completed: a repeat replays its answer.
    const replay = await deliverBearer(f.id, f.secret, {}, { "X-Delivery-Id": "evt-evicted" });
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(again.body);
    expect((await rows(f.tenant, "hook", f.id)).filter((r) => r.type === "hook.delivery")).toHaveLength(1);
  });

  it("a delivery whose every trigger failed is not remembered: the same id acts once the group can", async () => {
    const f = await hookFixture("failed-first", { action: { type: "metric" } });
    // The group has no autoscale: a metric action fails (409), and the delivery id stays free.
    const r = await deliverBearer(f.id, f.secret, { cpu: 50 }, { "X-Delivery-Id": "d-1" });
    expect(r.status, r.text).toBe(409);
    const again = await deliverBearer(f.id, f.secret, { cpu: 50 }, { "X-Delivery-Id": "d-1" });
    expect(again.status).toBe(409);
    expect(again.body.detail).not.toBe("retry shortly");
  });
});

describe("hook registry rows go through the outbox", () => {
  it("create and delete write versioned rows; the deletion is never rolled back by a late push", async () => {
    const f = await hookFixture("registry");
    const created = await registryRow(f.id);
    expect(created).toMatchObject({ id: f.id, deleted_at: null });
    expect(created!.version).toBeGreaterThan(0);
    expect((await f.api.del(`/hooks/${f.id}`)).status).toBe(204);
    const deleted = await registryRow(f.id);
    expect(deleted!.deleted_at).not.toBeNull();
    expect(deleted!.version).toBeGreaterThan(created!.version);
    // An older version of the row arriving late (a retried push of a dead isolate) changes nothing.
    await env.DB.prepare(
      `INSERT INTO hooks (id, tenant_id, group_name, name, format, action, resolved, min_interval_seconds, created_at, updated_at, deleted_at, version)
       VALUES (?, 't', 'g', 'n', 'generic', '{}', NULL, 0, 0, 0, NULL, ?)
       ON CONFLICT(id) DO UPDATE SET deleted_at = excluded.deleted_at, version = excluded.version WHERE excluded.version > hooks.version`,
    )
      .bind(f.id, created!.version)
      .run();
    expect(await registryRow(f.id)).toEqual(deleted);
    expect((await f.api.get("/hooks")).body.hooks).toEqual([]);
  });

  it("a create whose registry row cannot reach D1 is undone (UNAVAILABLE); the pending row becomes a deletion, pushed later by the alarm", async () => {
    const f = await hookFixture("registry-down");
    freezeClock();
    const id = crypto.randomUUID();
    const hook = objectStub(f.tenant, "hook", id);
    const ctx = { tenantId: f.tenant, group: id, targetKind: "hook" as const, dialect: "hooks" as const, requestId: "r-1", idempotencyKey: null };
    const def = { id, tenantId: f.tenant, group: f.pool, name: "x", format: "generic" as const, action: { type: "change" as const, value: 1 }, resolved: null, minIntervalSeconds: 0 };
    await env.DB.exec("CREATE TRIGGER reject_hooks BEFORE INSERT ON hooks BEGIN SELECT RAISE(ABORT, 'registry unavailable'); END");
    try {
      const r = await hook.hookCreate(ctx, def);
      expect(r).toMatchObject({ ok: false, code: "UNAVAILABLE" });
      expect(await hook.hookGet()).toMatchObject({ ok: false, code: "HOOK_NOT_FOUND" });
      expect(await registryRow(id)).toBeNull();
    } finally {
      await env.DB.exec("DROP TRIGGER IF EXISTS reject_hooks");
    }
    // No other write: the alarm pushes what waited — the row, as a deletion.
    setClock(Date.now() + 10 * SECOND);
    expect(await runDurableObjectAlarm(hook)).toBe(true);
    expect((await registryRow(id))!.deleted_at).not.toBeNull();
    expect(await hook.pendingOperations()).toEqual([]);
    expect((await f.api.get("/hooks")).body.hooks.map((h: { id: string }) => h.id)).toEqual([f.id]);
    // Created again (the caller's retry), it stands.
    expect(await hook.hookCreate(ctx, def)).toMatchObject({ ok: true });
    expect((await registryRow(id))!.deleted_at).toBeNull();
  });
});
