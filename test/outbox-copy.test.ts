// The outbox's copy of its table in memory (src/objects/outbox.ts `#rows`): what the push after a
// command sends is read from it, not from SQL. These tests hold the copy to the table: after
// writes, a write that rolled back (the KeyTaken path of a replayed key after an eviction), pushes
// and their acknowledgements, a new version of a delivered record, and past ROWS_HELD_MAX rows.
import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { Outbox, type PendingEntry } from "../src/objects/outbox";
import type { OperationRecord } from "../src/domain/operations";
import { client, groupStub, tenantToken, type Call } from "./helpers";
import { settle } from "./settle";
import { outboxRows } from "./clock";

const TENANT = "obcopy-tenant";
let api: ReturnType<typeof client>;

beforeAll(async () => {
  api = client((await tenantToken(TENANT)).token);
});
afterEach(async () => {
  const down = await env.DB.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'operations_down'`).first();
  if (down) await env.DB.exec(`ALTER TABLE operations_down RENAME TO operations`);
});

const ledgerDown = () => env.DB.exec(`ALTER TABLE operations RENAME TO operations_down`);
const ledgerUp = () => env.DB.exec(`ALTER TABLE operations_down RENAME TO operations`);

type Kernel = { outbox: Outbox };
const kernelOf = (instance: unknown) => (instance as { k: Kernel }).k;

/** What the live instance says waits, and what a fresh reader of the same table says. */
async function bothViews(stub: DurableObjectStub): Promise<{ live: PendingEntry[]; table: PendingEntry[] }> {
  return runInDurableObject(stub, (instance, state) => ({ live: kernelOf(instance).outbox.pending(), table: new Outbox(state.storage).pending() }));
}

async function ok(p: Promise<Call>) {
  const r = await p;
  expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
  return r;
}

describe("the outbox's copy in memory", () => {
  it("matches the table through writes, a rolled-back write, pushes and a new version of a delivered record", async () => {
    const pool = "copy-1";
    const stub = groupStub(TENANT, pool);
    await ok(api.post(`/cloudpools/${pool}/config`, { updatePeriodSeconds: 3600 }));
    await ok(api.post(`/cloudpools/${pool}/pool/size`, { desiredSize: 1 }));
    await settle(stub);

    await ledgerDown();
    for (const n of [2, 3, 1]) await ok(api.post(`/cloudpools/${pool}/pool/size`, { desiredSize: n }));
    await ok(api.post(`/cloudpools/${pool}/pool/size`, { desiredSize: 2 }, { "Idempotency-Key": "copy-key" }));
    await settle(stub); // D1 is down: the push fails, nothing is acknowledged
    let { live, table } = await bothViews(stub);
    expect(live.length).toBeGreaterThanOrEqual(4);
    expect(live).toEqual(table);

    // A new instance knows nothing of the key: its claim is unchecked, the command's records go
    // into the outbox, the stored key rolls the transaction back, and the retry replays.
    await evictDurableObject(stub);
    ({ live, table } = await bothViews(stub)); // the new instance reads the table: its copy is held from here
    expect(live).toEqual(table);
    const before = await outboxRows(stub);
    const replay = await ok(api.post(`/cloudpools/${pool}/pool/size`, { desiredSize: 2 }, { "Idempotency-Key": "copy-key" }));
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await outboxRows(stub)).toEqual(before);
    ({ live, table } = await bothViews(stub));
    expect(live).toEqual(table);

    // D1 back: everything is pushed and acknowledged; the rows go with the next commit.
    await ledgerUp();
    await settle(stub);
    ({ live, table } = await bothViews(stub));
    expect(live).toEqual([]);

    // The next write's commit deletes the delivered rows and adds its own: the copy follows.
    await ok(api.post(`/cloudpools/${pool}/pool/size`, { desiredSize: 1 }));
    ({ live, table } = await bothViews(stub));
    expect(live).toEqual(table);
    await settle(stub);
    expect((await bothViews(stub)).live).toEqual([]);
  });

  it("keeps the table's order and its revisions past ROWS_HELD_MAX rows, and after a rollback", async () => {
    const stub = groupStub(TENANT, "copy-many");
    const result = await runInDurableObject(stub, (_instance, state) => {
      const outbox = new Outbox(state.storage);
      const record = (i: number, version = 1): OperationRecord => ({
        id: `op-${i}`, tenantId: TENANT, targetKind: "group", targetId: "copy-many", dialect: "system", type: "test", status: "succeeded",
        reasonCode: null, reasonMessage: null, idempotencyKey: null, actionId: null, request: null, result: null, cause: null,
        createdAt: i, updatedAt: i, completedAt: i, seq: i, version,
      });
      const first = outbox.pending(); // read from the (empty) table: the copy is held from here
      state.storage.transactionSync(() => {
        for (let i = 0; i < 2_100; i++) outbox.put({ kind: "operation", record: record(i) });
      });
      // A new version of an early record keeps its place (an upsert keeps its rowid).
      state.storage.transactionSync(() => outbox.put({ kind: "operation", record: record(5, 2) }));
      const afterMany = outbox.pending();
      const tableMany = new Outbox(state.storage).pending();
      // A transaction that wrote and rolled back: the instance forgets what it held.
      try {
        state.storage.transactionSync(() => {
          outbox.put({ kind: "operation", record: record(9_999) });
          throw new Error("roll back");
        });
      } catch {
        outbox.forgetCounts();
      }
      return { first, afterMany, tableMany, afterRollback: outbox.pending(), tableAfter: new Outbox(state.storage).pending() };
    });
    expect(result.first).toEqual([]);
    expect(result.afterMany).toHaveLength(2_100);
    expect(result.afterMany).toEqual(result.tableMany);
    expect(result.afterMany.map((p) => p.key).slice(0, 7)).toEqual(["op-0", "op-1", "op-2", "op-3", "op-4", "op-5", "op-6"]);
    expect(result.afterMany[5]).toMatchObject({ rev: 2, entry: { record: { version: 2 } } });
    expect(result.afterRollback).toEqual(result.tableAfter);
    expect(result.afterRollback.some((p) => p.key === "op-9999")).toBe(false);
  });
});
