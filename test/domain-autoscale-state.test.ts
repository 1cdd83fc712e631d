// The warmup/cooldown gates around the step-policy engine (src/domain/autoscale/state.ts).
import { describe, expect, it } from "vitest";
import { afterApplied, decide, scaleToZeroEnabled, type AutoscaleState } from "../src/domain/autoscale/state";
import type { StepPolicy } from "../src/domain/autoscale";

const NOW = Date.UTC(2026, 3, 20, 12);

const out: StepPolicy = { name: "out", type: "step", metric: "cpu", adjustment_type: "change", steps: [{ lower_bound: 800, upper_bound: null, adjustment: 2 }] };
const inn: StepPolicy = { name: "in", type: "step", metric: "cpu", adjustment_type: "change", steps: [{ lower_bound: null, upper_bound: 200, adjustment: -1 }] };

function state(over: Partial<AutoscaleState> = {}): AutoscaleState {
  return {
    min_size: 1, max_size: 10, warmup_time_ms: 5000, cooldown_time_ms: 7000, master: "m", policies: [out, inn],
    createdAt: NOW - 60_000, warmupUntil: null, cooldownUntil: null, lastSample: null, lastTrafficAt: null, heldRequests: 0, ...over,
  };
}

describe("decide", () => {
  it("applies a scale-out and starts a warmup; a scale-in starts a cooldown", () => {
    const a = state();
    const o = decide(a, { cpu: 900, capacity: 3 }, NOW);
    expect(o).toMatchObject({ apply: 5, blockedBy: null });
    expect(afterApplied(a, o, NOW)).toMatchObject({ warmupUntil: NOW + 5000, cooldownUntil: null });
    const i = decide(a, { cpu: 100, capacity: 3 }, NOW);
    expect(i).toMatchObject({ apply: 2, blockedBy: null });
    expect(afterApplied(a, i, NOW)).toMatchObject({ warmupUntil: null, cooldownUntil: NOW + 7000 });
  });

  it("no scale-out while a scale-out's warmup runs; scale-in still allowed", () => {
    const a = state({ warmupUntil: NOW + 1 });
    const o = decide(a, { cpu: 900, capacity: 3 }, NOW);
    expect(o).toMatchObject({ apply: null, blockedBy: "warmup" });
    expect(o.explanation).toContain("Not applied: the warmup");
    expect(decide(a, { cpu: 100, capacity: 3 }, NOW)).toMatchObject({ apply: 2, blockedBy: null });
    // The gate ends exactly at warmupUntil.
    expect(decide(a, { cpu: 900, capacity: 3 }, NOW + 1)).toMatchObject({ apply: 5, blockedBy: null });
  });

  it("no scale-in while a scale-in's cooldown runs; scale-out still allowed", () => {
    const a = state({ cooldownUntil: NOW + 1000 });
    expect(decide(a, { cpu: 100, capacity: 3 }, NOW)).toMatchObject({ apply: null, blockedBy: "cooldown" });
    expect(decide(a, { cpu: 900, capacity: 3 }, NOW)).toMatchObject({ apply: 5, blockedBy: null });
  });

  it("a decision that changes nothing is neither applied nor blocked, and leaves the phases alone", () => {
    const a = state({ cooldownUntil: NOW + 1000 });
    const o = decide(a, { cpu: 500, capacity: 3 }, NOW);
    expect(o).toMatchObject({ apply: null, blockedBy: null });
    expect(afterApplied(a, o, NOW)).toBe(a);
  });

  it("clamps to max_size (the decision says so)", () => {
    const o = decide(state({ max_size: 4 }), { cpu: 900, capacity: 3 }, NOW);
    expect(o.apply).toBe(4);
    expect(o.decision.clamp).toEqual({ from: 5, to: 4, bound: "max_size" });
  });
});

it("scale-to-zero is on exactly when min_size is 0", () => {
  expect(scaleToZeroEnabled(null)).toBe(false);
  expect(scaleToZeroEnabled(state())).toBe(false);
  expect(scaleToZeroEnabled(state({ min_size: 0 }))).toBe(true);
});
