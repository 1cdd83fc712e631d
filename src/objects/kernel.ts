// The machinery every target object shares (groups, function pools, containers, workloads,
// actions, hooks): versioned storage schema, the command runner (idempotency, one storage
// transaction, outbox push), the alarm over the one timers table with its handler table, and the
// outbox flush with backoff. Held by the Durable Object class as a private field, so none of it is
// reachable over RPC.
import type { Env } from "../env";
import { pushEntries, type OutboxEntry } from "../db/push";
import { ChangePublisher, pushedTypes, timerTypes } from "../console/publish";
import { fail, fingerprint, objectName, operationIdPrefix, type CommandContext, type CommandResult, type Failure, type ObjectRef, type OperationRecord, type Result } from "../domain/operations";
import { DELIVERY_SAFETY_MS, Deliveries } from "./deliveries";
import { IdempotencyStore, KeyTaken, type Begun, type Claim } from "./idempotency";
import { OUTBOX_SAFETY_MS, Outbox, outboxBackoffMs, type PendingEntry } from "./outbox";
import { migrate } from "./schema";
import { GroupStore } from "./store";
import { Timers, type Timer, type TimerKind } from "./timers";
import { PushLane } from "./push-lane";
import { GroupTx } from "./tx";

/** Tells the objects of actions that this object holds records of them (ActionObject.linkHolder), one call per action. */
async function linkActions(env: Env, entries: OutboxEntry[]): Promise<void> {
  await Promise.all(
    entries.map(async (e) => {
      if (e.kind !== "action") return;
      const { tenantId, actionId, holder } = e.link;
      const r = await env.ACTIONS.get(env.ACTIONS.idFromName(objectName(tenantId, "action", actionId))).linkHolder(tenantId, actionId, holder);
      if (!r.ok) throw new Error(r.message);
    }),
  );
}

/** Thrown inside a storage transaction to roll it back and answer with a failure. */
class Rejected {
  constructor(readonly failure: Result<never>) {}
}

const TIMER_FAILURE_RETRY_MS = 30_000;

/**
 * How long a D1 push that nobody awaits waits for more records before it leaves (./push-lane.ts):
 * under load, one D1 batch per tick carries the records of every command committed meanwhile.
 * D1 is the queryable history; what a client was answered is read from the object meanwhile
 * (`pendingOperation`, an action's holders), and named objects' registry rows are pushed at once.
 */
export const D1_GATHER_MS = 2;

/**
 * Under continuous load, the least time between two D1 pushes of one object leaving: a batch then
 * carries ~20 commands at 500 a second instead of ~8, and a local D1 batch costs ~1.1 ms plus
 * ~55 µs a record, so the runtime's one thread spends less per command (docs/benchmarks.md, "D1
 * pushes spaced": the Quilt write 1.53 → 1.41 ms of that thread, `POST /pool/size` 1.20 → 1.08).
 * D1, the history across objects, then trails the object by up to this much more under load;
 * nothing a client was answered waits for it, and a push somebody awaits is never held back.
 */
export const D1_SPACING_MS = 40;

/** What a timer handler may use; it runs inside the timer's storage transaction. */
export interface TimerScope {
  now: number;
  kernel: ObjectKernel;
  /** A transaction view for timer work (records are written as `dialect: system`). */
  tx(): GroupTx;
  /** Work to do after the timers' transactions committed (I/O: the D1 push, webhook sends). */
  after(work: "flush" | "deliver"): void;
}

export type TimerHandler<K extends TimerKind> = (t: Timer<K>, s: TimerScope) => void;
export type TimerHandlers<K extends TimerKind = TimerKind> = { [P in K]: TimerHandler<P> };

/** The kernel's own timer kinds; an object class supplies the handlers of its own kinds (./timers.ts). */
export type KernelTimerKind = "idempotency-expiry" | "outbox-flush" | "delivery";

/** What a class tells its kernel about itself. */
export interface KernelOptions {
  /** The handlers of the class's own timer kinds (the kernel adds its three). */
  handlers: Partial<TimerHandlers>;
  /** Which namespace the class is bound to: the first part of its operation ids (operationIdPrefix). */
  binding: ObjectRef["binding"];
  /** The failure a command answers when the object does not exist and the command does not create it. */
  missing(store: GroupStore): Failure | null;
}

const kernelHandlers: TimerHandlers<KernelTimerKind> = {
  "idempotency-expiry": (_t, s) => {
    const next = s.kernel.idempotency.expire(s.now);
    if (next !== null) s.kernel.timers.set("idempotency-expiry", next);
  },
  // Both re-arm themselves a safety interval later before their I/O runs (after the commit): if the
  // isolate dies during the push or the sends, the timer is still there and the alarm comes back.
  // The push clears the outbox timer once the outbox is empty; the sends set the delivery timer to
  // the next due delivery.
  "outbox-flush": (_t, s) => {
    s.kernel.timers.set("outbox-flush", s.now + OUTBOX_SAFETY_MS);
    s.after("flush");
  },
  delivery: (_t, s) => {
    s.kernel.timers.set("delivery", s.now + DELIVERY_SAFETY_MS);
    s.after("deliver");
  },
};

export class ObjectKernel {
  readonly store: GroupStore;
  readonly timers: Timers;
  readonly outbox: Outbox;
  readonly idempotency: IdempotencyStore;
  readonly deliveries: Deliveries;
  readonly #handlers: Partial<TimerHandlers>;
  readonly #missing: KernelOptions["missing"];
  #flushFailures = 0;
  /** The console's live feed of this object (src/console/publish.ts), at most one event per 250 ms. */
  readonly #publisher: ChangePublisher;
  /** D1: the queryable history and the registries. */
  readonly #d1 = new PushLane(
    () => {
      const batch = this.outbox.pending("d1");
      if (batch.length === 0) return null;
      return this.#pushed(batch, () => pushEntries(this.env.DB, batch.map((p) => p.entry))).then((ok) => {
        // In D1 now, where the console reads: tell its live feed (fire-and-forget, never awaited).
        if (ok) this.#publisher.note(pushedTypes(batch));
        return ok;
      });
    },
    () => this.#clearIdleTimer(),
    D1_GATHER_MS,
    D1_SPACING_MS,
  );
  /** The action objects: which objects hold an action's records (the first Quilt write of an action here waits for it). */
  readonly #actions = new PushLane(
    () => {
      const batch = this.outbox.pending("actions");
      if (batch.length === 0) return null;
      return this.#pushed(batch, () => linkActions(this.env, batch.map((p) => p.entry)));
    },
    () => this.#clearIdleTimer(),
  );

  constructor(
    private readonly state: DurableObjectState,
    private readonly env: Env,
    options: KernelOptions,
  ) {
    this.#handlers = { ...options.handlers, ...kernelHandlers };
    this.#missing = options.missing;
    const holder = operationIdPrefix({ binding: options.binding, hex: state.id.toString() });
    this.store = new GroupStore(state.storage, holder);
    this.#publisher = new ChangePublisher(env, this.store);
    this.timers = new Timers(state.storage);
    this.outbox = new Outbox(state.storage, holder);
    this.idempotency = new IdempotencyStore(state.storage);
    this.deliveries = new Deliveries(state.storage, this.timers, this.outbox, this.store);
    state.blockConcurrencyWhile(async () => {
      migrate(state.storage);
      this.store.load();
      // A restart may have happened between a commit and the alarm write, or the alarm may have
      // been lost with an older version: overdue timers run at once.
      await this.timers.rearmOnWake(Date.now());
    });
  }

  tx(now: number, ctx: CommandContext | null): GroupTx {
    return new GroupTx(now, ctx, this.store, this.timers, this.outbox, this.deliveries);
  }

  /**
   * Commits `fn` in one storage transaction and, in the same synchronous step, points the alarm at
   * the earliest timer (./timers.ts `arm`): a timer a commit adds always has its alarm. On a
   * throw, the in-memory cache is reloaded from storage (the transaction rolled back).
   */
  commit<T>(fn: () => T): T {
    let out: T;
    try {
      out = this.state.storage.transactionSync(() => {
        // The rows of what pushes delivered since the last commit go with this one (./outbox.ts).
        this.outbox.applyAcknowledgements();
        return fn();
      });
    } catch (err) {
      this.store.load();
      this.outbox.forgetCounts();
      this.idempotency.forget();
      this.timers.forget();
      throw err;
    }
    this.outbox.acknowledgementsCommitted();
    void this.timers.arm(Date.now());
    return out;
  }

  /**
   * Begins an idempotent request outside a command (a rollback that awaits other objects before
   * its command, a hook delivery). Without a key there is nothing to replay; `serialize` still
   * claims the scope in memory so that two such requests do not run at once.
   */
  async begin(ctx: CommandContext, type: string, request: unknown, options: { serialize?: boolean } = {}): Promise<Begun | { state: "new"; claim: null }> {
    const key = ctx.idempotencyKey ?? null;
    if (!key && !options.serialize) return { state: "new", claim: null };
    const print = key ? await fingerprint({ type, request }) : null;
    return this.idempotency.begin(IdempotencyStore.scope(type, ctx.group, key ?? ""), print, Date.now(), key !== null);
  }

  /**
   * The answer of a request with this key and an equal request that this instance completed or
   * read lately, or null (no key, not known in memory, or another request: `command` finds out and
   * answers). For commands that await something before they run (a container's provider lookup):
   * a client's quick retry needs none of that. Reads no storage (issue 10).
   */
  async replayed<T extends object>(ctx: CommandContext, type: string, request: unknown): Promise<CommandResult<T> | null> {
    const key = ctx.idempotencyKey ?? null;
    if (key === null) return null;
    const prior = this.idempotency.recent(IdempotencyStore.scope(type, ctx.group, key), Date.now());
    if (!prior) return null;
    if (prior.fingerprint !== "" && prior.fingerprint !== (await fingerprint({ type, request }))) return null;
    await this.settleReplay();
    return { ...(prior.response as T), ok: true, replayed: true };
  }

  /** Stores a claimed request's answer (inside the caller's transaction) and arms its expiry. */
  complete(claim: Claim, response: unknown, now: number): void {
    const expiry = this.idempotency.complete(claim, response, now);
    if (expiry !== null) this.timers.setEarliest("idempotency-expiry", expiry);
  }

  /**
   * Runs a command: idempotency (begin/complete), the change and its ledger records in one storage
   * transaction (rolled back on failure), then the outbox pushed and the alarm re-armed. `claim`:
   * the request was begun by the caller (./idempotency.ts), who also ends it if this fails.
   */
  async command<T extends object>(
    ctx: CommandContext,
    type: string,
    request: unknown,
    apply: (tx: GroupTx) => Result<T>,
    options: { creates?: boolean; claim?: Claim | null; awaitsInstanceRows?: boolean; checked?: boolean } = {},
  ): Promise<CommandResult<T>> {
    const key = ctx.idempotencyKey ?? null;
    const own = options.claim === undefined && key !== null;
    const print = own ? await fingerprint({ type, request }) : null;
    const now = Date.now();
    let claim: Claim | null = options.claim ?? null;
    let result: CommandResult<T>;
    try {
      result = this.commit(() => {
        if (own) {
          // Memory only at first (./idempotency.ts `claim`); when the key proves stored, again with a read.
          const scope = IdempotencyStore.scope(type, ctx.group, key!);
          const b = options.checked ? this.idempotency.begin(scope, print, now) : this.idempotency.claim(scope, print!, now);
          if (b.state === "conflict") throw new Rejected(fail("IDEMPOTENCY_CONFLICT", `Idempotency-Key '${key}' was used with a different request`));
          if (b.state === "in-flight") throw new Rejected(fail("IN_FLIGHT", `a request with Idempotency-Key '${key}' is still executing`));
          if (b.state === "replay") return { ...(b.response as T), ok: true as const, replayed: true };
          claim = b.claim;
        }
        const missing = options.creates ? null : this.#missing(this.store);
        if (missing) throw new Rejected(missing);
        const tx = this.tx(now, ctx);
        tx.claim(ctx);
        const out = apply(tx);
        if (!out.ok) throw new Rejected(out);
        if (claim) {
          const { ok: _ok, ...response } = out;
          this.complete(claim, response, now);
        }
        return { ...out, replayed: false };
      });
    } catch (err) {
      if (own) this.idempotency.abandon(claim);
      // A key claimed from memory may be stored already (KeyTaken, or a refusal such as "already
      // exists" that the stored request's own change causes): rolled back; begin again reading it,
      // so that a replay answers what was stored (or the refusal stands, or a conflict).
      const unchecked = (claim as Claim | null)?.unchecked === true && !options.checked;
      if (unchecked && (err instanceof KeyTaken || err instanceof Rejected)) return this.command(ctx, type, request, apply, { ...options, checked: true });
      if (err instanceof Rejected) return err.failure as Result<never>;
      throw err;
    }
    if (!result.ok) return result;
    if (result.replayed) await this.settleReplay();
    else await this.#pushAfterAnswer(options.awaitsInstanceRows ?? false);
    return result;
  }

  /**
   * Issue 10: a mutation answers once its state and ledger record are committed here; the client
   * does not wait for D1. The D1 push leaves a moment after the answer (`D1_GATHER_MS`: under
   * load one batch carries many commands); until it lands, reads by id and the pool's activities
   * find the record here (`pendingOperation`); a failed or lost push is retried by the alarm (the
   * outbox timer the commit set). Not `waitUntil`: an object keeps running while it has work in
   * flight. Awaited: the link telling an action's object that this object holds records of it, the
   * first time only (one Durable Object call, no D1: an action lists and rolls back what it was
   * answered at once, ./action-records.ts), and the registry rows of a named
   * object the request created or deleted — a group, a hook, and an instance for the KraftCloud
   * instance routes (`awaitsInstanceRows`): lookups by uuid and lists read D1, and creating a named
   * object may take that one round trip (issue 10). The instance rows of machines a reconcile
   * launched or ended are not awaited: the caller learns their ids from the object's reads.
   */
  #pushAfterAnswer(awaitsInstanceRows: boolean): Promise<void> {
    const registry = this.outbox.hasAny(awaitsInstanceRows ? ["group", "hook", "instance"] : ["group", "hook"]);
    const linking = this.outbox.hasAny(["action"]);
    const d1 = this.#d1.push(registry);
    const actions = this.#actions.push();
    if (registry) return Promise.all([d1, actions]).then(() => undefined);
    void d1;
    return linking ? actions : Promise.resolve();
  }

  /**
   * Runs every due timer through the handler table (each in its own transaction), then the work
   * they asked for: the outbox push, the webhook sends (outside any transaction; their records are
   * pushed after them). The alarm is re-armed by every commit and once more at the end.
   */
  async alarm(): Promise<void> {
    this.timers.forgetArmed();
    this.timers.forget();
    const now = Date.now();
    const after = new Set<"flush" | "deliver">();
    const scope: TimerScope = { now, kernel: this, tx: () => this.tx(now, null), after: (w) => after.add(w) };
    const ran: string[] = [];
    for (const t of this.timers.due(now)) {
      ran.push(t.kind);
      try {
        this.commit(() => {
          const handler = this.#handlers[t.kind] as TimerHandler<TimerKind> | undefined;
          if (handler) handler(t, scope);
          else console.warn(`timer ${t.kind} has no handler in this class: dropped`);
          this.timers.consume(t);
        });
      } catch (err) {
        // A handler that fails must not spin the alarm: retry it later, keep the others going.
        console.error(`timer ${t.kind}${t.key ? ` ${t.key}` : ""} failed`, err);
        this.commit(() => this.timers.set(t, now + TIMER_FAILURE_RETRY_MS, t.payload));
      }
    }
    // The console's live feed (src/console/publish.ts): fire-and-forget, never awaited.
    this.#publisher.note(timerTypes(ran));
    if (after.has("flush") || this.outbox.size() > 0) await this.flush();
    if (after.has("deliver")) {
      await this.deliveries.run();
      await this.flush();
    }
    await this.timers.arm(Date.now());
  }

  /**
   * A replay names an operation an earlier request committed; that request may still be pushing it
   * to D1, or its push failed. Push what is pending first, so that reads by id find what the replay
   * answers (and a record D1 missed gets there when the client repeats the request).
   */
  async settleReplay(): Promise<void> {
    if (this.outbox.size() > 0) await this.flush();
  }

  /**
   * Pushes the outbox and resolves when what was pending at the call has been handed over (or has
   * failed: the outbox timer then retries with backoff): to D1, and to the action objects (the
   * links saying which objects hold an action's records), each a lane with one push in flight
   * (./push-lane.ts); neither waits for a gathering window nor a spacing.
   * Nothing on a hot request path waits for D1; the first Quilt write of an object under an action
   * waits for its link to the action's object.
   */
  flush(): Promise<void> {
    return Promise.all([this.#actions.push(true), this.#d1.push(true)]).then(() => undefined);
  }

  /** Runs one push; acknowledges what it carried, or backs the outbox timer off. */
  async #pushed(pending: PendingEntry[], send: () => Promise<void>): Promise<boolean> {
    try {
      await send();
      // No commit of its own: the rows go with the next commit (a command's, or the lane's idle
      // one, ./push-lane.ts), which also clears the outbox timer once nothing waits.
      this.outbox.acknowledge(pending);
      this.#flushFailures = 0;
      return true;
    } catch (err) {
      this.#flushFailures++;
      console.warn(`outbox push failed (${this.#flushFailures} in a row), retrying`, String(err));
      this.commit(() => this.timers.set("outbox-flush", Date.now() + outboxBackoffMs(this.#flushFailures)));
      return false;
    }
  }

  /** A record this object wrote that D1 may not hold yet (read-your-writes without D1). */
  pendingOperation(tenantId: string, id: string): OperationRecord | null {
    const r = this.outbox.pendingOperation(id);
    return r && r.tenantId === tenantId ? r : null;
  }

  /**
   * A lane has nothing in flight: once nothing waits, one commit deletes the delivered rows and
   * clears the outbox timer (it has nothing to retry).
   */
  #clearIdleTimer(): void {
    if (this.outbox.size() > 0) return;
    if (this.outbox.hasAcknowledged() || this.timers.get("outbox-flush")) this.commit(() => this.timers.clear("outbox-flush"));
  }
}
