// Ledger writing: the records and registry rows a transaction puts in the object's outbox (the same
// storage transaction as the change they record). Every write also sets the `outbox-flush` safety
// timer, so what a commit queued is pushed even if the isolate dies before its push ends.
import type { GroupState, Machine } from "../domain/model";
import type { CommandContext, OperationRecord, OperationStatus, TargetKind } from "../domain/operations";
import type { OutboxEntry } from "../db/push";
import type { HookRow } from "../db/registry";
import { OUTBOX_SAFETY_MS, type Outbox } from "./outbox";
import type { GroupStore } from "./store";
import type { Timers } from "./timers";

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

export class Records {
  #owner: Owner | null | undefined;

  constructor(
    private readonly now: number,
    private readonly ctx: CommandContext | null,
    private readonly store: GroupStore,
    private readonly timers: Timers,
    private readonly outbox: Outbox,
  ) {}

  /** Writes an operation record to the outbox. */
  op(type: string, fields: OpFields = {}, ctx = this.ctx): OperationRecord {
    const owner = this.owner();
    const record: OperationRecord = {
      id: fields.id ?? this.store.newOperationId(),
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

  /** The group's registry row (what tenants list); `deleted` marks its removal. */
  group(g: GroupState, deleted: boolean): void {
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

  /** An instance's registry row (so `/v1/instances/{uuid}` finds its group); `gone` marks its removal. */
  instance(g: GroupState, m: Machine, gone: boolean): void {
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

  /** A hook's registry row (so a delivery to `/hooks/{id}` finds its tenant); version is set here. */
  hook(row: Omit<HookRow, "version" | "updatedAt">): void {
    this.queue({ kind: "hook", row: { ...row, updatedAt: this.now, version: this.store.nextSeq() } });
  }

  /** Whose object this is: written at the first command; groups are their own record of it. */
  owner(): Owner {
    // Read once per transaction: a reconcile can write many records.
    if (this.#owner === undefined) this.#owner = this.store.getDoc<Owner>("owner");
    const g = this.store.group;
    return this.#owner ?? { tenantId: g!.tenantId, kind: "group", id: g!.name };
  }

  /** Remembers the object's identity for records written later by timers (no request then). */
  claim(ctx: CommandContext): void {
    this.#owner = this.store.getDoc<Owner>("owner");
    if (this.#owner) return;
    this.#owner = { tenantId: ctx.tenantId, kind: ctx.targetKind ?? "group", id: ctx.group };
    this.store.putDoc("owner", this.#owner);
  }

  /** Whether this transaction already set the outbox timer (one timer read per transaction, not per record). */
  #flushTimerSet = false;

  private queue(entry: OutboxEntry): void {
    this.outbox.put(entry);
    if (this.#flushTimerSet) return;
    this.timers.setEarliest("outbox-flush", this.now + OUTBOX_SAFETY_MS);
    this.#flushTimerSet = true;
  }
}
