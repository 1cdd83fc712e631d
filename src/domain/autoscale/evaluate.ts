// The step-policy decision engine. AWS step-scaling semantics (DESIGN.md): lower bound inclusive,
// upper exclusive; AWS rounding of percent changes; of several matching policies the one giving
// the largest capacity wins (scale-out and scale-in alike, so the group errs toward capacity);
// the winner is clamped to [min_size, max_size]; nothing matched → no change. Pure: the Decision
// is plain JSON and carries everything a user needs to see why (it goes into the ledger as is).
import type { AdjustmentType, PolicyMetric, StepPolicy, StepPolicyStep } from "./policy";

/** Per-member values of the metrics other than cpu (requests in flight, requests per second). */
export type OtherMetrics = { inflight_reqs?: number; reqs_per_sec?: number };

export type EvaluationInput = {
  /**
   * CPU millicores per instance (instances in warmup already excluded by the caller); null when
   * the sample has no cpu (only other metrics): cpu policies then match no step.
   */
  metric: number | null;
  /** Set only when the sample carries other metrics, per member, warming members excluded like cpu. */
  metrics?: OtherMetrics;
  /** Current instances counted (instances draining in cooldown already excluded). */
  capacity: number;
  min_size: number;
  max_size: number;
};

export type StepMatch = {
  /** Index of the matched step in the policy's steps. */
  step: number;
  lower_bound: number | null;
  upper_bound: number | null;
  /** The step's configured adjustment (a change, a target count, or a percentage). */
  adjustment: number;
  /** Change in capacity before rounding: for percent the exact fraction, for exact target − capacity. */
  raw_adjustment: number;
  /** Change in capacity actually proposed (only percent rounds). */
  rounded_adjustment: number;
  /** capacity + rounded_adjustment, before the clamp. */
  resulting_capacity: number;
};

export type PolicyEvaluation = {
  name: string;
  adjustment_type: AdjustmentType;
  /** Only for a policy on a metric other than cpu (a cpu policy's value is inputs.metric). */
  metric?: Exclude<PolicyMetric, "cpu">;
  /** That metric's value in the sample, null when the sample has none (then no match). */
  value?: number | null;
  /** null when the metric falls in none of the policy's steps. */
  match: StepMatch | null;
};

export type Clamp = { from: number; to: number; bound: "min_size" | "max_size" };

export type Decision = {
  inputs: EvaluationInput;
  policies: PolicyEvaluation[];
  /** Name of the winning policy, null when none matched. */
  winner: string | null;
  /** The winner's resulting capacity, or the current capacity when none matched. */
  unclamped_desired: number;
  clamp: Clamp | null;
  desired: number;
  /** desired − capacity. */
  change: number;
  direction: "out" | "in" | "none";
};

/** Lower bound inclusive, upper exclusive, null unbounded. */
export const stepMatches = (s: StepPolicyStep, metric: number): boolean =>
  (s.lower_bound === null || s.lower_bound <= metric) && (s.upper_bound === null || metric < s.upper_bound);

/**
 * AWS rounding of a fractional change: above 1 round down, in (0, 1) → 1, in (-1, 0) → -1,
 * below -1 round toward zero (so -2.7 → -2). Whole numbers are unchanged; 0 stays 0.
 */
export function roundPercentChange(x: number): number {
  if (x >= 1) return Math.floor(x);
  if (x > 0) return 1;
  if (x === 0) return 0;
  if (x > -1) return -1;
  return Math.ceil(x);
}

/** The value a policy's steps are matched against: its own metric's, null when the sample lacks it. */
export function policyValue(policy: StepPolicy, input: Pick<EvaluationInput, "metric" | "metrics">): number | null {
  return policy.metric === "cpu" ? input.metric : (input.metrics?.[policy.metric] ?? null);
}

/** Exported for the what-if route: one policy on its own (`metric`: its metric's value, see policyValue). */
export function evaluatePolicy(policy: StepPolicy, metric: number | null, capacity: number): PolicyEvaluation {
  // A policy on another metric names it and the value it saw; a cpu policy keeps the seed's shape.
  const which = policy.metric === "cpu" ? {} : { metric: policy.metric, value: metric };
  const index = metric === null ? -1 : policy.steps.findIndex((s) => stepMatches(s, metric));
  if (index < 0) return { name: policy.name, adjustment_type: policy.adjustment_type, ...which, match: null };
  const s = policy.steps[index];
  let raw: number;
  let rounded: number;
  switch (policy.adjustment_type) {
    case "change":
      raw = rounded = s.adjustment;
      break;
    case "exact":
      raw = rounded = s.adjustment - capacity;
      break;
    case "percent":
      // Integer product first: exact whenever the result is a whole number.
      raw = (capacity * s.adjustment) / 100 + 0; // + 0: no -0 in the ledger (0 × -10)
      rounded = roundPercentChange(raw);
      break;
  }
  return {
    name: policy.name,
    adjustment_type: policy.adjustment_type,
    ...which,
    match: {
      step: index,
      lower_bound: s.lower_bound,
      upper_bound: s.upper_bound,
      adjustment: s.adjustment,
      raw_adjustment: raw,
      rounded_adjustment: rounded,
      resulting_capacity: capacity + rounded,
    },
  };
}

/**
 * Runs every policy (no first-match short cut, as KraftCloud does). Ties between matching
 * policies go to the earlier one in the list, so the winner is deterministic.
 * Precondition (config validation): min_size ≤ max_size.
 */
export function evaluate(policies: readonly StepPolicy[], input: EvaluationInput): Decision {
  const { capacity, min_size, max_size } = input;
  // A disabled policy is kept in the configuration but takes no part.
  const evaluations = policies.filter((p) => p.enabled !== false).map((p) => evaluatePolicy(p, policyValue(p, input), capacity));

  let winner: PolicyEvaluation | null = null;
  for (const e of evaluations)
    if (e.match && (!winner || e.match.resulting_capacity > winner.match!.resulting_capacity)) winner = e;

  if (!winner) {
    return {
      inputs: { ...input },
      policies: evaluations,
      winner: null,
      unclamped_desired: capacity,
      clamp: null,
      desired: capacity,
      change: 0,
      direction: "none",
    };
  }

  const unclamped = winner.match!.resulting_capacity;
  let clamp: Clamp | null = null;
  if (unclamped > max_size) clamp = { from: unclamped, to: max_size, bound: "max_size" };
  else if (unclamped < min_size) clamp = { from: unclamped, to: min_size, bound: "min_size" };
  const desired = clamp ? clamp.to : unclamped;
  const change = desired - capacity;
  return {
    inputs: { ...input },
    policies: evaluations,
    winner: winner.name,
    unclamped_desired: unclamped,
    clamp,
    desired,
    change,
    direction: change > 0 ? "out" : change < 0 ? "in" : "none",
  };
}
