// Quilt rollback rules (src/domain/undo.ts): which operations a rollback undoes and in what
// order, the undo of one operation given its target's state, and the rollback's own outcome.
import { describe, expect, it } from "vitest";
import type { OperationRecord } from "../src/domain/operations";
import { holdsAfter, isUndoable, planRollback, planUndo, rollbackOutcome, type UndoResult } from "../src/domain/undo";
import { NOW, frozen } from "./fixtures";

function op(id: string, over: Partial<OperationRecord> & { req?: unknown; res?: unknown } = {}): OperationRecord {
  const { req, res, ...rest } = over;
  return {
    id, tenantId: "t", targetKind: "container", targetId: "c1", dialect: "quilt", type: "elasticity.resize_container", status: "succeeded",
    reasonCode: null, reasonMessage: null, idempotencyKey: null, actionId: "act", request: req === undefined ? "{}" : JSON.stringify(req),
    result: res === undefined ? null : JSON.stringify(res), cause: null, createdAt: NOW, updatedAt: NOW, completedAt: NOW, seq: 1, version: 1, ...rest,
  };
}

const input = (over = {}) => ({ target_action_id: "act", force: false, ...over });

describe("isUndoable", () => {
  it("succeeded elasticity writes only; not rollbacks, undos, failures or other records", () => {
    expect(isUndoable(op("a"))).toBe(true);
    expect(isUndoable(op("b", { type: "elasticity.rollback_action" }))).toBe(false);
    expect(isUndoable(op("c", { req: { undo_of: "a", force: false } }))).toBe(false);
    expect(isUndoable(op("d", { status: "failed" }))).toBe(false);
    expect(isUndoable(op("e", { status: "running" }))).toBe(false);
    expect(isUndoable(op("f", { type: "hook.trigger" }))).toBe(false);
    // A request that is not an object (or none) is not an undo record.
    expect(isUndoable(op("g", { request: null }))).toBe(true);
    expect(isUndoable(op("h", { req: 5 }))).toBe(true);
    expect(isUndoable(op("i", { req: null }))).toBe(true);
  });
});

describe("planRollback", () => {
  const ops = [
    op("a", { createdAt: NOW, seq: 1 }),
    op("b", { createdAt: NOW, seq: 2, targetId: "c2" }),
    op("undo", { createdAt: NOW + 1, req: { undo_of: "a" } }),
    op("fail", { createdAt: NOW + 2, status: "failed" }),
    op("c", { createdAt: NOW + 3, seq: 1, type: "elasticity.scale_node_group", targetKind: "group" }),
  ];

  it("undoes the action's undoable operations newest first (time, then sequence)", () => {
    const r = planRollback(ops, input());
    expect(r.ok && r.ops.map((o) => o.id)).toEqual(["c", "b", "a"]);
  });

  it("the order does not depend on the order given; full ties keep the reverse of it", () => {
    const r = planRollback([ops[4], ops[1], ops[0]], input());
    expect(r.ok && r.ops.map((o) => o.id)).toEqual(["c", "b", "a"]);
    const tie = [op("x", { targetId: "t1" }), op("y", { targetId: "t2" })];
    const t = planRollback(tie, input());
    expect(t.ok && t.ops.map((o) => o.id)).toEqual(["y", "x"]);
  });

  it("target_operation_id: only that one; not an undoable operation of the action → not found", () => {
    const r = planRollback(ops, input({ target_operation_id: "b" }));
    expect(r.ok && r.ops.map((o) => o.id)).toEqual(["b"]);
    expect(planRollback(ops, input({ target_operation_id: "undo" }))).toMatchObject({ ok: false, code: "ACTION_NOT_FOUND", message: "operation 'undo' is not an undoable operation of action 'act'" });
    expect(planRollback(ops, input({ target_operation_id: "nope" }))).toMatchObject({ ok: false, code: "ACTION_NOT_FOUND" });
  });

  it("an action without operations is not found; one with nothing undoable rolls back nothing", () => {
    expect(planRollback([], input())).toMatchObject({ ok: false, code: "ACTION_NOT_FOUND", message: "action 'act' has no operations" });
    expect(planRollback([ops[2], ops[3]], input())).toEqual({ ok: true, ops: [] });
  });

  it("a second rollback finds the first one's undos and skips them (only the original writes are planned)", () => {
    const firstRollback = [op("rb", { type: "elasticity.rollback_action", createdAt: NOW + 9 }), op("u1", { createdAt: NOW + 9, req: { undo_of: "a", force: false } })];
    const r = planRollback([...ops, ...firstRollback], input());
    expect(r.ok && r.ops.map((o) => o.id)).toEqual(["c", "b", "a"]);
  });
});

describe("holdsAfter", () => {
  const after = { memory_limit_mb: 512, cpu_limit_percent: 50 };
  it("the target holds what the operation made, whatever the key order", () => {
    expect(holdsAfter("elasticity.resize_container", { cpu_limit_percent: 50, memory_limit_mb: 512 }, after)).toBe(true);
    expect(holdsAfter("elasticity.resize_container", { ...after, memory_limit_mb: 1024 }, after)).toBe(false);
    expect(holdsAfter("elasticity.resize_container", null, after)).toBe(false);
    expect(holdsAfter("elasticity.workload_placement_preference", null, null)).toBe(true);
  });

  it("a rotation completed by its own cutover still holds; another binding does not", () => {
    const made = { current_function_id: "f1", next_function_id: "f2", cutover_at: 100 };
    const swapped = { current_function_id: "f2", next_function_id: null, cutover_at: null };
    expect(holdsAfter("elasticity.rotate_workload_function_binding", swapped, made)).toBe(true);
    expect(holdsAfter("elasticity.rotate_workload_function_binding", { ...swapped, current_function_id: "f3" }, made)).toBe(false);
    // Only for a rotation: the same shapes under a plain binding are a change.
    expect(holdsAfter("elasticity.workload_function_binding", swapped, made)).toBe(false);
    // A rotation that swapped at once (no next) has nothing to complete.
    expect(holdsAfter("elasticity.rotate_workload_function_binding", { ...swapped, current_function_id: "f9" }, swapped)).toBe(false);
  });
});

describe("planUndo", () => {
  const resize = op("r1", { res: { before: { memory_limit_mb: 256, cpu_limit_percent: 25 }, after: { memory_limit_mb: 512, cpu_limit_percent: 50 } } });

  it("restores what the operation replaced while the target holds what it made", () => {
    const current = { memory_limit_mb: 512, cpu_limit_percent: 50 };
    expect(planUndo(resize, current, [], false)).toEqual({
      kind: "restore",
      before: { memory_limit_mb: 256, cpu_limit_percent: 25 },
      record: { undo_of: "r1", before: current, after: { memory_limit_mb: 256, cpu_limit_percent: 25 } },
    });
  });

  it("a later change is a conflict naming both states, unless forced", () => {
    const current = { memory_limit_mb: 1024, cpu_limit_percent: 50 };
    const p = planUndo(resize, current, [], false);
    expect(p).toEqual({ kind: "skip", status: "conflict", message: 'target changed since operation r1: it holds {"cpu_limit_percent":50,"memory_limit_mb":1024}, the operation made {"cpu_limit_percent":50,"memory_limit_mb":512}' });
    expect(planUndo(resize, current, [], true)).toMatchObject({ kind: "restore", record: { before: current } });
    // A target removed since (null) conflicts too, and force restores it.
    expect(planUndo(resize, null, [], false)).toMatchObject({ kind: "skip", status: "conflict" });
    expect(planUndo(resize, null, [], true)).toMatchObject({ kind: "restore" });
  });

  it("a second undo of the same operation changes nothing (checked first, even when forced)", () => {
    expect(planUndo(resize, { memory_limit_mb: 256, cpu_limit_percent: 25 }, ["x", "r1"], true)).toEqual({ kind: "skip", status: "already_rolled_back" });
  });

  it("a type without an undo is not reversible", () => {
    expect(planUndo(op("h", { type: "elasticity.something_new" }), undefined, [], true)).toEqual({ kind: "skip", status: "not_reversible", message: "elasticity.something_new cannot be undone" });
  });

  it("a node group deleted since conflicts, forced or not", () => {
    const scale = op("s", { type: "elasticity.scale_node_group", targetKind: "group", targetId: "ng", res: { before: { desired_size: 1 }, after: { desired_size: 3 } } });
    for (const force of [false, true]) expect(planUndo(scale, null, [], force)).toEqual({ kind: "skip", status: "conflict", message: "node group ng no longer exists: nothing to restore" });
    expect(planUndo(scale, { desired_size: 3 }, [], false)).toMatchObject({ kind: "restore", before: { desired_size: 1 } });
  });

  it("an operation that created its target restores 'nothing' (before null)", () => {
    const created = op("p", { type: "elasticity.workload_placement_preference", res: { before: null, after: { node_group: "a", anti_affinity: false } } });
    expect(planUndo(created, { anti_affinity: false, node_group: "a" }, [], false)).toEqual({ kind: "restore", before: null, record: { undo_of: "p", before: { anti_affinity: false, node_group: "a" }, after: null } });
  });
});

describe("rollbackOutcome", () => {
  const u = (status: UndoResult["status"], id: string): UndoResult => ({ operation_id: id, undo_operation_id: null, target: { kind: "container", id }, status });
  it("succeeds without conflicts (already rolled back and not reversible do not fail it), also when nothing was undone", () => {
    expect(rollbackOutcome([u("succeeded", "a"), u("already_rolled_back", "b"), u("not_reversible", "c")])).toEqual({ status: "succeeded" });
    expect(rollbackOutcome([])).toEqual({ status: "succeeded" });
  });
  it("fails naming every conflicting target", () => {
    expect(rollbackOutcome([u("conflict", "a"), u("succeeded", "b"), u("conflict", "c")])).toEqual({
      status: "failed",
      reasonCode: "ELASTICITY_INVALID_ARGUMENT",
      reasonMessage: '2 target(s) changed since the action and were not overwritten (send "force": true to overwrite): container a, container c',
    });
  });
});

it("no planner modifies its input", () => {
  const ops = [op("a", { seq: 1, res: { before: null, after: { x: 1 } } }), op("b", { seq: 2 })];
  const undone = ["z"];
  const current = { x: 1 };
  const before = frozen({ ops, undone, current });
  planRollback(ops, input());
  planUndo(ops[0], current, undone, false);
  rollbackOutcome([]);
  expect(frozen({ ops, undone, current })).toEqual(before);
});
