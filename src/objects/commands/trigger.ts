// The group's side of an inbound scale trigger (docs/webhooks.md): the `hook.trigger` command a
// hook's object sends after authenticating and deduplicating a delivery.
import { targetSize, triggerCause, type AlertRef, type HookAction, type HookEvent } from "../../domain/hooks";
import type { Result } from "../../domain/operations";
import type { GroupTx } from "../tx";
import { pushMetrics } from "./autoscale";

export interface Trigger {
  operationId: string;
  hook: { id: string; name: string };
  alert: AlertRef | null;
  deliveryId: string | null;
  action: HookAction;
  source: HookEvent["source"];
  cpu?: number;
}

/** Changes the group's desired size by the trigger's action (within its bounds), or feeds its autoscale metric. */
export function applyTrigger(tx: GroupTx, t: Trigger): Result<{ desiredSize: number }> {
  const cause = triggerCause(t.hook, t.alert, t.deliveryId);
  const request = { hook: t.hook, alert: t.alert, delivery_id: t.deliveryId, action: t.action, source: t.source, ...(t.cpu !== undefined ? { cpu: t.cpu } : {}) };
  const before = tx.group.desiredSize;
  if (t.action.type === "metric") {
    const r = pushMetrics(tx, { cpu: t.cpu });
    if (!r.ok) return r;
    const after = tx.group.desiredSize;
    tx.op("hook.trigger", { id: t.operationId, request, result: { cpu: r.cpu, decision: r.outcome?.decision ?? null, explanation: r.outcome?.explanation ?? null, before, after }, cause });
    return { ok: true, desiredSize: after };
  }
  const g = tx.group;
  const { raw, target } = targetSize(t.action, before, g.minSize, g.maxSize);
  tx.setGroup({ desiredSize: target });
  const op = tx.op("hook.trigger", { id: t.operationId, request, result: { before, after: target, requested: raw, clamped: raw !== target }, cause });
  if (target !== before) tx.reconcile({ text: `${cause} (operation ${op.id})` });
  return { ok: true, desiredSize: target };
}
