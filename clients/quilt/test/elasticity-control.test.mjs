// The flow of Quilt's SDK example `elasticity-control.ts`, with a client that behaves as the SDK
// does (lib/quilt-client.mjs), against a Scalegate started for the run: read the contract, resize
// a container, set a function pool target, bind and rotate a workload's function, scale a node
// group, read an operation by id, list the action's operations, roll the action back. Each step
// asserts what the example reads.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { unique, useGateway } from "../../harness/gateway.mjs";
import { QuiltApiError, QuiltClient, fillPath } from "../lib/quilt-client.mjs";

const OPERATION_STATUSES = ["accepted", "running", "succeeded", "failed", "cancelled", "timed_out"];

describe("Quilt SDK elasticity-control example", () => {
  let gw;
  let quilt;
  let tenant;
  let token;
  const action = unique("act");
  const container = unique("ctr");
  const fn = unique("fn");
  const workload = unique("wl");
  const group = unique("ng");
  const ops = {};
  const cutoverAt = Math.floor(Date.now() / 1000) + 3600;
  const write = (step) => ({ idempotencyKey: `${action}-${step}`, actionId: action });

  /** The last exchanges of the client, for a failure report. */
  const exchanges = () =>
    quilt.log
      .slice(-3)
      .map((e) => `  ${e.method} ${e.url} ${e.body ?? ""}\n  → ${e.status} (${e.contentType}) ${String(e.text ?? "").slice(0, 1000)}`)
      .join("\n");
  async function step(label, run) {
    try {
      return await run();
    } catch (err) {
      const e = new Error(`${label}: ${err.message}\nrequests:\n${exchanges()}`);
      e.cause = err;
      throw e;
    }
  }
  const need = (...keys) => {
    for (const k of keys) assert.ok(ops[k] !== undefined, `an earlier step did not produce ${k}; this step cannot run`);
  };

  /** What the example reads of every operation it gets back. */
  function expectOperation(op, type, targetKind, targetId) {
    assert.equal(typeof op, "object", `an operation object, got ${typeof op}`);
    assert.equal(typeof op.operation_id, "string", "operation_id");
    assert.equal(op.operation_type, type, "operation_type");
    assert.ok(OPERATION_STATUSES.includes(op.status), `status ${op.status}`);
    assert.equal(op.status, "succeeded", `the operation ended ${op.status}: ${op.reason_code} ${op.reason_message}`);
    assert.deepEqual(op.target, { kind: targetKind, id: targetId }, "target");
    assert.equal(op.action_id, action, "action_id");
    assert.equal(typeof op.created_at, "string", "created_at");
    assert.equal(typeof op.result, "object", "result");
    return op;
  }

  before(async () => {
    gw = await useGateway();
    tenant = unique("quilt");
    ({ token } = await gw.issueToken(tenant));
    quilt = new QuiltClient({ baseUrl: gw.base, apiKey: token, tenantId: tenant });
    // Setup outside the example: a node group exists (the group of the other dialects).
    const res = await fetch(`${gw.base}/cloudpools/${group}/config`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ provider: { type: "simulated", requestDelayMs: 0, bootDelayMs: 0 } }),
    });
    assert.equal(res.status, 200, `node group setup: ${await res.text()}`);
  });
  after(async () => gw?.stop());

  it("health answers JSON without credentials", async () => {
    const { data, contentType } = await step("health", () => quilt.health());
    assert.match(contentType, /application\/json/);
    assert.equal(typeof data, "object");
  });

  it("contract: control_base_url + paths.x is a working URL", async () => {
    const contract = await step("getContract", () => quilt.getContract());
    assert.equal(typeof contract.control_base_url, "string");
    const base = new URL(contract.control_base_url);
    assert.equal(contract.control_base_url, base.origin, `control_base_url is an origin (scheme, host, port), got ${contract.control_base_url}`);
    assert.equal(base.origin, new URL(gw.base).origin, "the origin the client called");
    for (const key of ["resize_container", "set_function_pool_target", "workload_function_binding", "rotate_workload_function_binding", "node_group_scale", "rollback_action"]) {
      const template = contract.paths?.[key];
      assert.equal(typeof template, "string", `paths.${key}`);
      assert.match(template, /^\/api\/elasticity\/control\//, `paths.${key} is a full path from the origin`);
      // Either way of joining gives the same URL: concatenation and new URL(path, base).
      const concatenated = contract.control_base_url + fillPath(template, { container_id: "c", function_id: "f", workload_id: "w", group: "g", action_id: "a" });
      const { path, base: b } = quilt.controlUrl(key, { container_id: "c", function_id: "f", workload_id: "w", group: "g", action_id: "a" });
      assert.equal(new URL(path, b).href, new URL(concatenated).href, `paths.${key}`);
    }
  });

  it("resize a container", async () => {
    const { data: op } = await step("resizeContainer", () => quilt.resizeContainer(container, { memory_limit_mb: 1024, cpu_limit_percent: 150 }, write("resize")));
    ops.resize = op.operation_id;
    expectOperation(op, "elasticity.resize_container", "container", container);
    assert.equal(op.result.after?.memory_limit_mb, 1024);
    assert.equal(op.result.after?.cpu_limit_percent, 150);
  });

  it("the same write with the same Idempotency-Key is a replay", async () => {
    need("resize");
    const again = await step("resizeContainer replay", () => quilt.resizeContainer(container, { memory_limit_mb: 1024, cpu_limit_percent: 150 }, write("resize")));
    assert.equal(again.replayed, true, "Idempotent-Replayed: true");
    assert.equal(again.data.operation_id, ops.resize);
  });

  it("a refused control write is a structured error naming the field", async () => {
    await assert.rejects(
      () => quilt.resizeContainer(container, { memory_limit_mb: 0, cpu_limit_percent: 150 }, write("resize-bad")),
      (err) => {
        assert.ok(err instanceof QuiltApiError, `structured (error, error_code, request_id strings): ${err.message}`);
        assert.equal(err.status, 400);
        assert.equal(err.errorCode, "ELASTICITY_INVALID_ARGUMENT");
        assert.match(JSON.stringify(err.details ?? err.error), /memory_limit_mb/);
        return true;
      },
    );
  });

  it("set a function pool target", async () => {
    const { data: op } = await step("setFunctionPoolTarget", () => quilt.setFunctionPoolTarget(fn, { min_instances: 1, max_instances: 5 }, write("pool")));
    ops.pool = op.operation_id;
    expectOperation(op, "elasticity.set_function_pool_target", "function", fn);
    assert.equal(op.result.after?.min_instances, 1);
    assert.equal(op.result.after?.max_instances, 5);
    assert.equal(typeof op.result.desired_instances, "number");
  });

  it("bind a workload's function: result.current_function_id", async () => {
    const { data: op } = await step("setWorkloadFunctionBinding", () => quilt.setWorkloadFunctionBinding(workload, { function_id: fn }, write("bind")));
    ops.bind = op.operation_id;
    expectOperation(op, "elasticity.workload_function_binding", "workload", workload);
    assert.equal(op.result.current_function_id, fn, `result.current_function_id; result: ${JSON.stringify(op.result)}`);
    assert.equal(op.result.next_function_id, null, "result.next_function_id");
    assert.equal(op.result.cutover_at, null, "result.cutover_at");
  });

  it("rotate it: result.current_function_id, next_function_id, cutover_at", async () => {
    need("bind");
    const next = `${fn}-v2`;
    const { data: op } = await step("rotateWorkloadFunctionBinding", () =>
      quilt.rotateWorkloadFunctionBinding(workload, { next_function_id: next, cutover_at: cutoverAt }, write("rotate")),
    );
    ops.rotate = op.operation_id;
    expectOperation(op, "elasticity.rotate_workload_function_binding", "workload", workload);
    assert.equal(op.result.current_function_id, fn, `result.current_function_id; result: ${JSON.stringify(op.result)}`);
    assert.equal(op.result.next_function_id, next, "result.next_function_id");
    assert.equal(op.result.cutover_at, cutoverAt, "result.cutover_at");
  });

  it("scale a node group", async () => {
    const { data: op } = await step("scaleNodeGroup", () => quilt.scaleNodeGroup(group, { delta_units: 2 }, write("scale")));
    ops.scale = op.operation_id;
    expectOperation(op, "elasticity.scale_node_group", "node_group", group);
    assert.equal(op.result.after?.desired_size, (op.result.before?.desired_size ?? 0) + 2);
  });

  it("read an operation by id", async () => {
    need("scale");
    const { data: op } = await step("getOperation", () => quilt.getOperation(ops.scale));
    assert.equal(op.operation_id, ops.scale);
    expectOperation(op, "elasticity.scale_node_group", "node_group", group);
  });

  it("an unknown operation is a structured error the SDK reads", async () => {
    await assert.rejects(
      () => quilt.getOperation("no-such-operation"),
      (err) => err instanceof QuiltApiError && err.status === 404 && err.errorCode === "ELASTICITY_TARGET_NOT_FOUND" && typeof err.requestId === "string",
    );
  });

  it("list the action's operations", async () => {
    need("resize", "pool", "bind", "rotate", "scale");
    const { data: list } = await step("listActionOperations", () => quilt.listActionOperations(action));
    assert.ok(Array.isArray(list), `a JSON array, got ${JSON.stringify(list).slice(0, 200)}`);
    assert.deepEqual(
      list.map((o) => o.operation_id),
      [ops.resize, ops.pool, ops.bind, ops.rotate, ops.scale],
      "every write of the action, oldest first",
    );
    for (const o of list) assert.equal(o.action_id, action);
  });

  it("roll the action back", async () => {
    need("scale");
    const rollbackAction = `${action}-rollback`;
    const { data: op } = await step("rollbackAction", () =>
      quilt.rollbackAction(action, { target_action_id: action, reason_code: "example.rollback", reason_message: "elasticity-control example" }, { idempotencyKey: `${action}-rb`, actionId: rollbackAction }),
    );
    assert.equal(op.operation_type, "elasticity.rollback_action");
    assert.equal(op.status, "succeeded", `rollback ended ${op.status}: ${op.reason_message}`);
    assert.equal(op.result?.target_action_id, action);
    const undone = op.result?.undone ?? [];
    assert.deepEqual(undone.map((u) => u.operation_id).sort(), [ops.resize, ops.pool, ops.bind, ops.rotate, ops.scale].sort(), "every write undone");
    for (const u of undone) assert.equal(u.status, "succeeded", `undo of ${u.operation_id}: ${u.status} ${u.message ?? ""}`);
    // The node group is back where it was.
    const size = await fetch(`${gw.base}/cloudpools/${group}/pool/size`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json());
    assert.equal(size.desiredSize, 0);
  });
});
