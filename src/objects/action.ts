// The object of a Quilt orchestrator action (`<tenant>:action:<id>`, binding ACTIONS): it serializes
// the action's rollbacks and is the index of the operations recorded under the action. Every record
// with that action id is sent here by the object that wrote it (the outbox's `action` entries,
// ./kernel.ts), before that write is answered — so the action's listing and its rollbacks include
// every answered write without reading D1 (issue 10, read-your-writes).
import type { Env } from "../env";
import { fail, objectName, type CommandContext, type CommandResult, type OperationRecord, type Result } from "../domain/operations";
import { planRollback, rollbackOutcome, type RollbackInput } from "../domain/undo";
import type * as quilt from "./commands/quilt";
import { KernelObject } from "./base";

export type { RollbackInput } from "../domain/undo";

export class ActionObject extends KernelObject {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env, { handlers: {}, binding: "a", missing: () => null });
  }

  /** Keeps the newest version of each record (pushes may arrive twice or out of order). */
  async indexOperations(records: OperationRecord[]): Promise<Result<{ indexed: number }>> {
    this.k.commit(() => {
      for (const r of records) {
        this.ctx.storage.sql.exec(
          `INSERT INTO action_ops (id, created_at, seq, version, record) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT(id) DO UPDATE SET created_at = excluded.created_at, seq = excluded.seq, version = excluded.version, record = excluded.record
           WHERE excluded.version > action_ops.version`,
          r.id,
          r.createdAt,
          r.seq,
          r.version,
          JSON.stringify(r),
        );
      }
    });
    return { ok: true, indexed: records.length };
  }

  /** The action's operations, oldest first (by time, then by the writer's sequence). */
  async listOperations(): Promise<Result<{ operations: OperationRecord[] }>> {
    return { ok: true, operations: this.#operations() };
  }

  #operations(): OperationRecord[] {
    return this.ctx.storage.sql
      .exec<{ record: string }>(`SELECT record FROM action_ops ORDER BY created_at, seq, id`)
      .toArray()
      .map((r) => JSON.parse(r.record) as OperationRecord);
  }

  /**
   * Rolls back this action: reaches every target its operations changed, newest first
   * (src/domain/undo.ts), each undo a command on the target's object. It awaits other objects
   * before its own command, so it begins its request itself (the one idempotency mechanism,
   * ./idempotency.ts): a second rollback of this action while one runs → IN_FLIGHT (known in memory
   * only: an eviction mid-way leaves nothing behind).
   */
  async rollbackAction(ctx: CommandContext, input: RollbackInput): Promise<CommandResult<{ operation: OperationRecord }>> {
    const type = "elasticity.rollback_action";
    const begun = await this.k.begin(ctx, type, input, { serialize: true });
    if (begun.state === "conflict") return fail("IDEMPOTENCY_CONFLICT", `Idempotency-Key '${ctx.idempotencyKey}' was used with a different request`);
    if (begun.state === "replay") {
      await this.k.settleReplay();
      return { ...(begun.response as { operation: OperationRecord }), ok: true, replayed: true };
    }
    if (begun.state === "in-flight") return fail("IN_FLIGHT", `a rollback with Idempotency-Key '${ctx.idempotencyKey}' is still executing`);
    const claim = begun.claim;
    try {
      const planned = planRollback(this.#operations(), input);
      if (!planned.ok) return planned;
      const undone: quilt.UndoResult[] = [];
      for (const op of planned.ops) {
        const undoCtx: CommandContext = { ...ctx, group: op.targetId, targetKind: op.targetKind as CommandContext["targetKind"], idempotencyKey: null };
        const r = await this.#undo(undoCtx, op, input.force);
        undone.push(r.ok ? r.undo : { operation_id: op.id, undo_operation_id: null, target: { kind: op.targetKind, id: op.targetId }, status: "conflict", message: r.message });
      }
      return await this.k.command(ctx, type, input, (tx) => {
        const operation = tx.op(type, { request: input, result: { target_action_id: input.target_action_id, undone }, ...rollbackOutcome(undone) });
        return { ok: true, operation };
      }, { creates: true, claim });
    } finally {
      this.k.idempotency.abandon(claim); // a no-op once the command completed it
    }
  }

  /** The undo of one operation, on the object of its target (a group's or a container's/workload's). */
  #undo(ctx: CommandContext, op: OperationRecord, force: boolean) {
    const name = objectName(ctx.tenantId, ctx.targetKind!, ctx.group);
    if (ctx.targetKind === "container" || ctx.targetKind === "workload") return this.env.TARGETS.get(this.env.TARGETS.idFromName(name)).undoOperation(ctx, op, force);
    return this.env.GROUPS.get(this.env.GROUPS.idFromName(name)).undoOperation(ctx, op, force);
  }
}
