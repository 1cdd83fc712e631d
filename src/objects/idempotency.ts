// The one idempotency mechanism of an object, used by kernel commands, rollbacks and hook
// deliveries: begin / complete.
// - A request in flight is known in memory only (the set below): a second request with the same
//   key meanwhile is told so (IN_FLIGHT / 409). Nothing about it is stored, so an eviction or a
//   crash in the middle leaves no marker behind: the next attempt simply runs.
// - A completed request is stored with its answer and its fingerprint (the request's hash) for
//   IDEMPOTENCY_RETENTION_MS (24 h), in the same storage transaction as the change it made;
//   a repeat replays the answer, a different request with the same key is a conflict.
// The object belongs to one tenant, so the scope (tenant, operation type, target, key) reduces to
// (operation type, target, key) here.
import { IDEMPOTENCY_RETENTION_MS } from "../domain/operations";

const ABSENT_MAX = 1_000;
const RECENT_MAX = 256;
/** Rows read per step of the expiry walk (`expire`). */
const EXPIRE_STEP = 256;

export interface StoredResponse {
  fingerprint: string;
  response: unknown;
}

/** A request that began: completing it stores its answer (when `store`), abandoning it forgets it. */
export interface Claim {
  scope: string;
  /** The request's hash; null when only the key names the request (hook delivery ids). */
  fingerprint: string | null;
  /** False for a claim that only serializes (a rollback without a key): nothing is stored. */
  store: boolean;
  /** True when storage was not read at `begin` (`claim`): `complete` finds out, and throws KeyTaken. */
  unchecked?: boolean;
}

/**
 * Thrown by `complete` of an unchecked claim whose key turned out to be stored already: the
 * transaction rolls back, and the caller begins again the checked way (a replay or a conflict).
 */
export class KeyTaken {
  constructor(readonly scope: string) {}
}

export type Begun =
  | { state: "new"; claim: Claim }
  | { state: "replay"; response: unknown }
  | { state: "conflict" }
  | { state: "in-flight" };

export class IdempotencyStore {
  /** Scopes whose request is executing right now in this instance (lost with it, on purpose). */
  readonly #inFlight = new Set<string>();
  /**
   * Scopes this instance read as not stored, until it stores one (`complete`): a keyed command
   * that checks for a replay before an await (`replayed`) and again when it begins asks storage
   * once. Only this instance writes the table, so the set cannot go stale; forgotten after a
   * rolled-back transaction and when it grows past ABSENT_MAX.
   */
  readonly #absent = new Set<string>();
  /**
   * Records this instance stored or read lately (scope → what the row holds), so a client retrying
   * the same request (a replay) costs no SQL: only this instance writes the table (`complete`,
   * `expire`), each entry is checked against its expiry, and the map holds RECENT_MAX entries.
   */
  readonly #recent = new Map<string, { fingerprint: string; response: string; parsed?: unknown; expiresAt: number }>();

  #remember(scope: string, fingerprint: string, response: string, expiresAt: number): void {
    this.#recent.delete(scope);
    if (this.#recent.size >= RECENT_MAX) this.#recent.delete(this.#recent.keys().next().value as string);
    this.#recent.set(scope, { fingerprint, response, expiresAt });
  }

  constructor(private readonly storage: DurableObjectStorage) {}

  static scope = (type: string, target: string, key: string) => JSON.stringify([type, target, key]);

  /**
   * Starts a request (synchronous: call it where nothing awaits between the check and the claim).
   * `fingerprint` null: any request with this key is the same one.
   */
  begin(scope: string, fingerprint: string | null, now: number, store = true): Begun {
    return (store ? this.#answered(this.get(scope, now), fingerprint) : null) ?? this.#start(scope, fingerprint, store, false);
  }

  /**
   * Starts a command's keyed request without reading storage (synchronous, like `begin`): a
   * request this instance knows of lately is answered from memory, any other is claimed, and its
   * `complete` writes the record only if no live one is stored (one statement instead of a read and
   * a write: every keyed write has a fresh key, issue 10), else throws KeyTaken.
   */
  claim(scope: string, fingerprint: string, now: number): Begun {
    return this.#answered(this.recent(scope, now), fingerprint) ?? this.#start(scope, fingerprint, true, !this.#absent.has(scope));
  }

  /** A stored request's answer: a replay, or a conflict when the request differs; null when none is stored. */
  #answered(prior: StoredResponse | null, fingerprint: string | null): Begun | null {
    if (!prior) return null;
    if (fingerprint !== null && prior.fingerprint !== "" && prior.fingerprint !== fingerprint) return { state: "conflict" };
    return { state: "replay", response: prior.response };
  }

  /** Claims the scope in memory, unless a request with it is executing. */
  #start(scope: string, fingerprint: string | null, store: boolean, unchecked: boolean): Begun {
    if (this.#inFlight.has(scope)) return { state: "in-flight" };
    this.#inFlight.add(scope);
    return { state: "new", claim: { scope, fingerprint, store, unchecked } };
  }

  /**
   * Stores the answer of a claimed request (inside the storage transaction of its change) and ends
   * the claim; returns when this record expires (the caller keeps the expiry timer at the earliest
   * of its due time and this one), null when nothing is stored. An unchecked claim whose key is
   * stored and live throws KeyTaken.
   */
  complete(claim: Claim, response: unknown, now: number): number | null {
    this.#inFlight.delete(claim.scope);
    if (!claim.store) return null;
    const text = JSON.stringify(response);
    // An unchecked claim writes only when no row has the scope. A row that is there but expired
    // (not deleted yet) also counts as taken: the checked attempt then finds it absent and replaces it.
    const written = this.storage.sql.exec(
      `INSERT OR ${claim.unchecked ? "IGNORE" : "REPLACE"} INTO idempotency (scope, fingerprint, response, expires_at) VALUES (?, ?, ?, ?)`,
      claim.scope,
      claim.fingerprint ?? "",
      text,
      now + IDEMPOTENCY_RETENTION_MS,
    ).rowsWritten;
    if (claim.unchecked && written === 0) throw new KeyTaken(claim.scope);
    this.#absent.delete(claim.scope);
    this.#remember(claim.scope, claim.fingerprint ?? "", text, now + IDEMPOTENCY_RETENTION_MS);
    return now + IDEMPOTENCY_RETENTION_MS;
  }

  /** Ends a claim without an answer (the request failed or was refused): a retry runs again. */
  abandon(claim: Claim | null): void {
    if (claim) this.#inFlight.delete(claim.scope);
  }

  /**
   * A record this instance stored or read lately (`#recent`), without reading storage. The answer
   * is parsed once and shared by the replays that follow (a client retrying the same request):
   * callers copy it into their result, which the RPC serializes, and never change it.
   */
  recent(scope: string, now: number): StoredResponse | null {
    const recent = this.#recent.get(scope);
    if (!recent || recent.expiresAt <= now) return null;
    recent.parsed ??= JSON.parse(recent.response);
    return { fingerprint: recent.fingerprint, response: recent.parsed };
  }

  get(scope: string, now: number): StoredResponse | null {
    if (this.#absent.has(scope)) return null;
    const recent = this.recent(scope, now);
    if (recent) return recent;
    const row = this.storage.sql
      .exec<{ fingerprint: string; response: string; expires_at: number }>(`SELECT fingerprint, response, expires_at FROM idempotency WHERE scope = ? AND expires_at > ?`, scope, now)
      .toArray()[0];
    if (row) {
      this.#remember(scope, row.fingerprint, row.response, row.expires_at);
      return { fingerprint: row.fingerprint, response: JSON.parse(row.response) };
    }
    if (this.#absent.size >= ABSENT_MAX) this.#absent.clear();
    this.#absent.add(scope);
    return null;
  }

  /** A transaction rolled back: a record this instance stored may be gone, one it read as absent may not be. */
  forget(): void {
    this.#absent.clear();
    this.#recent.clear();
  }

  /**
   * Deletes expired records, oldest first; returns the next expiry, or null when none is left.
   * Every record is kept for the same retention from when it was stored, and a row stored later has
   * a higher rowid, so rowid order is expiry order: the walk stops at the first live record, and
   * the table needs no index on `expires_at` (a page less per keyed write, schema v7). A record
   * stored out of that order (a clock set back) is deleted with its successors; until then it reads
   * as absent (`get` checks the expiry) and a new request with its key replaces it.
   */
  expire(now: number): number | null {
    const sql = this.storage.sql;
    for (;;) {
      const rows = sql.exec<{ r: number; expires_at: number }>(`SELECT rowid AS r, expires_at FROM idempotency ORDER BY rowid LIMIT ?`, EXPIRE_STEP).toArray();
      const live = rows.findIndex((row) => row.expires_at > now);
      const expired = live === -1 ? rows.length : live;
      if (expired > 0) sql.exec(`DELETE FROM idempotency WHERE rowid <= ?`, rows[expired - 1].r);
      if (live !== -1 || rows.length < EXPIRE_STEP) break;
    }
    for (const [scope, r] of this.#recent) if (r.expiresAt <= now) this.#recent.delete(scope);
    return sql.exec<{ at: number }>(`SELECT expires_at AS at FROM idempotency ORDER BY rowid LIMIT 1`).toArray()[0]?.at ?? null;
  }
}
