// KraftCloud autoscale on the wire: the response items
// (autoscale_config, autoscale_policy of the upstream KraftCloud OpenAPI file, plus the documented
// extension fields of the metrics and evaluate answers).
import type { StepPolicy } from "../../domain/autoscale";
import type { Outcome } from "../../domain/autoscale/state";
import { settingsOf } from "../../domain/front-door";
import type { GroupState, Machine } from "../../domain/model";
import { digestUuid } from "../../domain/hex";

/** What identifies a group in an item: echoed only when well-formed (the spec's uuid/basename formats). */
export type Identity = { uuid?: string; name?: string };

/** A step as the spec's autoscale_policy_step: an unbounded side is left out (int32 only). */
const stepJson = (p: StepPolicy) =>
  p.steps.map((s) => ({
    ...(s.lower_bound === null ? {} : { lower_bound: s.lower_bound }),
    ...(s.upper_bound === null ? {} : { upper_bound: s.upper_bound }),
    adjustment: s.adjustment,
  }));

/** A policy in both generations' terms: the flat fields, and `policy` (the SDK's AutoscalePolicy). */
export function policyJson(p: StepPolicy) {
  return { status: "success", ...flatPolicy(p), policy: sdkPolicy(p) };
}

/** The flat fields (older generation), adjustment_type as the client spelled it. */
function flatPolicy(p: StepPolicy) {
  return { name: p.name, type: p.type, metric: p.metric, adjustment_type: p.adjustment_type_spelling ?? p.adjustment_type, steps: stepJson(p) };
}

/** The SDK's AutoscalePolicy. */
function sdkPolicy(p: StepPolicy) {
  return { name: p.name, enabled: p.enabled !== false, metric: p.metric, adjustment_type: p.adjustment_type_spelling ?? p.adjustment_type, steps: stepJson(p) };
}

/** A policy's UUID (the SDK's created policy item requires one): derived from its group and name, so stable. */
export function policyUuid(groupUuid: string, name: string): Promise<string> {
  return digestUuid(`scalegate:policy:${groupUuid}:${name}`);
}

/** autoscale_config; a group without autoscale is `unconfigured`. The master is also `template` (the SDK's name). */
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
    ...(master ? { template: { uuid: master.uuid, name: master.name } } : {}),
    policies: a.policies.map((p) => ({ ...flatPolicy(p), enabled: p.enabled !== false })),
    // Extension (issue 11): the front door's settings in effect (defaults included).
    ...frontDoorJson(a),
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

/** The front door's settings of a configuration, on the wire (max_concurrency null: no limit). */
function frontDoorJson(a: NonNullable<GroupState["autoscale"]>) {
  const s = settingsOf(a);
  return { max_pending: s.maxPending, hold_timeout_ms: s.holdTimeoutMs, max_concurrency: s.maxConcurrency, upstream_timeout_ms: s.upstreamTimeoutMs };
}
