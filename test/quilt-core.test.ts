// The Quilt targets and the rollback coordinator on the Durable Objects, called through RPC
// (the HTTP routes have their own tests): before/after records, cutover on the timer, rollback
// across targets newest first, conflicts, force, twice, one operation, idempotent replay.
import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { objectName, type CommandContext, type TargetKind } from "../src/domain/operations";
import { client, objectStub, tenantToken } from "./helpers";

const TENANT = "quilt-core";
const stub = <K extends TargetKind>(kind: K, id: string) => objectStub(TENANT, kind, id);
const ctx = (kind: TargetKind, id: string, actionId: string, key: string | null = crypto.randomUUID()): CommandContext => ({
  tenantId: TENANT, group: id, dialect: "quilt", requestId: "t", idempotencyKey: key, actionId, targetKind: kind,
});
const ledger = async (actionId: string) =>
  (await env.DB.prepare(`SELECT id, type, target_kind, target_id, status, result FROM operations WHERE tenant_id = ? AND action_id = ? ORDER BY created_at, seq`).bind(TENANT, actionId).all<any>()).results;

describe("Quilt targets", () => {
  it("container resize records before/after; unknown container reads fail", async () => {
    const c = stub("container", "c-1");
    expect((await c.getContainer()).ok).toBe(false);
    const r1 = await c.resizeContainer(ctx("container", "c-1", "a-c1"), { memory_limit_mb: 512, cpu_limit_percent: 50 });
    expect(r1.ok).toBe(true);
    const r2 = await c.resizeContainer(ctx("container", "c-1", "a-c2"), { memory_limit_mb: 1024, cpu_limit_percent: 80 });
    if (!r2.ok) throw new Error(r2.message);
    expect(JSON.parse(r2.operation.result!)).toMatchObject({ before: { memory_limit_mb: 512, cpu_limit_percent: 50 }, after: { memory_limit_mb: 1024, cpu_limit_percent: 80 } });
    expect(r2.operation).toMatchObject({ type: "elasticity.resize_container", targetKind: "container", targetId: "c-1", actionId: "a-c2", status: "succeeded" });
    const rows = await ledger("a-c2");
    expect(rows.map((r) => r.id)).toEqual([r2.operation.id]);
  });

  it("rotation swaps at cutover on the timer, at once when the cutover is past", async () => {
    const w = stub("workload", "w-rot");
    await w.bindFunction(ctx("workload", "w-rot", "a-r0"), "fn-a");
    const future = Math.floor(Date.now() / 1000) + 3600;
    const r = await w.rotateFunction(ctx("workload", "w-rot", "a-r1"), "fn-b", future);
    if (!r.ok) throw new Error(r.message);
    expect(r.state.binding).toEqual({ current_function_id: "fn-a", next_function_id: "fn-b", cutover_at: future });
    await runInDurableObject(w, (_i, s) => s.storage.sql.exec(`UPDATE timers SET due_ms = 0 WHERE kind = 'rotation-cutover'`));
    // The handler checks cutover_at against the clock: move it into the past too.
    await runInDurableObject(w, (_i, s) => {
      const row = s.storage.sql.exec<{ value: string }>(`SELECT value FROM kv WHERE key = 'doc:workload'`).one();
      const doc = JSON.parse(row.value);
      doc.binding.cutover_at = 1;
      s.storage.sql.exec(`UPDATE kv SET value = ? WHERE key = 'doc:workload'`, JSON.stringify(doc));
    });
    // Changed behind the running object's back: restart it, so that it reads what storage holds.
    await evictDurableObject(w);
    await runDurableObjectAlarm(w);
    await runDurableObjectAlarm(w); // at-least-once: a second run swaps nothing
    const after = await w.getWorkload();
    expect(after.ok && after.state.binding).toEqual({ current_function_id: "fn-b", next_function_id: null, cutover_at: null });
    const cutovers = (await env.DB.prepare(`SELECT type, target_kind FROM operations WHERE tenant_id = ? AND type = 'workload.rotation_cutover'`).bind(TENANT).all<any>()).results;
    expect(cutovers).toEqual([{ type: "workload.rotation_cutover", target_kind: "workload" }]);
    const past = await w.rotateFunction(ctx("workload", "w-rot", "a-r2"), "fn-c", 1000);
    expect(past.ok && past.state.binding).toEqual({ current_function_id: "fn-c", next_function_id: null, cutover_at: null });
  });
});

describe("rollback", () => {
  it("undoes every target of an action newest first, under the rollback's own action; twice changes nothing", async () => {
    const { token } = await tenantToken(TENANT);
    expect((await client(token).post("/cloudpools/ng-1/config", {})).status).toBe(200);
    expect((await client(token).post("/cloudpools/ng-1/pool/size", { desiredSize: 2 })).status).toBe(200);
    const A = "act-multi";
    await stub("container", "c-rb").resizeContainer(ctx("container", "c-rb", "setup"), { memory_limit_mb: 256, cpu_limit_percent: 25 });
    await stub("container", "c-rb").resizeContainer(ctx("container", "c-rb", A), { memory_limit_mb: 2048, cpu_limit_percent: 90 });
    await stub("function", "f-rb").setFunctionPoolTarget(ctx("function", "f-rb", A), { min_instances: 1, max_instances: 3 });
    await stub("group", "ng-1").scaleNodeGroup(ctx("group", "ng-1", A), 3);
    await stub("container", "c-rb").resizeContainer(ctx("container", "c-rb", A), { memory_limit_mb: 4096, cpu_limit_percent: 95 });

    const R = "rb-1";
    const rb = await stub("action", A).rollbackAction(ctx("action", A, R, "k-1"), { target_action_id: A, force: false, reason_code: "TEST" });
    if (!rb.ok) throw new Error(rb.message);
    expect(rb.operation.status).toBe("succeeded");
    const undone = JSON.parse(rb.operation.result!).undone;
    expect(undone.map((u: any) => [u.target.kind, u.target.id, u.status])).toEqual([
      ["container", "c-rb", "succeeded"],
      ["group", "ng-1", "succeeded"],
      ["function", "f-rb", "succeeded"],
      ["container", "c-rb", "succeeded"],
    ]);
    const c = await stub("container", "c-rb").getContainer();
    expect(c.ok && c.state).toMatchObject({ memory_limit_mb: 256, cpu_limit_percent: 25 });
    const size = await stub("group", "ng-1").getSize();
    expect(size.ok && size.desiredSize).toBe(2);
    const f = await stub("function", "f-rb").getFunctionPool();
    expect(f.ok && f.state).toMatchObject({ min_instances: 0, max_instances: 0 });
    // The undos and the rollback are recorded under R.
    const rows = await ledger(R);
    expect(rows.map((r) => r.type)).toEqual([
      "elasticity.resize_container", "elasticity.scale_node_group", "elasticity.set_function_pool_target", "elasticity.resize_container", "elasticity.rollback_action",
    ]);

    // Replay with the same key: the stored answer, nothing done again.
    const replay = await stub("action", A).rollbackAction(ctx("action", A, R, "k-1"), { target_action_id: A, force: false, reason_code: "TEST" });
    expect(replay.ok && replay.replayed && replay.operation.id).toBe(rb.operation.id);
    const conflict = await stub("action", A).rollbackAction(ctx("action", A, R, "k-1"), { target_action_id: A, force: true });
    expect(conflict).toMatchObject({ ok: false, code: "IDEMPOTENCY_CONFLICT" });

    // A second rollback (new key) changes nothing.
    const again = await stub("action", A).rollbackAction(ctx("action", A, "rb-2", "k-2"), { target_action_id: A, force: false });
    if (!again.ok) throw new Error(again.message);
    expect(JSON.parse(again.operation.result!).undone.every((u: any) => u.status === "already_rolled_back")).toBe(true);
    expect((await ledger("rb-2")).map((r) => r.type)).toEqual(["elasticity.rollback_action"]);
  });

  it("a target changed by a later action is a conflict unless forced; one operation only; unknown action", async () => {
    const A = "act-conflict";
    const c = stub("container", "c-cf");
    const w = stub("workload", "w-cf");
    await c.resizeContainer(ctx("container", "c-cf", A), { memory_limit_mb: 300, cpu_limit_percent: 30 });
    const placed = await w.setPlacement(ctx("workload", "w-cf", A), { node_group: "ng-x", anti_affinity: true });
    await c.resizeContainer(ctx("container", "c-cf", "later"), { memory_limit_mb: 301, cpu_limit_percent: 31 });

    const only = await stub("action", A).rollbackAction(ctx("action", A, "rb-one", "k-one"), { target_action_id: A, target_operation_id: placed.ok ? placed.operation.id : "", force: false });
    if (!only.ok) throw new Error(only.message);
    expect(JSON.parse(only.operation.result!).undone.map((u: any) => u.target.id)).toEqual(["w-cf"]);
    const wl = await w.getWorkload();
    expect(wl.ok && wl.state.placement).toBeNull();

    const rb = await stub("action", A).rollbackAction(ctx("action", A, "rb-cf", "k-cf"), { target_action_id: A, force: false });
    if (!rb.ok) throw new Error(rb.message);
    expect(rb.operation).toMatchObject({ status: "failed", reasonCode: "ELASTICITY_INVALID_ARGUMENT" });
    const cur = await c.getContainer();
    expect(cur.ok && cur.state.memory_limit_mb).toBe(301); // not overwritten

    const forced = await stub("action", A).rollbackAction(ctx("action", A, "rb-force", "k-force"), { target_action_id: A, force: true });
    if (!forced.ok) throw new Error(forced.message);
    expect(forced.operation.status).toBe("succeeded");
    expect((await c.getContainer()).ok).toBe(false); // the container did not exist before the action

    const unknown = await stub("action", "nope").rollbackAction(ctx("action", "nope", "rb-x", "k-x"), { target_action_id: "nope", force: false });
    expect(unknown).toMatchObject({ ok: false, code: "ACTION_NOT_FOUND" });
  });
});
