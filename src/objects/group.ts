// One Durable Object per (tenant, group): it serializes every command on the group, checks
// idempotency, applies the pure domain rules, persists state and the operation record in one
// storage transaction, arms timers, and pushes the record to D1 through the outbox.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { writeLedger } from "../db/ledger";
import {
  DEFAULT_CONFIG,
  clampDesired,
  MAX_GROUP_SIZE,
  isAllocated,
  poolSize,
  type GroupConfig,
  type GroupState,
  type Machine,
  type PoolSize,
  type ProviderConfig,
  type ServiceState,
} from "../domain/model";
import { fail, fingerprint, type CommandContext, type CommandResult, type OperationRecord, type Result } from "../domain/operations";
import { planReconcile } from "../domain/reconcile";
import { providerFor } from "../providers";
import { simulatorEvent, type SimulatorEvent } from "../providers/simulated";
import type { ProviderChange } from "../providers/types";
import { IdempotencyStore } from "./idempotency";
import { Outbox, outboxBackoffMs } from "./outbox";
import { GroupStore } from "./store";
import { Timers, type Timer } from "./timers";

/** Thrown inside a storage transaction to roll it back and answer with a failure. */
class Rejected {
  constructor(readonly failure: Result<never>) {}
}

/** A partial provider block keeps the delays it does not name (from the current or default config). */
export type ConfigPatch = Partial<Omit<GroupConfig, "provider">> & { provider?: Partial<ProviderConfig> & Pick<ProviderConfig, "type"> };

export type { SimulatorEvent };

interface ReconcileCause {
  text: string;
  /** The launch replaces lost members (recorded as machine.replaced). */
  replace?: boolean;
}

const OUTBOX_SAFETY_MS = 5_000;
const TIMER_FAILURE_RETRY_MS = 30_000;

export class GroupObject extends DurableObject<Env> {
  #store: GroupStore;
  #timers: Timers;
  #outbox: Outbox;
  #idempotency: IdempotencyStore;
  #flushFailures = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#store = new GroupStore(ctx.storage);
    this.#timers = new Timers(ctx.storage);
    this.#outbox = new Outbox(ctx.storage);
    this.#idempotency = new IdempotencyStore(ctx.storage);
    ctx.blockConcurrencyWhile(async () => {
      for (const ddl of [...GroupStore.schema, Timers.schema, Outbox.schema, IdempotencyStore.schema]) ctx.storage.sql.exec(ddl);
      this.#store.load();
    });
  }

  // ---------------------------------------------------------------- reads

  async getConfig(): Promise<Result<{ name: string; config: GroupConfig; createdAt: number; updatedAt: number }>> {
    const g = this.#store.group;
    if (!g) return fail("GROUP_NOT_FOUND", "group is not configured");
    return { ok: true, name: g.name, config: g.config, createdAt: g.createdAt, updatedAt: g.updatedAt };
  }

  /** Members of the pool (detached machines are not listed), oldest request first. */
  async getPool(): Promise<Result<{ timestamp: number; machines: Machine[] }>> {
    if (!this.#store.group) return fail("GROUP_NOT_FOUND", "group is not configured");
    const machines = [...this.#store.machines.values()].filter((m) => m.member).sort((a, b) => a.requestedAt - b.requestedAt || (a.id < b.id ? -1 : 1));
    return { ok: true, timestamp: Date.now(), machines };
  }

  async getSize(): Promise<Result<PoolSize>> {
    const g = this.#store.group;
    if (!g) return fail("GROUP_NOT_FOUND", "group is not configured");
    return { ok: true, ...poolSize(g, this.#store.machines.values()) };
  }

  /** Ledger records written here but not yet acknowledged by D1. */
  async pendingOperations(): Promise<OperationRecord[]> {
    return this.#outbox.pendingOperations();
  }

  // ---------------------------------------------------------------- commands

  async configure(ctx: CommandContext, patch: ConfigPatch): Promise<CommandResult<{ created: boolean; config: GroupConfig }>> {
    return this.#command(ctx, "pool.configure", patch, (now) => {
      const prior = this.#store.group;
      const base = prior?.config ?? DEFAULT_CONFIG;
      const provider = patch.provider
        ? ({ ...(base.provider.type === patch.provider.type ? base.provider : DEFAULT_CONFIG.provider), ...patch.provider } as ProviderConfig)
        : base.provider;
      const config: GroupConfig = { ...base, ...patch, provider };
      const group: GroupState = prior
        ? { ...prior, config, updatedAt: now }
        : { tenantId: ctx.tenantId, name: ctx.group, config, desiredSize: 0, minSize: 0, maxSize: MAX_GROUP_SIZE, createdAt: now, updatedAt: now };
      this.#store.putGroup(group);
      this.#registry(now);
      if (!prior || prior.config.updatePeriodSeconds !== config.updatePeriodSeconds) {
        this.#timers.set("reconcile", now + config.updatePeriodSeconds * 1000);
      }
      const result = { created: !prior, config };
      this.#op(ctx, now, "pool.configure", { request: patch, result: { created: !prior, before: prior?.config ?? null, after: config } });
      this.#reconcile(now, { text: "pool configured" });
      return { ok: true, ...result };
    });
  }

  async setDesiredSize(ctx: CommandContext, desiredSize: number): Promise<CommandResult<{ before: number; desiredSize: number }>> {
    return this.#command(ctx, "pool.set_desired_size", { desiredSize }, (now, g) => {
      if (!Number.isInteger(desiredSize) || desiredSize < g.minSize || desiredSize > g.maxSize) {
        return fail("INVALID", `desiredSize must be an integer within the group's bounds [${g.minSize}, ${g.maxSize}]`);
      }
      const before = g.desiredSize;
      this.#store.putGroup({ ...g, desiredSize, updatedAt: now });
      const op = this.#op(ctx, now, "pool.set_desired_size", { request: { desiredSize }, result: { before, after: desiredSize } });
      this.#reconcile(now, { text: `desired size ${before} -> ${desiredSize} (operation ${op.id})` });
      return { ok: true, before, desiredSize };
    });
  }

  async terminateMachine(ctx: CommandContext, machineId: string, decrementDesiredSize: boolean): Promise<CommandResult<{ desiredSize: number }>> {
    return this.#command(ctx, "machine.terminate", { machineId, decrementDesiredSize }, (now, g) => {
      const m = this.#member(machineId);
      if (!m) return fail("MACHINE_NOT_FOUND", `machine '${machineId}' is not a member of the pool`);
      // Terminating a machine that is already on its way out changes nothing (no second decrement).
      if (!isAllocated(m)) return { ok: true, desiredSize: g.desiredSize };
      const desiredSize = decrementDesiredSize ? clampDesired(g, g.desiredSize - 1) : g.desiredSize;
      this.#store.putGroup({ ...g, desiredSize, updatedAt: now });
      this.#apply(providerFor(g.config.provider).terminate(m, now));
      const op = this.#op(ctx, now, "machine.terminate", {
        request: { machineId, decrementDesiredSize },
        result: { machineId, desiredSize: { before: g.desiredSize, after: desiredSize } },
      });
      this.#reconcile(now, { text: `machine ${machineId} terminated (operation ${op.id})`, replace: !decrementDesiredSize });
      return { ok: true, desiredSize };
    });
  }

  async detachMachine(ctx: CommandContext, machineId: string, decrementDesiredSize: boolean): Promise<CommandResult<{ desiredSize: number }>> {
    return this.#command(ctx, "machine.detach", { machineId, decrementDesiredSize }, (now, g) => {
      const m = this.#member(machineId);
      if (!m || !isAllocated(m)) return fail("MACHINE_NOT_FOUND", `machine '${machineId}' is not an active member of the pool`);
      const desiredSize = decrementDesiredSize ? clampDesired(g, g.desiredSize - 1) : g.desiredSize;
      this.#store.putGroup({ ...g, desiredSize, updatedAt: now });
      this.#store.putMachine({ ...m, member: false, terminateAt: null });
      this.#timers.clear(`terminate:${m.id}`);
      const op = this.#op(ctx, now, "machine.detach", {
        request: { machineId, decrementDesiredSize },
        result: { machineId, desiredSize: { before: g.desiredSize, after: desiredSize } },
      });
      this.#reconcile(now, { text: `machine ${machineId} detached (operation ${op.id})`, replace: !decrementDesiredSize });
      return { ok: true, desiredSize };
    });
  }

  async attachMachine(ctx: CommandContext, machineId: string): Promise<CommandResult<{ desiredSize: number }>> {
    return this.#command(ctx, "machine.attach", { machineId }, (now, g) => {
      const m = this.#store.machines.get(machineId);
      if (!m || !isAllocated(m)) return fail("MACHINE_NOT_FOUND", `machine '${machineId}' is not known to the pool's provider`);
      if (m.member) return { ok: true, desiredSize: g.desiredSize };
      const desiredSize = clampDesired(g, g.desiredSize + 1);
      this.#store.putGroup({ ...g, desiredSize, updatedAt: now });
      this.#store.putMachine({ ...m, member: true });
      const op = this.#op(ctx, now, "machine.attach", { request: { machineId }, result: { machineId, desiredSize: { before: g.desiredSize, after: desiredSize } } });
      this.#reconcile(now, { text: `machine ${machineId} attached (operation ${op.id})` });
      return { ok: true, desiredSize };
    });
  }

  async setServiceState(ctx: CommandContext, machineId: string, serviceState: ServiceState): Promise<CommandResult<{ serviceState: ServiceState }>> {
    return this.#command(ctx, "machine.set_service_state", { machineId, serviceState }, (now) => {
      const m = this.#member(machineId);
      if (!m) return fail("MACHINE_NOT_FOUND", `machine '${machineId}' is not a member of the pool`);
      this.#store.putMachine({ ...m, serviceState });
      const op = this.#op(ctx, now, "machine.set_service_state", { request: { machineId, serviceState }, result: { machineId, before: m.serviceState, after: serviceState } });
      const replace = serviceState === "OUT_OF_SERVICE" && m.serviceState !== "OUT_OF_SERVICE";
      this.#reconcile(now, { text: `machine ${machineId} service state ${m.serviceState} -> ${serviceState} (operation ${op.id})`, replace });
      return { ok: true, serviceState };
    });
  }

  /** Removes the group: every machine its provider runs for it is terminated. */
  async deleteGroup(ctx: CommandContext): Promise<CommandResult<{ terminated: string[] }>> {
    return this.#command(ctx, "pool.delete", {}, (now, g) => {
      const terminated = [...this.#store.machines.values()].filter(isAllocated).map((m) => m.id);
      const op = this.#op(ctx, now, "pool.delete", { request: {}, result: { terminated, desiredSize: g.desiredSize } });
      for (const id of terminated) {
        this.#op(null, now, "machine.terminated", { result: { machineId: id, reason: "pool deleted" }, cause: `pool deleted (operation ${op.id})` });
      }
      // The simulated cloud of this group goes with it: nothing is left to step on timers.
      this.#store.dropGroup();
      this.#timers.clearAll(["outbox", "idempotency-expiry"]);
      this.#registry(now, g);
      return { ok: true, terminated };
    });
  }

  /** Simulated provider only: events that happen outside Scalegate, corrected by the next reconcile. */
  async simulate(ctx: CommandContext, event: SimulatorEvent): Promise<CommandResult<{ machine: Machine }>> {
    return this.#command(ctx, "simulator.event", event, (now, g) => {
      if (g.config.provider.type !== "simulated") return fail("CONFLICT", "simulator events apply to the simulated provider only");
      const r = simulatorEvent(event, this.#store.machines, now);
      if (!r.ok) return fail("MACHINE_NOT_FOUND", r.message);
      this.#apply({ machines: [r.machine], timers: [], clear: r.clear });
      this.#op(ctx, now, "simulator.event", { request: event, result: { machine: r.machine } });
      return { ok: true, machine: r.machine };
    });
  }

  // ---------------------------------------------------------------- alarm

  override async alarm(): Promise<void> {
    const now = Date.now();
    let flush = false;
    for (const t of this.#timers.due(now)) {
      if (t.name === "outbox") {
        flush = true;
        continue;
      }
      try {
        this.ctx.storage.transactionSync(() => {
          this.#onTimer(t, now);
          this.#timers.consume(t);
        });
      } catch (err) {
        // A handler that fails must not spin the alarm: retry it later, keep the others going.
        this.#store.load();
        console.error(`timer ${t.name} failed`, err);
        this.#timers.set(t.name, now + TIMER_FAILURE_RETRY_MS, t.payload);
      }
    }
    await this.#timers.rearm(now);
    if (flush || this.#outbox.size() > 0) await this.#flush();
  }

  #onTimer(t: Timer, now: number): void {
    const g = this.#store.group;
    if (t.name === "idempotency-expiry") {
      const next = this.#idempotency.expire(now);
      if (next !== null) this.#timers.set("idempotency-expiry", next);
      return;
    }
    if (!g) return; // a group deleted since the timer was armed: nothing to do.
    if (t.name === "reconcile") {
      this.#reconcile(now, { text: "periodic reconcile", replace: true });
      this.#timers.set("reconcile", now + g.config.updatePeriodSeconds * 1000);
    } else if (t.name.startsWith("sim:")) {
      const m = this.#store.machines.get(t.name.slice(4));
      const change = m && providerFor(g.config.provider).step(m, t.payload, now);
      if (change) this.#apply(change);
    } else if (t.name.startsWith("terminate:")) {
      this.#reconcile(now, { text: `instance hour of ${t.name.slice(10)} reached` });
    }
  }

  // ---------------------------------------------------------------- internals

  /**
   * Runs a command: idempotency check, the change and its ledger records in one storage
   * transaction (rolled back on failure), then timers re-armed and the outbox pushed.
   */
  async #command<T extends object>(
    ctx: CommandContext,
    type: string,
    request: unknown,
    apply: (now: number, group: GroupState) => Result<T>,
  ): Promise<Result<T & { replayed: boolean }>> {
    const key = ctx.idempotencyKey ?? null;
    const scope = key ? IdempotencyStore.scope(type, ctx.group, key) : null;
    const print = key ? await fingerprint({ type, request }) : null;
    const now = Date.now();
    let result: Result<T & { replayed: boolean }>;
    try {
      result = this.ctx.storage.transactionSync(() => {
        if (scope) {
          const prior = this.#idempotency.get(scope, now);
          if (prior && prior.fingerprint !== print) {
            throw new Rejected(fail("IDEMPOTENCY_CONFLICT", `Idempotency-Key '${key}' was used with a different request`));
          }
          if (prior) return { ...(prior.response as T), ok: true as const, replayed: true };
        }
        const g = this.#store.group;
        if (!g && type !== "pool.configure") throw new Rejected(fail("GROUP_NOT_FOUND", "group is not configured"));
        const out = apply(now, g!);
        if (!out.ok) throw new Rejected(out);
        if (scope && print) {
          const { ok: _ok, ...response } = out;
          this.#timers.setEarliest("idempotency-expiry", this.#idempotency.put(scope, print, response, now));
        }
        return { ...out, replayed: false };
      });
    } catch (err) {
      this.#store.load();
      if (err instanceof Rejected) return err.failure as Result<never>;
      throw err;
    }
    if (!result.ok || result.replayed) return result;
    await this.#flush(); // re-arms the alarm too
    return result;
  }

  #member(machineId: string): Machine | null {
    const m = this.#store.machines.get(machineId);
    return m && m.member ? m : null;
  }

  #apply(change: ProviderChange): void {
    for (const m of change.machines) this.#store.putMachine(m);
    for (const name of change.clear) this.#timers.clear(name);
    for (const t of change.timers) this.#timers.set(t.name, t.at, t.payload);
  }

  /** Brings the effective member count to the desired size; records every activity. */
  #reconcile(now: number, cause: ReconcileCause): void {
    const g = this.#store.group!;
    const provider = providerFor(g.config.provider);
    const plan = planReconcile(g, [...this.#store.machines.values()], now);
    const activity = (type: string, result: unknown) => this.#op(null, now, type, { result, cause: cause.text });

    for (const id of plan.forget) this.#store.dropMachine(id);
    for (const id of plan.unschedule) {
      this.#store.putMachine({ ...this.#store.machines.get(id)!, terminateAt: null });
      this.#timers.clear(`terminate:${id}`);
      activity("machine.termination_cancelled", { machineId: id });
    }
    for (const id of [...plan.cancel, ...plan.terminate]) {
      const m = this.#store.machines.get(id)!;
      this.#apply(provider.terminate(m, now));
      this.#timers.clear(`terminate:${id}`);
      activity("machine.terminated", { machineId: id, machineState: m.machineState });
    }
    for (const { id, at } of plan.schedule) {
      this.#store.putMachine({ ...this.#store.machines.get(id)!, terminateAt: at });
      this.#timers.set(`terminate:${id}`, at);
      activity("machine.termination_scheduled", { machineId: id, terminateAt: new Date(at).toISOString() });
    }
    if (plan.launch > 0) {
      const change = provider.launch(plan.launch, now);
      this.#apply(change);
      activity(cause.replace ? "machine.replaced" : "machine.launched", { count: plan.launch, machineIds: change.machines.map((m) => m.id) });
    }
  }

  /** Writes an operation record to the outbox, inside the caller's transaction. */
  #op(
    ctx: CommandContext | null,
    now: number,
    type: string,
    fields: { request?: unknown; result?: unknown; cause?: string },
  ): OperationRecord {
    const g = this.#store.group;
    const record: OperationRecord = {
      id: crypto.randomUUID(),
      tenantId: ctx?.tenantId ?? g!.tenantId,
      targetKind: "group",
      targetId: ctx?.group ?? g!.name,
      dialect: ctx?.dialect ?? "system",
      type,
      status: "succeeded",
      idempotencyKey: ctx?.idempotencyKey ?? null,
      actionId: ctx?.actionId ?? null,
      request: fields.request === undefined ? null : JSON.stringify(fields.request),
      result: fields.result === undefined ? null : JSON.stringify(fields.result),
      cause: fields.cause ?? (ctx ? `request ${ctx.requestId}` : null),
      createdAt: now,
      updatedAt: now,
      completedAt: now,
      seq: this.#store.nextSeq(),
      version: 1,
    };
    this.#outbox.put({ kind: "operation", record });
    this.#timers.setEarliest("outbox", now + OUTBOX_SAFETY_MS);
    return record;
  }

  /** Queues the group's registry row (what `GET /cloudpools` lists); `deleted` marks its removal. */
  #registry(now: number, deleted?: GroupState): void {
    const g = deleted ?? this.#store.group!;
    this.#outbox.put({
      kind: "group",
      row: {
        tenantId: g.tenantId,
        name: g.name,
        providerType: g.config.provider.type,
        createdAt: g.createdAt,
        updatedAt: now,
        deletedAt: deleted ? now : null,
        version: this.#store.nextSeq(),
      },
    });
    this.#timers.setEarliest("outbox", now + OUTBOX_SAFETY_MS);
  }

  /** Pushes the outbox to D1; on failure the outbox timer retries with backoff. */
  async #flush(): Promise<void> {
    const pending = this.#outbox.pending();
    if (pending.length > 0) {
      try {
        await writeLedger(this.env.DB, pending.map((p) => p.entry));
        this.#outbox.acknowledge(pending);
        this.#flushFailures = 0;
      } catch (err) {
        this.#flushFailures++;
        console.warn(`ledger flush failed (${this.#flushFailures} in a row), retrying`, String(err));
        this.#timers.set("outbox", Date.now() + outboxBackoffMs(this.#flushFailures));
      }
    }
    if (this.#outbox.size() === 0) this.#timers.clear("outbox");
    await this.#timers.rearm(Date.now());
  }
}
