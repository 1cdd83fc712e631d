// The decision engine: AWS step-scaling conformance numbers, rounding, bounds, winner, clamp.
import { describe, expect, it } from "vitest";
import { evaluate, roundPercentChange, type StepPolicy, type StepPolicyStep } from "../src/domain/autoscale";
import type { Json } from "../src/domain/model";

const policy = (name: string, adjustment_type: StepPolicy["adjustment_type"], steps: StepPolicyStep[]): StepPolicy => ({
  name,
  type: "step",
  metric: "cpu",
  adjustment_type,
  steps,
});
const step = (lower_bound: number | null, upper_bound: number | null, adjustment: number): StepPolicyStep => ({
  lower_bound,
  upper_bound,
  adjustment,
});
const input = (metric: number, capacity: number, min_size = 0, max_size = 100) => ({ metric, capacity, min_size, max_size });

// One scale-out and one scale-in percent policy, like the AWS documentation example.
const out = policy("out", "percent", [step(600, 800, 10), step(800, null, 30)]);
const inn = policy("in", "percent", [step(null, 200, -30), step(200, 400, -10)]);

describe("AWS conformance numbers through evaluate", () => {
  it("+10 % of 10 → +1 (11)", () => {
    const d = evaluate([out, inn], input(700, 10));
    expect(d.policies[0].match).toMatchObject({ step: 0, raw_adjustment: 1, rounded_adjustment: 1, resulting_capacity: 11 });
    expect(d).toMatchObject({ winner: "out", desired: 11, change: 1, direction: "out", clamp: null });
  });
  it("+30 % of 11 → +3 (14; 3.3 rounds down)", () => {
    const d = evaluate([out, inn], input(900, 11));
    expect(d.policies[0].match).toMatchObject({ step: 1, raw_adjustment: 3.3, rounded_adjustment: 3, resulting_capacity: 14 });
    expect(d.desired).toBe(14);
  });
  it("-10 % of 14 → -1 (13; -1.4 toward zero)", () => {
    const d = evaluate([out, inn], input(300, 14));
    expect(d.policies[1].match).toMatchObject({ step: 1, raw_adjustment: -1.4, rounded_adjustment: -1, resulting_capacity: 13 });
    expect(d).toMatchObject({ winner: "in", desired: 13, change: -1, direction: "in" });
  });
  it("-30 % of 13 → -3 (10; -3.9 toward zero)", () => {
    const d = evaluate([out, inn], input(100, 13));
    expect(d.policies[1].match).toMatchObject({ step: 0, raw_adjustment: -3.9, rounded_adjustment: -3, resulting_capacity: 10 });
    expect(d.desired).toBe(10);
  });
  it("two matching policies -3 and -25 % on 8 → the -25 % one (6 beats 5) → -2", () => {
    const a = policy("minus-three", "change", [step(null, 300, -3)]);
    const b = policy("minus-quarter", "percent", [step(null, 300, -25)]);
    const d = evaluate([a, b], input(100, 8));
    expect(d.policies.map((p) => p.match?.resulting_capacity)).toEqual([5, 6]);
    expect(d).toMatchObject({ winner: "minus-quarter", unclamped_desired: 6, desired: 6, change: -2, direction: "in" });
  });
  it("the KraftCloud docs example: 600 millicores, 4 instances, +50 % → +2", () => {
    const kc = policy("scale-out-policy", "percent", [step(500, 700, 50), step(700, null, 100)]);
    expect(evaluate([kc], input(600, 4)).desired).toBe(6);
    expect(evaluate([kc], input(750, 4)).desired).toBe(8);
  });
});

describe("percent rounding", () => {
  it("+0.5 → +1 and -0.5 → -1", () => {
    const up = evaluate([policy("p", "percent", [step(0, null, 50)])], input(10, 1));
    expect(up.policies[0].match).toMatchObject({ raw_adjustment: 0.5, rounded_adjustment: 1, resulting_capacity: 2 });
    const down = evaluate([policy("p", "percent", [step(0, null, -50)])], input(10, 1, 0));
    expect(down.policies[0].match).toMatchObject({ raw_adjustment: -0.5, rounded_adjustment: -1, resulting_capacity: 0 });
    expect(down.desired).toBe(0);
  });
  it("roundPercentChange on its own", () => {
    expect([2.7, 1, 0.01, 0, -0.01, -1, -2.7, 5].map(roundPercentChange)).toEqual([2, 1, 1, 0, -1, -1, -2, 5]);
  });
  it("0 % of anything and any % of 0 instances is no change (and never -0)", () => {
    const d = evaluate([policy("p", "percent", [step(0, null, -50)])], input(10, 0));
    expect(Object.is(d.policies[0].match!.raw_adjustment, 0)).toBe(true);
    expect(d).toMatchObject({ desired: 0, change: 0, direction: "none" });
  });
});

describe("adjustment types", () => {
  it("change adds to the capacity", () => {
    const d = evaluate([policy("c", "change", [step(500, null, 2)])], input(900, 3));
    expect(d.policies[0].match).toMatchObject({ adjustment: 2, raw_adjustment: 2, rounded_adjustment: 2, resulting_capacity: 5 });
  });
  it("exact sets the capacity: scale out, scale in, and already there", () => {
    const p = policy("e", "exact", [step(null, 100, 1), step(100, 500, 3), step(500, null, 6)]);
    expect(evaluate([p], input(900, 2)).policies[0].match).toMatchObject({ adjustment: 6, raw_adjustment: 4, resulting_capacity: 6 });
    expect(evaluate([p], input(50, 4))).toMatchObject({ desired: 1, change: -3, direction: "in" });
    expect(evaluate([p], input(200, 3))).toMatchObject({ winner: "e", desired: 3, change: 0, direction: "none" });
  });
  it("exact competes with the others by resulting capacity", () => {
    const e = policy("e", "exact", [step(null, 1000, 4)]);
    const c = policy("c", "change", [step(null, 1000, 1)]);
    expect(evaluate([e, c], input(10, 5))).toMatchObject({ winner: "c", desired: 6 });
    expect(evaluate([e, c], input(10, 2))).toMatchObject({ winner: "e", desired: 4 });
  });
});

describe("bounds: lower inclusive, upper exclusive", () => {
  const p = policy("b", "change", [step(null, 100, -1), step(100, 200, 1), step(200, null, 2)]);
  const matched = (metric: number) => evaluate([p], input(metric, 5)).policies[0].match?.step;
  it("a metric exactly on a boundary goes to the upper step", () => {
    expect(matched(100)).toBe(1);
    expect(matched(200)).toBe(2);
  });
  it("just below a boundary stays in the lower step; unbounded ends catch everything", () => {
    expect(matched(99.9)).toBe(0);
    expect(matched(199)).toBe(1);
    expect(matched(-1e9)).toBe(0);
    expect(matched(1e9)).toBe(2);
  });
  it("reports the bounds of the matched step", () => {
    expect(evaluate([p], input(150, 5)).policies[0].match).toMatchObject({ lower_bound: 100, upper_bound: 200 });
    expect(evaluate([p], input(250, 5)).policies[0].match).toMatchObject({ lower_bound: 200, upper_bound: null });
  });
});

describe("clamp to [min_size, max_size]", () => {
  it("clamps down to max_size", () => {
    const d = evaluate([policy("c", "change", [step(0, null, 10)])], input(500, 5, 1, 8));
    expect(d).toMatchObject({ unclamped_desired: 15, clamp: { from: 15, to: 8, bound: "max_size" }, desired: 8, change: 3 });
  });
  it("clamps up to min_size", () => {
    const d = evaluate([policy("c", "change", [step(0, null, -10)])], input(500, 5, 2, 8));
    expect(d).toMatchObject({ unclamped_desired: -5, clamp: { from: -5, to: 2, bound: "min_size" }, desired: 2, change: -3 });
  });
  it("a scale-out already at max_size is no change", () => {
    const d = evaluate([policy("c", "change", [step(0, null, 1)])], input(500, 4, 1, 4));
    expect(d).toMatchObject({ clamp: { from: 5, to: 4 }, desired: 4, change: 0, direction: "none" });
  });
  it("no clamp when inside the range", () => {
    expect(evaluate([policy("c", "change", [step(0, null, 1)])], input(500, 4, 1, 5)).clamp).toBeNull();
  });
});

describe("no match", () => {
  it("no policy matched → no change, not even a clamp", () => {
    const d = evaluate([out, inn], input(500, 120, 1, 10));
    expect(d.policies.map((p) => p.match)).toEqual([null, null]);
    expect(d).toMatchObject({ winner: null, unclamped_desired: 120, clamp: null, desired: 120, change: 0, direction: "none" });
  });
  it("no policies at all → no change", () => {
    expect(evaluate([], input(500, 3))).toMatchObject({ winner: null, desired: 3, direction: "none", policies: [] });
  });
});

describe("winner selection", () => {
  it("largest resulting capacity wins for scale-out too; ties go to the earlier policy", () => {
    const a = policy("a", "change", [step(0, null, 1)]);
    const b = policy("b", "percent", [step(0, null, 50)]);
    const c = policy("c", "change", [step(0, null, 5)]);
    expect(evaluate([a, b], input(10, 10)).winner).toBe("b");
    expect(evaluate([c, b], input(10, 10)).winner).toBe("c");
    expect(evaluate([b, c], input(10, 10)).winner).toBe("b");
  });
  it("a matching scale-out beats a matching scale-in", () => {
    const up = policy("up", "change", [step(0, null, 1)]);
    const down = policy("down", "change", [step(0, null, -1)]);
    expect(evaluate([down, up], input(10, 4))).toMatchObject({ winner: "up", desired: 5 });
  });
  it("the decision is plain JSON (ledger-ready) and does not alias the input", () => {
    const i = input(700, 10);
    const d = evaluate([out, inn], i);
    const asJson: Json = d;
    expect(JSON.parse(JSON.stringify(asJson))).toEqual(d);
    i.capacity = 99;
    expect(d.inputs.capacity).toBe(10);
  });
});

describe("policies on inflight_reqs and reqs_per_sec (per member, evaluated like cpu)", () => {
  const rps = { ...policy("rps", "percent", [step(null, 10, -50), step(50, null, 50)]), metric: "reqs_per_sec" as const };
  const inflight = { ...policy("inflight", "change", [step(8, null, 2)]), metric: "inflight_reqs" as const };
  it("each policy matches on its own metric; the same rounding and winner rule", () => {
    const d = evaluate([out, rps, inflight], { metric: 100, capacity: 3, min_size: 1, max_size: 10, metrics: { reqs_per_sec: 60, inflight_reqs: 9 } });
    expect(d.policies[0]).toEqual({ name: "out", adjustment_type: "percent", match: null });
    expect(d.policies[1]).toMatchObject({ name: "rps", metric: "reqs_per_sec", value: 60, match: { step: 1, raw_adjustment: 1.5, rounded_adjustment: 1, resulting_capacity: 4 } });
    expect(d.policies[2]).toMatchObject({ name: "inflight", metric: "inflight_reqs", value: 9, match: { step: 0, resulting_capacity: 5 } });
    expect(d).toMatchObject({ winner: "inflight", desired: 5, direction: "out" });
  });
  it("a metric missing from the sample matches no step (value null); cpu may be missing too", () => {
    const d = evaluate([out, rps], { metric: null, capacity: 4, min_size: 1, max_size: 10, metrics: { inflight_reqs: 3 } });
    expect(d.policies).toEqual([
      { name: "out", adjustment_type: "percent", match: null },
      { name: "rps", adjustment_type: "percent", metric: "reqs_per_sec", value: null, match: null },
    ]);
    expect(d).toMatchObject({ winner: null, desired: 4, direction: "none" });
  });
  it("scale-in on reqs_per_sec with AWS rounding and the min clamp", () => {
    const d = evaluate([rps], { metric: null, capacity: 3, min_size: 2, max_size: 10, metrics: { reqs_per_sec: 0 } });
    expect(d.policies[0].match).toMatchObject({ raw_adjustment: -1.5, rounded_adjustment: -1, resulting_capacity: 2 });
    expect(d).toMatchObject({ desired: 2, change: -1, direction: "in", clamp: null });
  });
  it("a cpu-only input keeps the seed's shape exactly (no metric/value fields, no metrics input)", () => {
    const d = evaluate([out], input(700, 10));
    expect(Object.keys(d.policies[0]).sort()).toEqual(["adjustment_type", "match", "name"]);
    expect(Object.keys(d.inputs).sort()).toEqual(["capacity", "max_size", "metric", "min_size"]);
  });
});
