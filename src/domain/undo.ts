// Quilt rollback rules, pure: which operations of an orchestrator action a rollback undoes (its
// succeeded elasticity operations, not rollbacks, not undos; newest first, or only
// `target_operation_id`), what the undo of one operation does given its target's current state
// (restore what it replaced; a conflict when a later change overwrote what it made, unless
// `force`; nothing the second time), and the rollback's own outcome. The objects read the ledger
// and the targets' state and apply these plans (src/objects/rollback.ts, commands/quilt.ts).
import { canonicalJson, fail, type OperationRecord, type Result } from "./operations";
import { bound, type Binding } from "./quilt";

export interface RollbackInput {
  target_action_id: string;
  target_operation_id?: string;
  reason_code?: string;
  reason_message?: string;
  force: boolean;
}

export type UndoStatus = "succeeded" | "conflict" | "already_rolled_back" | "not_reversible";
export interface UndoResult {
  operation_id: string;
  undo_operation_id: string | null;
  target: { kind: string; id: string };
  status: UndoStatus;
  message?: string;
}

/** An undo is recorded as an operation of the undone type whose request names `undo_of`. */
export function isUndoRecord(op: OperationRecord): boolean {
  const request: unknown = op.request ? JSON.parse(op.request) : null;
  return typeof request === "object" && request !== null && "undo_of" in request;
}

/** What a rollback may undo: a succeeded elasticity write that is neither a rollback nor an undo. */
export const isUndoable = (op: OperationRecord): boolean =>
  op.type.startsWith("elasticity.") && op.type !== "elasticity.rollback_action" && op.status === "succeeded" && !isUndoRecord(op);

/**
 * The operations a rollback undoes, newest first (by creation time, then the target's sequence;
 * full ties keep the reverse of the given order, the ledger's). An action without operations, or a
 * `target_operation_id` that is not an undoable operation of it, is not found.
 */
export function planRollback(all: OperationRecord[], input: RollbackInput): Result<{ ops: OperationRecord[] }> {
  if (all.length === 0) return fail("ACTION_NOT_FOUND", `action '${input.target_action_id}' has no operations`);
  let ops = all.filter(isUndoable);
  if (input.target_operation_id) {
    ops = ops.filter((o) => o.id === input.target_operation_id);
    if (ops.length === 0) return fail("ACTION_NOT_FOUND", `operation '${input.target_operation_id}' is not an undoable operation of action '${input.target_action_id}'`);
  }
  // (reverse, then a stable sort: the order the ledger gives is kept where nothing else decides)
  const newestFirst = [...ops].reverse().sort((a, b) => b.createdAt - a.createdAt || b.seq - a.seq);
  return { ok: true, ops: newestFirst };
}

/**
 * Whether the target still holds what the operation made. A rotation's own cutover completes it
 * (the swapped binding still counts as what it made); any other later change does not.
 */
export function holdsAfter(type: string, current: unknown, after: unknown): boolean {
  if (canonicalJson(current) === canonicalJson(after)) return true;
  const made = after as Binding | null;
  if (type !== "elasticity.rotate_workload_function_binding" || !made?.next_function_id) return false;
  return canonicalJson(current) === canonicalJson(bound(made.next_function_id));
}

export type UndoPlan =
  /** Nothing is changed; reported with this status. */
  | { kind: "skip"; status: Exclude<UndoStatus, "succeeded">; message?: string }
  /** Restore `before` (what the operation replaced); the undo is recorded with `before: current, after: before`. */
  | { kind: "restore"; before: unknown; record: { undo_of: string; before: unknown; after: unknown } };

/**
 * The undo of one operation on its target. `current` is the part of the target's live state the
 * operation's type changes (undefined: the type cannot be undone; null: the target holds
 * nothing); `undone` the operation ids this target has already undone.
 */
export function planUndo(op: OperationRecord, current: unknown, undone: readonly string[], force: boolean): UndoPlan {
  if (undone.includes(op.id)) return { kind: "skip", status: "already_rolled_back" };
  if (current === undefined) return { kind: "skip", status: "not_reversible", message: `${op.type} cannot be undone` };
  const { before, after } = JSON.parse(op.result ?? "{}") as { before: unknown; after: unknown };
  if (current === null && op.type === "elasticity.scale_node_group") {
    // Deleted since: there is no group to restore a size into, forced or not.
    return { kind: "skip", status: "conflict", message: `node group ${op.targetId} no longer exists: nothing to restore` };
  }
  if (!force && !holdsAfter(op.type, current, after)) {
    return { kind: "skip", status: "conflict", message: `target changed since operation ${op.id}: it holds ${canonicalJson(current)}, the operation made ${canonicalJson(after)}` };
  }
  return { kind: "restore", before, record: { undo_of: op.id, before: current, after: before } };
}

/**
 * The rollback's own record: failed (ELASTICITY_INVALID_ARGUMENT) when any target was left
 * alone as a conflict, naming them; succeeded otherwise (already rolled back and not reversible
 * operations do not fail it).
 */
export function rollbackOutcome(undone: UndoResult[]): { status: "succeeded" } | { status: "failed"; reasonCode: string; reasonMessage: string } {
  const conflicts = undone.filter((u) => u.status === "conflict");
  if (conflicts.length === 0) return { status: "succeeded" };
  return {
    status: "failed",
    reasonCode: "ELASTICITY_INVALID_ARGUMENT",
    reasonMessage: `${conflicts.length} target(s) changed since the action and were not overwritten (send "force": true to overwrite): ${conflicts.map((u) => `${u.target.kind} ${u.target.id}`).join(", ")}`,
  };
}
