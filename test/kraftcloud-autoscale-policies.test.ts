// Step policies over /v1/services/{uuid}/autoscale/policies[/{name}]: one policy or an array,
// every validation rule as a per-item error naming it (nothing changed), 23/27/8, GET/DELETE by
// name and in bulk, and concurrent policy writes staying within the limits.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { freezeClock, releaseClock } from "./clock";
import { IN, OUT, configure, expectItemError, expectItems, expectNoChange, send, service } from "./kraftcloud-autoscale-support";

beforeEach(() => void freezeClock());
afterEach(() => releaseClock());

const step = (lower_bound: number | null, upper_bound: number | null, adjustment: number) => ({ lower_bound, upper_bound, adjustment });
const policy = (over: Record<string, unknown> = {}) => ({ name: "p", type: "step", steps: [step(500, null, 1)], ...over });

describe("policies", () => {
  it("POST one policy (object) → single answer; GET lists it with defaults; GET by name answers autoscale_policy", async () => {
    const s = await service("pol");
    await configure(s);
    const r = await s.api.post(`${s.base}/policies`, policy({ name: "up", steps: [step(null, 300, 0), step(300, 900, 1), step(900, null, 3)] }));
    expect(expectItems(r, "policies")).toEqual([{ status: "success", uuid: expect.stringMatching(/^[0-9a-f-]{36}$/), name: "up" }]);
    const steps = [{ upper_bound: 300, adjustment: 0 }, { lower_bound: 300, upper_bound: 900, adjustment: 1 }, { lower_bound: 900, adjustment: 3 }];
    // Both generations: the flat fields, and `policy` (the SDK's AutoscalePolicy).
    const want = { status: "success", name: "up", type: "step", metric: "cpu", adjustment_type: "change", steps, policy: { name: "up", enabled: true, metric: "cpu", adjustment_type: "change", steps } };
    expect(expectItems(await s.api.get(`${s.base}/policies`), "policies")).toEqual([want]);
    expect(expectItems(await s.api.get(`${s.base}/policies/up`), "policies")).toEqual([want]);
    expectItemError(await s.api.get(`${s.base}/policies/nope`), "policies", 200, 8, "nope");
    // It is part of the configuration too.
    const { status: _s, policy: _p, ...bare } = want;
    expect(expectItems(await s.api.get(s.base), "service_groups")[0].policies).toEqual([{ ...bare, enabled: true }]);
  });

  it("policies on inflight_reqs and reqs_per_sec are accepted and answered with their metric", async () => {
    const s = await service("pol-metrics");
    await configure(s);
    const r = await s.api.post(`${s.base}/policies`, [policy({ name: "rps", metric: "reqs_per_sec" }), policy({ name: "fly", metric: "inflight_reqs" })]);
    expect(expectItems(r, "policies").map((i) => i.status)).toEqual(["success", "success"]);
    const listed = expectItems(await s.api.get(`${s.base}/policies`), "policies");
    expect(listed.map((p) => [p.name, p.metric, (p.policy as { metric: string }).metric])).toEqual([["rps", "reqs_per_sec", "reqs_per_sec"], ["fly", "inflight_reqs", "inflight_reqs"]]);
  });

  it("POST an array: each item on its own → partial_success (200), 23 for a duplicate", async () => {
    const s = await service("pol");
    await configure(s, { policies: [OUT()] });
    const items = expectItems(
      await s.api.post(`${s.base}/policies`, [IN(), policy({ name: "bad", type: "target" }), OUT(), policy({ name: "pct", adjustment_type: "percent", steps: [step(null, 100, -50)] })]),
      "policies",
      200,
      "partial_success",
    );
    expect(items.map((i) => [i.status, i.name, i.error])).toEqual([["success", "in", undefined], ["error", "bad", 7], ["error", "out", 23], ["success", "pct", undefined]]);
    expect(items[1].message).toContain("type_invalid");
    expect(items[2].message).toContain("already_exists");
    expect(expectItems(await s.api.get(`${s.base}/policies`), "policies").map((p) => p.name)).toEqual(["out", "in", "pct"]);
    // Every item failing: top status error, still 200.
    expectItems(await s.api.post(`${s.base}/policies`, [OUT(), IN()]), "policies", 200, "error");
  });

  const eight = Array.from({ length: 8 }, (_, i) => policy({ name: `p${i}` }));
  it.each([
    ["name_required", policy({ name: undefined })],
    ["name_required", policy({ name: "" })],
    ["name_too_long", policy({ name: "x".repeat(32) })],
    ["name_invalid", policy({ name: "no spaces" })],
    ["type_invalid", policy({ type: "target" })],
    ["type_invalid", policy({ type: "" })],
    ["metric_invalid", policy({ metric: "memory" })],
    ["adjustment_type_invalid", policy({ adjustment_type: "double" })],
    ["steps_required", policy({ steps: [] })],
    ["steps_required", policy({ steps: undefined })],
    ["too_many_steps", policy({ steps: [step(null, 1, 0), step(1, 2, 0), step(2, 3, 0), step(3, 4, 0), step(4, null, 0)] })],
    ["bound_invalid", policy({ steps: [step(1.5, null, 1)] })],
    ["bound_invalid", policy({ steps: [step(2 ** 31, null, 1)] })],
    ["step_unbounded", policy({ steps: [step(null, null, 1)] })],
    ["step_unbounded", policy({ steps: [{ adjustment: 1 }] })],
    ["lower_not_below_upper", policy({ steps: [step(5, 5, 1)] })],
    ["lower_null_not_first", policy({ steps: [step(0, 10, 1), step(null, 20, 1)] })],
    ["upper_null_not_last", policy({ steps: [step(0, null, 1), step(10, 20, 1)] })],
    ["adjustment_invalid", policy({ steps: [step(0, null, 0.5)] })],
    ["adjustment_invalid", policy({ steps: [{ lower_bound: 0 }] })],
    ["exact_adjustment_negative", policy({ adjustment_type: "exact", steps: [step(0, null, -1)] })],
    ["steps_not_sorted", policy({ steps: [step(10, 20, 1), step(0, 10, 1)] })],
    ["steps_overlap", policy({ steps: [step(0, 20, 1), step(10, 30, 1)] })],
    ["steps_gap", policy({ steps: [step(0, 10, 1), step(20, 30, 1)] })],
  ])("%s is a per-item error 7 naming the rule, nothing changed", async (rule, p) => {
    const s = await service("rule");
    await configure(s);
    expectItemError(await expectNoChange(s, () => s.api.post(`${s.base}/policies`, p)), "policies", 200, 7, `${rule}:`);
  });

  it("too_many_policies: the ninth is refused (7), nothing changed", async () => {
    const s = await service("nine");
    await configure(s, { policies: eight });
    expectItemError(await expectNoChange(s, () => s.api.post(`${s.base}/policies`, policy({ name: "p8" }))), "policies", 200, 7, "too_many_policies:");
  });

  it("policy routes of a group without autoscale are 27", async () => {
    const s = await service("nocfg");
    await expectNoChange(s, async () => {
      expectItemError(await s.api.post(`${s.base}/policies`, OUT()), "policies", 200, 27);
      expect(expectItems(await s.api.post(`${s.base}/policies`, [OUT(), IN()]), "policies", 200, "error").map((i) => i.error)).toEqual([27, 27]);
      expectItemError(await s.api.get(`${s.base}/policies`), "policies", 200, 27);
      expectItemError(await s.api.get(`${s.base}/policies/out`), "policies", 200, 27);
      expectItemError(await s.api.del(`${s.base}/policies/out`), "policies", 200, 27);
      return s.api.del(`${s.base}/policies`);
    }).then((r) => expectItemError(r, "policies", 200, 27));
  });

  it("GET with a body answers the named ones (8 for an unknown name, 7 for a uuid)", async () => {
    const s = await service("pget");
    await configure(s, { policies: [OUT(), IN()] });
    const items = expectItems(await send(s.token, "GET", `${s.base}/policies`, [{ name: "in" }, { name: "nope" }, { uuid: s.uuid }]), "policies", 200, "partial_success");
    expect(items.map((i) => [i.status, i.name, i.error])).toEqual([["success", "in", undefined], ["error", "nope", 8], ["error", undefined, 7]]);
  });

  it("DELETE by name, by a body of names (partial_success), and without a body (all)", async () => {
    const s = await service("pdel");
    await configure(s, { policies: [OUT(), IN(), policy({ name: "a" }), policy({ name: "b" })] });
    expect(expectItems(await s.api.del(`${s.base}/policies/out`), "policies")).toEqual([{ status: "success", name: "out" }]);
    expectItemError(await expectNoChange(s, () => s.api.del(`${s.base}/policies/out`)), "policies", 200, 8, "out");
    const items = expectItems(await send(s.token, "DELETE", `${s.base}/policies`, [{ name: "in" }, { name: "out" }]), "policies", 200, "partial_success");
    expect(items.map((i) => [i.status, i.name, i.error])).toEqual([["success", "in", undefined], ["error", "out", 8]]);
    expect(expectItems(await s.api.del(`${s.base}/policies`), "policies")).toEqual([{ status: "success", name: "a" }, { status: "success", name: "b" }]);
    expect(expectItems(await s.api.get(`${s.base}/policies`), "policies")).toEqual([]);
    expect(expectItems(await s.api.del(`${s.base}/policies`), "policies")).toEqual([]);
  });
});

describe("Idempotency-Key", () => {
  it("the items of an array are keyed <key>#<index>: both run; the same request again replays; another body under the key is refused", async () => {
    const s = await service("idem");
    await configure(s);
    const key = { "Idempotency-Key": "k-1" };
    const first = expectItems(await s.api.post(`${s.base}/policies`, [OUT(), IN()], key), "policies");
    expect(first.map((i) => [i.status, i.name])).toEqual([["success", "out"], ["success", "in"]]);
    const again = await expectNoChange(s, () => s.api.post(`${s.base}/policies`, [OUT(), IN()], key));
    expect(expectItems(again, "policies")).toEqual(first);
    const other = await expectNoChange(s, () => s.api.post(`${s.base}/policies`, [policy({ name: "z" })], key));
    expect(expectItems(other, "policies", 200, "error")[0]).toMatchObject({ error: 7, message: expect.stringContaining("Idempotency-Key") });
  });
});

describe("concurrent policy writes on one group", () => {
  it("12 POSTs at once: exactly 8 accepted, every accepted one present, the others refused by the limit", async () => {
    const s = await service("race");
    await configure(s);
    const rs = await Promise.all(Array.from({ length: 12 }, (_, i) => s.api.post(`${s.base}/policies`, policy({ name: `r${i}` }))));
    for (const r of rs) expect(r.status, r.text).toBe(200);
    const accepted = rs.filter((r) => r.body.status === "success").map((r) => r.body.data.policies[0].name);
    const refused = rs.filter((r) => r.body.status === "error").map((r) => r.body.data.policies[0]);
    expect(accepted.length).toBe(8);
    for (const e of refused) expect(e).toMatchObject({ error: 7, message: expect.stringContaining("too_many_policies") });
    const listed = expectItems(await s.api.get(`${s.base}/policies`), "policies").map((p) => p.name);
    expect(listed.sort()).toEqual(accepted.sort());
  });

  it("adds and deletes racing: the survivors are exactly the accepted adds minus the accepted deletes", async () => {
    const s = await service("race2");
    await configure(s, { policies: [policy({ name: "d0" }), policy({ name: "d1" }), policy({ name: "d2" })] });
    const ops = [
      ...["a0", "a1", "a2", "a3"].map((n) => s.api.post(`${s.base}/policies`, policy({ name: n }))),
      ...["d0", "d1", "d2"].map((n) => s.api.del(`${s.base}/policies/${n}`)),
      s.api.post(`${s.base}/policies`, policy({ name: "d0" })),
    ];
    const rs = await Promise.all(ops);
    for (const r of rs) expect(r.status, r.text).toBeLessThan(500);
    const listed = expectItems(await s.api.get(`${s.base}/policies`), "policies").map((p) => p.name);
    expect(listed.length).toBeLessThanOrEqual(8);
    for (const n of ["a0", "a1", "a2", "a3"]) expect(listed).toContain(n);
    expect(listed).not.toContain("d1");
    expect(listed).not.toContain("d2");
    // d0 was deleted and re-added in some order: present iff the re-add came after the delete.
    // Item failures are HTTP 200 too (issue 8): whether each succeeded is the envelope's status.
    const succeeded = (r: (typeof rs)[number]) => r.status === 200 && r.body?.status === "success";
    expect(listed.includes("d0")).toBe(succeeded(rs[7]) && succeeded(rs[4]));
  });
});
