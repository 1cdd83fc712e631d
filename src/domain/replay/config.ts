// A configuration to replay: the live one, or one to try, validated by the same rules and with the
// same messages as the configuration routes (sizes: configureAutoscale, times: the KraftCloud
// route, policies: validatePolicy with the KraftCloud aliases). Fields not given keep the base's
// values (the live configuration, or the defaults when there is none).
import { INT32_LIMIT, validatePolicy, type StepPolicy, type StepPolicyInput } from "../autoscale";
import { AUTOSCALE_DEFAULTS } from "../autoscale/state";
import { MAX_GROUP_SIZE } from "../model";
import type { Failure } from "../operations";
import type { ReplayConfig } from "./engine";

export type ConfigInput = {
  min_size?: number;
  max_size?: number;
  warmup_time_ms?: number;
  cooldown_time_ms?: number;
  policies?: StepPolicyInput[];
};

export const DEFAULT_REPLAY_CONFIG: ReplayConfig = {
  min_size: AUTOSCALE_DEFAULTS.min_size,
  max_size: AUTOSCALE_DEFAULTS.max_size,
  warmup_time_ms: AUTOSCALE_DEFAULTS.warmup_time_ms,
  cooldown_time_ms: AUTOSCALE_DEFAULTS.cooldown_time_ms,
  policies: [],
};

const isInt = (x: unknown): x is number => typeof x === "number" && Number.isInteger(x);

/** The configuration `input` makes of `base`, or the failure the configuration routes answer for it. */
export function replayConfig(input: ConfigInput, base: ReplayConfig = DEFAULT_REPLAY_CONFIG): { ok: true; config: ReplayConfig } | Failure {
  for (const field of ["min_size", "max_size", "warmup_time_ms", "cooldown_time_ms"] as const) {
    const v = input[field];
    if (v !== undefined && !isInt(v)) return { ok: false, code: "INVALID", message: `${field} must be an integer` };
  }
  for (const field of ["warmup_time_ms", "cooldown_time_ms"] as const) {
    const v = input[field];
    if (v !== undefined && (v < 1 || v > INT32_LIMIT)) return { ok: false, code: "INVALID", message: `${field} ${v} must be between 1 and ${INT32_LIMIT}` };
  }
  const min = input.min_size ?? base.min_size;
  const max = input.max_size ?? base.max_size;
  if (min > max || max > MAX_GROUP_SIZE || min < 0 || max < 1) {
    return { ok: false, code: "OUT_OF_RANGE", message: `min_size ${min} and max_size ${max} must satisfy 0 <= min_size <= max_size <= ${MAX_GROUP_SIZE}, max_size >= 1` };
  }
  let policies: StepPolicy[] = base.policies;
  if (input.policies !== undefined) {
    policies = [];
    for (const p of input.policies) {
      const v = validatePolicy(p, policies, { aliases: true });
      if (!v.ok) return { ok: false, code: v.rule === "already_exists" ? "ALREADY_EXISTS" : "INVALID", message: v.message };
      policies.push(v.policy);
    }
  }
  return {
    ok: true,
    config: {
      min_size: min,
      max_size: max,
      warmup_time_ms: input.warmup_time_ms ?? base.warmup_time_ms,
      cooldown_time_ms: input.cooldown_time_ms ?? base.cooldown_time_ms,
      policies,
    },
  };
}
