// Inbound scale triggers (webhooks, docs/webhooks.md): what a hook is configured to do and what
// one delivery asks for, as plain data shared by the route, the hook's object and the group.
import { roundPercentChange } from "./autoscale/evaluate";

export const HOOK_FORMATS = ["generic", "alertmanager", "grafana"] as const;
export type HookFormat = (typeof HOOK_FORMATS)[number];

export type HookAction =
  | { type: "change"; value: number }
  | { type: "exact"; value: number }
  | { type: "percent"; value: number }
  | { type: "metric" };

/** After a rotation the previous secret is still accepted this long. */
export const SECRET_GRACE_MS = 24 * 3_600_000;
/** A signature's `t` may differ from the receiver's clock by this much, either way. */
export const SIGNATURE_TOLERANCE_SEC = 300;
/** Delivery ids and alert fingerprints are remembered this long (same as Idempotency-Key). */
export const DEDUP_RETENTION_MS = 24 * 3_600_000;

/** A hook's definition: which group it acts on and what it does (its secrets stay in its object). */
export interface HookDefinition {
  id: string;
  tenantId: string;
  group: string;
  name: string;
  format: HookFormat;
  action: HookAction;
  resolved: HookAction | null;
  minIntervalSeconds: number;
}

/** What the management routes show: never a secret. */
export type HookView = HookDefinition & { createdAt: number; updatedAt: number; previousSecretExpiresAt: number | null; lastActionAt: number | null };

/** The alert behind an event (Alertmanager / Grafana). */
export interface AlertRef {
  name: string | null;
  fingerprint: string;
  startsAt: string;
  status: "firing" | "resolved";
}

/** One thing a delivery asks for: a generic body is one event, an alert payload one per alert. */
export interface HookEvent {
  alert: AlertRef | null;
  /** What to do; null when nothing is configured for it (a resolved alert without `resolved`). */
  action: HookAction | null;
  /** Where the action came from: the hook's configuration or the delivery's own body. */
  source: "configured" | "resolved" | "payload";
  /** The metric sample for a `metric` action. */
  cpu?: number;
}

/** The alert-level dedup key: the same alert instance in the same state acts once. */
export const alertKey = (a: AlertRef) => `${a.fingerprint}|${a.startsAt}|${a.status}`;

/**
 * The desired size an action leads to from `current`, within [min, max]. Percent follows the
 * step-policy rounding (AWS semantics, docs/decisions.md): a fraction above 1 rounds down,
 * (0, 1) → 1, (-1, 0) → -1, below -1 toward zero.
 */
export function targetSize(action: Exclude<HookAction, { type: "metric" }>, current: number, min: number, max: number): { raw: number; target: number } {
  let raw: number;
  if (action.type === "change") raw = current + action.value;
  else if (action.type === "exact") raw = action.value;
  else raw = current + roundPercentChange((current * action.value) / 100 + 0);
  return { raw, target: Math.min(max, Math.max(min, raw)) };
}

/** One line for the ledger's `cause`: which hook, which alert. */
export function triggerCause(hook: { id: string; name: string }, alert: AlertRef | null, deliveryId: string | null): string {
  const who = `hook ${hook.id} (${hook.name})`;
  if (alert) return `${who} alert ${alert.name ?? "(unnamed)"} ${alert.status} fingerprint ${alert.fingerprint} startsAt ${alert.startsAt}`;
  return deliveryId ? `${who} delivery ${deliveryId}` : who;
}

// ---------------------------------------------------------------- dedup, min-interval, per-alert action

/** The per-alert outcome of a delivery, as answered and as remembered for dedup. */
export interface DeliveryResult {
  alert: AlertRef | null;
  outcome: "acted" | "suppressed" | "ignored" | "failed";
  operation_id: string | null;
  action: HookAction | null;
  reason?: string;
  desired_size?: number;
  duplicate?: boolean;
}

/**
 * Dedup key of an alert instance in one state (fingerprint + startsAt + status): it acts once.
 * (A delivery id is the kernel's idempotency key instead: a repeated delivery gets the first answer.)
 */
export const alertDedupKey = (a: AlertRef) => `a:${alertKey(a)}`;

/** What an alert asks for: a firing one the hook's action, a resolved one its `resolved` action (none: ignored). */
export function actionForAlert(hook: { action: HookAction; resolved: HookAction | null }, status: AlertRef["status"]): { action: HookAction | null; source: "configured" | "resolved" } {
  return status === "firing" ? { action: hook.action, source: "configured" } : { action: hook.resolved, source: "resolved" };
}

/**
 * When the next action is allowed after one at `lastActionAt` (null: at any time). The interval
 * is measured from the last action that acted; the boundary itself is allowed.
 */
export function nextActionAt(lastActionAt: number | null, minIntervalSeconds: number): number | null {
  return minIntervalSeconds > 0 && lastActionAt !== null ? lastActionAt + minIntervalSeconds * 1000 : null;
}

/** Whether `min_interval_seconds` suppresses an action at `now`. */
export function suppressedAt(lastActionAt: number | null, minIntervalSeconds: number, now: number): boolean {
  const next = nextActionAt(lastActionAt, minIntervalSeconds);
  return next !== null && now < next;
}

export interface DeliveryPlanInput {
  events: HookEvent[];
  /** What was remembered for alert keys seen before (see alertDedupKey); absent keys are new. */
  priors: ReadonlyMap<string, DeliveryResult>;
  lastActionAt: number | null;
  minIntervalSeconds: number;
  now: number;
  /** The operation id of each acting event (injected: the planner stays deterministic). */
  newOperationId: () => string;
}

export interface DeliveryPlan {
  /** One per event, in order; `acts` entries are the same objects (the applier fills in desired_size or failure). */
  results: DeliveryResult[];
  /** Events to act on, in order, with their alert's dedup key (null: not an alert). */
  acts: { index: number; event: HookEvent; result: DeliveryResult; key: string | null }[];
  /** Alert keys to remember now (first sight of an alert in this delivery), with their result. */
  remember: { key: string; result: DeliveryResult }[];
  /** The hook's last action time after this delivery (changed when something acts). */
  lastActionAt: number | null;
}

/**
 * Plans a delivery's events in order: an alert already seen (in an earlier delivery, or earlier
 * in this one) is a duplicate of its first result; an event without an action is ignored; an
 * action within `min_interval_seconds` of the last one (including one acted earlier in this
 * delivery) is suppressed; anything else acts. The input is not modified.
 */
export function planDelivery(input: DeliveryPlanInput): DeliveryPlan {
  const { now, minIntervalSeconds } = input;
  const seen = new Map(input.priors);
  const plan: DeliveryPlan = { results: [], acts: [], remember: [], lastActionAt: input.lastActionAt };
  for (const [index, ev] of input.events.entries()) {
    const key = ev.alert ? alertDedupKey(ev.alert) : null;
    const prior = key ? seen.get(key) : undefined;
    let r: DeliveryResult;
    if (prior) r = { ...prior, duplicate: true };
    else if (!ev.action) r = { alert: ev.alert, outcome: "ignored", operation_id: null, action: null, reason: "resolved alert, and no 'resolved' action is configured" };
    else if (suppressedAt(plan.lastActionAt, minIntervalSeconds, now)) {
      const next = nextActionAt(plan.lastActionAt, minIntervalSeconds)!;
      r = { alert: ev.alert, outcome: "suppressed", operation_id: null, action: ev.action, reason: `min_interval_seconds ${minIntervalSeconds}: next action allowed at ${new Date(next).toISOString()}` };
    } else {
      r = { alert: ev.alert, outcome: "acted", operation_id: input.newOperationId(), action: ev.action };
      plan.lastActionAt = now;
      plan.acts.push({ index, event: ev, result: r, key });
    }
    if (key && !prior) {
      // A snapshot: what a duplicate later in this delivery answers is the result as planned.
      seen.set(key, { ...r });
      plan.remember.push({ key, result: r });
    }
    plan.results.push(r);
  }
  return plan;
}

/**
 * The hook's last action time once the group calls are done: when something was planned to act
 * and nothing did, the time goes back to what it was (a failed trigger does not start an
 * interval) — unless another delivery has moved it since.
 */
export function lastActionAfterActing(before: number | null, current: number | null, planned: number, acted: number, now: number): number | null {
  return planned > 0 && acted === 0 && current === now ? before : current;
}
