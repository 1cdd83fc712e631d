// POST /api/elasticity/control/actions/{action_id}/rollback over HTTP: one action across a
// container, a function pool and a node group undone newest first with a per-target report; undo
// operations recorded under the rollback's own action; twice changes nothing; replay and 422;
// conflicts (failed + ELASTICITY_INVALID_ARGUMENT) and force; target_operation_id; the older
// `reason`; unknown action and another tenant's action → 404; 20 at once → one rollback.
import { afterEach, describe, expect, it } from "vitest";
import { SECOND, freezeClock, passTime, releaseClock } from "./clock";
import { call } from "./helpers";
import { elasticityRows, expectOperation, quiltTenant, target } from "./quilt-control-support";
import { expectQuiltError } from "./quilt-support";

afterEach(() => releaseClock());

/** Container c, function f and node group web changed under action A, after a baseline under "setup". */
async function multiTarget(tenant: string) {
  const t = await quiltTenant(tenant);
  await t.nodeGroup("web", 2);
  await t.ctl("POST", "/containers/c/resize", { memory_limit_mb: 256, cpu_limit_percent: 25 }, { action: "setup" });
  const ops = [
    await t.ctl("POST", "/containers/c/resize", { memory_limit_mb: 2048, cpu_limit_percent: 200 }, { action: "A" }),
    await t.ctl("POST", "/functions/f/pool-target", { min_instances: 1, max_instances: 3 }, { action: "A" }),
    await t.ctl("POST", "/node-groups/web/scale", { delta_units: 3 }, { action: "A" }),
  ];
  for (const op of ops) expect(op.status, op.text).toBe(200);
  return { t, ops: ops.map((o) => o.body) };
}

const container = async (tenant: string) => {
  const r = await target(tenant, "container", "c").getContainer();
  return r.ok ? { memory_limit_mb: r.state.memory_limit_mb, cpu_limit_percent: r.state.cpu_limit_percent } : null;
};
const pool = async (tenant: string) => {
  const r = await target(tenant, "function", "f").getFunctionPool();
  return r.ok ? { min: r.state.min_instances, max: r.state.max_instances } : null;
};

describe("rollback across targets", () => {
  it("undoes every operation of the action newest first and reports per target", async () => {
    const { t, ops } = await multiTarget("qr-multi");
    const r = await t.ctl("POST", "/actions/A/rollback", { target_action_id: "A", reason_code: "DEPLOY_FAILED", reason_message: "canary failed" }, { action: "R", key: "rb-1" });
    expect(r.status, r.text).toBe(200);
    expectOperation(r.body, {
      operation_type: "elasticity.rollback_action",
      action_id: "R",
      target: { kind: "action", id: "A" },
      status: "succeeded",
      reason_code: null,
      request: { target_action_id: "A", reason_code: "DEPLOY_FAILED", reason_message: "canary failed", force: false },
    });
    const undone = r.body.result.undone;
    expect(r.body.result.target_action_id).toBe("A");
    expect(undone.map((u: any) => [u.operation_id, u.target.kind, u.target.id, u.status])).toEqual([
      [ops[2].operation_id, "node_group", "web", "succeeded"],
      [ops[1].operation_id, "function", "f", "succeeded"],
      [ops[0].operation_id, "container", "c", "succeeded"],
    ]);
    expect(await t.desiredSize("web")).toBe(2);
    expect(await pool("qr-multi")).toEqual({ min: 0, max: 0 }); // the pool did not exist before A: emptied
    expect(await container("qr-multi")).toEqual({ memory_limit_mb: 256, cpu_limit_percent: 25 });

    // The undos and the rollback are operations of R, oldest first; their ids are the report's.
    const listing = await t.get("/control/actions/R/operations");
    expect(listing.status).toBe(200);
    expect(listing.body.map((o: any) => [o.operation_type, o.target.kind, o.action_id])).toEqual([
      ["elasticity.scale_node_group", "node_group", "R"],
      ["elasticity.set_function_pool_target", "function", "R"],
      ["elasticity.resize_container", "container", "R"],
      ["elasticity.rollback_action", "action", "R"],
    ]);
    expect(listing.body.slice(0, 3).map((o: any) => o.operation_id)).toEqual(undone.map((u: any) => u.undo_operation_id));
    expect(listing.body[0].request).toEqual({ undo_of: ops[2].operation_id, force: false });
    expect(listing.body[3]).toEqual(r.body);
    // A's own operations are unchanged history.
    expect((await t.get("/control/actions/A/operations")).body.map((o: any) => o.operation_id)).toEqual(ops.map((o) => o.operation_id));

    // Replay: the stored body, nothing undone again; same key, other body → 422.
    const replay = await t.ctl("POST", "/actions/A/rollback", { target_action_id: "A", reason_code: "DEPLOY_FAILED", reason_message: "canary failed" }, { action: "R", key: "rb-1" });
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect(replay.text).toBe(r.text);
    expectQuiltError(await t.ctl("POST", "/actions/A/rollback", { target_action_id: "A", force: true }, { action: "R", key: "rb-1" }), 422, "IDEMPOTENCY_CONFLICT", { control: true });

    // Twice (a new key): nothing changes the second time, no undo recorded.
    const twice = await t.ctl("POST", "/actions/A/rollback", { target_action_id: "A" }, { action: "R2" });
    expect(twice.body.status).toBe("succeeded");
    expect(twice.body.result.undone.map((u: any) => u.status)).toEqual(["already_rolled_back", "already_rolled_back", "already_rolled_back"]);
    expect((await elasticityRows("qr-multi", "R2")).map((x) => x.type)).toEqual(["elasticity.rollback_action"]);
    expect(await t.desiredSize("web")).toBe(2);
    expect(await container("qr-multi")).toEqual({ memory_limit_mb: 256, cpu_limit_percent: 25 });
  });

  it("a target changed by a later action is not overwritten: failed + ELASTICITY_INVALID_ARGUMENT; force overwrites", async () => {
    const { t, ops } = await multiTarget("qr-conflict");
    await t.ctl("POST", "/containers/c/resize", { memory_limit_mb: 4096, cpu_limit_percent: 400 }, { action: "later" });
    const r = await t.ctl("POST", "/actions/A/rollback", { target_action_id: "A", reason_code: "OPERATOR" }, { action: "R" });
    expect(r.status, r.text).toBe(200);
    expectOperation(r.body, { status: "failed", reason_code: "ELASTICITY_INVALID_ARGUMENT", retryable: false });
    expect(r.body.reason_message).toContain("container c");
    expect(r.body.reason_message).toContain('"force": true');
    const byTarget = Object.fromEntries(r.body.result.undone.map((u: any) => [u.target.kind, u]));
    expect(byTarget.container).toMatchObject({ operation_id: ops[0].operation_id, status: "conflict", undo_operation_id: null });
    expect(byTarget.container.message).toContain("target changed since operation");
    expect(byTarget.function.status).toBe("succeeded");
    expect(byTarget.node_group.status).toBe("succeeded");
    expect(await container("qr-conflict")).toEqual({ memory_limit_mb: 4096, cpu_limit_percent: 400 });
    // The answer and the ledger agree.
    expect((await t.get(`/control/operations/${r.body.operation_id}`)).body).toEqual(r.body);

    const forced = await t.ctl("POST", "/actions/A/rollback", { target_action_id: "A", force: true }, { action: "R-force" });
    expect(forced.body.status).toBe("succeeded");
    expect(forced.body.result.undone.map((u: any) => [u.target.kind, u.status])).toEqual([
      ["node_group", "already_rolled_back"],
      ["function", "already_rolled_back"],
      ["container", "succeeded"],
    ]);
    expect(await container("qr-conflict")).toEqual({ memory_limit_mb: 256, cpu_limit_percent: 25 });
  });

  it("target_operation_id undoes only that operation; one not of the action → 404", async () => {
    const { t, ops } = await multiTarget("qr-one");
    const r = await t.ctl("POST", "/actions/A/rollback", { target_action_id: "A", target_operation_id: ops[1].operation_id }, { action: "R" });
    expect(r.body.result.undone.map((u: any) => u.target.id)).toEqual(["f"]);
    expect(await pool("qr-one")).toEqual({ min: 0, max: 0 });
    expect(await t.desiredSize("web")).toBe(5);
    const other = await t.ctl("POST", "/actions/A/rollback", { target_action_id: "A", target_operation_id: "00000000-0000-4000-8000-000000000000" }, { action: "R" });
    expectQuiltError(other, 404, "ELASTICITY_TARGET_NOT_FOUND", { control: true });
  });

  it("the older `reason` string is accepted as the reason message", async () => {
    const { t } = await multiTarget("qr-reason");
    const r = await t.ctl("POST", "/actions/A/rollback", { target_action_id: "A", reason: "legacy client" }, { action: "R" });
    expect(r.status, r.text).toBe(200);
    expect(r.body.request).toEqual({ target_action_id: "A", reason_message: "legacy client", force: false });
  });

  it("an unknown action, or another tenant's, → 404 ELASTICITY_TARGET_NOT_FOUND", async () => {
    const { t } = await multiTarget("qr-404");
    const u = await quiltTenant("qr-404-other");
    for (const [client, action] of [[t, "nope"], [u, "A"]] as const) {
      const r = await client.ctl("POST", `/actions/${action}/rollback`, { target_action_id: action }, { action: "R" });
      expectQuiltError(r, 404, "ELASTICITY_TARGET_NOT_FOUND", { control: true });
      expect(r.body.error).toContain(`action '${action}'`);
    }
    expect(await t.desiredSize("web")).toBe(5);
  });

  it("20 identical rollbacks with one key at once → one rollback; the others replay it or are told to retry (409)", async () => {
    const { t } = await multiTarget("qr-race");
    const send = () => t.ctl("POST", "/actions/A/rollback", { target_action_id: "A" }, { action: "R", key: "race" });
    const all = await Promise.all(Array.from({ length: 20 }, send));
    const done = all.filter((r) => r.status === 200);
    const busy = all.filter((r) => r.status === 409);
    expect(done.length + busy.length).toBe(20);
    expect(new Set(done.map((r) => r.body.operation_id)).size).toBe(1);
    for (const r of busy) {
      expectQuiltError(r, 409, "IDEMPOTENCY_IN_FLIGHT", { control: true, retryable: true });
      expect(r.headers.get("Retry-After")).toBe("1");
    }
    expect((await elasticityRows("qr-race", "R")).map((x) => x.type)).toEqual([
      "elasticity.scale_node_group",
      "elasticity.set_function_pool_target",
      "elasticity.resize_container",
      "elasticity.rollback_action",
    ]);
    expect(await t.desiredSize("web")).toBe(2);
    // The rollback awaits the ledger and other objects, so the others arrive while it executes.
    expect(busy.length).toBeGreaterThan(0);
    const retried = await send();
    expect(retried.headers.get("Idempotent-Replayed")).toBe("true");
    expect(retried.body.operation_id).toBe(done[0].body.operation_id);
  });
});

describe("rollback of workloads", () => {
  it("a rotation whose cutover has happened is rolled back without force (the cutover completes it, it is not a later change)", async () => {
    const t = await quiltTenant("qr-rotation");
    const now = freezeClock();
    await t.ctl("PUT", "/workloads/w/function-binding", { function_id: "fn-a" }, { action: "setup" });
    await t.ctl("POST", "/workloads/w/function-binding/rotate", { next_function_id: "fn-b", cutover_at: Math.floor(now / 1000) + 60 }, { action: "A" });
    await passTime(target("qr-rotation", "workload", "w"), 61 * SECOND);
    expect((await t.get("/control/workloads/w/function-binding")).body.current_function_id).toBe("fn-b");
    const r = await t.ctl("POST", "/actions/A/rollback", { target_action_id: "A" }, { action: "R" });
    expect(r.body.status, r.text).toBe("succeeded");
    expect((await t.get("/control/workloads/w/function-binding")).body).toMatchObject({ current_function_id: "fn-a", next_function_id: null, cutover_at: null });
  });

  it("a pending rotation rolled back is cancelled; placement goes back to none", async () => {
    const t = await quiltTenant("qr-pending");
    const future = Math.floor(Date.now() / 1000) + 3600;
    await t.ctl("PUT", "/workloads/w/function-binding", { function_id: "fn-a" }, { action: "setup" });
    await t.ctl("POST", "/workloads/w/function-binding/rotate", { next_function_id: "fn-b", cutover_at: future }, { action: "A" });
    await t.ctl("PUT", "/workloads/w/placement-preference", { node_group: "web", anti_affinity: true }, { action: "A" });
    const r = await t.ctl("POST", "/actions/A/rollback", { target_action_id: "A" }, { action: "R" });
    expect(r.body.status).toBe("succeeded");
    expect((await t.get("/control/workloads/w/function-binding")).body).toMatchObject({ current_function_id: "fn-a", next_function_id: null });
    expect((await t.get("/control/workloads/w/placement-preference")).body).toMatchObject({ node_group: null, anti_affinity: null });
  });
});

describe("targets gone since the action", () => {
  it("a node group deleted since: a conflict even with force (nothing to restore into), never a 500", async () => {
    const { t } = await multiTarget("qr-deleted");
    expect((await call("DELETE", "/cloudpools/web", { token: t.token })).status).toBe(200);
    for (const force of [false, true]) {
      const r = await t.ctl("POST", "/actions/A/rollback", { target_action_id: "A", force }, { action: `R-${force}` });
      expect(r.status, r.text).toBe(200);
      expect(r.body.status).toBe("failed");
      const ng = r.body.result.undone.find((u: any) => u.target.kind === "node_group");
      expect(ng.status).toBe("conflict");
    }
    expect((await target("qr-deleted", "group", "web").getSize()).ok).toBe(false);
  });

  it("a container removed by an earlier forced rollback comes back whole (with its id) when a later resize is undone with force", async () => {
    const t = await quiltTenant("qr-container-gone");
    await t.ctl("POST", "/containers/c/resize", { memory_limit_mb: 100, cpu_limit_percent: 10 }, { action: "A1" });
    await t.ctl("POST", "/containers/c/resize", { memory_limit_mb: 200, cpu_limit_percent: 20 }, { action: "A2" });
    // A1 created the container: undoing it (forced past A2's change) removes it.
    expect((await t.ctl("POST", "/actions/A1/rollback", { target_action_id: "A1", force: true }, { action: "R1" })).body.status).toBe("succeeded");
    expect((await target("qr-container-gone", "container", "c").getContainer()).ok).toBe(false);
    const gone = await t.ctl("POST", "/actions/A2/rollback", { target_action_id: "A2" }, { action: "R2" });
    expect(gone.body.status).toBe("failed");
    expect((await t.ctl("POST", "/actions/A2/rollback", { target_action_id: "A2", force: true }, { action: "R3" })).body.status).toBe("succeeded");
    const c = await target("qr-container-gone", "container", "c").getContainer();
    expect(c.ok && c.state).toMatchObject({ container_id: "c", memory_limit_mb: 100, cpu_limit_percent: 10 });
  });
});
