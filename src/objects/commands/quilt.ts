// Quilt elasticity targets on the group Durable Object class: containers, function pools,
// workloads (one object per (tenant, kind, id)) and node groups (the shared group). Every write
// records its operation with the state it replaced (`before`) and the state it made (`after`), so
// a rollback can restore `before` — but only while the target still holds `after`.
import { DEFAULT_CONFIG, newGroup, type WebhookProviderConfig } from "../../domain/model";
import { fail, type OperationRecord, type Result } from "../../domain/operations";
import { planUndo, type UndoResult } from "../../domain/undo";
import { bound, planCutover, planNodeGroupScale, planRotation, rotationTimerFor, type Binding, type ContainerState, type FunctionPoolState, type Placement, type WorkloadState } from "../../domain/quilt";
import type { GroupTx } from "../tx";

export type { Binding, ContainerState, FunctionPoolState, Placement, WorkloadState } from "../../domain/quilt";

export const ROTATION_TIMER = "rotation-cutover";

type Written<S> = Result<{ operation: OperationRecord; state: S }>;

// ---------------------------------------------------------------- containers

export const container = (tx: GroupTx) => tx.store.getDoc<ContainerState>("container");

/**
 * Records the new limits; the provider applies them (simulated: recorded as applied). A container
 * uses the webhook provider of the tenant's group of the same name, when it has one: the
 * `container.resize` event is then delivered to it like a machine event (docs/webhooks.md).
 */
export function resizeContainer(tx: GroupTx, input: { memory_limit_mb: number; cpu_limit_percent: number }, webhook: WebhookProviderConfig | null = null): Written<ContainerState> {
  const before = container(tx);
  const state: ContainerState = { container_id: tx.ctx!.group, ...input, updated_at: tx.now };
  tx.store.putDoc("container", state);
  if (webhook) tx.emit([{ type: "container.resize", data: { container: state.container_id, ...limits(state), before: before && limits(before) } }], webhook);
  const operation = tx.op("elasticity.resize_container", {
    request: input,
    result: { before: before && limits(before), after: limits(state), applied: { provider: webhook ? "webhook" : "simulated", event: "container.resize" } },
  });
  return { ok: true, operation, state };
}

const limits = (s: ContainerState) => ({ memory_limit_mb: s.memory_limit_mb, cpu_limit_percent: s.cpu_limit_percent });

// ---------------------------------------------------------------- function pools

export function functionPool(tx: GroupTx): FunctionPoolState | null {
  const g = tx.store.group;
  if (!g) return null;
  const running = [...tx.store.machines.values()].filter((m) => m.member && m.machineState === "RUNNING").length;
  return { function_id: g.name, min_instances: g.minSize, max_instances: g.maxSize, desired_instances: g.desiredSize, running_instances: running };
}

/** Sets the pool's bounds; the reconciler then holds the desired size within them. */
export function setPoolTarget(tx: GroupTx, input: { min_instances: number; max_instances: number }, uuid: string): Written<FunctionPoolState> {
  const before = functionPool(tx);
  if (!tx.store.group) tx.store.putGroup(newGroup(tx.ctx!.tenantId, tx.ctx!.group, uuid, DEFAULT_CONFIG, tx.now));
  applyBounds(tx, input.min_instances, input.max_instances);
  const state = functionPool(tx)!;
  const operation = tx.op("elasticity.set_function_pool_target", {
    request: input,
    result: { before: before && bounds(before), after: bounds(state), desired_instances: state.desired_instances },
  });
  return { ok: true, operation, state };
}

const bounds = (p: FunctionPoolState) => ({ min_instances: p.min_instances, max_instances: p.max_instances });

function applyBounds(tx: GroupTx, min: number, max: number): void {
  const g = tx.group;
  if (!tx.timers.get("reconcile")) tx.timers.set("reconcile", tx.now + g.config.updatePeriodSeconds * 1000);
  tx.setGroup({ minSize: min, maxSize: max, desiredSize: Math.min(max, Math.max(min, g.desiredSize)) });
  tx.reconcile({ text: `function pool target [${min}, ${max}]` });
}

// ---------------------------------------------------------------- workloads

export const workload = (tx: GroupTx) => tx.store.getDoc<WorkloadState>("workload");

function putWorkload(tx: GroupTx, patch: Partial<WorkloadState>): WorkloadState {
  const prior = workload(tx) ?? { workload_id: tx.ctx?.group ?? "", binding: null, placement: null, updated_at: tx.now };
  const next = { ...prior, ...patch, updated_at: tx.now };
  tx.store.putDoc("workload", next);
  return next;
}

export function bindFunction(tx: GroupTx, functionId: string): Written<WorkloadState> {
  const before = workload(tx)?.binding ?? null;
  const binding = bound(functionId);
  tx.timers.clear(ROTATION_TIMER);
  const state = putWorkload(tx, { binding });
  const operation = tx.op("elasticity.workload_function_binding", { request: { function_id: functionId }, result: { before, after: binding } });
  return { ok: true, operation, state };
}

/** Plans the swap to `next` at `cutoverAt` (unix seconds) on a timer; at once when it is past. */
export function rotateFunction(tx: GroupTx, next: string, cutoverAt: number): Written<WorkloadState> {
  const before = workload(tx)?.binding ?? null;
  const { binding, due, timerAt } = planRotation(before, next, cutoverAt, tx.now);
  if (timerAt === null) tx.timers.clear(ROTATION_TIMER);
  else tx.timers.set(ROTATION_TIMER, timerAt, { next });
  const state = putWorkload(tx, { binding });
  const operation = tx.op("elasticity.rotate_workload_function_binding", {
    request: { next_function_id: next, cutover_at: cutoverAt },
    result: { before, after: binding, swapped: due },
  });
  return { ok: true, operation, state };
}

/** The cutover timer: swaps next into current (idempotent: a second run finds nothing to swap). */
export function cutover(tx: GroupTx): void {
  const w = workload(tx);
  const b = w?.binding;
  const after = planCutover(b, tx.now);
  if (!w || !b || !after) return;
  putWorkload(tx, { binding: after });
  tx.op("workload.rotation_cutover", { result: { workload_id: w.workload_id, before: b, after } }, null);
}

export function setPlacement(tx: GroupTx, placement: Placement): Written<WorkloadState> {
  const before = workload(tx)?.placement ?? null;
  const state = putWorkload(tx, { placement });
  const operation = tx.op("elasticity.workload_placement_preference", { request: placement, result: { before, after: placement } });
  return { ok: true, operation, state };
}

// ---------------------------------------------------------------- node groups

export function scaleNodeGroup(tx: GroupTx, delta: number): Written<{ group: string; desired_size: number }> {
  const g = tx.group;
  const plan = planNodeGroupScale(g, delta);
  if (!plan.ok) return fail(plan.code, plan.message);
  const desired = plan.desired;
  tx.setGroup({ desiredSize: desired });
  const operation = tx.op("elasticity.scale_node_group", { request: { delta_units: delta }, result: { before: { desired_size: g.desiredSize }, after: { desired_size: desired } } });
  tx.reconcile({ text: `node group scaled by ${delta} (operation ${operation.id})` });
  return { ok: true, operation, state: { group: g.name, desired_size: desired } };
}

// ---------------------------------------------------------------- undo (rollback)

export type { UndoResult, UndoStatus } from "../../domain/undo";

/** The part of the target's live state an operation of `type` changed, to compare with its `after`. */
function snapshot(tx: GroupTx, type: string): unknown {
  switch (type) {
    case "elasticity.resize_container": {
      const c = container(tx);
      return c && limits(c);
    }
    case "elasticity.set_function_pool_target": {
      const p = functionPool(tx);
      return p && bounds(p);
    }
    case "elasticity.workload_function_binding":
    case "elasticity.rotate_workload_function_binding":
      return workload(tx)?.binding ?? null;
    case "elasticity.workload_placement_preference":
      return workload(tx)?.placement ?? null;
    case "elasticity.scale_node_group":
      return tx.store.group ? { desired_size: tx.group.desiredSize } : null;
  }
  return undefined;
}

function restore(tx: GroupTx, type: string, before: any, webhook: WebhookProviderConfig | null): void {
  switch (type) {
    case "elasticity.resize_container": {
      // (a forced undo may find the container gone: it comes back under its own id)
      const current = container(tx);
      if (before) tx.store.putDoc("container", { container_id: tx.ctx!.group, ...current, ...before, updated_at: tx.now });
      else tx.store.dropDoc("container"); // it did not exist before the operation
      // The webhook provider applies restored limits like any resize (no event for a container removed).
      if (before && webhook) tx.emit([{ type: "container.resize", data: { container: tx.ctx!.group, ...before, before: current && limits(current), rollback: true } }], webhook);
      return;
    }
    case "elasticity.set_function_pool_target":
      // A pool that did not exist before is emptied (no bounds to go back to).
      applyBounds(tx, before?.min_instances ?? 0, before?.max_instances ?? 0);
      return;
    case "elasticity.workload_function_binding":
    case "elasticity.rotate_workload_function_binding": {
      const b = before as Binding | null;
      const timer = rotationTimerFor(b, tx.now);
      if (timer) tx.timers.set(ROTATION_TIMER, timer.at, { next: timer.next });
      else tx.timers.clear(ROTATION_TIMER);
      putWorkload(tx, { binding: b });
      return;
    }
    case "elasticity.workload_placement_preference":
      putWorkload(tx, { placement: before });
      return;
    case "elasticity.scale_node_group":
      tx.setGroup({ desiredSize: before.desired_size });
      tx.reconcile({ text: `rollback of a node group scale` });
      return;
  }
}

/**
 * Undoes one operation on this target: restores the state it replaced, unless a later change has
 * overwritten what it made (a conflict; `force` overrides). Recorded as an operation of the same
 * type under the rollback's action; undoing the same operation twice changes nothing. The
 * decision is src/domain/undo.ts planUndo; this applies it.
 */
export function undo(tx: GroupTx, op: OperationRecord, force: boolean, webhook: WebhookProviderConfig | null = null): Result<{ undo: UndoResult }> {
  const base = { operation_id: op.id, target: { kind: op.targetKind, id: op.targetId } };
  const undone = tx.store.getDoc<string[]>("undone") ?? [];
  const plan = planUndo(op, snapshot(tx, op.type), undone, force);
  if (plan.kind === "skip") return { ok: true, undo: { ...base, undo_operation_id: null, status: plan.status, ...(plan.message !== undefined ? { message: plan.message } : {}) } };
  restore(tx, op.type, plan.before, webhook);
  tx.store.putDoc("undone", [...undone, op.id]);
  const record = tx.op(op.type, { request: { undo_of: op.id, force }, result: plan.record });
  return { ok: true, undo: { ...base, undo_operation_id: record.id, status: "succeeded" } };
}
