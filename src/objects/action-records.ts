// The records an object wrote under Quilt orchestrator actions, kept in the object itself: the
// action's object (./action.ts) knows only which objects hold records of its action (their holder
// names, the prefix of their operation ids) and asks them when it lists or rolls back the action.
// So a write under an action costs one row here, in the write's own transaction; only the first
// write of an object under an action tells the action's object (an outbox `action` entry, awaited
// before that write is answered: issue 10, read-your-writes without D1).
import type { OperationRecord } from "../domain/operations";

export class ActionRecords {
  /** Actions this object already holds records of (their link was queued when the first was written). */
  readonly #known = new Set<string>();

  constructor(private readonly storage: DurableObjectStorage) {}

  /**
   * Keeps the newest version of a record written under an action (inside the caller's
   * transaction); true when it is the first record of that action here (the caller queues the link).
   * `json`: the record serialized (the caller's outbox row carries the same text).
   */
  record(r: OperationRecord & { actionId: string }, json = JSON.stringify(r)): boolean {
    const first = !this.#known.has(r.actionId) && !this.#holds(r.actionId);
    this.storage.sql.exec(
      // A record keeps its time and sequence through its versions (./records.ts, ./deliveries.ts):
      // a newer version replaces the row of the same key.
      `INSERT INTO action_records (action_id, id, created_at, seq, version, record) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(action_id, created_at, seq, id) DO UPDATE SET version = excluded.version, record = excluded.record
       WHERE excluded.version >= action_records.version`,
      r.actionId,
      r.id,
      r.createdAt,
      r.seq,
      r.version,
      json,
    );
    // Known from here on; if this transaction rolls back, forget() drops it, so the next first
    // write of the action queues its link again.
    this.#known.add(r.actionId);
    return first;
  }

  /** A transaction rolled back: what this instance knew may not have been stored. */
  forget(): void {
    this.#known.clear();
  }

  #holds(actionId: string): boolean {
    return this.storage.sql.exec(`SELECT 1 FROM action_records WHERE action_id = ? LIMIT 1`, actionId).toArray().length > 0;
  }

  /** This object's records under the action, oldest first (`byActionOrder`: the table's key order). */
  list(actionId: string): OperationRecord[] {
    return this.storage.sql
      .exec<{ record: string }>(`SELECT record FROM action_records WHERE action_id = ? ORDER BY created_at, seq, id`, actionId)
      .toArray()
      .map((r) => JSON.parse(r.record) as OperationRecord);
  }
}

/** An action's operations in one order, whichever objects hold them: by time, then the writer's sequence, then id. */
export function byActionOrder(a: OperationRecord, b: OperationRecord): number {
  return a.createdAt - b.createdAt || a.seq - b.seq || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
