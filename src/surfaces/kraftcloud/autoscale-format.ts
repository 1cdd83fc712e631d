// KraftCloud autoscale on the wire: the response items
// (autoscale_config, autoscale_policy of shared/specs/platform.json, plus the documented
// extension fields of the metrics and evaluate answers).
import type { StepPolicy } from "../../domain/autoscale";
import type { Outcome } from "../../domain/autoscale/state";
import type { GroupState, Machine } from "../../domain/model";

/** What identifies a group in an item: echoed only when well-formed (the spec's uuid/basename formats). */
export type Identity = { uuid?: string; name?: string };

/** A step as the spec's autoscale_policy_step: an unbounded side is left out (int32 only). */
export function policyJson(p: StepPolicy) {
  return {
    status: "success",
    name: p.name,
    type: p.type,
    metric: p.metric,
    adjustment_type: p.adjustment_type,
    steps: p.steps.map((s) => ({
      ...(s.lower_bound === null ? {} : { lower_bound: s.lower_bound }),
      ...(s.upper_bound === null ? {} : { upper_bound: s.upper_bound }),
      adjustment: s.adjustment,
    })),
  };
}

/** autoscale_config; a group without autoscale is `unconfigured`. */
export function configJson(g: GroupState, machines: Machine[]) {
  const a = g.autoscale;
  if (!a) return { status: "unconfigured", uuid: g.uuid, name: g.name, enabled: false };
  const master = machines.find((m) => m.id === a.master);
  return {
    status: "success",
    uuid: g.uuid,
    name: g.name,
    enabled: true,
    min_size: a.min_size,
    max_size: a.max_size,
    warmup_time_ms: a.warmup_time_ms,
    cooldown_time_ms: a.cooldown_time_ms,
    master: master ? { uuid: master.uuid, name: master.name } : {},
    policies: a.policies.map(({ name, type, metric, adjustment_type, steps }) => {
      const { status: _s, ...rest } = policyJson({ name, type, metric, adjustment_type, steps });
      return rest;
    }),
  };
}

/** The engine's decision, the gate that held it back, and the sentence explaining it. */
export function decisionJson(o: Outcome, applied: "applied" | "would_apply" = "applied") {
  const d = o.decision;
  return {
    direction: d.direction,
    change: d.change,
    desired: d.desired,
    unclamped_desired: d.unclamped_desired,
    clamp: d.clamp,
    winner: d.winner,
    inputs: d.inputs,
    policies: d.policies,
    blocked_by: o.blockedBy,
    [applied]: o.apply !== null,
    explanation: o.explanation,
  };
}
