// What a command or a timer handler sees while it runs inside the group's storage transaction:
// the state, the clock, and the effects it may have (machine changes through the provider,
// timers, ledger records, reconcile). Everything written here commits or rolls back together.
import { isAllocated, type GroupState, type Machine, type WebhookProviderConfig } from "../domain/model";
import type { CommandContext, OperationRecord, OperationStatus, TargetKind } from "../domain/operations";
import { planReconcile } from "../domain/reconcile";
import { providerFor } from "../providers";
import { POOL_TEMPLATE, type LaunchTemplate, type Provider, type ProviderChange, type ProviderEvent } from "../providers/types";
import type { OutboxEntry } from "../db/ledger";
import type { Deliveries } from "./deliveries";
import type { Outbox } from "./outbox";
import type { GroupStore } from "./store";
import type { Timers } from "./timers";

export interface ReconcileCause {
  text: string;
  /** The launch replaces lost members (recorded as machine.replaced). */
  replace?: boolean;
}

/** A pending outbox push is retried this soon even if the isolate dies before pushing it. */
const OUTBOX_SAFETY_MS = 5_000;

export interface Owner {
  tenantId: string;
  kind: TargetKind;
  id: string;
}

export interface OpFields {
  request?: unknown;
  result?: unknown;
  cause?: string;
  /** Given when the caller needs the id before the record is written (e.g. to answer with it). */
  id?: string;
  status?: OperationStatus;
  reasonCode?: string;
  reasonMessage?: string;
}

export const terminateTimer = (machineId: string) => `terminate:${machineId}`;

export class GroupTx {
  constructor(
    readonly now: number,
    /** The request being served; null for timer handlers (records are then `dialect: system`). */
    readonly ctx: CommandContext | null,
    readonly store: GroupStore,
    readonly timers: Timers,
    private readonly outbox: Outbox,
    private readonly deliveries?: Deliveries,
  ) {}

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
    for (const name of change.clear) this.timers.clear(name);
    for (const t of change.timers) this.timers.set(t.name, t.at, t.payload);
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
    const owner = this.owner();
    const record: OperationRecord = {
      id: fields.id ?? crypto.randomUUID(),
      tenantId: ctx?.tenantId ?? owner.tenantId,
      targetKind: ctx?.targetKind ?? owner.kind,
      targetId: ctx?.group ?? owner.id,
      dialect: ctx?.dialect ?? "system",
      type,
      status: fields.status ?? "succeeded",
      reasonCode: fields.reasonCode ?? null,
      reasonMessage: fields.reasonMessage ?? null,
      idempotencyKey: ctx?.idempotencyKey ?? null,
      actionId: ctx?.actionId ?? null,
      request: fields.request === undefined ? null : JSON.stringify(fields.request),
      result: fields.result === undefined ? null : JSON.stringify(fields.result),
      cause: fields.cause ?? (ctx ? `request ${ctx.requestId}` : null),
      createdAt: this.now,
      updatedAt: this.now,
      completedAt: fields.status === "running" || fields.status === "accepted" ? null : this.now,
      seq: this.store.nextSeq(),
      version: 1,
    };
    this.queue({ kind: "operation", record });
    return record;
  }

  /** Queues the group's registry row (what tenants list); `deleted` marks its removal. */
  registry(deleted?: GroupState): void {
    const g = deleted ?? this.group;
    this.queue({
      kind: "group",
      row: {
        tenantId: g.tenantId,
        name: g.name,
        uuid: g.uuid,
        providerType: g.config.provider.type,
        createdAt: g.createdAt,
        updatedAt: this.now,
        deletedAt: deleted ? this.now : null,
        version: this.store.nextSeq(),
      },
    });
  }

  /** Removes a machine for good (its registry row is marked gone; its history stays in the ledger). */
  forget(id: string): void {
    const m = this.machine(id);
    if (!m) return;
    this.instanceRegistry(m, true);
    this.store.dropMachine(id);
    this.timers.clear(`sim:${id}`);
    this.timers.clear(terminateTimer(id));
  }

  /** Queues an instance's registry row (so `/v1/instances/{uuid}` finds this group); `gone` marks its removal. */
  instanceRegistry(m: Machine, gone = false): void {
    const g = this.group;
    this.queue({
      kind: "instance",
      row: {
        uuid: m.uuid,
        tenantId: g.tenantId,
        name: m.name,
        groupName: g.name,
        createdAt: m.requestedAt,
        updatedAt: this.now,
        deletedAt: gone ? this.now : null,
        version: this.store.nextSeq(),
      },
    });
  }

  /** Whose object this is: written at the first command; groups are their own record of it. */
  owner(): Owner {
    // Read once per transaction: a reconcile can write many records.
    if (this.#owner === undefined) this.#owner = this.store.getDoc<Owner>("owner");
    const g = this.store.group;
    return this.#owner ?? { tenantId: g!.tenantId, kind: "group", id: g!.name };
  }
  #owner: Owner | null | undefined;

  /** Remembers the object's identity for records written later by timers (no request then). */
  claim(ctx: CommandContext): void {
    this.#owner = this.store.getDoc<Owner>("owner");
    if (this.#owner) return;
    this.#owner = { tenantId: ctx.tenantId, kind: ctx.targetKind ?? "group", id: ctx.group };
    this.store.putDoc("owner", this.#owner);
  }

  /** Puts a ledger/registry entry in the outbox; the outbox timer guarantees it is pushed. */
  private queue(entry: OutboxEntry): void {
    this.outbox.put(entry);
    this.timers.setEarliest("outbox", this.now + OUTBOX_SAFETY_MS);
  }

  /** Brings the effective member count to the desired size; records every activity. */
  reconcile(cause: ReconcileCause): void {
    const now = this.now;
    const provider = this.provider();
    const plan = planReconcile(this.group, [...this.store.machines.values()], now);
    const activity = (type: string, result: unknown) => this.op(type, { result, cause: cause.text }, null);

    for (const id of plan.forget) this.forget(id);
    for (const id of plan.unschedule) {
      this.store.putMachine({ ...this.machine(id)!, terminateAt: null });
      this.timers.clear(terminateTimer(id));
      activity("machine.termination_cancelled", { machineId: id });
    }
    for (const id of [...plan.cancel, ...plan.terminate]) {
      const m = this.machine(id)!;
      this.apply(provider.terminate(m, now));
      this.timers.clear(terminateTimer(id));
      activity("machine.terminated", { machineId: id, machineState: m.machineState });
    }
    for (const { id, at } of plan.schedule) {
      this.store.putMachine({ ...this.machine(id)!, terminateAt: at });
      this.timers.set(terminateTimer(id), at);
      activity("machine.termination_scheduled", { machineId: id, terminateAt: new Date(at).toISOString() });
    }
    if (plan.launch > 0) {
      const change = provider.launch(plan.launch, now, this.launchTemplate());
      this.apply(change);
      activity(cause.replace ? "machine.replaced" : "machine.launched", { count: plan.launch, machineIds: change.machines.map((m) => m.id) });
    }
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
