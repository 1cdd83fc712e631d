// Quilt workloads: function binding (PUT/GET), rotation to the next function at cutover_at (unix
// seconds) on the object's alarm, at once when the cutover is past; placement preference
// (PUT/GET); reads of a workload never written → 404.
import { afterEach, describe, expect, it } from "vitest";
import { SECOND, freezeClock, passTime, releaseClock, timerNames } from "./clock";
import { elasticityRows, expectOperation, ledgerRows, quiltTenant, target } from "./quilt-control-support";
import { expectQuiltError } from "./quilt-support";

afterEach(() => releaseClock());

describe("function binding", () => {
  it("PUT → the operation plus current/next function; GET → the binding", async () => {
    const t = await quiltTenant("qw-bind");
    const r = await t.ctl("PUT", "/workloads/checkout/function-binding", { function_id: "fn-a" }, { action: "act-b" });
    expect(r.status, r.text).toBe(200);
    expectOperation(
      r.body,
      {
        operation_type: "elasticity.workload_function_binding",
        target: { kind: "workload", id: "checkout" },
        request: { function_id: "fn-a" },
        result: { current_function_id: "fn-a", next_function_id: null, cutover_at: null, before: null, after: { current_function_id: "fn-a", next_function_id: null, cutover_at: null } },
        current_function_id: "fn-a",
        next_function_id: null,
      },
      ["current_function_id", "next_function_id"],
    );
    const g = await t.get("/control/workloads/checkout/function-binding");
    expect(g.status).toBe(200);
    expect(g.body).toEqual({ workload_id: "checkout", current_function_id: "fn-a", next_function_id: null, cutover_at: null, updated_at: expect.stringMatching(/Z$/) });
    const rebind = await t.ctl("PUT", "/workloads/checkout/function-binding", { function_id: "fn-b" });
    expect(rebind.body.result.before).toEqual({ current_function_id: "fn-a", next_function_id: null, cutover_at: null });
    expect(rebind.body.current_function_id).toBe("fn-b");
  });

  it("reads of a workload never written → 404 ELASTICITY_TARGET_NOT_FOUND; a written workload without a binding reads as nulls", async () => {
    const t = await quiltTenant("qw-404");
    for (const path of ["/control/workloads/never/function-binding", "/control/workloads/never/placement-preference"]) {
      const r = await t.get(path);
      expectQuiltError(r, 404, "ELASTICITY_TARGET_NOT_FOUND", { control: true });
      expect(r.body.error).toBe("workload 'never' not found");
    }
    await t.ctl("PUT", "/workloads/placed/placement-preference", { node_group: "web", anti_affinity: false });
    const b = await t.get("/control/workloads/placed/function-binding");
    expect(b.body).toMatchObject({ workload_id: "placed", current_function_id: null, next_function_id: null, cutover_at: null });
    // Reads never create the workload.
    expect((await target("qw-404", "workload", "never").getWorkload()).ok).toBe(false);
    expect((await ledgerRows("qw-404")).map((x) => x.target_id)).toEqual(["placed"]);
  });
});

describe("tenancy", () => {
  it("another tenant's workload is not visible: 404, and the same id there is that tenant's own", async () => {
    const a = await quiltTenant("qw-tenant-a");
    const b = await quiltTenant("qw-tenant-b");
    await a.ctl("PUT", "/workloads/shared/function-binding", { function_id: "fn-a" });
    expectQuiltError(await b.get("/control/workloads/shared/function-binding"), 404, "ELASTICITY_TARGET_NOT_FOUND", { control: true });
    await b.ctl("PUT", "/workloads/shared/function-binding", { function_id: "fn-b" });
    expect((await a.get("/control/workloads/shared/function-binding")).body.current_function_id).toBe("fn-a");
    expect((await b.get("/control/workloads/shared/function-binding")).body.current_function_id).toBe("fn-b");
    const forged = await a.get("/control/workloads/shared/function-binding", { "X-Tenant-Id": "qw-tenant-b" });
    expectQuiltError(forged, 403, "FORBIDDEN", { control: true });
  });
});

describe("rotation", () => {
  it("a future cutover: GET shows current and next until the alarm swaps them at cutover_at", async () => {
    const t = await quiltTenant("qw-rotate");
    const now = freezeClock();
    await t.ctl("PUT", "/workloads/w/function-binding", { function_id: "fn-a" });
    const cutover = Math.floor(now / 1000) + 600;
    const r = await t.ctl("POST", "/workloads/w/function-binding/rotate", { next_function_id: "fn-b", cutover_at: cutover }, { action: "act-rot" });
    expect(r.status, r.text).toBe(200);
    expectOperation(
      r.body,
      {
        operation_type: "elasticity.rotate_workload_function_binding",
        request: { next_function_id: "fn-b", cutover_at: cutover },
        result: { current_function_id: "fn-a", next_function_id: "fn-b", cutover_at: cutover, after: { current_function_id: "fn-a", next_function_id: "fn-b", cutover_at: cutover }, swapped: false },
        current_function_id: "fn-a",
        next_function_id: "fn-b",
      },
      ["current_function_id", "next_function_id"],
    );
    expect((await t.get("/control/workloads/w/function-binding")).body).toMatchObject({ current_function_id: "fn-a", next_function_id: "fn-b", cutover_at: cutover });
    const w = target("qw-rotate", "workload", "w");
    expect(await timerNames(w)).toContain("rotation-cutover");

    await passTime(w, 599 * SECOND); // one second before: nothing yet
    expect((await t.get("/control/workloads/w/function-binding")).body).toMatchObject({ current_function_id: "fn-a", next_function_id: "fn-b" });
    await passTime(w, 2 * SECOND);
    expect((await t.get("/control/workloads/w/function-binding")).body).toMatchObject({ current_function_id: "fn-b", next_function_id: null, cutover_at: null });
    expect(await timerNames(w)).not.toContain("rotation-cutover");
    const cutovers = (await ledgerRows("qw-rotate")).filter((x) => x.type === "workload.rotation_cutover");
    expect(cutovers.map((x) => [x.target_kind, x.target_id, x.action_id])).toEqual([["workload", "w", null]]);
  });

  it("a cutover in the past swaps at once; a rebind cancels a pending rotation", async () => {
    const t = await quiltTenant("qw-rotate-past");
    const past = await t.ctl("POST", "/workloads/w/function-binding/rotate", { next_function_id: "fn-x", cutover_at: 1 });
    expect(past.body).toMatchObject({ current_function_id: "fn-x", next_function_id: null, result: { before: null, swapped: true } });
    const future = Math.floor(Date.now() / 1000) + 3600;
    await t.ctl("POST", "/workloads/w/function-binding/rotate", { next_function_id: "fn-y", cutover_at: future });
    expect(await timerNames(target("qw-rotate-past", "workload", "w"))).toContain("rotation-cutover");
    const bind = await t.ctl("PUT", "/workloads/w/function-binding", { function_id: "fn-z" });
    expect(bind.body).toMatchObject({ current_function_id: "fn-z", next_function_id: null });
    expect(await timerNames(target("qw-rotate-past", "workload", "w"))).not.toContain("rotation-cutover");
  });

  it("a replayed rotate answers the stored body (the binding as it was then), not today's", async () => {
    const t = await quiltTenant("qw-rotate-replay");
    const now = freezeClock();
    const body = { next_function_id: "fn-b", cutover_at: Math.floor(now / 1000) + 10 };
    const first = await t.ctl("POST", "/workloads/w/function-binding/rotate", body, { key: "rot" });
    await passTime(target("qw-rotate-replay", "workload", "w"), 11 * SECOND);
    const replay = await t.ctl("POST", "/workloads/w/function-binding/rotate", body, { key: "rot" });
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect(replay.text).toBe(first.text);
    expect(replay.body.next_function_id).toBe("fn-b");
  });
});

describe("placement preference", () => {
  it("PUT → the operation; GET → {workload_id, node_group, anti_affinity, updated_at}", async () => {
    const t = await quiltTenant("qw-place");
    const r = await t.ctl("PUT", "/workloads/w/placement-preference", { node_group: "web", anti_affinity: true }, { action: "act-pl" });
    expect(r.status, r.text).toBe(200);
    expectOperation(r.body, {
      operation_type: "elasticity.workload_placement_preference",
      target: { kind: "workload", id: "w" },
      request: { node_group: "web", anti_affinity: true },
      result: { before: null, after: { node_group: "web", anti_affinity: true } },
    });
    expect((await t.get("/control/workloads/w/placement-preference")).body).toEqual({ workload_id: "w", node_group: "web", anti_affinity: true, updated_at: expect.any(String) });
    await t.ctl("PUT", "/workloads/w/placement-preference", { node_group: "batch", anti_affinity: false });
    expect((await t.get("/control/workloads/w/placement-preference")).body).toMatchObject({ node_group: "batch", anti_affinity: false });
    // Placement and binding are two parts of one workload: neither overwrites the other.
    await t.ctl("PUT", "/workloads/w/function-binding", { function_id: "fn" });
    expect((await t.get("/control/workloads/w/placement-preference")).body.node_group).toBe("batch");
    expect((await elasticityRows("qw-place")).length).toBe(3);
  });
});
