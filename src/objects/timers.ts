// One timers table multiplexed on the Durable Object's single alarm (DESIGN.md, "Durable Object
// rules"). Handlers are idempotent: alarms are at-least-once.

export interface Timer {
  name: string;
  dueMs: number;
  payload: unknown;
}

export class Timers {
  constructor(private readonly storage: DurableObjectStorage) {}

  static readonly schema = `CREATE TABLE IF NOT EXISTS timers (name TEXT PRIMARY KEY, due_ms INTEGER NOT NULL, payload TEXT)`;

  set(name: string, dueMs: number, payload?: unknown): void {
    this.storage.sql.exec(
      `INSERT INTO timers (name, due_ms, payload) VALUES (?, ?, ?)
       ON CONFLICT(name) DO UPDATE SET due_ms = excluded.due_ms, payload = excluded.payload`,
      name,
      Math.floor(dueMs),
      payload === undefined ? null : JSON.stringify(payload),
    );
  }

  /** Sets the timer only when it is absent or due later than `dueMs`. */
  setEarliest(name: string, dueMs: number): void {
    const current = this.get(name);
    if (!current || current.dueMs > dueMs) this.set(name, dueMs, current?.payload);
  }

  get(name: string): Timer | null {
    const row = this.storage.sql.exec<{ name: string; due_ms: number; payload: string | null }>(
      `SELECT name, due_ms, payload FROM timers WHERE name = ?`,
      name,
    ).toArray()[0];
    return row ? { name: row.name, dueMs: row.due_ms, payload: row.payload === null ? undefined : JSON.parse(row.payload) } : null;
  }

  clear(name: string): void {
    this.storage.sql.exec(`DELETE FROM timers WHERE name = ?`, name);
  }

  clearAll(except: string[] = []): void {
    const keep = new Set(except);
    for (const t of this.all()) if (!keep.has(t.name)) this.clear(t.name);
  }

  /**
   * Removes a timer that ran, unless its handler re-armed it: a new due time, or a new payload at
   * the same millisecond (a lifecycle step whose successor has a zero delay).
   */
  consume(t: Timer): void {
    this.storage.sql.exec(
      `DELETE FROM timers WHERE name = ? AND due_ms = ? AND payload IS ?`,
      t.name,
      t.dueMs,
      t.payload === undefined ? null : JSON.stringify(t.payload),
    );
  }

  due(now: number): Timer[] {
    return this.storage.sql
      .exec<{ name: string; due_ms: number; payload: string | null }>(
        `SELECT name, due_ms, payload FROM timers WHERE due_ms <= ? ORDER BY due_ms, name`,
        now,
      )
      .toArray()
      .map((r) => ({ name: r.name, dueMs: r.due_ms, payload: r.payload === null ? undefined : JSON.parse(r.payload) }));
  }

  all(): Timer[] {
    return this.due(Number.MAX_SAFE_INTEGER);
  }

  /** Points the alarm at the earliest timer, never in the past (clamped to now + 1 ms). */
  async rearm(now: number): Promise<void> {
    const row = this.storage.sql.exec<{ due: number | null }>(`SELECT MIN(due_ms) AS due FROM timers`).one();
    if (row.due === null) {
      await this.storage.deleteAlarm();
      return;
    }
    const at = Math.max(row.due, now + 1);
    const current = await this.storage.getAlarm();
    if (current !== at) await this.storage.setAlarm(at);
  }
}
