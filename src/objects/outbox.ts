// The outbox: ledger entries are written to DO storage in the same transaction as the state change
// and pushed to D1 afterwards; a failed push is retried on the `outbox-flush` timer with backoff, so
// an accepted mutation is never lost (DESIGN.md, "Durable Object rules"). Entries are ledger
// records (operations) and registry rows (groups, instances, hooks): every D1 write of an object
// goes through here (../db/push.ts).
import { outboxKey, type OutboxEntry } from "../db/push";
import type { OperationRecord } from "../domain/operations";
import { ActionRecords } from "./action-records";

interface Row {
  kind: string;
  key: string;
  rev: number;
  payload: string;
}

export interface PendingEntry {
  kind: string;
  key: string;
  rev: number;
  entry: OutboxEntry;
}

const slot = (kind: string, key: string) => `${kind}\u0000${key}`;

/**
 * Most rows the in-memory copy of the outbox (`#rows`) holds. Past it (D1 down a long while under
 * load) the copy is dropped and pending() reads the table again, as it did before the copy.
 */
const ROWS_HELD_MAX = 2_000;

export class Outbox {
  /**
   * How many entries of each kind wait, as this instance knows it (null: not known, read from
   * storage at the next question). Asked after every command and push (size, hasAny, pending), so
   * kept in memory instead of a COUNT per question (docs/benchmarks.md run H); forgotten when a
   * transaction that wrote here rolled back (`forgetCounts`). Entries pushed but not yet deleted
   * (`#pushed`) do not count.
   */
  #counts: Map<string, number> | null = null;
  /**
   * Entries a push delivered (slot → the revision it carried) whose rows are deleted by the next
   * commit of the object (`applyAcknowledgements`, run at the start of every commit), not by a
   * commit of their own: under load the acknowledgement rides on the next command's commit
   * (issue 10, docs/benchmarks.md run H). They no longer wait: pending() skips them. If the
   * object dies first, the rows are still there and are pushed again, which the version-guarded
   * upserts make harmless (at least once, never lost).
   */
  readonly #pushed = new Map<string, number>();
  /** What the open transaction's `applyAcknowledgements` deleted, until it commits. */
  #deleting: Map<string, number> | null = null;
  /**
   * The outbox table as this instance knows it, in the table's rowid order (null: not known, read
   * at the next pending()). Only this instance writes the table, inside its transactions: a put
   * adds or updates a row (an upsert keeps its rowid, so its place), the acknowledgements' delete
   * removes one, a rolled-back transaction forgets the copy (`forgetCounts`). So the push after
   * every command reads no SQL and parses only what it sends (issue 10, docs/benchmarks.md run S).
   */
  #rows: Map<string, Row> | null = null;

  /** The records written here under Quilt actions (./action-records.ts). */
  readonly actions: ActionRecords;

  /** @param holder this object's name in its operation ids (what an action's object links to). */
  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly holder = "",
  ) {
    this.actions = new ActionRecords(storage);
  }

  #known(): Map<string, number> {
    if (!this.#counts) {
      const rows = this.storage.sql.exec<{ kind: string; n: number }>(`SELECT kind, COUNT(*) AS n FROM outbox GROUP BY kind`).toArray();
      this.#counts = new Map(rows.map((r) => [r.kind, r.n]));
      // Delivered rows still stored do not wait. Every entry of #pushed is a stored row, except
      // those the open transaction deleted (#deleting: counted by neither side until it commits).
      for (const k of this.#pushed.keys()) {
        if (this.#deleting?.has(k)) continue;
        const kind = k.slice(0, k.indexOf("\u0000"));
        this.#counts.set(kind, (this.#counts.get(kind) ?? 0) - 1);
      }
    }
    return this.#counts;
  }

  /**
   * A transaction rolled back: what this instance counted may be wrong. What pushes delivered
   * stays delivered: rows whose deletion rolled back are still delivered, and go with the next
   * commit. (Before, they waited again: pushed a second time, and a delivered registry row made
   * the next command after a refusal wait for D1.)
   */
  forgetCounts(): void {
    this.#counts = null;
    this.#rows = null;
    this.#deleting = null;
    this.actions.forget();
  }

  #count(kinds: string[]): number {
    const c = this.#known();
    return kinds.reduce((n, k) => n + (c.get(k) ?? 0), 0);
  }

  #waits = (r: { kind: string; key: string; rev: number }) => this.#pushed.get(slot(r.kind, r.key)) !== r.rev;

  /**
   * Adds or replaces the entry for (kind, key): only the newest version of a record is pushed. A
   * record under an orchestrator action is also kept here for that action (the action's object asks
   * the objects holding its records when it lists or rolls back, not D1); the first one of an action
   * queues the link that tells the action's object.
   */
  put(entry: OutboxEntry): void {
    if (entry.kind !== "operation") return this.#put(entry, JSON.stringify(entry));
    const r = entry.record;
    // Serialized once, for the action's row and the outbox row: the payload is exactly
    // JSON.stringify(entry), whose keys are `kind` then `record`.
    const json = JSON.stringify(r);
    if (r.actionId && this.actions.record(r as OperationRecord & { actionId: string }, json)) {
      const link: OutboxEntry = { kind: "action", link: { tenantId: r.tenantId, actionId: r.actionId, holder: this.holder } };
      this.#put(link, JSON.stringify(link));
    }
    this.#put(entry, `{"kind":"operation","record":${json}}`);
  }

  #put(entry: OutboxEntry, payload: string): void {
    const key = outboxKey(entry);
    const counts = this.#known();
    const { rev } = this.storage.sql
      .exec<{ rev: number }>(
        `INSERT INTO outbox (kind, key, rev, payload) VALUES (?, ?, 1, ?)
         ON CONFLICT(kind, key) DO UPDATE SET rev = outbox.rev + 1, payload = excluded.payload RETURNING rev`,
        entry.kind,
        key,
        payload,
      )
      .one();
    const at = slot(entry.kind, key);
    if (this.#rows) {
      // A new row has the highest rowid: last in the table's order. An updated one keeps its place.
      const held = this.#rows.get(at);
      if (held) {
        held.rev = rev;
        held.payload = payload;
      } else if (this.#rows.size >= ROWS_HELD_MAX) this.#rows = null;
      else this.#rows.set(at, { kind: entry.kind, key, rev, payload });
    }
    // A new row, or a new revision of one already delivered: it waits (again).
    const redelivered = this.#pushed.delete(at);
    if (rev === 1 || redelivered) counts.set(entry.kind, (counts.get(entry.kind) ?? 0) + 1);
  }

  /** The table's rows in rowid order: the copy in memory, read from storage when not known. */
  #table(): Iterable<Row> {
    if (this.#rows) return this.#rows.values();
    const rows = this.storage.sql.exec<Row & Record<string, SqlStorageValue>>(`SELECT kind, key, rev, payload FROM outbox ORDER BY rowid`).toArray();
    if (rows.length < ROWS_HELD_MAX) this.#rows = new Map(rows.map((r) => [slot(r.kind, r.key), { kind: r.kind, key: r.key, rev: r.rev, payload: r.payload }]));
    return rows;
  }

  /** One row of the table: from the copy in memory, read from storage when not known. */
  #row(kind: string, key: string): Row | undefined {
    if (this.#rows) return this.#rows.get(slot(kind, key));
    return this.storage.sql.exec<Row & Record<string, SqlStorageValue>>(`SELECT kind, key, rev, payload FROM outbox WHERE kind = ? AND key = ?`, kind, key).toArray()[0];
  }

  /** What waits, oldest first; `to`: only what goes to D1, or only the links for action objects. */
  pending(to?: "d1" | "actions"): PendingEntry[] {
    const n = to === "actions" ? this.#count(["action"]) : to === "d1" ? this.size() - this.#count(["action"]) : this.size();
    if (n === 0) return [];
    const out: PendingEntry[] = [];
    for (const r of this.#table()) {
      if ((to === "d1" && r.kind === "action") || (to === "actions" && r.kind !== "action") || !this.#waits(r)) continue;
      out.push({ kind: r.kind, key: r.key, rev: r.rev, entry: JSON.parse(r.payload) as OutboxEntry });
    }
    return out;
  }

  /** Whether an entry of one of these kinds waits (no payload parsed: asked after every command). */
  hasAny(kinds: OutboxEntry["kind"][]): boolean {
    return this.#count(kinds) > 0;
  }

  /** Operation records not yet in D1 (the read fallback for just-written history). */
  pendingOperations(): OperationRecord[] {
    return this.pending("d1").flatMap((p) => (p.entry.kind === "operation" ? [p.entry.record] : []));
  }

  /** One record not yet acknowledged by D1, by id. */
  pendingOperation(id: string): OperationRecord | null {
    if (this.#count(["operation"]) === 0) return null;
    const row = this.#row("operation", id);
    return row && this.#waits(row) ? (JSON.parse(row.payload) as { record: OperationRecord }).record : null;
  }

  /**
   * A push delivered these: they stop waiting now, unless a newer revision was written while the
   * push was in flight (that one waits for the next push). Their rows go at the next commit.
   */
  acknowledge(sent: PendingEntry[]): void {
    const counts = this.#known();
    const stored = this.#storedRevs(sent);
    for (const s of sent) {
      const k = slot(s.kind, s.key);
      if (stored.get(k) !== s.rev || this.#pushed.get(k) === s.rev) continue;
      this.#pushed.set(k, s.rev);
      counts.set(s.kind, (counts.get(s.kind) ?? 0) - 1);
    }
  }

  /** The stored revision of each of these entries (slot → rev): from the copy in memory, else read 33 to a statement. */
  #storedRevs(entries: { kind: string; key: string }[]): Map<string, number> {
    const revs = new Map<string, number>();
    if (this.#rows) {
      for (const e of entries) {
        const row = this.#rows.get(slot(e.kind, e.key));
        if (row) revs.set(slot(e.kind, e.key), row.rev);
      }
      return revs;
    }
    for (let i = 0; i < entries.length; i += 33) {
      const chunk = entries.slice(i, i + 33);
      const rows = this.storage.sql
        .exec<{ kind: string; key: string; rev: number }>(
          `SELECT kind, key, rev FROM outbox WHERE (kind, key) IN (VALUES ${chunk.map(() => "(?, ?)").join(", ")})`,
          ...chunk.flatMap((e) => [e.kind, e.key]),
        )
        .toArray();
      for (const r of rows) revs.set(slot(r.kind, r.key), r.rev);
    }
    return revs;
  }

  /** Whether delivered rows wait for their deletion (the next commit). */
  hasAcknowledged(): boolean {
    return this.#pushed.size > 0;
  }

  /**
   * Deletes the rows of delivered entries (inside the caller's transaction; every commit of the
   * object runs it). They leave #pushed when that transaction commits (`acknowledgementsCommitted`).
   */
  applyAcknowledgements(): void {
    if (this.#pushed.size === 0) return;
    const deleting = new Map(this.#pushed);
    const rows = [...deleting].map(([k, rev]) => {
      const at = k.indexOf("\u0000");
      return [k.slice(0, at), k.slice(at + 1), rev] as const;
    });
    // One statement per 33 rows (3 bound values each; at most 100 per statement).
    for (let i = 0; i < rows.length; i += 33) {
      const chunk = rows.slice(i, i + 33);
      this.storage.sql.exec(`DELETE FROM outbox WHERE (kind, key, rev) IN (VALUES ${chunk.map(() => "(?, ?, ?)").join(", ")})`, ...chunk.flat());
    }
    // The copy follows the delete at once: a put later in this transaction may add the row again.
    if (this.#rows) for (const [k, rev] of deleting) if (this.#rows.get(k)?.rev === rev) this.#rows.delete(k);
    this.#deleting = deleting;
  }

  /** The transaction that ran `applyAcknowledgements` committed: those rows are gone. */
  acknowledgementsCommitted(): void {
    const deleting = this.#deleting;
    this.#deleting = null;
    if (!deleting) return;
    for (const [k, rev] of deleting) {
      // A newer revision written in the same transaction waits (#put took it out of #pushed).
      if (this.#pushed.get(k) !== rev) continue;
      this.#pushed.delete(k);
    }
  }

  /** Whether the entry (kind, key) still waits. */
  has(kind: OutboxEntry["kind"], key: string): boolean {
    const row = this.#row(kind, key);
    return row !== undefined && this.#waits(row);
  }

  size(): number {
    let n = 0;
    for (const c of this.#known().values()) n += c;
    return n;
  }
}

/**
 * A commit that writes to the outbox also sets the `outbox-flush` timer this soon: the push right
 * after the commit normally clears it, and if the isolate dies before that push ends, the alarm
 * (set in the same step as the commit) pushes the records then.
 */
export const OUTBOX_SAFETY_MS = 5_000;

/** Retry delay after `attempts` failed pushes: 1 s, 2 s, 4 s … capped at 5 minutes. */
export const outboxBackoffMs = (attempts: number) => Math.min(300_000, 1000 * 2 ** Math.max(0, attempts - 1));
