// Operation reads: GET .../control/operations/{id} and GET .../control/actions/{id}/operations are
// immediately consistent with the write without D1 on the write's path (issue 10): the id names the
// object holding the record until D1 has it, and the action's object indexes its operations before
// the write answers. Unknown, malformed and other tenants' ids; with D1 down or refusing writes, an
// answered write is still readable by id, listed by its action and included in a rollback; only a
// record already handed to D1 is a retryable 503 while D1 is down (never a 500).
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { freezeClock, passTime, releaseClock } from "./clock";
import { expectOperation, quiltTenant, target } from "./quilt-control-support";
import { Q, expectQuiltError, quiltCall } from "./quilt-support";

afterEach(async () => {
  releaseClock();
  const down = await env.DB.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'operations_down'`).first();
  if (down) await env.DB.exec(`ALTER TABLE operations_down RENAME TO operations`);
  await env.DB.prepare(`DROP TRIGGER IF EXISTS reject_operations`).run();
});

const strip = ({ current_function_id: _c, next_function_id: _n, ...op }: any) => op;

describe("reads after writes", () => {
  it("every control write is readable by id at once, and listed under its action oldest first", async () => {
    const t = await quiltTenant("qo-read");
    await t.nodeGroup("web", 1);
    const writes = [
      await t.ctl("POST", "/containers/c/resize", { memory_limit_mb: 256, cpu_limit_percent: 50 }, { action: "A" }),
      await t.ctl("POST", "/functions/f/pool-target", { min_instances: 0, max_instances: 2 }, { action: "A" }),
      await t.ctl("PUT", "/workloads/w/function-binding", { function_id: "fn" }, { action: "A" }),
      await t.ctl("POST", "/workloads/w/function-binding/rotate", { next_function_id: "fn-2", cutover_at: 1 }, { action: "A" }),
      await t.ctl("PUT", "/workloads/w/placement-preference", { node_group: "web", anti_affinity: false }, { action: "A" }),
      await t.ctl("POST", "/node-groups/web/scale", { delta_units: 2 }, { action: "A" }),
    ];
    for (const w of writes) {
      expect(w.status, w.text).toBe(200);
      const r = await t.get(`/control/operations/${w.body.operation_id}`);
      expect(r.status, r.text).toBe(200);
      expect(r.body).toEqual(strip(w.body));
    }
    const listing = await t.get("/control/actions/A/operations");
    expect(listing.status).toBe(200);
    expect(Array.isArray(listing.body)).toBe(true);
    expect(listing.body).toEqual(writes.map((w) => strip(w.body)));
    expect(listing.body.map((o: any) => o.operation_type)).toEqual([
      "elasticity.resize_container",
      "elasticity.set_function_pool_target",
      "elasticity.workload_function_binding",
      "elasticity.rotate_workload_function_binding",
      "elasticity.workload_placement_preference",
      "elasticity.scale_node_group",
    ]);
    for (const o of listing.body) expectOperation(o, { action_id: "A", tenant_id: "qo-read", status: "succeeded" });
  });

  it("after 20 identical requests at once, the id every one of them answered is readable", async () => {
    const t = await quiltTenant("qo-race");
    const all = await Promise.all(Array.from({ length: 20 }, () => t.ctl("POST", "/containers/c/resize", { memory_limit_mb: 1, cpu_limit_percent: 1 }, { key: "k", action: "A" })));
    const id = all[0].body.operation_id;
    expect(all.every((r) => r.body.operation_id === id)).toBe(true);
    expect((await t.get(`/control/operations/${id}`)).status).toBe(200);
    expect((await t.get("/control/actions/A/operations")).body.map((o: any) => o.operation_id)).toEqual([id]);
  });
});

describe("not found, bad ids, tenancy", () => {
  it("an unknown operation → 404; a malformed id → 400; an action without operations → []", async () => {
    const t = await quiltTenant("qo-404");
    const r = await t.get("/control/operations/00000000-0000-4000-8000-000000000000");
    expectQuiltError(r, 404, "ELASTICITY_TARGET_NOT_FOUND", { control: true });
    expect(r.body.error).toContain("operation '00000000-0000-4000-8000-000000000000' not found");
    for (const bad of ["a%20b", "x".repeat(129), "caf%C3%A9"]) {
      const b = await t.get(`/control/operations/${bad}`);
      expectQuiltError(b, 400, "ELASTICITY_INVALID_ARGUMENT", { control: true });
      expect(b.body.details.field).toBe("operation_id");
    }
    expect((await t.get("/control/actions/never/operations")).body).toEqual([]);
    expectQuiltError(await t.get("/control/actions/bad%20id/operations"), 400, "ELASTICITY_INVALID_ARGUMENT", { control: true });
  });

  it("another tenant's operation → 404 and its action lists nothing; X-Tenant-Id rules apply to reads", async () => {
    const a = await quiltTenant("qo-tenant-a");
    const b = await quiltTenant("qo-tenant-b");
    const w = await a.ctl("POST", "/containers/c/resize", { memory_limit_mb: 1, cpu_limit_percent: 1 }, { action: "A" });
    expectQuiltError(await b.get(`/control/operations/${w.body.operation_id}`), 404, "ELASTICITY_TARGET_NOT_FOUND", { control: true });
    expect((await b.get("/control/actions/A/operations")).body).toEqual([]);
    // b's token with a's tenant id → 403; no tenant header → 400; no credentials → 401.
    const path = `${Q}/control/operations/${w.body.operation_id}`;
    expectQuiltError(await quiltCall("GET", path, { headers: { "X-Api-Key": b.token, "X-Tenant-Id": "qo-tenant-a" } }), 403, "FORBIDDEN", { control: true });
    expectQuiltError(await quiltCall("GET", path, { headers: { "X-Api-Key": a.token } }), 400, "ELASTICITY_INVALID_ARGUMENT", { control: true });
    expectQuiltError(await quiltCall("GET", path, { headers: { "X-Tenant-Id": "qo-tenant-a" } }), 401, "UNAUTHORIZED", { control: true });
    // The same ids in tenant b are b's own targets: a's container is not there.
    expectQuiltError(await b.ctl("POST", "/node-groups/web/scale", { delta_units: 1 }), 404, "ELASTICITY_TARGET_NOT_FOUND", { control: true });
  });

  it("another method on the read routes → 405 with Allow: GET", async () => {
    const t = await quiltTenant("qo-405");
    for (const path of ["/control/operations/x", "/control/actions/A/operations"]) {
      const r = await t.ctl("POST", path.replace("/control", ""), {});
      expectQuiltError(r, 405, "METHOD_NOT_ALLOWED", { control: true });
      expect(r.headers.get("Allow")).toBe("GET");
    }
  });
});

describe("the ledger (D1) failing", () => {
  it("D1 down: an answered write is readable by id, listed by its action and included in a rollback; a record already in D1 → 503", async () => {
    const t = await quiltTenant("qo-outage");
    const w1 = await t.ctl("POST", "/containers/c1/resize", { memory_limit_mb: 1, cpu_limit_percent: 1 }, { action: "A" });
    expect(w1.status, w1.text).toBe(200);
    expect((await env.DB.prepare(`SELECT id FROM operations WHERE id = ?`).bind(w1.body.operation_id).first())?.id).toBe(w1.body.operation_id);
    await env.DB.exec(`ALTER TABLE operations RENAME TO operations_down`);

    const w2 = await t.ctl("POST", "/containers/c2/resize", { memory_limit_mb: 2, cpu_limit_percent: 2 }, { action: "A" });
    expect(w2.status, w2.text).toBe(200);
    // Read by id: the container's object answers (D1 is not asked).
    const byId = await t.get(`/control/operations/${w2.body.operation_id}`);
    expect(byId.status, byId.text).toBe(200);
    expect(byId.body).toEqual(w2.body);
    // Listed by its action (the action's object), oldest first.
    const listed = await t.get("/control/actions/A/operations");
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body).toEqual([w1.body, w2.body]);
    // Rolled back with the other write of the action.
    const rb = await t.ctl("POST", "/actions/A/rollback", { target_action_id: "A" }, { action: "R" });
    expect(rb.status, rb.text).toBe(200);
    const undone = rb.body.result.undone as { operation_id: string; status: string }[];
    expect(undone.map((u) => [u.operation_id, u.status])).toEqual([
      [w2.body.operation_id, "succeeded"],
      [w1.body.operation_id, "succeeded"],
    ]);
    expect((await target("qo-outage", "container", "c2").getContainer()).ok).toBe(false); // it did not exist before the action
    // The rollback's own action lists the undos and the rollback, D1 still down.
    const underR = (await t.get("/control/actions/R/operations")).body as { operation_id: string; operation_type: string }[];
    expect(underR.map((o) => o.operation_id)).toEqual([...undone.map((u) => (u as unknown as { undo_operation_id: string }).undo_operation_id), rb.body.operation_id]);

    // A record D1 already holds is read from D1: down → 503, retryable, Retry-After.
    const old = await t.get(`/control/operations/${w1.body.operation_id}`);
    expectQuiltError(old, 503, "ELASTICITY_OPERATION_FAILED", { control: true, retryable: true });
    expect(old.headers.get("Retry-After")).toBe("1");
  });

  it("D1 refusing writes: the write answers 200, reads find it at once, and it reaches D1 by the alarm once D1 recovers", async () => {
    freezeClock();
    const t = await quiltTenant("qo-missed");
    await env.DB.prepare(`CREATE TRIGGER reject_operations BEFORE INSERT ON operations BEGIN SELECT RAISE(ABORT, 'ledger unavailable'); END`).run();
    const body = { memory_limit_mb: 64, cpu_limit_percent: 5 };
    const w = await t.ctl("POST", "/containers/c/resize", body, { key: "k", action: "A" });
    expect(w.status, w.text).toBe(200);
    expect((await t.get(`/control/operations/${w.body.operation_id}`)).body).toEqual(w.body);
    expect((await t.get("/control/actions/A/operations")).body).toEqual([w.body]);
    expect(await env.DB.prepare(`SELECT id FROM operations WHERE id = ?`).bind(w.body.operation_id).first()).toBeNull();

    await env.DB.prepare(`DROP TRIGGER reject_operations`).run();
    await passTime(target("qo-missed", "container", "c"), 10_000); // the outbox timer's backoff
    expect((await env.DB.prepare(`SELECT id FROM operations WHERE id = ?`).bind(w.body.operation_id).first())?.id).toBe(w.body.operation_id);
    expect((await t.get(`/control/operations/${w.body.operation_id}`)).body).toEqual(w.body);
    const replay = await t.ctl("POST", "/containers/c/resize", body, { key: "k", action: "A" });
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect(replay.text).toBe(w.text);
  });
});
