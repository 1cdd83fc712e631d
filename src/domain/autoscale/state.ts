// A group's autoscale configuration and its running state (warmup, cooldown, last sample,
// scale-to-zero traffic), plus the pure rules that turn a metric sample into a decision that the
// Durable Object applies. KraftCloud meaning of warmup and cooldown (DESIGN.md).
import type { FrontDoorConfig } from "../front-door";
import type { StepPolicy } from "./policy";
import { evaluate, type Decision, type OtherMetrics } from "./evaluate";
import { explainDecision } from "./explain";

export const AUTOSCALE_DEFAULTS = { min_size: 1, max_size: 4, warmup_time_ms: 1000, cooldown_time_ms: 1000 } as const;

export type AutoscaleConfig = {
  min_size: number;
  max_size: number;
  warmup_time_ms: number;
  cooldown_time_ms: number;
  /** Machine id of the master (template) instance: never a victim, cloned by scale-out. */
  master: string;
  policies: StepPolicy[];
  /** Extension (issue 11): the front door's settings for this group; defaults when absent (src/domain/front-door.ts). */
  front_door?: FrontDoorConfig;
};

export type AutoscaleState = AutoscaleConfig & {
  createdAt: number;
  /** A scale-out's warmup runs until then: no further scale-out is decided. */
  warmupUntil: number | null;
  /** A scale-in's cooldown runs until then: no further scale-in is decided. */
  cooldownUntil: number | null;
  /**
   * Last metric sample and when it came: cpu in millicores per instance (null when the sample
   * had only other metrics), `metrics` the other policy metrics per member when it had them.
   */
  lastSample: { cpu: number | null; at: number; metrics?: OtherMetrics } | null;
  /** Last time traffic was reported (scale-to-zero idle detection). */
  lastTrafficAt: number | null;
  /** Requests reported while the group was asleep or waking, released when it serves again. */
  heldRequests: number;
};

export type Gate = "warmup" | "cooldown" | null;

export type Outcome = {
  decision: Decision;
  /** Why the decision is not applied now (it is re-evaluated when that phase ends). */
  blockedBy: Gate;
  /** The desired size to set, or null when nothing changes. */
  apply: number | null;
  explanation: string;
};

/**
 * Evaluates the live policies on a sample and applies the warmup/cooldown gates: no scale-out
 * while a scale-out's warmup runs, no scale-in while a scale-in's cooldown runs.
 */
export function decide(a: AutoscaleState, input: { cpu: number | null; capacity: number; metrics?: OtherMetrics }, now: number): Outcome {
  const decision = evaluate(a.policies, {
    metric: input.cpu,
    capacity: input.capacity,
    min_size: a.min_size,
    max_size: a.max_size,
    ...(input.metrics ? { metrics: input.metrics } : {}),
  });
  let blockedBy: Gate = null;
  if (decision.direction === "out" && a.warmupUntil !== null && a.warmupUntil > now) blockedBy = "warmup";
  if (decision.direction === "in" && a.cooldownUntil !== null && a.cooldownUntil > now) blockedBy = "cooldown";
  const apply = decision.direction === "none" || blockedBy ? null : decision.desired;
  let explanation = explainDecision(decision);
  if (blockedBy) explanation += ` Not applied: the ${blockedBy} of the previous scale-${blockedBy === "warmup" ? "out" : "in"} runs until ${new Date(blockedBy === "warmup" ? a.warmupUntil! : a.cooldownUntil!).toISOString()}; re-evaluated then.`;
  return { decision, blockedBy, apply, explanation };
}

/** The state after a decision was applied: a scale-out starts a warmup, a scale-in a cooldown. */
export function afterApplied(a: AutoscaleState, o: Outcome, now: number): AutoscaleState {
  if (o.apply === null) return a;
  if (o.decision.direction === "out") return { ...a, warmupUntil: now + a.warmup_time_ms };
  if (o.decision.direction === "in") return { ...a, cooldownUntil: now + a.cooldown_time_ms };
  return a;
}

/** Scale-to-zero is on when the group may shrink to nothing (min_size 0). */
export const scaleToZeroEnabled = (a: AutoscaleState | null) => a !== null && a.min_size === 0;
