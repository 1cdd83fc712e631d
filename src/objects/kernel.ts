// The machinery every target object shares (groups, function pools, containers, workloads,
// actions): storage schema, the command runner (idempotency, one storage transaction, outbox
// push), the alarm dispatcher over the one timers table, and the outbox flush with backoff.
// Held by the Durable Object class as a private field, so none of it is reachable over RPC.
import type { Env } from "../env";
import { writeLedger } from "../db/ledger";
import { fail, fingerprint, type CommandContext, type CommandResult, type Result } from "../domain/operations";
import { DELIVERY_TIMER, Deliveries } from "./deliveries";
import { IdempotencyStore } from "./idempotency";
import { Outbox, outboxBackoffMs } from "./outbox";
import { GroupStore } from "./store";
import { Timers, type Timer } from "./timers";
import { GroupTx } from "./tx";

/** Thrown inside a storage transaction to roll it back and answer with a failure. */
class Rejected {
  constructor(readonly failure: Result<never>) {}
}

const TIMER_FAILURE_RETRY_MS = 30_000;

export class ObjectKernel {
  readonly store: GroupStore;
  readonly timers: Timers;
  readonly outbox: Outbox;
  readonly idempotency: IdempotencyStore;
  readonly deliveries: Deliveries;
  #flushFailures = 0;
  /** The outbox push in flight, if any. */
  #pushing: Promise<void> | null = null;

  constructor(
    private readonly state: DurableObjectState,
    private readonly env: Env,
  ) {
    this.store = new GroupStore(state.storage);
    this.timers = new Timers(state.storage);
    this.outbox = new Outbox(state.storage);
    this.idempotency = new IdempotencyStore(state.storage);
    this.deliveries = new Deliveries(state.storage, this.timers, this.outbox, this.store);
    state.blockConcurrencyWhile(async () => {
      for (const ddl of [...GroupStore.schema, Timers.schema, Outbox.schema, IdempotencyStore.schema, Deliveries.schema]) state.storage.sql.exec(ddl);
      this.store.load();
    });
  }

  tx(now: number, ctx: CommandContext | null): GroupTx {
    return new GroupTx(now, ctx, this.store, this.timers, this.outbox, this.deliveries);
  }

  /**
   * Runs a command: idempotency check, the change and its ledger records in one storage
   * transaction (rolled back on failure), then the outbox pushed and the alarm re-armed.
   */
  async command<T extends object>(
    ctx: CommandContext,
    type: string,
    request: unknown,
    apply: (tx: GroupTx) => Result<T>,
    options: { creates?: boolean } = {},
  ): Promise<CommandResult<T>> {
    const key = ctx.idempotencyKey ?? null;
    const scope = key ? IdempotencyStore.scope(type, ctx.group, key) : null;
    const print = key ? await fingerprint({ type, request }) : null;
    const now = Date.now();
    let result: CommandResult<T>;
    try {
      result = this.state.storage.transactionSync(() => {
        if (scope) {
          const prior = this.idempotency.get(scope, now);
          if (prior && prior.fingerprint !== print) {
            throw new Rejected(fail("IDEMPOTENCY_CONFLICT", `Idempotency-Key '${key}' was used with a different request`));
          }
          if (prior) return { ...(prior.response as T), ok: true as const, replayed: true };
        }
        if (!this.store.group && !options.creates) throw new Rejected(fail("GROUP_NOT_FOUND", "group is not configured"));
        const tx = this.tx(now, ctx);
        tx.claim(ctx);
        const out = apply(tx);
        if (!out.ok) throw new Rejected(out);
        if (scope && print) {
          const { ok: _ok, ...response } = out;
          this.timers.setEarliest("idempotency-expiry", this.idempotency.put(scope, print, response, now));
        }
        return { ...out, replayed: false };
      });
    } catch (err) {
      this.store.load();
      if (err instanceof Rejected) return err.failure as Result<never>;
      throw err;
    }
    if (!result.ok) return result;
    if (result.replayed) await this.settleReplay();
    else await this.flush(); // re-arms the alarm too
    return result;
  }

  /**
   * Runs every due timer (each in its own transaction), re-arms, pushes the outbox, then sends due
   * webhook deliveries (outside any transaction; their records are pushed after them).
   */
  async alarm(onTimer: (t: Timer, now: number) => void): Promise<void> {
    const now = Date.now();
    let flush = false;
    let deliver = false;
    for (const t of this.timers.due(now)) {
      if (t.name === "outbox") {
        flush = true;
        continue;
      }
      if (t.name === DELIVERY_TIMER) {
        deliver = true;
        continue;
      }
      try {
        this.state.storage.transactionSync(() => {
          onTimer(t, now);
          this.timers.consume(t);
        });
      } catch (err) {
        // A handler that fails must not spin the alarm: retry it later, keep the others going.
        this.store.load();
        console.error(`timer ${t.name} failed`, err);
        this.timers.set(t.name, now + TIMER_FAILURE_RETRY_MS, t.payload);
      }
    }
    await this.timers.rearm(now);
    if (flush || this.outbox.size() > 0) await this.flush();
    if (deliver) {
      await this.deliveries.run();
      await this.flush();
    }
  }

  /**
   * A replay names an operation an earlier request committed; that request may still be pushing it
   * to D1, or its push failed. Push what is pending first, so that reads by id find what the replay
   * answers (and a record D1 missed gets there when the client repeats the request).
   */
  async settleReplay(): Promise<void> {
    if (this.outbox.size() > 0) await this.flush();
  }

  /** Pushes the outbox to D1; on failure the outbox timer retries with backoff. */
  async flush(): Promise<void> {
    // One push at a time: concurrent commands would otherwise each re-send the entries another is
    // already pushing (correct, since D1 upserts only move forward, but several D1 writes per
    // record under load — docs/benchmarks.md). A caller waits for the push in flight, then pushes
    // what is still pending, so its own record is in D1 (or retried) before it answers.
    while (this.#pushing) await this.#pushing;
    this.#pushing = this.#push().finally(() => (this.#pushing = null));
    await this.#pushing;
  }

  async #push(): Promise<void> {
    const pending = this.outbox.pending();
    if (pending.length > 0) {
      try {
        await writeLedger(this.env.DB, pending.map((p) => p.entry));
        this.outbox.acknowledge(pending);
        this.#flushFailures = 0;
      } catch (err) {
        this.#flushFailures++;
        console.warn(`ledger flush failed (${this.#flushFailures} in a row), retrying`, String(err));
        this.timers.set("outbox", Date.now() + outboxBackoffMs(this.#flushFailures));
      }
    }
    if (this.outbox.size() === 0) this.timers.clear("outbox");
    await this.timers.rearm(Date.now());
  }

}
