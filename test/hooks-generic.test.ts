// The generic format: each action type, payload overrides, both auth modes, the ledger row naming
// the hook, Idempotency-Key / X-Delivery-Id dedup, min_interval_seconds.
import { describe, expect, it } from "vitest";
import { deliverBearer, deliverSigned, desired, hookFixture, rows, triggers } from "./hooks-support";

describe("generic deliveries", () => {
  it("a signed {} applies the configured change and answers 202 with the operation id", async () => {
    const f = await hookFixture("gen-change", { action: { type: "change", value: 2 } });
    const r = await deliverSigned(f.id, f.secret, {});
    expect(r.status, r.text).toBe(202);
    expect(r.body.hook_id).toBe(f.id);
    expect(r.body.operation_id).toMatch(/^h-[0-9a-f]{64}-[0-9a-f]{32}$/); // names the hook object (issue 10)
    expect(r.body.results).toEqual([expect.objectContaining({ outcome: "acted", operation_id: r.body.operation_id, desired_size: 4, action: { type: "change", value: 2 } })]);
    expect(await desired(f)).toBe(4);
    const [t] = await triggers(f);
    expect(t.id).toBe(r.body.operation_id);
    expect(t.dialect).toBe("hooks");
    expect(t.cause).toContain(`hook ${f.id} (gen-change hook)`);
    expect(JSON.parse(t.request!)).toMatchObject({ hook: { id: f.id, name: "gen-change hook" }, alert: null, source: "configured" });
    expect(JSON.parse(t.result!)).toEqual({ before: 2, after: 4, requested: 4, clamped: false });
    // The pool launched for it, and the launch names the trigger's operation.
    const launched = (await rows(f.tenant, "group", f.pool)).filter((x) => x.type === "machine.launched").at(-1)!;
    expect(launched.cause).toContain(r.body.operation_id);
    // The hook's own ledger records the delivery.
    const hookRows = await rows(f.tenant, "hook", f.id);
    expect(hookRows.map((x) => x.type)).toEqual(["hook.create", "hook.delivery"]);
    expect(hookRows[1].id).toBe(r.body.delivery_id);
  });

  it("exact and percent actions, clamped to the group's bounds", async () => {
    const e = await hookFixture("gen-exact", { action: { type: "exact", value: 5 } });
    expect((await deliverBearer(e.id, e.secret, {})).status).toBe(202);
    expect(await desired(e)).toBe(5);
    const p = await hookFixture("gen-pct", { action: { type: "percent", value: 50 } }, 4);
    expect((await deliverBearer(p.id, p.secret, {})).status).toBe(202);
    expect(await desired(p)).toBe(6);
    // -10 % of 6 = -0.6 → -1 (AWS rounding)
    const q = await hookFixture("gen-pct2", { action: { type: "percent", value: -10 } }, 6);
    expect((await deliverBearer(q.id, q.secret, {})).status).toBe(202);
    expect(await desired(q)).toBe(5);
    const c = await hookFixture("gen-clamp", { action: { type: "change", value: -5 } }, 2);
    const r = await deliverBearer(c.id, c.secret, {});
    expect(r.status).toBe(202);
    expect(await desired(c)).toBe(0);
    expect(JSON.parse((await triggers(c))[0].result!)).toEqual({ before: 2, after: 0, requested: -3, clamped: true });
  });

  it("delta and desired in the body override the configured action for that delivery", async () => {
    const f = await hookFixture("gen-over", { action: { type: "change", value: 1 } });
    expect((await deliverSigned(f.id, f.secret, { delta: 3 })).status).toBe(202);
    expect(await desired(f)).toBe(5);
    expect((await deliverSigned(f.id, f.secret, { desired: 1 })).status).toBe(202);
    expect(await desired(f)).toBe(1);
    const t = await triggers(f);
    expect(t.map((x) => JSON.parse(x.request!).source)).toEqual(["payload", "payload"]);
    expect(t.map((x) => JSON.parse(x.request!).action)).toEqual([{ type: "change", value: 3 }, { type: "exact", value: 1 }]);
  });

  it("Idempotency-Key and X-Delivery-Id: the same delivery acts once; repeats answer 200 with the first outcome", async () => {
    const f = await hookFixture("gen-dedup");
    const first = await deliverSigned(f.id, f.secret, {}, { t: Math.floor(Date.now() / 1000) - 2, headers: { "Idempotency-Key": "evt-1" } });
    expect(first.status).toBe(202);
    // A sender's retry is signed anew (another t); the same bytes again would be a replayed signature.
    const again = await deliverSigned(f.id, f.secret, {}, { t: Math.floor(Date.now() / 1000) - 1, headers: { "Idempotency-Key": "evt-1" } });
    expect(again.status).toBe(200);
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    const viaBearer = await deliverBearer(f.id, f.secret, {}, { "X-Delivery-Id": "evt-1" });
    expect(viaBearer.status).toBe(200);
    expect(viaBearer.body.operation_id).toBe(first.body.operation_id);
    expect(await desired(f)).toBe(3);
    expect(await triggers(f)).toHaveLength(1);
    // Another id acts again.
    expect((await deliverBearer(f.id, f.secret, {}, { "X-Delivery-Id": "evt-2" })).status).toBe(202);
    expect(await desired(f)).toBe(4);
  });

  it("20 copies of one delivery at once act once", async () => {
    const f = await hookFixture("gen-race");
    const all = await Promise.all(Array.from({ length: 20 }, () => deliverBearer(f.id, f.secret, {}, { "X-Delivery-Id": "same" })));
    expect(all.filter((r) => r.status === 202)).toHaveLength(1);
    for (const r of all) expect([200, 202, 409]).toContain(r.status);
    expect(await desired(f)).toBe(3);
    expect(await triggers(f)).toHaveLength(1);
  });

  it("min_interval_seconds: a delivery inside the interval is accepted (202), recorded as suppressed, and does not act", async () => {
    const f = await hookFixture("gen-interval", { min_interval_seconds: 600 });
    expect((await deliverBearer(f.id, f.secret, {})).status).toBe(202);
    const second = await deliverBearer(f.id, f.secret, {});
    expect(second.status).toBe(202);
    expect(second.body.operation_id).toBeNull();
    expect(second.body.results[0]).toMatchObject({ outcome: "suppressed", operation_id: null });
    expect(second.body.results[0].reason).toMatch(/min_interval_seconds 600: next action allowed at /);
    expect(await desired(f)).toBe(3);
    expect(await triggers(f)).toHaveLength(1);
    const hookRows = await rows(f.tenant, "hook", f.id);
    expect(hookRows.filter((r) => r.type === "hook.delivery")).toHaveLength(2);
    expect(JSON.parse(hookRows.at(-1)!.result!).results[0].outcome).toBe("suppressed");
  });

  it("a delivery for a group deleted since is a 409 that records the failure and changes nothing", async () => {
    const f = await hookFixture("gen-gone");
    expect((await f.api.del(`/cloudpools/${f.pool}`)).status).toBe(200);
    const r = await deliverBearer(f.id, f.secret, {}, { "X-Delivery-Id": "d1" });
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ error: "CONFLICT" });
    expect(r.body.message).toContain(`group '${f.pool}'`);
    expect(await triggers(f)).toHaveLength(0);
    const last = (await rows(f.tenant, "hook", f.id)).at(-1)!;
    expect(last).toMatchObject({ type: "hook.delivery", status: "failed" });
  });
});
