// Bodies of the hook management routes (strict) and of deliveries (as sent by each source:
// loose where the sender adds fields of its own), and the events a delivery turns into.
import { z } from "zod";
import { describeIssue, parseJson } from "../../http/body";
import { MAX_GROUP_SIZE } from "../../domain/model";
import type { AlertRef, HookAction, HookEvent, HookFormat } from "../../domain/hooks";
import { HOOK_FORMATS, actionForAlert } from "../../domain/hooks";
import { GROUP_NAME_RE } from "../groups";

const nonZero = (v: number) => v !== 0;

export const actionSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("change"), value: z.int().min(-MAX_GROUP_SIZE).max(MAX_GROUP_SIZE).refine(nonZero, "must not be 0") }),
  z.strictObject({ type: z.literal("exact"), value: z.int().min(0).max(MAX_GROUP_SIZE) }),
  z.strictObject({ type: z.literal("percent"), value: z.number().min(-100).max(1000).refine(nonZero, "must not be 0") }),
  z.strictObject({ type: z.literal("metric") }),
]);

export const createHookBody = z.strictObject({
  name: z.string().trim().min(1).max(64).regex(/^[^\x00-\x1f\x7f]*$/, "no control characters"),
  group: z.string().regex(GROUP_NAME_RE, "1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit"),
  format: z.enum(HOOK_FORMATS),
  action: actionSchema,
  resolved: actionSchema.nullable().optional(),
  min_interval_seconds: z.int().min(0).max(86_400).optional(),
});
export type CreateHookBody = z.output<typeof createHookBody>;

export const HOOK_ID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// ---------------------------------------------------------------- deliveries

const metricValue = z.number().min(0).max(1e12);

const genericBody = z
  .strictObject({
    delta: z.int().min(-MAX_GROUP_SIZE).max(MAX_GROUP_SIZE).optional(),
    desired: z.int().min(0).max(MAX_GROUP_SIZE).optional(),
    cpu: metricValue.optional(),
  })
  .refine((b) => [b.delta, b.desired, b.cpu].filter((v) => v !== undefined).length <= 1, "at most one of delta, desired, cpu");

const labels = z.record(z.string(), z.string());
const alert = z.looseObject({
  status: z.enum(["firing", "resolved"]),
  labels: labels,
  annotations: labels.optional(),
  startsAt: z.string().min(1).max(64),
  fingerprint: z.string().min(1).max(128).optional(),
  // Grafana: the query results by refId.
  values: z.record(z.string(), z.number().nullable()).nullable().optional(),
});
const alertBody = z.looseObject({
  status: z.string().optional(),
  alerts: z.array(alert).min(1).max(100),
});

export type Parsed = { ok: true; events: HookEvent[] } | { ok: false; field: string; message: string };

const bad = (field: string, message: string): Parsed => ({ ok: false, field, message });

export interface HookConfig {
  format: HookFormat;
  action: HookAction;
  resolved: HookAction | null;
}

/** The number an alert carries for a `metric` action: annotation/label `cpu` or `value`, else (Grafana) the query value of refId A, else the first. */
function alertMetric(a: z.output<typeof alert>): number | null {
  for (const v of [a.annotations?.cpu, a.labels.cpu, a.annotations?.value, a.labels.value]) {
    if (v !== undefined && v.trim() !== "" && Number.isFinite(Number(v)) && Number(v) >= 0) return Number(v);
  }
  const values = a.values ?? {};
  const first = values.A ?? Object.keys(values).sort().map((k) => values[k]).find((v) => v !== null);
  return typeof first === "number" && Number.isFinite(first) && first >= 0 ? first : null;
}

/** Fingerprint of labels when the sender gave none: sorted name=value pairs. */
const labelPrint = (l: Record<string, string>) => Object.keys(l).sort().map((k) => `${k}=${l[k]}`).join(",");

/** Turns a delivery's raw body into events, or says which field is wrong. Runs before authentication; its verdict is only given after. */
export function parseDelivery(hook: HookConfig, raw: Uint8Array): Parsed {
  // The one JSON parser of request bodies (src/http/body.ts): empty, not UTF-8, malformed, duplicate keys, __proto__.
  const json = parseJson(raw);
  if (!json.ok) return bad(json.field, json.message);
  const value = json.value;
  if (hook.format === "generic") {
    const p = genericBody.safeParse(value);
    if (!p.success) return bad(describeIssue(p.error).field, describeIssue(p.error).message);
    const b = p.data;
    if (b.delta !== undefined) return { ok: true, events: [{ alert: null, action: { type: "change", value: b.delta }, source: "payload" }] };
    if (b.desired !== undefined) return { ok: true, events: [{ alert: null, action: { type: "exact", value: b.desired }, source: "payload" }] };
    if (b.cpu !== undefined) return { ok: true, events: [{ alert: null, action: { type: "metric" }, source: "payload", cpu: b.cpu }] };
    if (hook.action.type === "metric") return bad("cpu", "this hook's action is 'metric': send {\"cpu\": <number>}");
    return { ok: true, events: [{ alert: null, action: hook.action, source: "configured" }] };
  }
  const p = alertBody.safeParse(value);
  if (!p.success) return bad(describeIssue(p.error).field, describeIssue(p.error).message);
  const events: HookEvent[] = [];
  for (const [i, a] of p.data.alerts.entries()) {
    const ref: AlertRef = { name: a.labels.alertname ?? null, fingerprint: a.fingerprint ?? labelPrint(a.labels), startsAt: a.startsAt, status: a.status };
    const { action, source } = actionForAlert(hook, a.status);
    if (action?.type === "metric") {
      const cpu = alertMetric(a);
      if (cpu === null) return bad(`alerts.${i}.annotations.cpu`, `alert ${i} carries no metric value (annotation or label 'cpu' or 'value'${hook.format === "grafana" ? ", or values" : ""})`);
      events.push({ alert: ref, action, source, cpu });
    } else events.push({ alert: ref, action, source });
  }
  return { ok: true, events };
}
