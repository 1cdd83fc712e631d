// Which operations a rollback of an orchestrator action undoes: the action's succeeded
// elasticity operations (not rollbacks, not undos), newest first, or only `target_operation_id`.
import { listActionOperations } from "../db/ledger";
import { fail, type OperationRecord, type Result } from "../domain/operations";

export interface RollbackInput {
  target_action_id: string;
  target_operation_id?: string;
  reason_code?: string;
  reason_message?: string;
  force: boolean;
}

const undoable = (op: OperationRecord) =>
  op.type.startsWith("elasticity.") &&
  op.type !== "elasticity.rollback_action" &&
  op.status === "succeeded" &&
  !(op.request && "undo_of" in JSON.parse(op.request));

export async function rollbackPlan(d1: D1Database, tenantId: string, input: RollbackInput): Promise<Result<{ ops: OperationRecord[] }>> {
  let all: OperationRecord[];
  try {
    all = await listActionOperations(d1, tenantId, input.target_action_id);
  } catch (err) {
    return fail("UNAVAILABLE", `the operation ledger is unreachable, retry later (${String(err)})`);
  }
  if (all.length === 0) return fail("GROUP_NOT_FOUND", `action '${input.target_action_id}' has no operations`);
  let ops = all.filter(undoable);
  if (input.target_operation_id) {
    ops = ops.filter((o) => o.id === input.target_operation_id);
    if (ops.length === 0) return fail("GROUP_NOT_FOUND", `operation '${input.target_operation_id}' is not an undoable operation of action '${input.target_action_id}'`);
  }
  return { ok: true, ops: ops.reverse() };
}
