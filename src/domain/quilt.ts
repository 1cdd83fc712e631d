// Quilt elasticity targets as plain data (what the objects store and the dialect formats) and
// their pure rules: a function rotation's swap (at once or at its cutover), the cutover itself,
// the rotation timer a restored binding needs, and the node-group scale range.
// src/objects/commands/quilt.ts applies them through the transaction.
import type { FailureCode } from "./operations";

export interface ContainerState {
  container_id: string;
  memory_limit_mb: number;
  cpu_limit_percent: number;
  updated_at: number;
}

export interface FunctionPoolState {
  function_id: string;
  min_instances: number;
  max_instances: number;
  desired_instances: number;
  running_instances: number;
}

export interface Binding {
  current_function_id: string | null;
  next_function_id: string | null;
  /** Unix seconds of the pending cutover, null when none. */
  cutover_at: number | null;
}

export interface Placement {
  node_group: string;
  anti_affinity: boolean;
}

export interface WorkloadState {
  workload_id: string;
  binding: Binding | null;
  placement: Placement | null;
  updated_at: number;
}

/** A binding to `functionId` alone (no rotation pending). */
export const bound = (functionId: string | null): Binding => ({ current_function_id: functionId, next_function_id: null, cutover_at: null });

/**
 * A rotation to `next` at `cutoverAt` (unix seconds) from the binding `before`: swapped at once
 * when the cutover is now or past (`due`), else pending with its timer at the cutover.
 */
export function planRotation(before: Binding | null, next: string, cutoverAt: number, now: number): { binding: Binding; due: boolean; timerAt: number | null } {
  const due = cutoverAt * 1000 <= now;
  if (due) return { binding: bound(next), due, timerAt: null };
  return { binding: { current_function_id: before?.current_function_id ?? null, next_function_id: next, cutover_at: cutoverAt }, due, timerAt: cutoverAt * 1000 };
}

/** The cutover at `now`: the swapped binding, or null when nothing is due (none pending, or not yet: exactly at the cutover it swaps). */
export function planCutover(b: Binding | null | undefined, now: number): Binding | null {
  if (!b || b.next_function_id === null || b.cutover_at === null || b.cutover_at * 1000 > now) return null;
  return bound(b.next_function_id);
}

/** The rotation timer a restored binding needs: at its cutover (at once when past), or none. */
export function rotationTimerFor(b: Binding | null, now: number): { at: number; next: string } | null {
  if (!b?.next_function_id || b.cutover_at === null) return null;
  return { at: Math.max(now, b.cutover_at * 1000), next: b.next_function_id };
}

/** A node group scaled by `delta`: the new desired size, or a refusal when it leaves [min, max] (both ends allowed). */
export function planNodeGroupScale(g: { name: string; desiredSize: number; minSize: number; maxSize: number }, delta: number): { ok: true; desired: number } | { ok: false; code: FailureCode; message: string } {
  const desired = g.desiredSize + delta;
  if (desired < g.minSize || desired > g.maxSize) {
    return { ok: false, code: "OUT_OF_RANGE", message: `delta_units ${delta} would take node group '${g.name}' from ${g.desiredSize} to ${desired}, outside [${g.minSize}, ${g.maxSize}]` };
  }
  return { ok: true, desired };
}
