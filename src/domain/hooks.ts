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
