// Quilt control and direct writes on containers, function pools and node groups: the terminal
// operation body (direct: the updated state), replays with Idempotent-Replayed, 422 for a reused
// key with another payload, many identical requests at once executing once, node groups shared
// with the elastisys dialect (unknown → 404, out of bounds → 400, nothing changed).
import { describe, expect, it } from "vitest";
import { DEFAULT_NODE_CPU_CORES, nodeCpuCores } from "../src/surfaces/quilt/schemas";
import { elasticityRows, expectOperation, ledgerRows, quiltTenant, target } from "./quilt-control-support";
import { expectQuiltError } from "./quilt-support";

describe("containers", () => {
  it("control resize → 200 with the terminal operation; the container exists from its first write", async () => {
    const t = await quiltTenant("qc-resize");
    const r = await t.ctl("POST", "/containers/api-1/resize", { memory_limit_mb: 512, cpu_limit_percent: 150 }, { key: "k-1", action: "act-1" });
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get("Idempotent-Replayed")).toBeNull();
    expectOperation(r.body, {
      operation_type: "elasticity.resize_container",
      action_id: "act-1",
      tenant_id: "qc-resize",
      target: { kind: "container", id: "api-1" },
      status: "succeeded",
      reason_code: null,
      reason_message: null,
      request: { memory_limit_mb: 512, cpu_limit_percent: 150 },
      result: { before: null, after: { memory_limit_mb: 512, cpu_limit_percent: 150 } },
    });
    const second = await t.ctl("POST", "/containers/api-1/resize", { memory_limit_mb: 1024, cpu_limit_percent: 800 }, { action: "act-2" });
    expect(second.body.result).toMatchObject({ before: { memory_limit_mb: 512, cpu_limit_percent: 150 }, after: { memory_limit_mb: 1024, cpu_limit_percent: 800 } });
    const state = await target("qc-resize", "container", "api-1").getContainer();
    expect(state.ok && state.state).toMatchObject({ container_id: "api-1", memory_limit_mb: 1024, cpu_limit_percent: 800 });
    // One ledger row per write, with the key and the action it came with.
    expect((await elasticityRows("qc-resize")).map((x) => [x.id, x.action_id, x.idempotency_key])).toEqual([
      [r.body.operation_id, "act-1", "k-1"],
      [second.body.operation_id, "act-2", expect.any(String)],
    ]);
  });

  it("direct resize → 200 with the updated state; keys are optional there, honoured when sent", async () => {
    const t = await quiltTenant("qc-direct");
    const r = await t.write("POST", "/containers/db-1/resize", { memory_limit_mb: 2048, cpu_limit_percent: 12.5 }, { key: null, action: null });
    expect(r.status, r.text).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(["container_id", "cpu_limit_percent", "memory_limit_mb", "updated_at"]);
    expect(r.body).toMatchObject({ container_id: "db-1", memory_limit_mb: 2048, cpu_limit_percent: 12.5 });
    expect(r.body.updated_at).toMatch(/Z$/);
    const keyed = await t.write("POST", "/containers/db-1/resize", { memory_limit_mb: 4096, cpu_limit_percent: 25 }, { key: "d-1", action: null });
    const again = await t.write("POST", "/containers/db-1/resize", { memory_limit_mb: 4096, cpu_limit_percent: 25 }, { key: "d-1", action: null });
    expect(again.status).toBe(200);
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect(again.body).toEqual(keyed.body);
    // The direct write and its control twin are one command: the same key and body replay across them.
    const twin = await t.ctl("POST", "/containers/db-1/resize", { memory_limit_mb: 4096, cpu_limit_percent: 25 }, { key: "d-1" });
    expect(twin.headers.get("Idempotent-Replayed")).toBe("true");
    expect(twin.body.operation_type).toBe("elasticity.resize_container");
    expect((await elasticityRows("qc-direct")).length).toBe(2);
    expect((await elasticityRows("qc-direct")).map((x) => x.action_id)).toEqual([null, null]);
  });

  it("cpu_limit_percent up to 100 × NODE_CPU_CORES (8 here): 800 is accepted, 800.5 is not", async () => {
    const t = await quiltTenant("qc-cpu");
    expect((await t.ctl("POST", "/containers/c/resize", { memory_limit_mb: 1, cpu_limit_percent: 800 })).status).toBe(200);
    const r = await t.ctl("POST", "/containers/c/resize", { memory_limit_mb: 1, cpu_limit_percent: 800.5 });
    expectQuiltError(r, 400, "ELASTICITY_INVALID_ARGUMENT", { control: true });
    expect(r.body.details.field).toBe("cpu_limit_percent");
    expect(r.body.error).toContain("800");
  });
});

describe("NODE_CPU_CORES", () => {
  it("a whole number in [1, 1024] sets the cores; unset or anything else means 8", () => {
    expect(nodeCpuCores({ NODE_CPU_CORES: "16" })).toBe(16);
    for (const v of [undefined, "", "0", "-2", "1.5", "abc", "2000"]) expect(nodeCpuCores({ NODE_CPU_CORES: v })).toBe(DEFAULT_NODE_CPU_CORES);
    expect(DEFAULT_NODE_CPU_CORES).toBe(8);
  });
});

describe("function pools", () => {
  it("control pool target → the operation; direct → the pool state; desired held within [min, max]", async () => {
    const t = await quiltTenant("qc-pool");
    const r = await t.ctl("POST", "/functions/thumbs/pool-target", { min_instances: 2, max_instances: 5 }, { action: "act-p" });
    expect(r.status, r.text).toBe(200);
    expectOperation(r.body, {
      operation_type: "elasticity.set_function_pool_target",
      target: { kind: "function", id: "thumbs" },
      request: { min_instances: 2, max_instances: 5 },
      result: { before: null, after: { min_instances: 2, max_instances: 5 }, desired_instances: 2 },
    });
    const d = await t.write("POST", "/functions/thumbs/pool-target", { min_instances: 0, max_instances: 1 }, { key: null, action: null });
    expect(d.status, d.text).toBe(200);
    expect(d.body).toEqual({ function_id: "thumbs", min_instances: 0, max_instances: 1, desired_instances: 1, running_instances: expect.any(Number) });
    const equal = await t.write("POST", "/functions/thumbs/pool-target", { min_instances: 3, max_instances: 3 }, { key: null, action: null });
    expect(equal.body).toMatchObject({ min_instances: 3, max_instances: 3, desired_instances: 3 });
  });
});

describe("node groups (the groups of the other dialects)", () => {
  it("scale changes the desired size the elastisys dialect sees; target kind node_group", async () => {
    const t = await quiltTenant("qc-scale");
    await t.nodeGroup("web", 2);
    const r = await t.ctl("POST", "/node-groups/web/scale", { delta_units: 3 }, { action: "act-s" });
    expect(r.status, r.text).toBe(200);
    expectOperation(r.body, {
      operation_type: "elasticity.scale_node_group",
      target: { kind: "node_group", id: "web" },
      request: { delta_units: 3 },
      result: { before: { desired_size: 2 }, after: { desired_size: 5 } },
    });
    expect(await t.desiredSize("web")).toBe(5);
    const down = await t.ctl("POST", "/node-groups/web/scale", { delta_units: -5 });
    expect(down.body.result.after).toEqual({ desired_size: 0 });
    expect(await t.desiredSize("web")).toBe(0);
  });

  it("an unknown group → 404 ELASTICITY_TARGET_NOT_FOUND, and it is not created", async () => {
    const t = await quiltTenant("qc-scale-404");
    const r = await t.ctl("POST", "/node-groups/ghost/scale", { delta_units: 1 });
    expectQuiltError(r, 404, "ELASTICITY_TARGET_NOT_FOUND", { control: true });
    expect(r.body.error).toBe("node group 'ghost' not found");
    expect(r.body.hint).toContain("/cloudpools/{group}/config");
    expect((await target("qc-scale-404", "group", "ghost").getSize()).ok).toBe(false);
    expect(await ledgerRows("qc-scale-404")).toEqual([]);
  });

  it("a delta taking the group outside [min, max] → 400, nothing changed", async () => {
    const t = await quiltTenant("qc-scale-range");
    await t.nodeGroup("web", 1);
    for (const delta_units of [-2, 1000]) {
      const r = await t.ctl("POST", "/node-groups/web/scale", { delta_units });
      expectQuiltError(r, 400, "ELASTICITY_INVALID_ARGUMENT", { control: true });
      expect(r.body.error).toContain("outside [0, 1000]");
    }
    expect(await t.desiredSize("web")).toBe(1);
    expect(await elasticityRows("qc-scale-range")).toEqual([]);
  });
});

describe("idempotency", () => {
  it("a replay answers the stored status and body with Idempotent-Replayed: true, even after the target changed", async () => {
    const t = await quiltTenant("qc-replay");
    await t.nodeGroup("web", 1);
    const first = await t.ctl("POST", "/node-groups/web/scale", { delta_units: 1 }, { key: "s-1" });
    await t.ctl("POST", "/node-groups/web/scale", { delta_units: 1 }, { key: "s-2" });
    const replay = await t.ctl("POST", "/node-groups/web/scale", { delta_units: 1 }, { key: "s-1" });
    expect(replay.status).toBe(first.status);
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect(replay.text).toBe(first.text);
    expect(await t.desiredSize("web")).toBe(3);
    // A replay is a replay whatever X-Orch-Action-Id it carries: the stored body names the first action.
    const other = await t.ctl("POST", "/node-groups/web/scale", { delta_units: 1 }, { key: "s-1", action: "act-other" });
    expect(other.text).toBe(first.text);
  });

  it("the same key with a different payload → 422 IDEMPOTENCY_CONFLICT, nothing changed", async () => {
    const t = await quiltTenant("qc-422");
    await t.nodeGroup("web", 1);
    await t.ctl("POST", "/node-groups/web/scale", { delta_units: 1 }, { key: "k" });
    const r = await t.ctl("POST", "/node-groups/web/scale", { delta_units: 2 }, { key: "k" });
    expectQuiltError(r, 422, "IDEMPOTENCY_CONFLICT", { control: true });
    expect(r.body.hint).toContain("Idempotency-Key");
    const c = await t.ctl("POST", "/containers/a/resize", { memory_limit_mb: 1, cpu_limit_percent: 1 }, { key: "kc" });
    expect(c.status).toBe(200);
    expectQuiltError(await t.ctl("POST", "/containers/a/resize", { memory_limit_mb: 2, cpu_limit_percent: 1 }, { key: "kc" }), 422, "IDEMPOTENCY_CONFLICT", { control: true });
    expect(await t.desiredSize("web")).toBe(2);
    expect((await elasticityRows("qc-422")).length).toBe(2);
  });

  it("only successes are stored: a request refused with a key can be corrected and sent with the same key", async () => {
    const t = await quiltTenant("qc-refused");
    await t.nodeGroup("web", 1);
    expectQuiltError(await t.ctl("POST", "/node-groups/web/scale", { delta_units: -5 }, { key: "fix" }), 400, "ELASTICITY_INVALID_ARGUMENT", { control: true });
    const fixed = await t.ctl("POST", "/node-groups/web/scale", { delta_units: -1 }, { key: "fix" });
    expect(fixed.status, fixed.text).toBe(200);
    expect(fixed.headers.get("Idempotent-Replayed")).toBeNull();
    expect(await t.desiredSize("web")).toBe(0);
  });

  it("the scope is (tenant, operation type, target, key): the same key elsewhere is a new request", async () => {
    const t = await quiltTenant("qc-scope");
    const u = await quiltTenant("qc-scope-2");
    const body = { memory_limit_mb: 64, cpu_limit_percent: 5 };
    const a = await t.ctl("POST", "/containers/a/resize", body, { key: "same" });
    const b = await t.ctl("POST", "/containers/b/resize", body, { key: "same" });
    const p = await t.ctl("POST", "/functions/a/pool-target", { min_instances: 0, max_instances: 1 }, { key: "same" });
    const other = await u.ctl("POST", "/containers/a/resize", body, { key: "same" });
    for (const r of [a, b, p, other]) expect(r.headers.get("Idempotent-Replayed"), r.text).toBeNull();
    expect(new Set([a, b, p, other].map((r) => r.body.operation_id)).size).toBe(4);
  });

  it("20 identical requests with one key at once → one execution, one ledger row, one answer", async () => {
    const t = await quiltTenant("qc-race");
    await t.nodeGroup("web", 0);
    const send = () => t.ctl("POST", "/node-groups/web/scale", { delta_units: 1 }, { key: "race", action: "act-race" });
    const all = await Promise.all(Array.from({ length: 20 }, send));
    for (const r of all) expect(r.status, r.text).toBe(200);
    expect(new Set(all.map((r) => r.body.operation_id)).size).toBe(1);
    expect(all.filter((r) => r.headers.get("Idempotent-Replayed") === null).length).toBe(1);
    expect(await t.desiredSize("web")).toBe(1);
    const rows = await elasticityRows("qc-race", "act-race");
    expect(rows.map((r) => r.id)).toEqual([all[0].body.operation_id]);

    const resize = () => t.ctl("POST", "/containers/race/resize", { memory_limit_mb: 128, cpu_limit_percent: 10 }, { key: "race-c", action: "act-race-c" });
    const many = await Promise.all(Array.from({ length: 20 }, resize));
    expect(many.every((r) => r.status === 200 && r.body.operation_id === many[0].body.operation_id)).toBe(true);
    expect((await elasticityRows("qc-race", "act-race-c")).length).toBe(1);
  });
});
