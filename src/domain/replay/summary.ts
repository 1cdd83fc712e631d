// The figures of a replay run, and the differences between two runs on the same trace.
import type { Run } from "./engine";

export type Summary = {
  duration_s: number;
  /** Instances alive (booting, running, draining) integrated over the run: the cost. */
  instance_seconds: number;
  /** Mean instances alive over the run. */
  mean_instances: number;
  peak_desired: number;
  /**
   * Seconds a policy's metric was at or above its highest scale-out step's lower bound while
   * capacity was short: fewer warmed-up serving members than desired, pinned at max_size, or asleep.
   */
  under_provisioned_s: number;
  /** Applied decisions (scale-outs + scale-ins). */
  scale_events: number;
  scale_outs: number;
  scale_ins: number;
  /** Decisions held back by a warmup or cooldown. */
  blocked: number;
  /** Wakes from scale-to-zero, and the longest wait before the master served (ms). */
  cold_starts: number;
  cold_start_wait_ms_max: number;
  sleeps: number;
  /** The largest applied change in instances, either direction (absolute). */
  largest_step: number;
};

export function summarize(run: Omit<Run, "summary">, totals: { instanceMs: number; underMs: number }): Summary {
  const duration = run.end - run.start;
  let outs = 0, ins = 0, blocked = 0, largest = 0;
  for (const d of run.decisions) {
    if (!d.applied) {
      blocked++;
      continue;
    }
    if (d.result.direction === "out") outs++;
    else if (d.result.direction === "in") ins++;
    largest = Math.max(largest, Math.abs(d.result.change));
  }
  let cold = 0, wait = 0, sleeps = 0;
  for (const e of run.events) {
    if (e.kind === "wake") cold++;
    if (e.kind === "sleep") sleeps++;
    if (e.kind === "released") wait = Math.max(wait, e.waited_ms);
  }
  const round = (x: number) => Math.round(x * 1000) / 1000;
  let peak = 0;
  for (const d of run.timeline.desired) if (d > peak) peak = d;
  return {
    duration_s: round(duration / 1000),
    instance_seconds: round(totals.instanceMs / 1000),
    mean_instances: duration > 0 ? round(totals.instanceMs / duration) : run.timeline.running[0] ?? 0,
    peak_desired: peak,
    under_provisioned_s: round(totals.underMs / 1000),
    scale_events: outs + ins,
    scale_outs: outs,
    scale_ins: ins,
    blocked,
    cold_starts: cold,
    cold_start_wait_ms_max: wait,
    sleeps,
    largest_step: largest,
  };
}

export type Deltas = { [K in keyof Summary]: number };

/** b − a for every figure (a negative instance_seconds delta: b is cheaper). */
export function compareSummaries(a: Summary, b: Summary): Deltas {
  const out = {} as Deltas;
  for (const k of Object.keys(a) as (keyof Summary)[]) out[k] = Math.round((b[k] - a[k]) * 1000) / 1000;
  return out;
}
