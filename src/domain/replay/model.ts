// The replay's data: the configuration and options it runs with, and what a run holds (timeline,
// decisions as the live ledger records them, phases, scale-to-zero events, summary).
import type { Decision } from "../autoscale/evaluate";
import type { StepPolicy } from "../autoscale/policy";
import type { Gate } from "../autoscale/state";
import type { Summary } from "./summary";

export type ReplayConfig = {
  min_size: number;
  max_size: number;
  warmup_time_ms: number;
  cooldown_time_ms: number;
  policies: StepPolicy[];
};

export type ReplayOptions = {
  /** Launch to running, as the provider boots an instance (ms). */
  boot_delay_ms?: number;
  /** Instances running (and warmed up) when the trace starts; default min_size, at least 1. */
  initial_capacity?: number;
  /** `member`: values are what each member sees (the policies' input); `total`: divided by the running members. */
  scope?: "member" | "total";
};

/** A decision as the live ledger records it (`autoscale.decision` result), with when and why it ran. */
export type ReplayDecision = {
  at: number;
  trigger: string;
  applied: boolean;
  result: Decision & { blockedBy: Gate; explanation: string };
};

export type ReplayEvent =
  | { at: number; kind: "sleep"; idle_for_ms: number }
  | { at: number; kind: "wake"; held_requests: number }
  | { at: number; kind: "released"; requests: number; waited_ms: number };

export type Window = { kind: "warmup" | "cooldown"; from: number; until: number };

/** The capacity timeline, one entry each time something changes (runs of equal state compressed). */
export type Timeline = { at: number[]; desired: number[]; booting: number[]; running: number[]; warming: number[]; draining: number[]; standby: number[] };

export type Run = {
  config: ReplayConfig;
  options: Required<ReplayOptions>;
  start: number;
  end: number;
  samples: number;
  timeline: Timeline;
  decisions: ReplayDecision[];
  windows: Window[];
  events: ReplayEvent[];
  summary: Summary;
};

/** The step above which a policy's metric means "add capacity": its highest scale-out step's lower bound. */
export function scaleOutThresholds(policies: readonly StepPolicy[]): { metric: StepPolicy["metric"]; policy: string; bound: number }[] {
  const out: { metric: StepPolicy["metric"]; policy: string; bound: number }[] = [];
  for (const p of policies) {
    if (p.enabled === false) continue;
    // exact: the last step is the largest target (steps are sorted); change/percent: positive adjustments.
    const ups = p.adjustment_type === "exact" ? p.steps.slice(-1) : p.steps.filter((s) => s.adjustment > 0);
    const bounds = ups.map((s) => s.lower_bound).filter((b): b is number => b !== null);
    if (bounds.length) out.push({ metric: p.metric, policy: p.name, bound: Math.max(...bounds) });
  }
  return out;
}
