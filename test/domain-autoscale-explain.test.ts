// The one-sentence rendering of a Decision, for the ledger and the what-if route.
import { describe, expect, it } from "vitest";
import { evaluate, explainDecision, type StepPolicy } from "../src/domain/autoscale";

const out: StepPolicy = {
  name: "out", type: "step", metric: "cpu", adjustment_type: "percent",
  steps: [{ lower_bound: 600, upper_bound: 800, adjustment: 10 }, { lower_bound: 800, upper_bound: null, adjustment: 30 }],
};
const down: StepPolicy = {
  name: "down", type: "step", metric: "cpu", adjustment_type: "change",
  steps: [{ lower_bound: null, upper_bound: 200, adjustment: -3 }],
};
const exact: StepPolicy = {
  name: "floor", type: "step", metric: "cpu", adjustment_type: "exact",
  steps: [{ lower_bound: null, upper_bound: 100, adjustment: 2 }],
};

describe("explainDecision", () => {
  it("scale-out with percent rounding", () => {
    const s = explainDecision(evaluate([out, down], { metric: 900, capacity: 11, min_size: 1, max_size: 20 }));
    expect(s).toBe(
      'cpu 900 millicores on 11 instances (min 1, max 20): "out" step 1 [800, inf) +30% of 11 = +3.3 rounded to +3 → 14; ' +
        '"down" matched no step. "out" wins: desired 14, scale out by 3.',
    );
  });
  it("scale-in with a clamp, change and exact", () => {
    const s = explainDecision(evaluate([down, exact], { metric: 50, capacity: 4, min_size: 3, max_size: 8 }));
    expect(s).toBe(
      'cpu 50 millicores on 4 instances (min 3, max 8): "down" step 0 (-inf, 200) change -3 → 1; ' +
        '"floor" step 0 (-inf, 100) exact 2 → 2. "floor" wins, clamped from 2 to min_size 3: desired 3, scale in by 1.',
    );
  });
  it("no match and no policies", () => {
    expect(explainDecision(evaluate([out], { metric: 300, capacity: 1, min_size: 1, max_size: 4 }))).toBe(
      'cpu 300 millicores on 1 instance (min 1, max 4): "out" matched no step. No policy matched: no change, desired stays 1.',
    );
    expect(explainDecision(evaluate([], { metric: 300, capacity: 2, min_size: 1, max_size: 4 }))).toContain("no policies. No policy matched");
  });
  it("a matched policy that changes nothing", () => {
    const s = explainDecision(evaluate([out], { metric: 700, capacity: 4, min_size: 1, max_size: 4 }));
    expect(s).toContain('"out" wins, clamped from 5 to max_size 4: desired 4, no change.');
  });
  it("policies on other metrics name the metric; a cpu-less sample reads per member", () => {
    const rps: StepPolicy = { name: "rps", type: "step", metric: "reqs_per_sec", adjustment_type: "change", steps: [{ lower_bound: 50, upper_bound: null, adjustment: 2 }] };
    const fly: StepPolicy = { name: "fly", type: "step", metric: "inflight_reqs", adjustment_type: "change", steps: [{ lower_bound: 10, upper_bound: null, adjustment: 1 }] };
    expect(explainDecision(evaluate([out, rps, fly], { metric: null, capacity: 2, min_size: 1, max_size: 8, metrics: { reqs_per_sec: 75 } }))).toBe(
      'reqs_per_sec 75 per member on 2 instances (min 1, max 8): "out" has no cpu sample; "rps" step 0 reqs_per_sec [50, inf) change +2 → 4; ' +
        '"fly" has no inflight_reqs sample. "rps" wins: desired 4, scale out by 2.',
    );
    expect(explainDecision(evaluate([rps, fly], { metric: 300, capacity: 2, min_size: 1, max_size: 8, metrics: { reqs_per_sec: 5, inflight_reqs: 1 } }))).toBe(
      'cpu 300 millicores, inflight_reqs 1, reqs_per_sec 5 per member on 2 instances (min 1, max 8): "rps" matched no step (reqs_per_sec); ' +
        '"fly" matched no step (inflight_reqs). No policy matched: no change, desired stays 2.',
    );
  });
});
