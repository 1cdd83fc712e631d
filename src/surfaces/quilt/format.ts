// The Quilt wire format of operations and target states (docs/quilt.md, "The operation body").
// Pure functions of what the Durable Object stored, so a replay formats to the same body.
import type { OperationRecord, OperationStatus } from "../../domain/operations";
import type { Binding, ContainerState, FunctionPoolState, Placement, WorkloadState } from "../../domain/quilt";

/** Target kinds as Quilt clients name them; the ledger's `group` is a node group. */
export function kindName(kind: string): string {
  return kind === "group" ? "node_group" : kind;
}

const iso = (ms: number | null) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

function parse(text: string | null): unknown {
  if (text === null || text === undefined) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const FAILED: ReadonlySet<OperationStatus> = new Set(["failed", "cancelled", "timed_out"]);
/** Failure reasons worth retrying unchanged (a rollback conflict is not: it needs `force`). */
const RETRYABLE_REASONS: ReadonlySet<string> = new Set(["ELASTICITY_INTERNAL_ERROR"]);

const BINDING_TYPES: ReadonlySet<string> = new Set(["elasticity.workload_function_binding", "elasticity.rotate_workload_function_binding"]);

/**
 * Binding and rotate results carry the binding they made directly inside `result` (Quilt's SDK
 * example reads `result.current_function_id`), beside the stored `before`/`after`. Derived from
 * the stored result, so a replay and a later operation lookup format the same way.
 */
function bindingResultJson(result: Record<string, unknown>): Record<string, unknown> {
  const after = (result.after ?? null) as Binding | null;
  return {
    current_function_id: after?.current_function_id ?? null,
    next_function_id: after?.next_function_id ?? null,
    cutover_at: after?.cutover_at ?? null,
    ...result,
  };
}

/** Rollback results name their targets with ledger kinds: rename them like `target`. */
function resultJson(type: string, result: unknown): unknown {
  if (BINDING_TYPES.has(type) && result && typeof result === "object" && !Array.isArray(result)) return bindingResultJson(result as Record<string, unknown>);
  if (type !== "elasticity.rollback_action" || !result || typeof result !== "object") return result;
  const r = result as { undone?: { target?: { kind: string; id: string } }[] };
  if (!Array.isArray(r.undone)) return result;
  return { ...r, undone: r.undone.map((u) => (u.target ? { ...u, target: { ...u.target, kind: kindName(u.target.kind) } } : u)) };
}

export interface OperationJson {
  operation_id: string;
  operation_type: string;
  action_id: string | null;
  tenant_id: string;
  target: { kind: string; id: string };
  status: OperationStatus;
  reason_code: string | null;
  reason_message: string | null;
  retryable?: boolean;
  request: unknown;
  result: unknown;
  created_at: string;
  completed_at: string | null;
}

export function operationJson(op: OperationRecord): OperationJson {
  const failed = FAILED.has(op.status);
  return {
    operation_id: op.id,
    operation_type: op.type,
    action_id: op.actionId,
    tenant_id: op.tenantId,
    target: { kind: kindName(op.targetKind), id: op.targetId },
    status: op.status,
    reason_code: op.reasonCode,
    reason_message: op.reasonMessage,
    ...(failed ? { retryable: op.status === "timed_out" || (op.reasonCode !== null && RETRYABLE_REASONS.has(op.reasonCode)) } : {}),
    request: parse(op.request),
    result: resultJson(op.type, parse(op.result)),
    created_at: iso(op.createdAt)!,
    completed_at: iso(op.completedAt),
  };
}

/** Binding and rotate answers: the operation plus the binding clients read from there. */
export function bindingOperationJson(op: OperationRecord, state: WorkloadState) {
  const b = state.binding;
  return { ...operationJson(op), current_function_id: b?.current_function_id ?? null, next_function_id: b?.next_function_id ?? null };
}

export function containerJson(s: ContainerState) {
  return { container_id: s.container_id, memory_limit_mb: s.memory_limit_mb, cpu_limit_percent: s.cpu_limit_percent, updated_at: iso(s.updated_at) };
}

export function functionPoolJson(s: FunctionPoolState) {
  return {
    function_id: s.function_id,
    min_instances: s.min_instances,
    max_instances: s.max_instances,
    desired_instances: s.desired_instances,
    running_instances: s.running_instances,
  };
}

/** GET function-binding: current and next function (next set while a rotation awaits its cutover). */
export function bindingJson(s: WorkloadState) {
  const b: Binding | null = s.binding;
  return {
    workload_id: s.workload_id,
    current_function_id: b?.current_function_id ?? null,
    next_function_id: b?.next_function_id ?? null,
    cutover_at: b?.cutover_at ?? null,
    updated_at: iso(s.updated_at),
  };
}

/** GET placement-preference. */
export function placementJson(s: WorkloadState) {
  const p: Placement | null = s.placement;
  return { workload_id: s.workload_id, node_group: p?.node_group ?? null, anti_affinity: p?.anti_affinity ?? null, updated_at: iso(s.updated_at) };
}
