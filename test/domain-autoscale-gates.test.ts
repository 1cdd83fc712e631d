// Warmup exclusion and the warmup/cooldown gates around decisions (src/domain/autoscale/gates.ts).
import { describe, expect, it } from "vitest";
import type { StepPolicy } from "../src/domain/autoscale";
import { capacity, planDecision, planDrain, sampledMetric, warming } from "../src/domain/autoscale/gates";
import type { AutoscaleState } from "../src/domain/autoscale/state";
import { NOW, autoscaleState, frozen, machine, requested } from "./fixtures";

const out: StepPolicy = { name: "out", type: "step", metric: "cpu", adjustment_type: "change", steps: [{ lower_bound: 800, upper_bound: null, adjustment: 2 }] };
const inn: StepPolicy = { name: "in", type: "step", metric: "cpu", adjustment_type: "change", steps: [{ lower_bound: null, upper_bound: 200, adjustment: -1 }] };

const state = (over: Partial<AutoscaleState> = {}): AutoscaleState => autoscaleState({ policies: [out, inn], ...over });

const clone = (id: string, launchtime: number | null, over = {}) => machine(id, { origin: "autoscale", launchtime, ...over });

describe("warming (which instances count for the metric)", () => {
  const a = state();
  it("a clone autoscale made warms up for warmup_time_ms from its launch, ending exactly then", () => {
    expect(warming(a, clone("c", NOW - 4999), NOW)).toBe(true);
    expect(warming(a, clone("c", NOW - 5000), NOW)).toBe(false);
    expect(warming(a, clone("c", NOW - 5001), NOW)).toBe(false);
  });

  it("an instance that does not run yet never counts; the master and explicit instances count once they run", () => {
    expect(warming(a, clone("c", NOW - 60_000, { machineState: "PENDING" }), NOW)).toBe(true);
    expect(warming(a, requested("r", NOW), NOW)).toBe(true);
    expect(warming(a, machine("m", { origin: "instance", launchtime: NOW }), NOW)).toBe(false);
    expect(warming(a, machine("p", { launchtime: NOW }), NOW)).toBe(false);
  });

  it("a clone without a launch time counts as launched now", () => {
    expect(warming(a, clone("c", null), NOW)).toBe(true);
    expect(warming(state({ warmup_time_ms: 0 }), clone("c", null), NOW)).toBe(false);
  });
});

describe("sampledMetric", () => {
  const members = [machine("m", { uuid: "u-m" }), clone("old", NOW - 60_000, { uuid: "u-old" }), clone("new", NOW - 10, { uuid: "u-new" }), machine("gone", { uuid: "u-gone", member: false })];

  it("averages the counted instances and names the excluded ones in sample order", () => {
    const r = sampledMetric(state(), members, [{ uuid: "u-new", cpu: 1000 }, { uuid: "u-m", cpu: 300 }, { uuid: "u-old", cpu: 500 }], NOW);
    expect(r).toEqual({ ok: true, cpu: 400, excluded: ["u-new"] });
  });

  it("no counted instance: cpu null (no decision), still ok", () => {
    expect(sampledMetric(state(), members, [{ uuid: "u-new", cpu: 1000 }], NOW)).toEqual({ ok: true, cpu: null, excluded: ["u-new"] });
    expect(sampledMetric(state(), members, [], NOW)).toEqual({ ok: true, cpu: null, excluded: [] });
  });

  it("an instance that is not a member fails with its uuid (the first one)", () => {
    expect(sampledMetric(state(), members, [{ uuid: "u-m", cpu: 1 }, { uuid: "u-gone", cpu: 1 }, { uuid: "u-x", cpu: 1 }], NOW)).toEqual({ ok: false, missing: "u-gone" });
  });
});

describe("capacity", () => {
  it("counts effective members only", () => {
    expect(capacity([machine("a"), requested("b", NOW), machine("c", { machineState: "TERMINATED" }), machine("d", { serviceState: "OUT_OF_SERVICE" }), machine("e", { member: false })])).toBe(2);
    expect(capacity([])).toBe(0);
  });
});

describe("planDecision", () => {
  it("nothing to evaluate without a sample or without policies", () => {
    expect(planDecision(state(), 3, NOW)).toBeNull();
    expect(planDecision(state({ policies: [], lastSample: { cpu: 900, at: NOW } }), 3, NOW)).toBeNull();
  });

  it("nothing to decide while no member counts (asleep at zero, or all warming): the sample is stale", () => {
    expect(planDecision(state({ lastSample: { cpu: 900, at: NOW } }), 0, NOW)).toBeNull();
    expect(planDecision(state({ lastSample: { cpu: 100, at: NOW } }), 0, NOW)).toBeNull();
    expect(planDecision(state({ lastSample: { cpu: 900, at: NOW } }), 1, NOW)).not.toBeNull();
  });

  it("a scale-out is applied and starts a warmup, with its end timer", () => {
    const p = planDecision(state({ lastSample: { cpu: 900, at: NOW } }), 3, NOW)!;
    expect(p.record).toBe(true);
    expect(p.apply).toMatchObject({ desiredSize: 5, warmupEnd: NOW + 5000, cooldownEnd: null });
    expect(p.apply!.autoscale).toMatchObject({ warmupUntil: NOW + 5000, cooldownUntil: null });
  });

  it("a scale-in is applied and starts a cooldown, with its end timer", () => {
    const p = planDecision(state({ lastSample: { cpu: 100, at: NOW } }), 3, NOW)!;
    expect(p.apply).toMatchObject({ desiredSize: 2, warmupEnd: null, cooldownEnd: NOW + 7000 });
  });

  it("a scale-out during a warmup is blocked (recorded, not applied) until exactly the warmup end", () => {
    const a = state({ lastSample: { cpu: 900, at: NOW }, warmupUntil: NOW + 1000 });
    expect(planDecision(a, 3, NOW)).toMatchObject({ record: true, apply: null, outcome: { blockedBy: "warmup" } });
    expect(planDecision(a, 3, NOW + 999)).toMatchObject({ apply: null, outcome: { blockedBy: "warmup" } });
    expect(planDecision(a, 3, NOW + 1000)).toMatchObject({ apply: { desiredSize: 5, warmupEnd: NOW + 6000 }, outcome: { blockedBy: null } });
  });

  it("a scale-in during a cooldown is blocked until exactly the cooldown end; a scale-out is not", () => {
    const a = state({ lastSample: { cpu: 100, at: NOW }, cooldownUntil: NOW + 1000 });
    expect(planDecision(a, 3, NOW)).toMatchObject({ record: true, apply: null, outcome: { blockedBy: "cooldown" } });
    expect(planDecision(a, 3, NOW + 1000)).toMatchObject({ apply: { desiredSize: 2, cooldownEnd: NOW + 8000 } });
    expect(planDecision({ ...a, lastSample: { cpu: 900, at: NOW } }, 3, NOW)).toMatchObject({ apply: { desiredSize: 5 } });
  });

  it("a sample of other metrics (cpu null) drives policies on them through the same gates", () => {
    const rps: StepPolicy = { name: "rps", type: "step", metric: "reqs_per_sec", adjustment_type: "change", steps: [{ lower_bound: 50, upper_bound: null, adjustment: 1 }] };
    const a = state({ policies: [out, rps], lastSample: { cpu: null, at: NOW, metrics: { reqs_per_sec: 80 } }, warmupUntil: NOW + 500 });
    expect(planDecision(a, 3, NOW)).toMatchObject({ record: true, apply: null, outcome: { blockedBy: "warmup", decision: { winner: "rps", desired: 4 } } });
    const p = planDecision(a, 3, NOW + 500)!;
    expect(p.apply).toMatchObject({ desiredSize: 4, warmupEnd: NOW + 500 + a.warmup_time_ms });
    expect(p.outcome.decision.inputs).toEqual({ metric: null, metrics: { reqs_per_sec: 80 }, capacity: 3, min_size: a.min_size, max_size: a.max_size });
    expect(p.outcome.explanation).toMatch(/^reqs_per_sec 80 per member on 3 instances/);
  });

  it("no change (no step matches, or clamped to the current size) is neither applied nor recorded", () => {
    expect(planDecision(state({ lastSample: { cpu: 500, at: NOW } }), 3, NOW)).toMatchObject({ record: false, apply: null });
    expect(planDecision(state({ lastSample: { cpu: 900, at: NOW }, max_size: 3 }), 3, NOW)).toMatchObject({ record: false, apply: null });
  });

  it("a phase that does not change sets no timer (a zero warmup ends at once)", () => {
    const p = planDecision(state({ lastSample: { cpu: 900, at: NOW }, warmup_time_ms: 0 }), 3, NOW)!;
    expect(p.apply).toMatchObject({ desiredSize: 5, warmupEnd: NOW, cooldownEnd: null });
    // The same warmup end as before (a second scale-out at the same instant after it) sets no new timer.
    const again = planDecision(state({ lastSample: { cpu: 900, at: NOW }, warmup_time_ms: 0, warmupUntil: NOW }), 5, NOW)!;
    expect(again.apply).toMatchObject({ desiredSize: 7, warmupEnd: null });
  });
});

describe("planDrain", () => {
  it("drains running clones for the cooldown; an earlier pending termination is kept, a later one brought forward", () => {
    const machines = [
      clone("a", NOW - 60_000),
      clone("early", NOW - 60_000, { terminateAt: NOW + 1000 }),
      clone("exact", NOW - 60_000, { terminateAt: NOW + 7000 }),
      clone("late", NOW - 60_000, { terminateAt: NOW + 9000 }),
      clone("stopped", NOW - 60_000, { machineState: "TERMINATED" }),
      clone("detached", NOW - 60_000, { member: false }),
      machine("m", { origin: "instance" }),
      machine("p"),
    ];
    const d = planDrain(state(), machines, NOW);
    expect(d.drainUntil).toBe(NOW + 7000);
    expect(d.draining.map((x) => [x.id, x.reschedule])).toEqual([["a", true], ["early", false], ["exact", false], ["late", true]]);
    expect(d.draining[0].uuid).toBe(machines[0].uuid);
  });

  it("nothing to drain", () => {
    expect(planDrain(state(), [], NOW)).toEqual({ drainUntil: NOW + 7000, draining: [] });
  });
});

it("no planner modifies its input", () => {
  const a = state({ lastSample: { cpu: 900, at: NOW } });
  const ms = [machine("m", { uuid: "u-m" }), clone("c", NOW - 10, { uuid: "u-c", terminateAt: NOW + 1 })];
  const before = frozen({ a, ms });
  planDecision(a, 2, NOW);
  planDrain(a, ms, NOW);
  sampledMetric(a, ms, [{ uuid: "u-m", cpu: 1 }, { uuid: "u-c", cpu: 2 }], NOW);
  capacity(ms);
  expect(frozen({ a, ms })).toEqual(before);
});
