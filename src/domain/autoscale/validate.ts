// Step policy validation, exactly the seed's rules. Each violation has its own `rule` string and a
// message that names the rule (and the step, as steps[i], 0-based like the request array), so a
// batch endpoint can answer one per-item error without re-deriving what went wrong.
import {
  ADJUSTMENT_ALIASES,
  ADJUSTMENT_TYPES,
  INT32_LIMIT,
  MAX_POLICIES_PER_GROUP,
  MAX_POLICY_NAME_LENGTH,
  MAX_STEPS_PER_POLICY,
  POLICY_METRICS,
  type AdjustmentType,
  type PolicyMetric,
  type StepPolicy,
  type StepPolicyInput,
  type StepPolicyStep,
} from "./policy";

export type PolicyRule =
  | "name_required"
  | "name_too_long"
  | "name_invalid"
  | "type_invalid"
  | "metric_invalid"
  | "adjustment_type_invalid"
  | "enabled_invalid"
  | "already_exists"
  | "too_many_policies"
  | "steps_required"
  | "too_many_steps"
  | "step_invalid"
  | "bound_invalid"
  | "step_unbounded"
  | "lower_not_below_upper"
  | "lower_null_not_first"
  | "upper_null_not_last"
  | "adjustment_invalid"
  | "exact_adjustment_negative"
  | "steps_not_sorted"
  | "steps_overlap"
  | "steps_gap";

export type PolicyValidation =
  | { ok: true; policy: StepPolicy }
  | { ok: false; rule: PolicyRule; message: string; step?: number };

export type ValidateOptions = {
  /** Accept the ADJUSTMENT_ALIASES spellings (the KraftCloud surface; the seed's rules do not). */
  aliases?: boolean;
  /**
   * Default false: a policy whose name exists is `already_exists` (KraftCloud error 23), as for
   * POST. With true the same-name policy is being replaced: it is not a conflict and does not
   * count twice toward the per-group limit.
   */
  replace?: boolean;
};

/** Basename characters. "." and ".." are refused too: URL normalization eats them in /policies/{name}. */
const NAME_CHARS = /^[A-Za-z0-9._-]+$/;

const fail = (rule: PolicyRule, detail: string, step?: number): PolicyValidation =>
  step === undefined
    ? { ok: false, rule, message: `${rule}: ${detail}` }
    : { ok: false, rule, message: `${rule}: steps[${step}] ${detail}`, step };

const isInt32 = (x: unknown): x is number => Number.isInteger(x) && Math.abs(x as number) <= INT32_LIMIT;
const show = (b: number | null) => (b === null ? "null" : String(b));

/** Names are compared case-sensitively, like instance and service names. */
export function validatePolicy(
  input: StepPolicyInput,
  existing: readonly { name: string }[],
  options: ValidateOptions = {},
): PolicyValidation {
  const { name } = input;
  if (typeof name !== "string" || name === "") return fail("name_required", "a policy needs a non-empty name");
  if (name.length > MAX_POLICY_NAME_LENGTH)
    return fail("name_too_long", `name has ${name.length} characters, at most ${MAX_POLICY_NAME_LENGTH} are allowed`);
  if (!NAME_CHARS.test(name) || name === "." || name === "..")
    return fail("name_invalid", `name '${name}' may only contain letters, digits, '-', '_' and '.'`);

  if (input.type !== "step") return fail("type_invalid", `type must be "step", got ${JSON.stringify(input.type ?? null)}`);
  const metric = input.metric ?? "cpu";
  if (!(POLICY_METRICS as readonly string[]).includes(metric))
    return fail("metric_invalid", `metric must be cpu, inflight_reqs or reqs_per_sec, got ${JSON.stringify(metric)}`);
  const spelled = input.adjustment_type ?? "change";
  const alias = options.aliases && Object.hasOwn(ADJUSTMENT_ALIASES, spelled) ? ADJUSTMENT_ALIASES[spelled] : undefined;
  const adjustmentType = alias ?? spelled;
  if (!(ADJUSTMENT_TYPES as readonly string[]).includes(adjustmentType))
    return fail(
      "adjustment_type_invalid",
      `adjustment_type must be change, exact or percent${options.aliases ? " (or percentage, absolute)" : ""}, got ${JSON.stringify(spelled)}`,
    );
  if (input.enabled !== undefined && typeof input.enabled !== "boolean") return fail("enabled_invalid", "enabled must be true or false");

  const clash = existing.some((p) => p.name === name);
  if (clash && !options.replace) return fail("already_exists", `a policy named '${name}' already exists`);
  const count = existing.length + (clash ? 0 : 1);
  if (count > MAX_POLICIES_PER_GROUP)
    return fail("too_many_policies", `a group has at most ${MAX_POLICIES_PER_GROUP} policies, this would make ${count}`);

  const checked = validateSteps(input.steps, adjustmentType as AdjustmentType);
  if (!Array.isArray(checked)) return checked;
  return {
    ok: true,
    policy: {
      name,
      type: "step",
      metric: metric as PolicyMetric,
      adjustment_type: adjustmentType as AdjustmentType,
      steps: checked,
      ...(alias ? { adjustment_type_spelling: spelled } : {}),
      ...(input.enabled === false ? { enabled: false as const } : {}),
    },
  };
}

function validateSteps(raw: unknown, adjustmentType: AdjustmentType): StepPolicyStep[] | PolicyValidation {
  if (!Array.isArray(raw) || raw.length === 0) return fail("steps_required", "a policy needs at least one step");
  if (raw.length > MAX_STEPS_PER_POLICY)
    return fail("too_many_steps", `a policy has at most ${MAX_STEPS_PER_POLICY} steps, got ${raw.length}`);

  const steps: StepPolicyStep[] = [];
  for (let i = 0; i < raw.length; i++) {
    const s: unknown = raw[i];
    if (typeof s !== "object" || s === null || Array.isArray(s)) return fail("step_invalid", "must be an object", i);
    const { lower_bound, upper_bound, adjustment } = s as Record<string, unknown>;
    const lower = lower_bound ?? null;
    const upper = upper_bound ?? null;
    for (const [field, b] of [["lower_bound", lower], ["upper_bound", upper]] as const)
      if (b !== null && !isInt32(b)) return fail("bound_invalid", `${field} must be an int32 integer or null`, i);
    const lo = lower as number | null;
    const up = upper as number | null;
    if (lo === null && up === null) return fail("step_unbounded", "lower_bound and upper_bound cannot both be null", i);
    if (lo !== null && up !== null && lo >= up)
      return fail("lower_not_below_upper", `lower_bound ${lo} must be smaller than upper_bound ${up}`, i);
    if (lo === null && i !== 0) return fail("lower_null_not_first", "only the first step may have a null lower_bound", i);
    if (up === null && i !== raw.length - 1)
      return fail("upper_null_not_last", "only the last step may have a null upper_bound", i);
    if (!isInt32(adjustment)) return fail("adjustment_invalid", "adjustment must be an int32 integer", i);
    if (adjustmentType === "exact" && adjustment < 0)
      return fail("exact_adjustment_negative", `an exact adjustment is an instance count, ${adjustment} is negative`, i);
    // + 0 turns a JSON "-0" into 0, so the stored policy echoes back as the client means it.
    steps.push({ lower_bound: lo === null ? null : lo + 0, upper_bound: up === null ? null : up + 0, adjustment: adjustment + 0 });
  }

  // Neighbours: the null-position rules above guarantee prev.upper and next.lower are set here.
  for (let i = 1; i < steps.length; i++) {
    const prev = steps[i - 1];
    const next = steps[i];
    const nextLower = next.lower_bound as number;
    const prevUpper = prev.upper_bound as number;
    if (prev.lower_bound !== null && nextLower < prev.lower_bound)
      return fail("steps_not_sorted", `starts at ${nextLower}, below steps[${i - 1}] which starts at ${prev.lower_bound}`, i);
    if (nextLower < prevUpper)
      return fail("steps_overlap", `[${nextLower}, ${show(next.upper_bound)}) overlaps steps[${i - 1}] which ends at ${prevUpper}`, i);
    if (nextLower > prevUpper)
      return fail("steps_gap", `starts at ${nextLower} but steps[${i - 1}] ends at ${prevUpper}: no gaps allowed`, i);
  }
  return steps;
}
