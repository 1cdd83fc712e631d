// Idempotency records of one Durable Object. The DO belongs to one tenant, so the scope
// (tenant, operation type, target, key) reduces to (operation type, target, key) here.
import { IDEMPOTENCY_RETENTION_MS } from "../domain/operations";

export interface StoredResponse {
  fingerprint: string;
  response: unknown;
}

export class IdempotencyStore {
  constructor(private readonly storage: DurableObjectStorage) {}

  static readonly schema = `CREATE TABLE IF NOT EXISTS idempotency (scope TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, response TEXT NOT NULL, expires_at INTEGER NOT NULL)`;

  static scope = (type: string, target: string, key: string) => JSON.stringify([type, target, key]);

  get(scope: string, now: number): StoredResponse | null {
    const row = this.storage.sql
      .exec<{ fingerprint: string; response: string }>(
        `SELECT fingerprint, response FROM idempotency WHERE scope = ? AND expires_at > ?`,
        scope,
        now,
      )
      .toArray()[0];
    return row ? { fingerprint: row.fingerprint, response: JSON.parse(row.response) } : null;
  }

  /** Stores a response; returns when the oldest record expires (for the expiry timer). */
  put(scope: string, fingerprint: string, response: unknown, now: number): number {
    this.storage.sql.exec(
      `INSERT OR REPLACE INTO idempotency (scope, fingerprint, response, expires_at) VALUES (?, ?, ?, ?)`,
      scope,
      fingerprint,
      JSON.stringify(response),
      now + IDEMPOTENCY_RETENTION_MS,
    );
    return this.nextExpiry()!;
  }

  /** Deletes expired records; returns the next expiry, or null when none is left. */
  expire(now: number): number | null {
    this.storage.sql.exec(`DELETE FROM idempotency WHERE expires_at <= ?`, now);
    return this.nextExpiry();
  }

  private nextExpiry(): number | null {
    return this.storage.sql.exec<{ at: number | null }>(`SELECT MIN(expires_at) AS at FROM idempotency`).one().at;
  }
}
