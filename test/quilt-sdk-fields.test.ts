// What Quilt's SDK reads (issue 8 part 2): binding and rotate answers carry current_function_id,
// next_function_id and cutover_at directly inside `result`; the contract's control_base_url is the
// origin and each `paths` value a full path from it, so `new URL(path, base)` (how the SDK joins
// them) is a working URL. Bad input on those routes: the Quilt error, nothing changed.
import { describe, expect, it } from "vitest";
import { call } from "./helpers";
import { Q, creds, expectQuiltError } from "./quilt-support";
import { elasticityRows, quiltTenant } from "./quilt-control-support";

const ORIGINS = ["http://localhost:8787", "https://scalegate.example.com", "http://127.0.0.1:9999"];

/** The SDK's URL building: a template filled with URL-encoded params, joined with `new URL(path, base)`. */
const sdkUrl = (base: string, template: string, params: Record<string, string>) =>
  new URL(template.replace(/\{(\w+)\}/g, (_m, k: string) => encodeURIComponent(params[k])), base).toString();

async function sdkCall(t: Awaited<ReturnType<typeof quiltTenant>>, method: string, url: string, body: unknown, action = "act-sdk") {
  const u = new URL(url);
  return call(method, u.pathname + u.search, {
    origin: u.origin,
    headers: { ...t.auth, "Content-Type": "application/json", "Idempotency-Key": crypto.randomUUID(), "X-Orch-Action-Id": action },
    raw: JSON.stringify(body),
  });
}

describe("contract: control_base_url + paths", () => {
  it("control_base_url is the request-visible origin (no path), for several origins", async () => {
    const t = await quiltTenant("qs-origin");
    for (const origin of ORIGINS) {
      const r = await call("GET", `${Q}/control/contract`, { origin, headers: t.auth });
      expect(r.status, r.text).toBe(200);
      expect(r.body.control_base_url).toBe(origin);
      expect(new URL(r.body.control_base_url).pathname).toBe("/");
      for (const p of Object.values(r.body.paths) as string[]) expect(p).toMatch(/^\/api\/elasticity\/control\//);
    }
  });

  it("joining control_base_url and every write path gives URLs that work (resize, pool target, bind, rotate, placement, scale, rollback)", async () => {
    const t = await quiltTenant("qs-join");
    await t.nodeGroup("web");
    const origin = "https://gw.example.com:8443";
    const contract = (await call("GET", `${Q}/control/contract`, { origin, headers: t.auth })).body;
    const base: string = contract.control_base_url;
    const P = contract.paths;
    const resize = await sdkCall(t, "POST", sdkUrl(base, P.resize_container, { container_id: "c1" }), { memory_limit_mb: 256, cpu_limit_percent: 50 });
    expect(resize.status, resize.text).toBe(200);
    expect(resize.body.operation_type).toBe("elasticity.resize_container");
    const pool = await sdkCall(t, "POST", sdkUrl(base, P.set_function_pool_target, { function_id: "fn" }), { min_instances: 0, max_instances: 3 });
    expect(pool.status, pool.text).toBe(200);
    const bind = await sdkCall(t, "PUT", sdkUrl(base, P.workload_function_binding, { workload_id: "w1" }), { function_id: "fn-a" });
    expect(bind.status, bind.text).toBe(200);
    const rotate = await sdkCall(t, "POST", sdkUrl(base, P.rotate_workload_function_binding, { workload_id: "w1" }), { next_function_id: "fn-b", cutover_at: 1 });
    expect(rotate.status, rotate.text).toBe(200);
    const place = await sdkCall(t, "PUT", sdkUrl(base, P.workload_placement_preference, { workload_id: "w1" }), { node_group: "web", anti_affinity: false });
    expect(place.status, place.text).toBe(200);
    const scale = await sdkCall(t, "POST", sdkUrl(base, P.node_group_scale, { group: "web" }), { delta_units: 1 });
    expect(scale.status, scale.text).toBe(200);
    expect(scale.body.status).toBe("succeeded");
    const rollback = await sdkCall(t, "POST", sdkUrl(base, P.rollback_action, { action_id: "act-sdk" }), { target_action_id: "act-sdk" }, "act-undo");
    expect(rollback.status, rollback.text).toBe(200);
    expect(rollback.body.operation_type).toBe("elasticity.rollback_action");
  });

  it("a path parameter that needs encoding goes through encoded; an invalid one is the Quilt 400 naming it", async () => {
    const t = await quiltTenant("qs-encode");
    const contract = (await call("GET", `${Q}/control/contract`, { headers: t.auth })).body;
    const bad = await sdkCall(t, "PUT", sdkUrl(contract.control_base_url, contract.paths.workload_function_binding, { workload_id: "a b/c" }), { function_id: "fn" });
    expect(bad.status, bad.text).toBeGreaterThanOrEqual(400);
    expect(bad.status).toBeLessThan(500);
    expect(await elasticityRows("qs-encode")).toEqual([]);
  });
});

describe("binding and rotate answers: the binding inside result", () => {
  it("PUT function-binding → result.current_function_id / next_function_id / cutover_at (+ before/after); the operation lookup says the same", async () => {
    const t = await quiltTenant("qs-bind");
    const r = await t.ctl("PUT", "/workloads/w/function-binding", { function_id: "fn-a" });
    expect(r.status, r.text).toBe(200);
    expect(r.body.result).toEqual({
      current_function_id: "fn-a",
      next_function_id: null,
      cutover_at: null,
      before: null,
      after: { current_function_id: "fn-a", next_function_id: null, cutover_at: null },
    });
    const op = await t.get(`/control/operations/${r.body.operation_id}`);
    expect(op.status).toBe(200);
    expect(op.body.result).toEqual(r.body.result);
  });

  it("rotate with a future cutover → result carries the pending rotation; a past cutover → swapped at once", async () => {
    const t = await quiltTenant("qs-rotate");
    await t.ctl("PUT", "/workloads/w/function-binding", { function_id: "fn-a" });
    const cutover = Math.floor(Date.now() / 1000) + 3600;
    const r = await t.ctl("POST", "/workloads/w/function-binding/rotate", { next_function_id: "fn-b", cutover_at: cutover });
    expect(r.status, r.text).toBe(200);
    expect(r.body.result).toMatchObject({ current_function_id: "fn-a", next_function_id: "fn-b", cutover_at: cutover, swapped: false });
    expect(r.body.result.before).toEqual({ current_function_id: "fn-a", next_function_id: null, cutover_at: null });
    const now = await t.ctl("POST", "/workloads/w2/function-binding/rotate", { next_function_id: "fn-c", cutover_at: 1 });
    expect(now.status, now.text).toBe(200);
    expect(now.body.result).toMatchObject({ current_function_id: "fn-c", next_function_id: null, cutover_at: null, swapped: true });
  });

  it("a replay answers the same result fields with Idempotent-Replayed", async () => {
    const t = await quiltTenant("qs-replay");
    const first = await t.ctl("PUT", "/workloads/w/function-binding", { function_id: "fn-a" }, { key: "k-1" });
    const again = await t.ctl("PUT", "/workloads/w/function-binding", { function_id: "fn-a" }, { key: "k-1" });
    expect(again.status).toBe(200);
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect(again.body.result).toEqual(first.body.result);
    expect(again.body.result.current_function_id).toBe("fn-a");
  });

  it("bad bodies on bind and rotate → 400 naming the field, nothing stored", async () => {
    const t = await quiltTenant("qs-bad");
    const cases: [string, string, unknown, string][] = [
      ["PUT", "/workloads/w/function-binding", { function_id: 7 }, "function_id"],
      ["PUT", "/workloads/w/function-binding", { function_id: "fn", extra: 1 }, "extra"],
      ["PUT", "/workloads/w/function-binding", {}, "function_id"],
      ["POST", "/workloads/w/function-binding/rotate", { next_function_id: "fn-b", cutover_at: "soon" }, "cutover_at"],
      ["POST", "/workloads/w/function-binding/rotate", { next_function_id: "fn-b", cutover_at: Date.now() }, "cutover_at"],
      ["POST", "/workloads/w/function-binding/rotate", { cutover_at: 1 }, "next_function_id"],
    ];
    for (const [method, path, body, field] of cases) {
      const r = await t.ctl(method, path, body);
      expectQuiltError(r, 400, "ELASTICITY_INVALID_ARGUMENT", { control: true });
      expect(JSON.stringify(r.body), `${method} ${path} ${JSON.stringify(body)}`).toContain(field);
    }
    const malformed = await t.ctl("PUT", "/workloads/w/function-binding", undefined, { raw: "{\"function_id\":" });
    expectQuiltError(malformed, 400, "ELASTICITY_INVALID_ARGUMENT", { control: true });
    expect(await elasticityRows("qs-bad")).toEqual([]);
    expect((await t.get("/control/workloads/w/function-binding")).status).toBe(404);
  });

  it("another tenant's token with this tenant's X-Tenant-Id → 403, nothing bound", async () => {
    const a = await quiltTenant("qs-owner");
    const b = await quiltTenant("qs-other");
    const r = await call("PUT", `${Q}/control/workloads/w/function-binding`, {
      headers: { ...creds(b.token, "qs-owner"), "Content-Type": "application/json", "Idempotency-Key": "k", "X-Orch-Action-Id": "act" },
      raw: JSON.stringify({ function_id: "fn" }),
    });
    expectQuiltError(r, 403, "FORBIDDEN", { control: true });
    expect((await a.get("/control/workloads/w/function-binding")).status).toBe(404);
  });
});
