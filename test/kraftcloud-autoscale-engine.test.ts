// The decision engine through the routes: the AWS step-scaling conformance numbers through the
// what-if route (nothing changed), and metric pushes that scale out — clones of the master, the
// decision recorded in the ledger (inputs, matched step per policy, rounding, clamp, result),
// warmup blocking a second scale-out until its timer re-evaluates, instances in warmup excluded.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { freezeClock, passTime, releaseClock } from "./clock";
import { BOOT_MS, IN, OUT, configure, expectItemError, expectItems, expectNoChange, ledger, members, service, type Svc } from "./kraftcloud-autoscale-support";

beforeEach(() => void freezeClock());
afterEach(() => releaseClock());

const pct = (name: string, lower: number | null, upper: number | null, adjustment: number, type = "percent") => ({
  name,
  type: "step",
  adjustment_type: type,
  steps: [{ ...(lower === null ? {} : { lower_bound: lower }), ...(upper === null ? {} : { upper_bound: upper }), adjustment }],
});

async function evaluate(s: Svc, body: object) {
  const r = await expectNoChange(s, () => s.api.post(`${s.base}/evaluate`, body));
  return expectItems(r, "service_groups")[0];
}

describe("POST /v1/services/{uuid}/autoscale/evaluate (what-if)", () => {
  it.each([
    ["+10% of 10 → +1", [pct("up", 0, null, 10)], 10, 1],
    ["+30% of 11 → +3", [pct("up", 0, null, 30)], 11, 3],
    ["-10% of 14 → -1", [pct("down", 0, null, -10)], 14, -1],
    ["-30% of 13 → -3", [pct("down", 0, null, -30)], 13, -3],
    ["-3 and -25% on 8 → -2 (the larger capacity wins)", [pct("minus3", 0, null, -3, "change"), pct("quarter", 0, null, -25)], 8, -2],
  ])("%s", async (_case, policies, instances, change) => {
    const s = await service("aws");
    await configure(s, { max_size: 100, policies });
    const item = await evaluate(s, { cpu: 500, instances });
    expect(item).toMatchObject({ status: "success", uuid: s.uuid, name: s.name, capacity: instances });
    expect(item.decision).toMatchObject({ change, desired: instances + change, direction: change > 0 ? "out" : "in", clamp: null, would_apply: true, blocked_by: null });
    expect(item.decision.explanation).toContain(`desired ${instances + change}`);
  });

  it("explains rounding, clamps to max_size, defaults instances to the current capacity; no change when nothing matches", async () => {
    const s = await service("wi", 2);
    await configure(s, { max_size: 5, policies: [pct("up", 800, null, 30), IN(100)] });
    const item = await evaluate(s, { cpu: 900, instances: 11 });
    expect(item.decision).toMatchObject({ winner: "up", unclamped_desired: 14, clamp: { from: 14, to: 5, bound: "max_size" }, desired: 5 });
    expect(item.decision.policies[0].match).toMatchObject({ step: 0, raw_adjustment: 3.3, rounded_adjustment: 3, resulting_capacity: 14 });
    expect(item.decision.policies[1]).toEqual({ name: "in", adjustment_type: "change", match: null });
    expect(item.decision.explanation).toMatch(/\+3\.3 rounded to \+3.*clamped from 14 to max_size 5/);
    const current = await evaluate(s, { cpu: 500 });
    expect(current).toMatchObject({ capacity: 2, decision: { direction: "none", change: 0, winner: null, would_apply: false } });
    expect(current.decision.explanation).toContain("No policy matched");
  });

  it("a group without autoscale is 27", async () => {
    const s = await service("wi0");
    expectItemError(await expectNoChange(s, () => s.api.post(`${s.base}/evaluate`, { cpu: 1 })), "service_groups", 200, 27);
  });
});

describe("POST /v1/services/{uuid}/autoscale/metrics: scale-out and warmup", () => {
  async function running(prefix: string, extra: Record<string, unknown>) {
    const s = await service(prefix);
    await passTime(s.stub, BOOT_MS);
    await configure(s, extra);
    return s;
  }

  it("a sample over the threshold launches clones of the master and records the decision in the ledger", async () => {
    const s = await running("out", { max_size: 4, warmup_time_ms: 5000, policies: [OUT(800, 2), IN(200)] });
    const [item] = expectItems(await s.api.post(`${s.base}/metrics`, { cpu: 900 }), "service_groups");
    expect(item).toMatchObject({ status: "success", uuid: s.uuid, name: s.name, cpu: 900, excluded: [], woke: false });
    expect(item.decision).toMatchObject({ direction: "out", change: 2, desired: 3, applied: true, blocked_by: null, winner: "out" });
    const ms = await members(s);
    const clones = ms.filter((m) => m.origin === "autoscale");
    expect(clones.length).toBe(2);
    for (const m of clones) {
      expect(m.spec).toEqual(s.instances[0].spec);
      expect(m.name.startsWith(`${s.instances[0].name}-`)).toBe(true);
    }
    const rows = await ledger(s);
    const decision = rows.find((r) => r.type === "autoscale.decision")!;
    expect(decision.dialect).toBe("system"); // the group decides; the sample only triggers it
    expect(decision.request).toMatchObject({ cpu: 900, trigger: expect.stringContaining("metric sample") });
    expect(decision.result).toMatchObject({
      inputs: { metric: 900, capacity: 1, min_size: 1, max_size: 4 },
      policies: [
        { name: "out", adjustment_type: "change", match: { step: 0, lower_bound: 800, upper_bound: null, adjustment: 2, raw_adjustment: 2, rounded_adjustment: 2, resulting_capacity: 3 } },
        { name: "in", match: null },
      ],
      winner: "out",
      clamp: null,
      desired: 3,
      change: 2,
      blockedBy: null,
      explanation: expect.stringContaining("scale out by 2"),
    });
    expect(rows.find((r) => r.type === "machine.launched")?.result).toMatchObject({ count: 2 });
  });

  it("warmup blocks a second scale-out until it ends; the warmup-end timer re-evaluates (and clamps to max_size)", async () => {
    const s = await running("warm", { max_size: 4, warmup_time_ms: 5000, policies: [OUT(800, 2)] });
    expectItems(await s.api.post(`${s.base}/metrics`, { cpu: 900 }), "service_groups");
    const [blocked] = expectItems(await s.api.post(`${s.base}/metrics`, { cpu: 950 }), "service_groups");
    expect(blocked.decision).toMatchObject({ direction: "out", applied: false, blocked_by: "warmup", desired: 4 });
    expect(blocked.decision.explanation).toContain("Not applied: the warmup");
    expect((await members(s)).length).toBe(3);
    await passTime(s.stub, 4999);
    expect((await members(s)).length).toBe(3);
    await passTime(s.stub, 1);
    expect((await members(s)).length).toBe(4);
    const last = (await ledger(s)).filter((r) => r.type === "autoscale.decision").at(-1)!;
    expect(last.dialect).toBe("system");
    expect(last.request).toEqual({ trigger: "warmup ended", cpu: 950 });
    expect(last.result).toMatchObject({ inputs: { capacity: 3 }, unclamped_desired: 5, clamp: { from: 5, to: 4, bound: "max_size" }, desired: 4, blockedBy: null });
  });

  it("per-instance samples: instances in warmup are excluded, counted once it ends; an unknown instance is 8", async () => {
    const s = await running("excl", { max_size: 4, warmup_time_ms: 10_000, policies: [OUT(800, 1), IN(100)] });
    const master = s.instances[0];
    expectItems(await s.api.post(`${s.base}/metrics`, { cpu: 900 }), "service_groups");
    await passTime(s.stub, BOOT_MS); // the clone runs, but its warmup has 8.8 s to go
    const clone = (await members(s)).find((m) => m.origin === "autoscale")!;
    expect(clone.machineState).toBe("RUNNING");
    const sample = { instances: [{ uuid: master.uuid, cpu: 600 }, { uuid: clone.uuid, cpu: 0 }] };
    const [during] = expectItems(await s.api.post(`${s.base}/metrics`, sample), "service_groups");
    expect(during).toMatchObject({ cpu: 600, excluded: [clone.uuid] });
    await passTime(s.stub, 10_000);
    const [after] = expectItems(await s.api.post(`${s.base}/metrics`, sample), "service_groups");
    expect(after).toMatchObject({ cpu: 300, excluded: [] });
    const r = await expectNoChange(s, () => s.api.post(`${s.base}/metrics`, { instances: [{ uuid: crypto.randomUUID(), cpu: 5 }] }));
    expectItemError(r, "service_groups", 200, 8);
  });

  it("no policies, or every sampled instance in warmup: no decision; a group without autoscale is 27", async () => {
    const s = await running("nodec", { warmup_time_ms: 10_000 });
    const [item] = expectItems(await s.api.post(`${s.base}/metrics`, { cpu: 999 }), "service_groups");
    expect(item).toMatchObject({ cpu: 999, decision: null });
    expectItems(await s.api.post(`${s.base}/policies`, OUT(800, 1)), "policies");
    expectItems(await s.api.post(`${s.base}/metrics`, { cpu: 999 }), "service_groups");
    const clone = (await members(s)).find((m) => m.origin === "autoscale")!;
    const [warming] = expectItems(await s.api.post(`${s.base}/metrics`, { instances: [{ uuid: clone.uuid, cpu: 999 }] }), "service_groups");
    expect(warming).toMatchObject({ cpu: null, excluded: [clone.uuid], decision: null });
    const t = await service("nocfg");
    expectItemError(await expectNoChange(t, () => t.api.post(`${t.base}/metrics`, { cpu: 1 })), "service_groups", 200, 27);
  });
});
