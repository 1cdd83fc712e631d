// The unit of work: what a command or a timer handler sees while it runs inside the object's
// storage transaction — the state, the clock, and the effects it may have (machine changes
// through the provider, timers, ledger records, reconcile). Everything written here commits or
// rolls back together. Ledger writing is ./records.ts, reconcile execution ./reconcile.ts.
import { isAllocated, type GroupState, type Machine, type WebhookProviderConfig } from "../domain/model";
import type { CommandContext, OperationRecord } from "../domain/operations";
import type { HookRow } from "../db/registry";
import { providerFor } from "../providers";
import { POOL_TEMPLATE, type LaunchTemplate, type Provider, type ProviderChange, type ProviderEvent } from "../providers/types";
import type { Deliveries } from "./deliveries";
import type { Outbox } from "./outbox";
import { executeReconcile, type ReconcileCause } from "./reconcile";
import { Records, type OpFields, type Owner } from "./records";
import type { GroupStore } from "./store";
import { machineStepTimer, type Timers } from "./timers";

export type { ReconcileCause } from "./reconcile";
export type { OpFields, Owner } from "./records";
export { terminateTimer } from "./timers";

export class GroupTx {
  readonly records: Records;

  constructor(
    readonly now: number,
    /** The request being served; null for timer handlers (records are then `dialect: system`). */
    readonly ctx: CommandContext | null,
    readonly store: GroupStore,
    readonly timers: Timers,
    outbox: Outbox,
    private readonly deliveries?: Deliveries,
  ) {
    this.records = new Records(now, ctx, store, timers, outbox);
  }

  /** The group; commands only run on an existing group (the runner checks). */
  get group(): GroupState {
    return this.store.group!;
  }

  setGroup(patch: Partial<GroupState>): GroupState {
    const g = { ...this.group, ...patch, updatedAt: this.now };
    this.store.putGroup(g);
    return g;
  }

  machine(id: string): Machine | undefined {
    return this.store.machines.get(id);
  }

  member(id: string): Machine | null {
    const m = this.store.machines.get(id);
    return m && m.member ? m : null;
  }

  provider(): Provider {
    return providerFor(this.group.config.provider, this.group.name);
  }

  apply(change: ProviderChange): void {
    for (const m of change.machines) {
      if (!this.store.machines.has(m.id)) this.instanceRegistry(m);
      this.store.putMachine(m);
    }
    for (const id of change.clear) this.timers.clear(machineStepTimer(id));
    for (const t of change.timers) this.timers.set(machineStepTimer(t.machineId), t.at, t.payload);
    if (change.events.length > 0) this.emit(change.events);
  }

  /**
   * Stores outbound events for delivery (same transaction as the change), each with its
   * `provider.delivery` operation record, re-written by every attempt (./deliveries.ts).
   */
  emit(events: ProviderEvent[], target: WebhookProviderConfig | null = this.webhook()): void {
    if (!target || !this.deliveries) return;
    const owner = this.owner();
    for (const e of events) {
      const id = `evt_${crypto.randomUUID()}`;
      const body = JSON.stringify({ id, type: e.type, group: owner.id, tenant: owner.tenantId, created_at: new Date(this.now).toISOString(), data: e.data });
      const op = this.op("provider.delivery", {
        status: "running",
        request: { eventId: id, type: e.type, url: target.url },
        result: { eventId: id, type: e.type, url: target.url, attempts: [] },
        cause: `${e.type} event${this.ctx ? ` (request ${this.ctx.requestId})` : ""}`,
      }, null);
      this.deliveries.enqueue({ id, seq: op.seq, type: e.type, body, target: { url: target.url, secret: target.secret, timeoutMs: target.timeoutMs }, op, now: this.now });
    }
  }

  private webhook(): WebhookProviderConfig | null {
    const p = this.store.group?.config.provider;
    return p?.type === "webhook" ? p : null;
  }

  /** Writes an operation record to the outbox (same transaction as the change it records). */
  op(type: string, fields: OpFields = {}, ctx = this.ctx): OperationRecord {
    return this.records.op(type, fields, ctx);
  }

  /** Queues the group's registry row (what tenants list); `deleted` marks its removal. */
  registry(deleted?: GroupState): void {
    this.records.group(deleted ?? this.group, deleted !== undefined);
  }

  /** Queues a hook's registry row (written through the outbox like every D1 row). */
  hookRegistry(row: Omit<HookRow, "version" | "updatedAt">): void {
    this.records.hook(row);
  }

  /** Removes a machine for good (its registry row is marked gone; its history stays in the ledger). */
  forget(id: string): void {
    const m = this.machine(id);
    if (!m) return;
    this.instanceRegistry(m, true);
    this.store.dropMachine(id);
    this.timers.clearMachine(id);
  }

  /** Queues an instance's registry row (so `/v1/instances/{uuid}` finds this group); `gone` marks its removal. */
  instanceRegistry(m: Machine, gone = false): void {
    this.records.instance(this.group, m, gone);
  }

  /** Whose object this is (./records.ts). */
  owner(): Owner {
    return this.records.owner();
  }

  /** Remembers the object's identity for records written later by timers (no request then). */
  claim(ctx: CommandContext): void {
    this.records.claim(ctx);
  }

  /** Brings the effective member count to the desired size (./reconcile.ts). */
  reconcile(cause: ReconcileCause): void {
    executeReconcile(this, cause);
  }

  /** What the reconciler launches: clones of the autoscale master, or the pool's generic machines. */
  launchTemplate(): LaunchTemplate {
    const g = this.group;
    const master = g.autoscale ? this.machine(g.autoscale.master) : undefined;
    if (master) return { origin: "autoscale", spec: master.spec, namePrefix: master.name, retained: false, scaleToZero: null };
    return POOL_TEMPLATE(g.name);
  }

  /** Ids of the machines the group's provider still runs (members or detached). */
  allocatedIds(): string[] {
    return [...this.store.machines.values()].filter(isAllocated).map((m) => m.id);
  }
}
