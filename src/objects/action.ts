// The object of a Quilt orchestrator action (`<tenant>:action:<id>`, binding ACTIONS): it serializes
// the action's rollbacks and knows which objects hold the operations recorded under the action.
// Each object keeps its own records of an action (./action-records.ts) and, with its first one,
// links itself here before that write is answered — so the action's listing and its rollbacks
// include every answered write without reading D1 (issue 10, read-your-writes), and a write under
// an action the object already holds costs no call here.
import type { Env } from "../env";
import { fail, objectName, operationIdPrefix, type CommandContext, type CommandResult, type OperationRecord, type Result } from "../domain/operations";
import { planRollback, rollbackOutcome, type RollbackInput } from "../domain/undo";
import type * as quilt from "./commands/quilt";
import { byActionOrder } from "./action-records";
import { KernelObject } from "./base";

export type { RollbackInput } from "../domain/undo";

const HOLDER_RE = /^([gtah])-([0-9a-f]{64})$/;

export class ActionObject extends KernelObject {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env, { handlers: {}, binding: "a", missing: () => null });
  }

  /** Notes that `holder` (an object's operation-id prefix) holds records of this action; repeats are no-ops. */
  async linkHolder(tenantId: string, actionId: string, holder: string): Promise<Result<object>> {
    // Only kernels call this (never a dialect): a refusal here means a bug, not bad input.
    if (!HOLDER_RE.test(holder)) return fail("INVALID", `not an object's name: ${holder}`);
    const identity = this.#identity();
    if (identity && (identity.tenantId !== tenantId || identity.actionId !== actionId)) return fail("CONFLICT", "this object is another action's");
    this.k.commit(() => {
      if (!identity) this.ctx.storage.sql.exec(`INSERT INTO action_identity (key, tenant_id, action_id) VALUES ('action', ?, ?)`, tenantId, actionId);
      this.ctx.storage.sql.exec(`INSERT OR IGNORE INTO action_holders (holder) VALUES (?)`, holder);
    });
    return { ok: true };
  }

  /** The action's operations, oldest first (by time, then by the writer's sequence), from every object holding some. */
  async listOperations(): Promise<Result<{ operations: OperationRecord[] }>> {
    return this.#operations();
  }

  #identity(): { tenantId: string; actionId: string } | null {
    const row = this.ctx.storage.sql.exec<{ tenant_id: string; action_id: string }>(`SELECT tenant_id, action_id FROM action_identity`).toArray()[0];
    return row ? { tenantId: row.tenant_id, actionId: row.action_id } : null;
  }

  #holders(): string[] {
    return this.ctx.storage.sql.exec<{ holder: string }>(`SELECT holder FROM action_holders ORDER BY holder`).toArray().map((r) => r.holder);
  }

  /** Asks every holder for its records of this action (one call each, at once); a holder that fails fails the read. */
  async #operations(): Promise<Result<{ operations: OperationRecord[] }>> {
    const identity = this.#identity();
    if (!identity) return { ok: true, operations: [] };
    const parts = await Promise.all(
      this.#holders().map(async (holder) => {
        // This object's own records (a rollback recorded under the action it rolls back): no call.
        if (holder === operationIdPrefix({ binding: "a", hex: this.ctx.id.toString() })) return this.actionOperations(identity.tenantId, identity.actionId);
        const [, binding, hex] = HOLDER_RE.exec(holder)!;
        const ns = { g: this.env.GROUPS, t: this.env.TARGETS, a: this.env.ACTIONS, h: this.env.HOOKS }[binding as "g" | "t" | "a" | "h"] as unknown as DurableObjectNamespace<KernelObject>;
        return ns
          .get(ns.idFromString(hex))
          .actionOperations(identity.tenantId, identity.actionId)
          .catch((err: unknown) => fail("UNAVAILABLE", `an object holding this action's operations did not answer: ${String(err)}`));
      }),
    );
    const operations: OperationRecord[] = [];
    for (const p of parts) {
      if (!p.ok) return p;
      operations.push(...(p.operations as OperationRecord[]));
    }
    return { ok: true, operations: operations.sort(byActionOrder) };
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
      const listed = await this.#operations();
      if (!listed.ok) return listed;
      const planned = planRollback(listed.operations, input);
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
