// The replay engine (src/domain/replay/engine.ts) on small traces whose figures are worked out by
// hand: decisions and their triggers, warmup/cooldown windows and the timers re-evaluating at their
// ends, boot delay (booting → running → warming), drains, the summary (instance-seconds,
// under-provisioned seconds, events, largest step), scale-to-zero standby and wake with held
// requests, `total` values spread over the members, run compression, compare deltas, determinism.
import { describe, expect, it } from "vitest";
import type { StepPolicy } from "../src/domain/autoscale";
import { replay, scaleOutThresholds, type ReplayConfig } from "../src/domain/replay/engine";
import { replayRequest, runJson } from "../src/domain/replay/run";
import { compareSummaries } from "../src/domain/replay/summary";
import { parseTrace, type Trace } from "../src/domain/replay/trace";

const T = 1_800_000_000;
const S = (s: number) => (T + s) * 1000;
const trace = (text: string): Trace => {
  const r = parseTrace(text);
  if (!r.ok) throw new Error(r.message);
  return r.trace;
};
const cpu = (pairs: [number, number][]) => trace(pairs.map(([s, v]) => `${T + s},${v}`).join("\n"));
const policy = (name: string, adjustment_type: StepPolicy["adjustment_type"], steps: [number | null, number | null, number][], metric: StepPolicy["metric"] = "cpu"): StepPolicy => ({
  name, type: "step", metric, adjustment_type, steps: steps.map(([lower_bound, upper_bound, adjustment]) => ({ lower_bound, upper_bound, adjustment })),
});
const OUT = policy("out", "change", [[800, null, 1]]);
const IN = policy("in", "change", [[null, 200, -1]]);
const cfg = (over: Partial<ReplayConfig> = {}): ReplayConfig => ({ min_size: 1, max_size: 3, warmup_time_ms: 5000, cooldown_time_ms: 10_000, policies: [OUT, IN], ...over });
const timelineAt = (run: ReturnType<typeof replay>, s: number) => {
  const i = run.timeline.at.indexOf(S(s));
  expect(i, `no timeline entry at ${s} s`).toBeGreaterThanOrEqual(0);
  const tl = run.timeline;
  return { desired: tl.desired[i], booting: tl.booting[i], running: tl.running[i], warming: tl.warming[i], draining: tl.draining[i], standby: tl.standby[i] };
};

describe("scale-out, warmup, scale-in, cooldown, boot delay (worked by hand)", () => {
  const run = replay(cpu([[0, 500], [10, 900], [20, 900], [30, 100], [40, 100], [50, 100]]), cfg(), { boot_delay_ms: 2000 });

  it("decisions: out at 10 s, out again when the warmup ends at 15 s, in at 30 s, in again when the cooldown ends at 40 s", () => {
    expect(run.decisions.map((d) => [d.at, d.trigger, d.applied, d.result.direction, d.result.inputs.capacity, d.result.desired])).toEqual([
      [S(10), "metric sample (cpu 900 millicores per instance)", true, "out", 1, 2],
      [S(15), "warmup ended", true, "out", 2, 3],
      [S(30), "metric sample (cpu 100 millicores per instance)", true, "in", 3, 2],
      [S(40), "cooldown ended", true, "in", 2, 1],
    ]);
    // The decision is the live engine's, sentence included.
    expect(run.decisions[1].result).toMatchObject({ winner: "out", clamp: null, change: 1, blockedBy: null });
    expect(run.decisions[1].result.explanation).toBe('cpu 900 millicores on 2 instances (min 1, max 3): "out" step 0 [800, inf) change +1 → 3; "in" matched no step. "out" wins: desired 3, scale out by 1.');
    expect(run.windows).toEqual([
      { kind: "warmup", from: S(10), until: S(15) },
      { kind: "warmup", from: S(15), until: S(20) },
      { kind: "cooldown", from: S(30), until: S(40) },
      { kind: "cooldown", from: S(40), until: S(50) },
    ]);
  });

  it("the capacity timeline: booting for the boot delay, warming until launch + warmup, draining for the cooldown", () => {
    expect(timelineAt(run, 0)).toEqual({ desired: 1, booting: 0, running: 1, warming: 0, draining: 0, standby: 0 });
    expect(timelineAt(run, 10)).toEqual({ desired: 2, booting: 1, running: 1, warming: 0, draining: 0, standby: 0 });
    expect(timelineAt(run, 12)).toEqual({ desired: 2, booting: 0, running: 2, warming: 1, draining: 0, standby: 0 });
    expect(timelineAt(run, 15)).toEqual({ desired: 3, booting: 1, running: 2, warming: 0, draining: 0, standby: 0 });
    expect(timelineAt(run, 17)).toEqual({ desired: 3, booting: 0, running: 3, warming: 1, draining: 0, standby: 0 });
    expect(timelineAt(run, 20)).toEqual({ desired: 3, booting: 0, running: 3, warming: 0, draining: 0, standby: 0 });
    expect(timelineAt(run, 30)).toEqual({ desired: 2, booting: 0, running: 3, warming: 0, draining: 1, standby: 0 });
    expect(timelineAt(run, 40)).toEqual({ desired: 1, booting: 0, running: 2, warming: 0, draining: 1, standby: 0 });
    expect(timelineAt(run, 50)).toEqual({ desired: 1, booting: 0, running: 1, warming: 0, draining: 0, standby: 0 });
    // Only changes are recorded: 9 entries for 6 samples and the transitions between them.
    expect(run.timeline.at).toHaveLength(9);
  });

  it("the summary", () => {
    expect(run.summary).toEqual({
      duration_s: 50,
      // master 0–50, the first clone 10–50 (drained to its stop at 50), the second 15–40.
      instance_seconds: 50 + 40 + 25,
      mean_instances: 2.3,
      peak_desired: 3,
      // cpu ≥ 800 from 10 to 30 s: short of warmed-up capacity 10–20 s, at max_size 20–30 s.
      under_provisioned_s: 20,
      scale_events: 4,
      scale_outs: 2,
      scale_ins: 2,
      blocked: 0,
      cold_starts: 0,
      cold_start_wait_ms_max: 0,
      sleeps: 0,
      largest_step: 1,
    });
  });

  it("a sample during the warmup is blocked (recorded, not applied) and re-evaluated at its end", () => {
    const r = replay(cpu([[0, 900], [2, 900], [4, 500]]), cfg({ warmup_time_ms: 3000 }));
    expect(r.decisions.map((d) => [d.at, d.applied, d.result.blockedBy, d.trigger])).toEqual([
      [S(0), true, null, "metric sample (cpu 900 millicores per instance)"],
      [S(2), false, "warmup", "metric sample (cpu 900 millicores per instance)"],
      [S(3), true, null, "warmup ended"],
    ]);
    expect(r.decisions[1].result.explanation).toContain(`Not applied: the warmup of the previous scale-out runs until ${new Date(S(3)).toISOString()}`);
    expect(r.summary).toMatchObject({ blocked: 1, scale_outs: 2, peak_desired: 3 });
  });

  it("a scale-out during a drain calls the drain off instead of launching", () => {
    const r = replay(cpu([[0, 900], [10, 100], [12, 900]]), cfg({ max_size: 2, warmup_time_ms: 1000, cooldown_time_ms: 20_000 }));
    expect(timelineAt(r, 10)).toMatchObject({ desired: 1, running: 2, draining: 1 });
    expect(timelineAt(r, 12)).toMatchObject({ desired: 2, running: 2, draining: 0, booting: 0 });
    // Two instances throughout from 0 (the clone launched at 0 never stopped): 12 s + 12 s.
    expect(r.summary.instance_seconds).toBe(24);
  });
});

describe("metrics", () => {
  it("total values are spread over the running, non-draining members", () => {
    const rps = policy("rps", "change", [[100, null, 1]], "reqs_per_sec");
    const t = trace(`timestamp,metric,value\n${T},reqs_per_sec,150\n${T + 10},reqs_per_sec,150\n${T + 20},reqs_per_sec,300`);
    const r = replay(t, cfg({ policies: [rps], max_size: 4, warmup_time_ms: 1000 }), { scope: "total" });
    expect(r.decisions.map((d) => [d.at, d.result.inputs.metrics, d.result.desired])).toEqual([
      [S(0), { reqs_per_sec: 150 }, 2],
      [S(20), { reqs_per_sec: 150 }, 3],
    ]);
    expect(r.decisions[0].trigger).toBe("metric sample (reqs_per_sec 150 in total)");
    // Per member (the default), the same trace scales out at every sample.
    expect(replay(t, cfg({ policies: [rps], max_size: 4, warmup_time_ms: 1000 })).decisions).toHaveLength(3);
  });

  it("several metrics: each policy on its own, values carried forward between their samples", () => {
    const rps = policy("rps", "change", [[100, null, 2]], "reqs_per_sec");
    const t = trace(`timestamp,metric,value\n${T},cpu,900\n${T + 10},reqs_per_sec,150\n${T + 20},cpu,500`);
    const r = replay(t, cfg({ policies: [OUT, rps], max_size: 10, warmup_time_ms: 1000 }));
    const seen = r.decisions.map((d) => [d.at, d.result.inputs.metric, d.result.inputs.metrics ?? null, d.result.winner, d.result.desired]);
    // cpu 900 scales out at 0 s and at each 1-s warmup end up to 10 (9 decisions); at 10 s the
    // reqs_per_sec sample is evaluated with the carried cpu (both at max: no change, no record).
    expect(seen).toHaveLength(9);
    expect(seen[0]).toEqual([S(0), 900, null, "out", 2]);
    expect(seen[8]).toEqual([S(8), 900, null, "out", 10]);
    const again = replay(t, cfg({ policies: [OUT, rps], max_size: 20, warmup_time_ms: 60_000 }));
    expect(again.decisions.map((d) => [d.at, d.result.inputs.metric, d.result.inputs.metrics ?? null, d.result.winner, d.result.desired, d.applied])).toEqual([
      [S(0), 900, null, "out", 2, true],
      [S(10), 900, { reqs_per_sec: 150 }, "rps", 4, false],
      [S(20), 500, { reqs_per_sec: 150 }, "rps", 4, false],
    ]);
  });

  it("scale-out thresholds: the highest scale-out step of each enabled policy (exact: its last step)", () => {
    expect(scaleOutThresholds([
      policy("a", "percent", [[null, 100, -10], [100, 500, 10], [500, null, 50]]),
      policy("b", "exact", [[null, 10, 1], [10, null, 4]], "inflight_reqs"),
      policy("c", "change", [[null, 5, -1]]),
      { ...policy("d", "change", [[1, null, 1]]), enabled: false },
    ])).toEqual([{ metric: "cpu", policy: "a", bound: 500 }, { metric: "inflight_reqs", policy: "b", bound: 10 }]);
  });
});

describe("scale-to-zero", () => {
  it("standby after the cooldown without traffic; traffic wakes the master, requests are held until it runs (boot delay)", () => {
    const t = trace(`timestamp,metric,value\n${T},requests,5\n${T + 5},requests,0\n${T + 20},requests,3\n${T + 21},requests,2\n${T + 40},requests,0`);
    const r = replay(t, cfg({ min_size: 0, max_size: 2, policies: [] }), { boot_delay_ms: 2000 });
    expect(r.events).toEqual([
      { at: S(10), kind: "sleep", idle_for_ms: 10_000 },
      { at: S(20), kind: "wake", held_requests: 3 },
      { at: S(22), kind: "released", requests: 5, waited_ms: 2000 },
      { at: S(32), kind: "sleep", idle_for_ms: 10_000 },
    ]);
    expect(timelineAt(r, 10)).toMatchObject({ desired: 0, running: 0, standby: 1 });
    expect(timelineAt(r, 20)).toMatchObject({ desired: 1, booting: 1, running: 0, standby: 0 });
    expect(timelineAt(r, 22)).toMatchObject({ desired: 1, booting: 0, running: 1 });
    expect(r.summary).toMatchObject({ cold_starts: 1, cold_start_wait_ms_max: 2000, sleeps: 2, instance_seconds: 10 + 12 });
  });

  it("initial_capacity 0 starts asleep: the first traffic wakes the master", () => {
    const t = trace(`timestamp,metric,value\n${T},requests,0\n${T + 5},requests,2`);
    const r = replay(t, cfg({ min_size: 0, policies: [] }), { initial_capacity: 0, boot_delay_ms: 1000 });
    expect(timelineAt(r, 0)).toEqual({ desired: 0, booting: 0, running: 0, warming: 0, draining: 0, standby: 1 });
    expect(r.events).toEqual([{ at: S(5), kind: "wake", held_requests: 2 }]);
    expect(r.summary).toMatchObject({ cold_starts: 1, instance_seconds: 0 });
    // initial_capacity is kept within [min_size, max_size].
    expect(replay(t, cfg({ min_size: 2 }), { initial_capacity: 0 }).options.initial_capacity).toBe(2);
  });

  it("without a requests metric, any load above 0 is traffic", () => {
    const r = replay(cpu([[0, 0], [5, 0], [30, 300]]), cfg({ min_size: 0, policies: [] }));
    expect(r.events.map((e) => [e.kind, e.at])).toEqual([["sleep", S(10)], ["wake", S(30)]]);
  });

  it("asleep at max_size the master is not started (as the live planStartInstance refuses)", () => {
    const t = trace(`timestamp,metric,value\n${T},cpu,500\n${T + 30},requests,1`);
    const r = replay(t, cfg({ min_size: 0, max_size: 1, policies: [] }), { initial_capacity: 1 });
    expect(r.events.map((e) => e.kind)).toEqual(["sleep", "wake"]);
  });
});

describe("runs, compare, speed shape", () => {
  it("equal samples compress to one timeline entry and no decision; the replay is deterministic", () => {
    const t = cpu(Array.from({ length: 10_000 }, (_, i) => [i, 500] as [number, number]));
    const a = replay(t, cfg());
    expect(a.timeline.at).toHaveLength(1);
    expect(a.decisions).toEqual([]);
    expect(a.summary).toMatchObject({ duration_s: 9999, instance_seconds: 9999, under_provisioned_s: 0 });
    const wavy = cpu(Array.from({ length: 600 }, (_, i) => [i, (i * 37) % 1000] as [number, number]));
    expect(replay(wavy, cfg())).toEqual(replay(wavy, cfg()));
  });

  it("compare: both configurations on one trace, deltas b − a of every figure", () => {
    const r = replayRequest({
      trace: [[T, 900], [T + 10, 900], [T + 20, 100]],
      config: { max_size: 3, warmup_time_ms: 5000, cooldown_time_ms: 5000, policies: [{ name: "out", type: "step", steps: [{ lower_bound: 800, adjustment: 1 }] }] },
      compare: { max_size: 3, warmup_time_ms: 5000, cooldown_time_ms: 5000, policies: [{ name: "out", type: "step", steps: [{ lower_bound: 800, adjustment: 2 }] }] },
    });
    if (!r.ok || !r.compare) throw new Error("no compare");
    const [a, b] = [r.run.summary, r.compare.run.summary];
    expect([a.peak_desired, b.peak_desired]).toEqual([3, 3]);
    expect(a.instance_seconds).toBe(20 + 20 + 15); // master; clone at 0; clone at 5 (warmup end)
    expect(b.instance_seconds).toBe(20 * 3); // two clones at 0
    expect(r.compare.deltas).toEqual(compareSummaries(a, b));
    expect(r.compare.deltas.instance_seconds).toBe(5);
    expect(r.compare.deltas.largest_step).toBe(1);
    expect(r.compare.deltas.scale_outs).toBe(-1);
  });

  it("runJson: ISO times, lists cut at the limit with the full counts in truncated", () => {
    const run = replay(cpu([[0, 500], [10, 900], [20, 900], [30, 100], [40, 100], [50, 100]]), cfg(), { boot_delay_ms: 2000 });
    const full = runJson(run);
    expect(full).toMatchObject({ start: new Date(S(0)).toISOString(), end: new Date(S(50)).toISOString(), samples: 6, truncated: null });
    expect(full.timeline).toHaveLength(9);
    expect(full.decisions[0]).toEqual({ at: new Date(S(10)).toISOString(), trigger: run.decisions[0].trigger, applied: true, decision: run.decisions[0].result });
    const cut = runJson(run, 2);
    expect([cut.timeline.length, cut.decisions.length, cut.windows.length]).toEqual([2, 2, 2]);
    expect(cut.truncated).toEqual({ limit: 2, timeline: 9, decisions: 4, windows: 4, events: 0 });
    expect(cut.summary).toEqual(full.summary);
  });

  it("replayRequest: an unnamed trace is the policies' metric; config and compare failures name their field", () => {
    const r = replayRequest({ trace: `${T},150`, config: { policies: [{ name: "r", type: "step", metric: "reqs_per_sec", steps: [{ lower_bound: 100, adjustment: 1 }] }] } });
    expect(r.ok && r.trace.metrics).toEqual(["reqs_per_sec"]);
    expect(r.ok && r.run.decisions).toHaveLength(1);
    expect(replayRequest({ trace: `${T},1`, config: { min_size: 5 } })).toMatchObject({ ok: false, field: "config", code: "OUT_OF_RANGE" });
    expect(replayRequest({ trace: `${T},1`, compare: { policies: [{ name: "x", type: "target" }] } })).toMatchObject({ ok: false, field: "compare", code: "INVALID", message: expect.stringContaining("type_invalid") });
    expect(replayRequest({ trace: `${T},x` })).toMatchObject({ ok: false, field: "trace", where: "line 1", message: expect.stringMatching(/^trace line 1: /) });
  });
});
