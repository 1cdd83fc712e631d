// Step scaling policies (KraftCloud autoscale v1): the wire shape, snake_case as on the wire, so a
// validated policy can be stored and answered back without a mapping layer.

/**
 * What a step policy scales on, per member: CPU millicores, requests in flight, requests per
 * second (the newer Unikraft Cloud API's names; the front door measures the last two).
 */
export const POLICY_METRICS = ["cpu", "inflight_reqs", "reqs_per_sec"] as const;
export type PolicyMetric = (typeof POLICY_METRICS)[number];

export const ADJUSTMENT_TYPES = ["change", "exact", "percent"] as const;
export type AdjustmentType = (typeof ADJUSTMENT_TYPES)[number];

/**
 * Other spellings of an adjustment type (the newer API generation's `percentage`, older docs'
 * `absolute`): the same type, answered back as the client spelled it.
 */
export const ADJUSTMENT_ALIASES: Record<string, AdjustmentType> = { percentage: "percent", absolute: "exact" };

/** KraftCloud: "You can define up to 8 autoscale policies per service." */
export const MAX_POLICIES_PER_GROUP = 8;
/** KraftCloud: "Each step policy can define up to 4 steps." */
export const MAX_STEPS_PER_POLICY = 4;
/** The seed's policy name limit (shorter than the 255 of the schema's basename). */
export const MAX_POLICY_NAME_LENGTH = 31;
/** Bounds and adjustments are int32 in the schema; |x| ≤ 2^31 - 1 keeps responses schema-valid. */
export const INT32_LIMIT = 2_147_483_647;

/**
 * One step: applies when lower_bound ≤ metric < upper_bound (AWS semantics, DESIGN.md).
 * `null` is unbounded in that direction; at most one of the two is null.
 */
export type StepPolicyStep = {
  lower_bound: number | null;
  upper_bound: number | null;
  adjustment: number;
};

/** A validated, normalized policy (what `validatePolicy` returns and `evaluate` consumes). */
export type StepPolicy = {
  name: string;
  type: "step";
  metric: PolicyMetric;
  adjustment_type: AdjustmentType;
  steps: StepPolicyStep[];
  /** Set only when the client spelled adjustment_type by an alias (ADJUSTMENT_ALIASES). */
  adjustment_type_spelling?: string;
  /** Set only when false: a disabled policy is kept but not evaluated. */
  enabled?: false;
};

/**
 * What a client may send: every field optional and loosely typed, because the domain rule, not
 * the surface, decides what is wrong and names the rule. A missing bound means null.
 */
export type StepPolicyStepInput = {
  lower_bound?: number | null;
  upper_bound?: number | null;
  adjustment?: number;
};
export type StepPolicyInput = {
  name?: string;
  type?: string;
  metric?: string;
  adjustment_type?: string;
  steps?: StepPolicyStepInput[];
  enabled?: boolean;
};
