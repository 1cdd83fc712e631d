// "Nothing is lost, nothing is written twice": the group Durable Object's outbox to the D1 ledger
// under injected D1 failures. Mutations keep answering 200 while D1 is down, the records wait in
// the object's storage with an `outbox` retry timer backing off, history stays readable, and once
// D1 is back every record lands exactly once, whatever is retried or delivered again.
import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { OUTBOX_SAFETY_MS, Outbox } from "../src/objects/outbox";
import { pushEntries } from "../src/db/push";
import { Timers } from "../src/objects/timers";
import type { OperationRecord } from "../src/domain/operations";
import { client, groupStub, tenantToken } from "./helpers";
import { until } from "./kernel-support";
import { MINUTE, SECOND, expectArmed, freezeClock, ledger, outboxOperationIds, outboxRows, passTime, releaseClock, timerRows } from "./clock";

const TENANT = "ob-tenant";
let api: ReturnType<typeof client>;

beforeAll(async () => {
  api = client((await tenantToken(TENANT)).token);
});
beforeEach(() => {
  freezeClock();
});
afterEach(async () => {
  releaseClock();
  // Whatever a test broke, the next one starts with a working ledger.
  await ledgerUp();
  await env.DB.prepare(`DROP TRIGGER IF EXISTS reject_operations`).run();
});

/** D1 outage: the ledger table is gone, every read and write of it fails. */
async function ledgerDown() {
  await env.DB.exec(`ALTER TABLE operations RENAME TO operations_down`);
}
async function ledgerUp() {
  const down = await env.DB.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'operations_down'`).first();
  if (down) await env.DB.exec(`ALTER TABLE operations_down RENAME TO operations`);
}
/** D1 rejects ledger writes (all of them, or only the record `onlyId`) while reads still work. */
async function rejectLedgerWrites(onlyId?: string) {
  const when = onlyId ? `WHEN NEW.id = '${onlyId}'` : "";
  await env.DB.prepare(`CREATE TRIGGER reject_operations BEFORE INSERT ON operations ${when} BEGIN SELECT RAISE(ABORT, 'ledger unavailable'); END`).run();
}
async function acceptLedgerWrites() {
  await env.DB.prepare(`DROP TRIGGER IF EXISTS reject_operations`).run();
}

/** How many D1 rows each id has (ids with none are reported with 0). */
async function rowsPerId(ids: string[]): Promise<Map<string, number>> {
  const counts = new Map(ids.map((id) => [id, 0]));
  for (let i = 0; i < ids.length; i += 50) {
    const chunk = ids.slice(i, i + 50);
    const r = await env.DB.prepare(`SELECT id, COUNT(*) AS n FROM operations WHERE id IN (${chunk.map(() => "?").join(",")}) GROUP BY id`)
      .bind(...chunk)
      .all<{ id: string; n: number }>();
    for (const row of r.results) counts.set(row.id, row.n);
  }
  return counts;
}

async function expectExactlyOnce(ids: string[]) {
  const counts = await rowsPerId(ids);
  expect([...counts.values()].every((n) => n === 1), JSON.stringify([...counts])).toBe(true);
}

const outboxTimer = async (stub: DurableObjectStub) => (await timerRows(stub)).find((t) => t.name === "outbox-flush") ?? null;

async function ok(r: Promise<{ status: number; text: string }>) {
  const res = await r;
  expect(res.status, res.text).toBe(200);
  return res;
}

/** A pool with one RUNNING machine, its history already in D1. */
async function runningPool(pool: string) {
  const stub = groupStub(TENANT, pool);
  await ok(api.post(`/cloudpools/${pool}/config`, { updatePeriodSeconds: 3600 }));
  await ok(api.post(`/cloudpools/${pool}/pool/size`, { desiredSize: 1 }));
  await passTime(stub, 1200);
  expect(await outboxRows(stub)).toEqual([]);
  return stub;
}

describe("D1 down", () => {
  it("every mutation answers 200 and is in the group's state; the records wait in the outbox; D1 back → each lands exactly once", async () => {
    const pool = "down";
    const stub = await runningPool(pool);
    const flushed = await ledger(TENANT, pool);
    expect(flushed.map((x) => x.type)).toEqual(["pool.configure", "pool.set_desired_size", "machine.launched"]);
    const [first] = (await api.get(`/cloudpools/${pool}/pool`)).body.machines.map((m: any) => m.id);

    await ledgerDown();
    const delays: number[] = [];
    const mutate = async (p: Promise<{ status: number; text: string }>) => {
      const prior = (await outboxTimer(stub))?.due_ms;
      await ok(p);
      // Its push leaves a moment after the answer (D1_GATHER_MS) and fails: the timer backs off.
      await until(async () => ![prior, Date.now() + OUTBOX_SAFETY_MS].includes((await outboxTimer(stub))!.due_ms));
      delays.push((await outboxTimer(stub))!.due_ms - Date.now());
    };
    await mutate(api.post(`/cloudpools/${pool}/pool/size`, { desiredSize: 3 }));
    await mutate(api.post(`/cloudpools/${pool}/pool/${first}/serviceState`, { serviceState: "OUT_OF_SERVICE" }));
    await mutate(api.post(`/cloudpools/${pool}/config`, { victimSelectionPolicy: "NEWEST_INSTANCE" }));
    await passTime(stub, 1200);
    const ms = (await api.get(`/cloudpools/${pool}/pool`)).body.machines;
    const second = ms.find((m: any) => m.id !== first && m.machineState === "RUNNING").id;
    await mutate(api.post(`/cloudpools/${pool}/pool/${second}/detach`, { decrementDesiredSize: true }));
    await mutate(api.post(`/cloudpools/${pool}/pool/${second}/attach`, {}));

    // The group's state has every change.
    const pool1 = (await api.get(`/cloudpools/${pool}/pool`)).body.machines;
    expect(pool1.find((m: any) => m.id === first).serviceState).toBe("OUT_OF_SERVICE");
    expect(pool1.some((m: any) => m.id === second)).toBe(true);
    expect((await api.get(`/cloudpools/${pool}/pool/size`)).body).toMatchObject({ desiredSize: 3, allocated: 4, outOfService: 1 });
    expect((await api.get(`/cloudpools/${pool}/config`)).body.victimSelectionPolicy).toBe("NEWEST_INSTANCE");

    // The outbox holds every record (and the registry row), none of which is in D1.
    const pending = await outboxOperationIds(stub);
    const pendingTypes = (await outboxRows(stub)).filter((r) => r.kind === "operation").map((r) => JSON.parse(r.payload).record.type);
    expect(pendingTypes).toEqual([
      "pool.set_desired_size",
      "machine.launched",
      "machine.set_service_state",
      "machine.replaced",
      "pool.configure",
      "machine.detach",
      "machine.attach",
    ]);
    expect((await outboxRows(stub)).filter((r) => r.kind === "group")).toHaveLength(1);
    await ledgerUp();
    expect([...(await rowsPerId(pending)).values()]).toEqual(pending.map(() => 0));
    await ledgerDown();

    // Retries back off: 1 s, 2 s, 4 s … (each failed push doubles the delay).
    expect(delays[0]).toBe(1 * SECOND);
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThan(delays[i - 1]);
    await expectArmed(stub);

    // Ten minutes of retries against a dead D1: the delay is capped at 5 minutes, nothing is dropped.
    const seen: number[] = [];
    for (let i = 0; i < 12; i++) {
      const t = (await outboxTimer(stub))!;
      seen.push(t.due_ms - Date.now());
      await passTime(stub, t.due_ms - Date.now());
    }
    expect(Math.max(...seen)).toBe(5 * MINUTE);
    expect(await outboxOperationIds(stub)).toEqual(pending);

    // D1 is back: the next retry pushes everything, exactly once, and the timer goes away.
    await ledgerUp();
    await passTime(stub, (await outboxTimer(stub))!.due_ms - Date.now());
    await expectExactlyOnce(pending);
    expect(await outboxRows(stub)).toEqual([]);
    expect(await outboxTimer(stub)).toBeNull();
    await expectArmed(stub);
    const all = await ledger(TENANT, pool);
    expect(all.map((x) => x.id)).toEqual([...flushed.map((x) => x.id), ...pending]);
    expect(new Set(all.map((x) => x.id)).size).toBe(all.length);

    // The flush delivered again (alarm twice more): still exactly once, nothing changed.
    await runInDurableObject(stub, (_i, s) => s.storage.setAlarm(Date.now() + 1));
    await runDurableObjectAlarm(stub);
    await runInDurableObject(stub, (_i, s) => s.storage.setAlarm(Date.now() + 1));
    await runDurableObjectAlarm(stub);
    expect(await ledger(TENANT, pool)).toEqual(all);
  });

  it("the outbox survives a restart of the object while D1 is down", async () => {
    const pool = "down-evict";
    const stub = await runningPool(pool);
    await ledgerDown();
    await ok(api.post(`/cloudpools/${pool}/pool/size`, { desiredSize: 2 }));
    await ok(api.post(`/cloudpools/${pool}/pool/size`, { desiredSize: 0 }));
    const pending = await outboxOperationIds(stub);
    expect(pending.length).toBeGreaterThanOrEqual(4);
    await evictDurableObject(stub);
    expect(await outboxOperationIds(stub)).toEqual(pending);
    await ledgerUp();
    await passTime(stub, 10 * SECOND);
    await expectExactlyOnce(pending);
    expect(await outboxRows(stub)).toEqual([]);
  });

  it("a push whose acknowledgement was lost (D1 written, outbox not cleared) is pushed again without a second row", async () => {
    const pool = "lost-ack";
    const stub = await runningPool(pool);
    await ledgerDown();
    await ok(api.post(`/cloudpools/${pool}/pool/size`, { desiredSize: 3 }));
    const captured = await outboxRows(stub);
    const ids = captured.filter((r) => r.kind === "operation").map((r) => r.key);
    await ledgerUp();
    await passTime(stub, 10 * SECOND);
    await expectExactlyOnce(ids);
    const before = await ledger(TENANT, pool);

    // As if the object died between the D1 write and the outbox delete: the rows are back.
    await runInDurableObject(stub, (_i, s) => {
      for (const r of captured) s.storage.sql.exec(`INSERT INTO outbox (kind, key, rev, payload) VALUES (?, ?, ?, ?)`, r.kind, r.key, r.rev, r.payload);
      new Timers(s.storage).set("outbox-flush", Date.now() + SECOND);
      return s.storage.setAlarm(Date.now() + SECOND);
    });
    await evictDurableObject(stub);
    await passTime(stub, SECOND);
    expect(await outboxRows(stub)).toEqual([]);
    await expectExactlyOnce(ids);
    expect(await ledger(TENANT, pool)).toEqual(before);
  });

  it("a flush that fails half-way (first batch written, second rejected) keeps everything and completes exactly once", async () => {
    const pool = "half";
    const stub = await runningPool(pool);
    const [machine] = (await api.get(`/cloudpools/${pool}/pool`)).body.machines.map((m: any) => m.id);
    await ledgerDown();
    // 60 service-state changes: more than one D1 batch (50 statements) of records.
    for (let i = 0; i < 60; i++) {
      await ok(api.post(`/cloudpools/${pool}/pool/${machine}/serviceState`, { serviceState: i % 2 ? "IN_SERVICE" : "UNHEALTHY" }));
    }
    const rows = await outboxRows(stub);
    expect(rows.length).toBeGreaterThan(50);
    const ids = rows.filter((r) => r.kind === "operation").map((r) => r.key);
    const late = rows[55].key; // in the second batch
    await ledgerUp();
    await rejectLedgerWrites(late);

    await passTime(stub, (await outboxTimer(stub))!.due_ms - Date.now());
    const partial = await rowsPerId(ids);
    expect([...partial.values()].filter((n) => n === 1).length).toBeGreaterThanOrEqual(49); // the first batch went through
    expect(partial.get(late)).toBe(0);
    expect(await outboxOperationIds(stub)).toEqual(ids); // nothing acknowledged
    expect(await outboxTimer(stub)).not.toBeNull();

    await acceptLedgerWrites();
    await passTime(stub, (await outboxTimer(stub))!.due_ms - Date.now());
    await expectExactlyOnce(ids);
    expect(await outboxRows(stub)).toEqual([]);
    const types = (await ledger(TENANT, pool)).map((x) => x.type);
    expect(types.filter((t) => t === "machine.set_service_state")).toHaveLength(60);
  });
});

describe("history while D1 rejects writes", () => {
  it("GET /activities shows the records not yet in D1, from the outbox, newest first", async () => {
    const pool = "history";
    const stub = await runningPool(pool);
    const flushed = (await ledger(TENANT, pool)).map((x) => x.id);
    await rejectLedgerWrites();
    await ok(api.post(`/cloudpools/${pool}/pool/size`, { desiredSize: 2 }));
    await ok(api.post(`/cloudpools/${pool}/pool/size`, { desiredSize: 1 }));
    const pending = await outboxOperationIds(stub);
    expect(pending).toHaveLength(4);
    expect([...(await rowsPerId(pending)).values()]).toEqual([0, 0, 0, 0]);

    const r = await api.get(`/cloudpools/${pool}/activities`);
    expect(r.status, r.text).toBe(200);
    const listed = r.body.activities.map((a: any) => a.id);
    expect(listed).toEqual([...flushed, ...pending].reverse());
    expect(r.body.activities.map((a: any) => a.type)).toEqual([
      "machine.terminated",
      "pool.set_desired_size",
      "machine.launched",
      "pool.set_desired_size",
      "machine.launched",
      "pool.set_desired_size",
      "pool.configure",
    ]);
    expect(r.body.activities[3].request).toEqual({ desiredSize: 2 });

    await acceptLedgerWrites();
    await passTime(stub, (await outboxTimer(stub))!.due_ms - Date.now());
    await expectExactlyOnce(pending);
    expect(await outboxRows(stub)).toEqual([]);
    // Now served from D1: the same list.
    const again = await api.get(`/cloudpools/${pool}/activities`);
    expect(again.body).toEqual(r.body);
  });

  it("GET /activities during a full D1 outage still serves the outbox, and says the list is partial", async () => {
    const pool = "history-outage";
    await runningPool(pool);
    await ledgerDown();
    await ok(api.post(`/cloudpools/${pool}/pool/size`, { desiredSize: 2 }));
    const r = await api.get(`/cloudpools/${pool}/activities`);
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get("Warning")).toContain("ledger unavailable");
    expect(r.body.activities.map((a: any) => a.type)).toEqual(["machine.launched", "pool.set_desired_size"]);
  });
});

describe("a record updated before it is flushed lands with its latest version", () => {
  it("the pool's registry row: reconfigured then deleted while D1 is down → D1 ends with the deletion", async () => {
    const pool = "registry";
    const stub = await runningPool(pool);
    const row = () => env.DB.prepare(`SELECT version, updated_at, deleted_at FROM groups WHERE tenant_id = ? AND name = ?`).bind(TENANT, pool).first<{ version: number; updated_at: number; deleted_at: number | null }>();
    const created = (await row())!;
    expect(created.deleted_at).toBeNull();
    expect((await api.get(`/cloudpools`)).body.pools.map((p: any) => p.name)).toContain(pool);

    await ledgerDown();
    await passTime(stub, MINUTE);
    await ok(api.post(`/cloudpools/${pool}/config`, { updatePeriodSeconds: 60 }));
    const reconfigured = JSON.parse((await outboxRows(stub)).find((r) => r.kind === "group")!.payload).row;
    await passTime(stub, MINUTE);
    await ok(api.del(`/cloudpools/${pool}`));
    const groupRows = (await outboxRows(stub)).filter((r) => r.kind === "group");
    expect(groupRows).toHaveLength(1); // one entry per record, replaced in place
    expect(groupRows[0].rev).toBe(2);
    const deleted = JSON.parse(groupRows[0].payload).row;
    expect(deleted.version).toBeGreaterThan(reconfigured.version);

    await ledgerUp();
    await passTime(stub, (await outboxTimer(stub))!.due_ms - Date.now());
    expect(await outboxRows(stub)).toEqual([]);
    expect(await row()).toEqual({ version: deleted.version, updated_at: deleted.updatedAt, deleted_at: deleted.deletedAt });
    expect((await api.get(`/cloudpools`)).body.pools.map((p: any) => p.name)).not.toContain(pool);
  });

  it("an operation record written twice before the flush lands once, with its latest version; a late older version never rolls it back", async () => {
    const pool = "versions";
    const stub = await runningPool(pool);
    const base = (await ledger(TENANT, pool))[0];
    const record = (version: number, status: OperationRecord["status"]): OperationRecord => ({
      id: `op-versions-${base.id}`,
      tenantId: TENANT,
      reasonCode: null,
      reasonMessage: null,
      targetKind: "group",
      targetId: pool,
      dialect: "system",
      type: "test.long_running",
      status,
      idempotencyKey: null,
      actionId: null,
      request: null,
      result: status === "succeeded" ? JSON.stringify({ done: true }) : null,
      cause: null,
      createdAt: Date.now(),
      updatedAt: Date.now() + version,
      completedAt: status === "succeeded" ? Date.now() + version : null,
      seq: 1_000_000,
      version,
    });
    // Written behind the running object's back (as a stale copy would be), then the object is
    // restarted: an instance knows its outbox from what it wrote itself and what it loaded.
    const put = async (r: OperationRecord) => {
      await runInDurableObject(stub, (_i, s) => {
        new Outbox(s.storage).put({ kind: "operation", record: r });
        new Timers(s.storage).set("outbox-flush", Date.now() + SECOND);
        return s.storage.setAlarm(Date.now() + SECOND);
      });
      await evictDurableObject(stub);
    };
    const d1Row = () => env.DB.prepare(`SELECT status, version, result FROM operations WHERE id = ?`).bind(record(1, "running").id).all();

    await ledgerDown();
    await put(record(1, "running"));
    await put(record(2, "succeeded"));
    const rows = (await outboxRows(stub)).filter((r) => r.key === record(1, "running").id);
    expect(rows).toHaveLength(1);
    expect(rows[0].rev).toBe(2);
    expect(JSON.parse(rows[0].payload).record.version).toBe(2);

    await ledgerUp();
    await passTime(stub, SECOND);
    expect((await d1Row()).results).toEqual([{ status: "succeeded", version: 2, result: JSON.stringify({ done: true }) }]);

    // A late retry of the older version (e.g. from a stale outbox copy) does not roll it back.
    await put(record(1, "running"));
    await passTime(stub, SECOND);
    expect((await d1Row()).results).toEqual([{ status: "succeeded", version: 2, result: JSON.stringify({ done: true }) }]);
    expect(await outboxRows(stub)).toEqual([]);
  });

  it("an acknowledgement does not drop a newer revision written while the push was in flight", async () => {
    const pool = "inflight";
    const stub = await runningPool(pool);
    const left = await runInDurableObject(stub, (_i, s) => {
      const outbox = new Outbox(s.storage);
      const r: OperationRecord = {
        id: "op-inflight",
        tenantId: TENANT,
        reasonCode: null,
        reasonMessage: null,
        targetKind: "group",
        targetId: pool,
        dialect: "system",
        type: "test.inflight",
        status: "running",
        idempotencyKey: null,
        actionId: null,
        request: null,
        result: null,
        cause: null,
        createdAt: 1,
        updatedAt: 1,
        completedAt: null,
        seq: 1,
        version: 1,
      };
      outbox.put({ kind: "operation", record: r });
      const sent = outbox.pending(); // the push starts with revision 1 …
      outbox.put({ kind: "operation", record: { ...r, status: "succeeded", version: 2 } }); // … revision 2 arrives meanwhile
      outbox.acknowledge(sent);
      const rest = outbox.pending();
      s.storage.sql.exec(`DELETE FROM outbox`);
      return rest.map((p) => ({ rev: p.rev, version: p.entry.kind === "operation" ? p.entry.record.version : null }));
    });
    expect(left).toEqual([{ rev: 2, version: 2 }]);
  });

  it("a delivered entry stops waiting at once; its row goes with the next commit (a rolled-back one does not count), and is pushed again if the object restarts first", async () => {
    const pool = "lazy-ack";
    const stub = await runningPool(pool);
    const seen = await runInDurableObject(stub, (_i, s) => {
      const rows = () => s.storage.sql.exec<{ key: string; rev: number }>(`SELECT key, rev FROM outbox WHERE key LIKE 'op-lazy-%' ORDER BY key`).toArray();
      const record = (id: string, version = 1): OperationRecord => ({
        id, tenantId: TENANT, reasonCode: null, reasonMessage: null, targetKind: "group", targetId: pool, dialect: "system", type: "test.lazy",
        status: "succeeded", idempotencyKey: null, actionId: null, request: null, result: null, cause: null, createdAt: 1, updatedAt: 1, completedAt: 1, seq: 1, version,
      });
      const outbox = new Outbox(s.storage);
      const base = outbox.size();
      outbox.put({ kind: "operation", record: record("op-lazy-a") });
      outbox.put({ kind: "operation", record: record("op-lazy-b") });
      const sent = outbox.pending().filter((p) => p.key.startsWith("op-lazy-"));
      outbox.acknowledge(sent);
      const afterAck = { waiting: outbox.size() - base, pending: outbox.pending().filter((p) => p.key.startsWith("op-lazy-")).length, stored: rows().length, acked: outbox.hasAcknowledged() };
      // A new revision of a delivered entry waits again (and survives the deletion of the old one).
      outbox.put({ kind: "operation", record: record("op-lazy-b", 2) });
      const again = outbox.pending().filter((p) => p.key.startsWith("op-lazy-")).map((p) => p.rev);
      s.storage.transactionSync(() => outbox.applyAcknowledgements());
      outbox.acknowledgementsCommitted(); // as the kernel does after every commit
      const afterCommit = rows();
      const lazy = (o: Outbox) => o.pending().filter((p) => p.key.startsWith("op-lazy-")).map((p) => p.key);
      outbox.acknowledge(outbox.pending().filter((p) => p.key.startsWith("op-lazy-")));
      // Delivered, then the transaction that deleted its row rolls back (a refused command): the
      // row is back, and still delivered: it does not wait (it is not pushed again) and goes with
      // the next commit that does not roll back.
      try {
        s.storage.transactionSync(() => {
          outbox.applyAcknowledgements();
          throw new Error("refused");
        });
      } catch {
        outbox.forgetCounts(); // as the kernel does after a rollback
      }
      const afterRollback = { pending: lazy(outbox), waiting: outbox.size() - base, stored: rows().length };
      // The object restarts before that commit (memory lost, storage kept): the row waits again:
      // pushed once more, never lost.
      const afterRestart = lazy(new Outbox(s.storage));
      // The next commit deletes it and, counting anew after the rollback, still counts what it
      // adds itself as waiting (the deleted row is counted by neither side).
      outbox.forgetCounts();
      s.storage.transactionSync(() => {
        outbox.applyAcknowledgements();
        outbox.put({ kind: "operation", record: record("op-lazy-c") });
      });
      outbox.acknowledgementsCommitted();
      const afterNextCommit = { stored: rows(), pending: lazy(outbox), waiting: outbox.size() - base };
      s.storage.sql.exec(`DELETE FROM outbox WHERE key LIKE 'op-lazy-%'`);
      return { afterAck, again, afterCommit, afterRollback, afterRestart, afterNextCommit };
    });
    expect(seen.afterAck).toEqual({ waiting: 0, pending: 0, stored: 2, acked: true });
    expect(seen.again).toEqual([2]);
    expect(seen.afterCommit).toEqual([{ key: "op-lazy-b", rev: 2 }]);
    expect(seen.afterRollback).toEqual({ pending: [], waiting: 0, stored: 1 });
    expect(seen.afterRestart).toEqual(["op-lazy-b"]);
    expect(seen.afterNextCommit).toEqual({ stored: [{ key: "op-lazy-c", rev: 1 }], pending: ["op-lazy-c"], waiting: 1 });
  });
});

describe("one push, few statements", () => {
  it("records go to D1 five to a statement, each row still guarded by its own version", async () => {
    const record = (i: number, version: number): OperationRecord => ({
      id: `op-many-${String(i).padStart(2, "0")}`, tenantId: TENANT, reasonCode: null, reasonMessage: null, targetKind: "group", targetId: "many", dialect: "system",
      type: "test.many", status: "succeeded", idempotencyKey: null, actionId: null, request: null, result: JSON.stringify({ version }), cause: null,
      createdAt: 1, updatedAt: version, completedAt: version, seq: i, version,
    });
    // Three records already in D1 with a newer version than the push carries.
    await pushEntries(env.DB, [0, 5, 11].map((i) => ({ kind: "operation" as const, record: record(i, 3) })));
    const statements: number[] = [];
    const d1 = new Proxy(env.DB, {
      get: (t, prop) => (prop === "batch" ? (stmts: D1PreparedStatement[]) => (statements.push(stmts.length), t.batch(stmts)) : (Reflect.get(t, prop) as Function).bind(t)),
    });
    await pushEntries(d1, Array.from({ length: 12 }, (_, i) => ({ kind: "operation" as const, record: record(i, 2) })));
    expect(statements).toEqual([3]); // one batch: 5 + 5 + 2 rows
    const rows = (await env.DB.prepare(`SELECT id, version FROM operations WHERE id LIKE 'op-many-%' ORDER BY id`).all<{ id: string; version: number }>()).results;
    expect(rows.map((r) => [r.id.slice(-2), r.version])).toEqual(Array.from({ length: 12 }, (_, i) => [String(i).padStart(2, "0"), [0, 5, 11].includes(i) ? 3 : 2]));
  });
});
