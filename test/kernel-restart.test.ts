// The object kernel across a process death (issue 10's defect): a command commits its change and
// its ledger record, then the isolate dies while the push to D1 is still in flight. The alarm is
// set in the same step as the commit, so it already points at (or before) the outbox safety time,
// and the record reaches D1 by itself — no other write to that object needed. Also: an object that
// wakes with an overdue timer and no alarm runs it at once; the schema migrations.
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TargetKind } from "../src/domain/operations";
import { OUTBOX_SAFETY_MS } from "../src/objects/outbox";
import { MIGRATIONS, SCHEMA_VERSION, migrate, schemaVersion } from "../src/objects/schema";
import { hangPushes, kernelTenant, killAll, until } from "./kernel-support";
import { HOUR, SECOND, alarmAt, expectArmed, freezeClock, outboxOperationIds, releaseClock, setClock, timerRows } from "./clock";
import { objectStub } from "./helpers";

const TENANT = "kr-tenant";

beforeEach(() => {
  freezeClock();
});
afterEach(() => {
  releaseClock();
});

const { stubOf: targetStub, ctx } = kernelTenant(TENANT);

/** The D1 ledger row of one operation, or null. */
const d1Operation = (id: string) => env.DB.prepare(`SELECT id, type, action_id, status FROM operations WHERE id = ?`).bind(id).first<{ id: string; type: string; action_id: string | null; status: string }>();

/** Kills every object (./kernel-support.ts) and returns a new stub of this one. */
async function kill<K extends TargetKind>(kind: K, id: string) {
  await killAll();
  return targetStub(kind, id);
}

describe("killed between commit and push", () => {
  it("a Quilt resize whose push hung when the object died reaches D1 by itself, listed under its action", async () => {
    let stub = targetStub("container", "c-killed");
    const action = `act-${crypto.randomUUID()}`;
    // An earlier resize with an Idempotency-Key: its 24 h expiry timer is the object's only timer.
    const first = await stub.resizeContainer(ctx("container", "c-killed", { idempotencyKey: "k-1", actionId: action }), { memory_limit_mb: 256, cpu_limit_percent: 50 });
    expect(first.ok).toBe(true);
    expect((await timerRows(stub)).map((t) => t.name)).toEqual(["idempotency-expiry"]);
    expect(await alarmAt(stub)).toBe(Date.now() + 24 * HOUR);

    const gate = await hangPushes(stub);
    const t0 = Date.now();
    const answer = stub.resizeContainer(ctx("container", "c-killed", { actionId: action }), { memory_limit_mb: 512, cpu_limit_percent: 100 }).catch((err: unknown) => ({ ok: false as const, err }));
    await until(async () => (await outboxOperationIds(stub)).length > 0);
    const [pending] = await outboxOperationIds(stub);

    // Committed, not pushed: the alarm already points at the outbox safety time, not the 24 h expiry.
    const alarm = await alarmAt(stub);
    expect(alarm).not.toBeNull();
    expect(alarm!).toBeLessThanOrEqual(t0 + OUTBOX_SAFETY_MS);
    await expectArmed(stub);

    stub = await kill("container", "c-killed");
    // Answered although D1 hung (issue 10: a Quilt write waits for its action's object, not for D1).
    expect(await answer).toMatchObject({ ok: true, operation: { id: pending } });
    gate.hang = false;
    expect(await d1Operation(pending)).toBeNull();

    // No other write: only time passes, and the alarm pushes the record.
    setClock(Math.max(Date.now(), alarm!));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await d1Operation(pending)).toMatchObject({ id: pending, type: "elasticity.resize_container", action_id: action, status: "succeeded" });
    expect(await outboxOperationIds(stub)).toEqual([]);
    expect((await timerRows(stub)).map((t) => t.name)).toEqual(["idempotency-expiry"]);
    await expectArmed(stub);
    // The action's object lists it (what a rollback of the action reads), and so does D1.
    const indexed = await objectStub(TENANT, "action", action).listOperations();
    expect(indexed.ok && indexed.operations.map((o) => o.id)).toEqual([first.ok ? first.operation.id : "", pending]);
    const listed = await env.DB.prepare(`SELECT id FROM operations WHERE tenant_id = ? AND action_id = ? ORDER BY seq`).bind(TENANT, action).all<{ id: string }>();
    expect(listed.results.map((r) => r.id)).toContain(pending);
    expect(listed.results).toHaveLength(2);
  });

  it("a pool's desired-size change killed mid-push: the records land once the alarm runs, the group's later timers are untouched", async () => {
    let stub = targetStub("group", "p-killed");
    expect((await stub.configure(ctx("group", "p-killed"), { updatePeriodSeconds: 3600 })).ok).toBe(true);
    expect(await alarmAt(stub)).toBe(Date.now() + HOUR);

    const gate = await hangPushes(stub);
    const answer = stub.setDesiredSize(ctx("group", "p-killed"), 2).catch((err: unknown) => ({ ok: false as const, err }));
    await until(async () => (await outboxOperationIds(stub)).length > 0);
    const pending = await outboxOperationIds(stub);
    // The launches' lifecycle steps and the outbox safety timer are armed with the commit.
    expect(await alarmAt(stub)).toBeLessThanOrEqual(Date.now() + OUTBOX_SAFETY_MS);
    stub = await kill("group", "p-killed");
    await answer;
    gate.hang = false;

    // The machines' first step is due before the safety time: let both come due and run.
    setClock(Date.now() + OUTBOX_SAFETY_MS);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    for (const id of pending) expect(await d1Operation(id), id).not.toBeNull();
    expect(await outboxOperationIds(stub)).toEqual([]);
    expect((await timerRows(stub)).some((t) => t.name === "reconcile")).toBe(true);
    await expectArmed(stub);
  });
});

describe("waking up", () => {
  it("an overdue timer with no alarm (lost before a restart) runs at once: the constructor arms now + 1", async () => {
    let stub = targetStub("group", "p-wake");
    expect((await stub.configure(ctx("group", "p-wake"), { updatePeriodSeconds: 60 })).ok).toBe(true);
    await runInDurableObject(stub, (_i, s) => s.storage.deleteAlarm());
    stub = await kill("group", "p-wake");
    setClock(Date.now() + 2 * 60 * SECOND);
    // Any call wakes it; the constructor sees the overdue reconcile and no alarm.
    expect(await alarmAt(stub)).toBe(Date.now() + 1);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await timerRows(stub)).find((t) => t.name === "reconcile")?.due_ms).toBe(Date.now() + 60 * SECOND);
    await expectArmed(stub);
  });
});

describe("schema versions", () => {
  it("a new object is at the latest version; migrations run once, in order", async () => {
    const stub = targetStub("group", "p-schema");
    expect(await runInDurableObject(stub, (_i, s) => schemaVersion(s.storage))).toBe(SCHEMA_VERSION);
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_m, i) => i + 1));
    // Running them again changes nothing.
    expect(await runInDurableObject(stub, (_i, s) => migrate(s.storage))).toBe(SCHEMA_VERSION);
  });

  it("version 1 storage (timers by name, hook 'pending' markers) is carried over to typed timers and the one idempotency table", async () => {
    const stub = targetStub("group", "p-legacy");
    const out = await runInDurableObject(stub, (_i, s) => {
      const sql = s.storage.sql;
      // Start from an object as it was before versioning: drop what the constructor made.
      for (const t of ["kv", "machines", "timers", "outbox", "idempotency", "deliveries", "hook_seen", "hook_dedup", "meta"]) sql.exec(`DROP TABLE IF EXISTS ${t}`);
      migrate(s.storage, MIGRATIONS.slice(0, 1));
      sql.exec(`DELETE FROM meta`); // pre-versioning objects have no meta row
      for (const [name, due, payload] of [
        ["reconcile", 10, null],
        ["sim:i-abc", 11, JSON.stringify({ from: "REQUESTED" })],
        ["terminate:i-abc", 12, null],
        ["autoscale:warmup-end", 13, null],
        ["workload:rotation", 14, JSON.stringify({ next: "f2" })],
        ["outbox", 15, null],
        ["something-unknown", 16, null],
      ] as const) sql.exec(`INSERT INTO timers (name, due_ms, payload) VALUES (?, ?, ?)`, name, due, payload);
      sql.exec(`INSERT INTO hook_dedup (key, value, expires_at) VALUES ('d:done', ?, 99), ('d:stuck', '{"pending":true}', 99), ('a:alert', '{}', 99)`, JSON.stringify({ body: { hook_id: "h1", delivery_id: "op" } }));
      const version = migrate(s.storage);
      return {
        version,
        timers: sql.exec(`SELECT kind, key, due_ms, payload FROM timers ORDER BY due_ms`).toArray(),
        idempotency: sql.exec(`SELECT scope, fingerprint, response, expires_at FROM idempotency`).toArray(),
        dedup: sql.exec(`SELECT key FROM hook_dedup`).toArray(),
      };
    });
    expect(out.version).toBe(SCHEMA_VERSION);
    expect(out.timers).toEqual([
      { kind: "reconcile", key: "", due_ms: 10, payload: null },
      { kind: "machine-step", key: "i-abc", due_ms: 11, payload: JSON.stringify({ from: "REQUESTED" }) },
      { kind: "terminate", key: "i-abc", due_ms: 12, payload: null },
      { kind: "warmup-end", key: "", due_ms: 13, payload: null },
      { kind: "rotation-cutover", key: "", due_ms: 14, payload: JSON.stringify({ next: "f2" }) },
      { kind: "outbox-flush", key: "", due_ms: 15, payload: null },
    ]);
    expect(out.idempotency).toEqual([{ scope: JSON.stringify(["hook.delivery", "h1", "done"]), fingerprint: "", response: JSON.stringify({ body: { hook_id: "h1", delivery_id: "op" } }), expires_at: 99 }]);
    expect(out.dedup).toEqual([{ key: "a:alert" }]);
  });
});
