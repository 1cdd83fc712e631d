// Outbound deliveries of the webhook provider (docs/webhooks.md, "Outbound"). An event is stored in
// the `deliveries` table in the same storage transaction as the change that caused it, with its
// `provider.delivery` operation record (status running). The alarm sends due deliveries after its
// timers ran — outside any storage transaction — one at a time in the order they were written
// (a delivery waiting for a retry holds the later ones back, so a receiver sees a machine's
// launch before its terminate). Each attempt re-writes the operation record (attempts listed);
// a 2xx ends it (succeeded), so does the last of DELIVERY_MAX_ATTEMPTS (failed). At-least-once:
// the `Scalegate-Event-Id` header lets the receiver drop a repeat.
import type { WebhookProviderConfig } from "../domain/model";
import type { OperationRecord } from "../domain/operations";
import { SIGNATURE_HEADER, sign } from "../domain/signature";
import { OUTBOX_SAFETY_MS, type Outbox } from "./outbox";
import type { GroupStore } from "./store";
import type { Timers } from "./timers";

export const DELIVERY_TIMER = "delivery";
/**
 * While the alarm sends, the delivery timer waits this long (longer than a send of a whole alarm's
 * batch takes): if the isolate dies during the sends, the alarm comes back for them.
 */
export const DELIVERY_SAFETY_MS = 60_000;
export const DELIVERY_MAX_ATTEMPTS = 8;
/** Wait after the n-th failed attempt: 5 s, 10 s, 20 s … (capped at 10 minutes). */
export const deliveryBackoffMs = (failed: number) => Math.min(600_000, 5000 * 2 ** Math.max(0, failed - 1));
/** Deliveries sent by one alarm at most; the rest go on at once in the next. */
const PER_ALARM = 25;

export type DeliveryTarget = Pick<WebhookProviderConfig, "url" | "secret" | "timeoutMs">;

export interface Attempt {
  attempt: number;
  at: string;
  status: number | null;
  error: string | null;
  durationMs: number;
  /** The start of a non-2xx answer's body, for diagnosis. */
  response?: string;
}

interface Row {
  id: string;
  seq: number;
  type: string;
  body: string;
  target: string;
  attempts: string;
  next_at: number;
  op: string;
}

export class Deliveries {
  #running = false;

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly timers: Timers,
    private readonly outbox: Outbox,
    private readonly store: GroupStore,
  ) {}

  /** One storage transaction; a rolled-back one leaves the outbox's counts, the due times and the sequence's ceiling unknown. */
  #commit(fn: () => void): void {
    try {
      this.storage.transactionSync(fn);
    } catch (err) {
      this.outbox.forgetCounts();
      this.timers.forget();
      this.store.forgetSequence();
      throw err;
    }
  }

  /** Stores one event (inside the caller's transaction) and makes the alarm send it at once. */
  enqueue(d: { id: string; seq: number; type: string; body: string; target: DeliveryTarget; op: OperationRecord; now: number }): void {
    this.storage.sql.exec(
      `INSERT INTO deliveries (id, seq, type, body, target, attempts, next_at, op) VALUES (?, ?, ?, ?, ?, '[]', ?, ?)`,
      d.id, d.seq, d.type, d.body, JSON.stringify(d.target), d.now, JSON.stringify(d.op),
    );
    this.timers.setEarliest(DELIVERY_TIMER, d.now);
  }

  pending(): { id: string; type: string; attempts: Attempt[]; nextAt: number }[] {
    return this.rows().map((r) => ({ id: r.id, type: r.type, attempts: JSON.parse(r.attempts), nextAt: r.next_at }));
  }

  private rows(): Row[] {
    return this.storage.sql.exec<Row & Record<string, SqlStorageValue>>(`SELECT * FROM deliveries ORDER BY seq`).toArray();
  }

  /** The current webhook config when the group still has one (a fixed URL or a new secret applies to retries), else the stored one. */
  private targetOf(r: Row): DeliveryTarget {
    const p = this.store.group?.config.provider;
    return p?.type === "webhook" ? p : (JSON.parse(r.target) as DeliveryTarget);
  }

  /** Sends what is due, in order; re-arms the delivery timer for what is left. */
  async run(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      for (let sent = 0; sent < PER_ALARM; sent++) {
        const head = this.rows()[0];
        if (!head || head.next_at > Date.now()) break;
        const attempts = JSON.parse(head.attempts) as Attempt[];
        const attempt = await send(head, this.targetOf(head), attempts.length + 1);
        const ok = attempt.status !== null && attempt.status >= 200 && attempt.status < 300;
        if (!this.record(head, [...attempts, attempt], ok)) break;
      }
    } finally {
      this.#running = false;
      const head = this.rows()[0];
      if (head) this.timers.set(DELIVERY_TIMER, head.next_at);
      else this.timers.clear(DELIVERY_TIMER);
      void this.timers.arm(Date.now());
    }
  }

  /** Writes an attempt's outcome and the re-written operation record; false when the head must wait. */
  private record(row: Row, attempts: Attempt[], ok: boolean): boolean {
    const now = Date.now();
    const final = ok || attempts.length >= DELIVERY_MAX_ATTEMPTS;
    const nextAt = final ? null : now + deliveryBackoffMs(attempts.length);
    const prior = JSON.parse(row.op) as OperationRecord;
    const last = attempts[attempts.length - 1];
    const outcome = last.status !== null ? `HTTP ${last.status}` : last.error;
    const record: OperationRecord = {
      ...prior,
      status: ok ? "succeeded" : final ? "failed" : "running",
      result: JSON.stringify({
        ...JSON.parse(prior.result ?? "{}"),
        attempts,
        nextAttemptAt: nextAt === null ? null : new Date(nextAt).toISOString(),
      }),
      reasonCode: ok || !final ? null : "DELIVERY_FAILED",
      reasonMessage: ok || !final ? null : `no 2xx answer after ${attempts.length} attempts (last: ${outcome})`,
      updatedAt: now,
      completedAt: final ? now : null,
      version: prior.version + 1,
    };
    this.#commit(() => {
      if (final) this.storage.sql.exec(`DELETE FROM deliveries WHERE id = ?`, row.id);
      else {
        this.storage.sql.exec(`UPDATE deliveries SET attempts = ?, next_at = ?, op = ? WHERE id = ?`, JSON.stringify(attempts), nextAt, JSON.stringify(record), row.id);
      }
      this.outbox.put({ kind: "operation", record });
      this.timers.setEarliest("outbox-flush", now + OUTBOX_SAFETY_MS);
    });
    void this.timers.arm(now);
    return final;
  }
}

/** One HTTP attempt: signed POST, 2xx within the timeout expected; never throws. */
async function send(row: Row, target: DeliveryTarget, attempt: number): Promise<Attempt> {
  const started = Date.now();
  const base = { attempt, at: new Date(started).toISOString() };
  try {
    const res = await fetch(target.url, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "User-Agent": "Scalegate-Webhook/1",
        [SIGNATURE_HEADER]: await sign(target.secret, row.body, Math.floor(started / 1000)),
        "Scalegate-Event-Id": row.id,
        "Scalegate-Event-Type": row.type,
        "Scalegate-Delivery-Attempt": String(attempt),
      },
      body: row.body,
      redirect: "manual",
      signal: AbortSignal.timeout(target.timeoutMs),
    });
    const ok = res.status >= 200 && res.status < 300;
    const text = ok ? (await res.body?.cancel(), "") : (await res.text()).slice(0, 200);
    return { ...base, status: res.status, error: null, durationMs: Date.now() - started, ...(ok ? {} : { response: text }) };
  } catch (err) {
    const name = err instanceof Error ? err.name : "";
    const error = name === "TimeoutError" || name === "AbortError" ? `timeout after ${target.timeoutMs} ms` : `network error: ${err instanceof Error ? err.message : String(err)}`;
    return { ...base, status: null, error, durationMs: Date.now() - started };
  }
}
