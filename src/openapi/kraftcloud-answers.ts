// The answers of the KraftCloud v1 routes: the envelope `{status, data: {<kind>: [items]}, op_time_us}`
// and its items, as src/surfaces/kraftcloud/format.ts, autoscale-format.ts and envelope.ts write
// them. Both API generations' fields are declared (the older flat ones and what the
// `@unikraft/cloud` SDK's models read); every object allows additional properties, as extra keys
// never break a KraftCloud client. docs/kraftcloud.md, "Comparing with the upstream OpenAPI file".
import { z } from "zod";
import { KC } from "../surfaces/kraftcloud/envelope";
import { isoTime } from "./common";

export const KC_STATES = ["stopped", "starting", "running", "draining", "stopping", "standby"] as const;

const uuid = z.uuid();
const ref = z.looseObject({ uuid: uuid.optional(), name: z.string().optional() }).meta({ id: "Reference", description: "A service group or instance: {uuid} and/or {name}" });

/** A failed item: HTTP 200, its own `status: "error"`, the SDKs' numeric code, and who it concerns when that is known. */
export const itemError = z
  .looseObject({
    status: z.literal("error"),
    message: z.string().min(1),
    error: z.literal(Object.values(KC)).describe("KraftCloud error code: 7 invalid, 8 not found, 23 already exists, 26 autoscale configured, 27 autoscale not configured, 29 size out of range"),
    uuid: uuid.optional(),
    name: z.string().optional(),
  })
  .meta({ id: "ItemError" });

const handlers = z.array(z.enum(["tls", "http", "redirect"]));

export const serviceGroup = z
  .looseObject({
    status: z.literal("success"),
    uuid,
    name: z.string(),
    created_at: isoTime.optional(),
    persistent: z.boolean().optional(),
    autoscale: z.boolean().optional().describe("whether autoscale is configured"),
    soft_limit: z.int().min(1).max(65535).optional(),
    hard_limit: z.int().min(1).max(65535).optional(),
    services: z.array(z.looseObject({ port: z.int().min(1).max(65535), destination_port: z.int().min(1).max(65535), handlers })).optional(),
    domains: z.array(z.looseObject({ fqdn: z.string() })).optional(),
    instances: z.array(ref).optional(),
  })
  .meta({ id: "ServiceGroup", description: "A service group (`?details=false` and writes: status, uuid, name and what the write set)" });

export const instance = z
  .looseObject({
    status: z.literal("success"),
    uuid,
    name: z.string(),
    created_at: isoTime.optional(),
    state: z.enum(KC_STATES).optional(),
    previous_state: z.enum(KC_STATES).optional().describe("start, stop, delete: the state before"),
    image: z.string().optional().describe("empty for a machine launched by a pool of another dialect (no spec known)"),
    memory_mb: z.int().min(0).optional().describe("0 when no spec is known"),
    vcpus: z.int().min(0).optional().describe("0 when no spec is known"),
    restart_policy: z.string().optional(),
    type: z.string().optional(),
    service_group: ref.optional(),
    private_ip: z.string().optional(),
    started_at: isoTime.optional(),
    stopped_at: isoTime.optional(),
    scale_to_zero: z.looseObject({ policy: z.enum(["on", "off", "idle"]), cooldown_time_ms: z.int().min(0) }).optional(),
  })
  .meta({ id: "Instance" });

const step = z.looseObject({ lower_bound: z.number().optional(), upper_bound: z.number().optional(), adjustment: z.number() });

const flatPolicy = {
  name: z.string(),
  type: z.string().optional().describe("the kind, `step`"),
  metric: z.string().optional().describe("cpu | inflight_reqs | reqs_per_sec"),
  adjustment_type: z.string().optional().describe("change | exact | percent, or the SDK's absolute | percentage, as the policy was created"),
  steps: z.array(step).optional(),
  enabled: z.boolean().optional(),
};

export const policy = z
  .looseObject({
    status: z.literal("success"),
    uuid: uuid.optional().describe("created policies"),
    ...flatPolicy,
    policy: z.looseObject({ name: z.string(), enabled: z.boolean().optional(), metric: z.string().optional(), adjustment_type: z.string().optional(), steps: z.array(step).optional() }).optional().describe("the SDK's AutoscalePolicy"),
  })
  .meta({ id: "Policy", description: "A step policy; deletions answer {status, name}" });

export const autoscaleConfig = z
  .looseObject({
    status: z.enum(["success", "unconfigured"]),
    uuid: uuid.optional(),
    name: z.string().optional(),
    enabled: z.boolean().optional(),
    min_size: z.int().min(0).optional(),
    max_size: z.int().min(0).optional(),
    warmup_time_ms: z.int().min(0).optional(),
    cooldown_time_ms: z.int().min(0).optional(),
    master: ref.optional().describe("the instance autoscale clones (older generation)"),
    template: ref.optional().describe("the same instance, the SDK's name"),
    policies: z.array(z.looseObject(flatPolicy)).optional(),
    draining: z.array(uuid).optional().describe("DELETE: the uuids of the clones that drain"),
    max_pending: z.int().min(0).optional().describe("extension (front door): requests held while the group wakes"),
    hold_timeout_ms: z.int().min(0).optional().describe("extension (front door): how long a held request waits"),
    max_concurrency: z.int().min(1).nullable().optional().describe("extension (front door): requests one instance takes at once; null: no limit"),
    upstream_timeout_ms: z.int().min(0).optional().describe("extension (front door): how long an instance's answer is waited for"),
  })
  .meta({ id: "AutoscaleConfig" });

const decision = z.looseObject({
  direction: z.string(),
  change: z.number(),
  desired: z.int(),
  explanation: z.string(),
});

export const metricsAnswer = z
  .looseObject({ status: z.literal("success"), uuid: uuid.optional(), name: z.string().optional(), cpu: z.unknown().optional(), excluded: z.unknown().optional(), woke: z.unknown().optional(), decision: decision.nullable() })
  .meta({ id: "MetricsAnswer", description: "Extension: what a metric sample did" });

export const evaluateAnswer = z
  .looseObject({ status: z.literal("success"), uuid: uuid.optional(), name: z.string().optional(), capacity: z.int().min(0), decision })
  .meta({ id: "EvaluateAnswer", description: "Extension: what autoscale would do" });

const replayRun = z
  .looseObject({
    start: isoTime,
    end: isoTime,
    samples: z.int().min(1),
    config: z.looseObject({}),
    options: z.looseObject({}),
    summary: z.record(z.string(), z.number()).describe("instance_seconds, under_provisioned_s, scale_events, cold_starts, largest_step, …"),
    timeline: z.array(z.looseObject({ at: isoTime, desired: z.int(), running: z.int() })).describe("one entry per change"),
    decisions: z.array(z.looseObject({ at: isoTime, trigger: z.string(), applied: z.boolean(), decision: z.looseObject({ explanation: z.string() }) })).describe("as the live ledger records them"),
    windows: z.array(z.looseObject({})),
    events: z.array(z.looseObject({})),
    truncated: z.looseObject({}).nullable(),
  })
  .meta({ id: "ReplayRun" });

export const replayAnswer = z
  .looseObject({
    status: z.literal("success"),
    uuid: uuid.optional(),
    name: z.string().optional(),
    source: z.enum(["live", "tried"]),
    run: replayRun,
    compare: z.looseObject({ run: replayRun, deltas: z.record(z.string(), z.number()) }).nullable(),
  })
  .meta({ id: "ReplayAnswer", description: "Extension: a trace replayed through autoscale in virtual time" });

/** The v1 envelope of `kind` items; a route's items are its own schema or an item error. */
export function envelope(kind: string, item: z.ZodType, id: string) {
  return z
    .looseObject({
      status: z.enum(["success", "partial_success", "error"]).describe("success: every item succeeded; partial_success: some failed; error: all failed"),
      message: z.string().optional().describe("with status error on a single-target route: the item's message"),
      data: z.looseObject({ [kind]: z.array(z.union([item, itemError])) }),
      op_time_us: z.int().min(0),
    })
    .meta({ id, description: `HTTP 200: ${kind}, each item with its own status` });
}
