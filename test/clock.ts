// A controllable clock for the Durable Object tests, and readers of a group's storage and ledger.
//
// `freezeClock()` fakes `Date` for the whole isolate: the Worker and the Durable Objects of the
// test file run in the same isolate as the test, so `Date.now()` inside the group object is the
// test's clock. It starts far in the real future, so no alarm ever fires on its own: only the
// test runs alarms (runDurableObjectAlarm), and every step is deterministic.
// `passTime()` moves that clock forward and, like the runtime would, runs the group's alarm each
// time its earliest timer comes due; machine timestamps, idempotency expiries and timers all see
// the same time pass.
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { expect, vi } from "vitest";
import type { Machine } from "../src/domain/model";
import { settle } from "./settle";

export const SECOND = 1000;
export const MINUTE = 60_000;
export const HOUR = 3_600_000;

export function freezeClock(at = Date.now() + 400 * 24 * HOUR): number {
  vi.useFakeTimers({ toFake: ["Date"], now: at });
  return at;
}

export function releaseClock(): void {
  vi.useRealTimers();
}

export function setClock(at: number): void {
  vi.setSystemTime(at);
}

export interface TimerRow {
  kind: string;
  key: string;
  /** For reading in assertions: the kind, or `kind:key` for a per-machine timer (src/objects/timers.ts). */
  name: string;
  due_ms: number;
  payload: string | null;
}

const TIMERS_SQL = `SELECT kind, key, CASE WHEN key = '' THEN kind ELSE kind || ':' || key END AS name, due_ms, payload FROM timers ORDER BY due_ms, kind, key`;

/** The object's timers, earliest first (this file is the one place tests read the timers table). */
export const timerRows = (stub: DurableObjectStub) =>
  runInDurableObject(stub, (_i, s) =>
    s.storage.sql
      .exec<TimerRow & Record<string, SqlStorageValue>>(TIMERS_SQL)
      .toArray(),
  );

/**
 * The timers and the alarm read as one snapshot: the SQL read and the `getAlarm` call happen in
 * one synchronous step inside the object, so no commit can come between them. Two separate object
 * calls could see a background push's idle commit (it clears `outbox-flush` and moves the alarm)
 * land in between: the timers from before it, the alarm from after (CI failure of stop 20).
 */
export const timersAndAlarm = (stub: DurableObjectStub) =>
  runInDurableObject(stub, async (_i, s) => {
    const rows = s.storage.sql
      .exec<TimerRow & Record<string, SqlStorageValue>>(TIMERS_SQL)
      .toArray();
    const alarm = await s.storage.getAlarm(); // issued in the same step as the read above
    return { rows, alarm };
  });

export const timerNames = async (stub: DurableObjectStub) => (await timerRows(stub)).map((t) => t.name);

export const alarmAt = (stub: DurableObjectStub) => runInDurableObject(stub, (_i, s) => s.storage.getAlarm());

/** The machines as stored (members and detached ones), by id. */
export async function storedMachines(stub: DurableObjectStub): Promise<Map<string, Machine>> {
  const rows = await runInDurableObject(stub, (_i, s) => s.storage.sql.exec<{ id: string; data: string }>(`SELECT id, data FROM machines`).toArray());
  return new Map(rows.map((r) => [r.id, JSON.parse(r.data) as Machine]));
}

export interface OutboxRow {
  kind: string;
  key: string;
  rev: number;
  payload: string;
}

export const outboxRows = (stub: DurableObjectStub) =>
  runInDurableObject(stub, (_i, s) => s.storage.sql.exec<OutboxRow & Record<string, SqlStorageValue>>(`SELECT kind, key, rev, payload FROM outbox ORDER BY rowid`).toArray());

/** Operation ids waiting in the outbox. */
export const outboxOperationIds = async (stub: DurableObjectStub) =>
  (await outboxRows(stub)).filter((r) => r.kind === "operation").map((r) => r.key);

export interface LedgerRow {
  id: string;
  type: string;
  status: string;
  dialect: string;
  cause: string | null;
  result: string | null;
  idempotency_key: string | null;
  version: number;
  seq: number;
}

/** The D1 ledger rows of one group, in order. */
export async function ledger(tenant: string, group: string): Promise<LedgerRow[]> {
  await settle(env.GROUPS.get(env.GROUPS.idFromName(`${tenant}:group:${group}`)));
  const r = await env.DB.prepare(
    `SELECT id, type, status, dialect, cause, result, idempotency_key, version, seq FROM operations WHERE tenant_id = ? AND target_kind = 'group' AND target_id = ? ORDER BY seq`,
  )
    .bind(tenant, group)
    .all<LedgerRow>();
  return r.results;
}

/**
 * The alarm invariant: no alarm without timers; otherwise the alarm fires at the earliest timer
 * (or, when that timer was already due when the alarm was set, right after: never in the past).
 */
export async function expectArmed(stub: DurableObjectStub): Promise<void> {
  const { rows, alarm } = await timersAndAlarm(stub);
  if (rows.length === 0) {
    expect(alarm, "no timers, yet an alarm is set").toBeNull();
    return;
  }
  const earliest = rows[0].due_ms;
  expect(alarm, `timers ${rows.map((t) => t.name)} but no alarm`).not.toBeNull();
  expect(alarm!, "the alarm fires before the earliest timer").toBeGreaterThanOrEqual(earliest);
  expect(alarm!, "the alarm fires after the earliest timer").toBeLessThanOrEqual(Math.max(earliest, Date.now() + 1));
}

/**
 * Moves the (frozen) clock `ms` forward; every time the group's earliest timer comes due the
 * clock stops there and the alarm runs, as the runtime would do. Checks the alarm invariant at
 * each stop.
 */
export async function passTime(stub: DurableObjectStub, ms: number): Promise<void> {
  const end = Date.now() + ms;
  for (let guard = 0; guard < 2000; guard++) {
    await expectArmed(stub);
    const rows = await timerRows(stub);
    const next = rows.length ? rows[0].due_ms : null;
    if (next === null || next > end) {
      setClock(end);
      return;
    }
    setClock(Math.max(Date.now(), next));
    const ran = await runDurableObjectAlarm(stub);
    expect(ran, "a timer is due but no alarm was armed").toBe(true);
  }
  throw new Error("passTime: timers kept coming due (a handler re-arms at once?)");
}
