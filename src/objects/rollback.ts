// Which operations a rollback of an orchestrator action undoes: read from the ledger, chosen by
// the pure rule in src/domain/undo.ts (succeeded elasticity operations, not rollbacks, not
// undos, newest first, or only `target_operation_id`).
import { listActionOperations } from "../db/ledger";
import { fail, type OperationRecord, type Result } from "../domain/operations";
import { planRollback, type RollbackInput } from "../domain/undo";

export type { RollbackInput } from "../domain/undo";

export async function rollbackPlan(d1: D1Database, tenantId: string, input: RollbackInput): Promise<Result<{ ops: OperationRecord[] }>> {
  let all: OperationRecord[];
  try {
    all = await listActionOperations(d1, tenantId, input.target_action_id);
  } catch (err) {
    return fail("UNAVAILABLE", `the operation ledger is unreachable, retry later (${String(err)})`);
  }
  return planRollback(all, input);
}
