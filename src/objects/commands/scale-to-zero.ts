// Scale-to-zero of single instances (KraftCloud's instance shortcut: `scale_to_zero` {policy
// on|idle, cooldown_time_ms} or the deprecated `features: ["scale-to-zero"]`), for instances that
// are not an autoscale master (autoscale with min_size 0 puts its master to sleep itself, see
// ./autoscale.ts). After cooldown_time_ms without reported traffic such an instance goes to
// standby; traffic, or a start call, wakes it, and the requests reported while it wakes are held
// and released (recorded) once it runs again. We only see reported traffic, so the policies `on`
// and `idle` behave alike (docs/kraftcloud.md). The rules are src/domain/scale-to-zero.ts; this
// file applies them through the transaction.
import type { Machine } from "../../domain/model";
import {
  initialTraffic,
  instanceIdleCheckAt,
  instanceTrafficAfter,
  instancesToWake,
  planInstanceIdle,
  planInstanceRelease,
  sleepers as sleepersOf,
  type InstanceTraffic,
} from "../../domain/scale-to-zero";
import type { GroupTx } from "../tx";
import { startInstance, stopInstance } from "./instances";

export const INSTANCE_IDLE_CHECK = "instance-idle-check";

const traffic = (tx: GroupTx): InstanceTraffic => tx.store.getDoc<InstanceTraffic>("instance-traffic") ?? initialTraffic(tx.group.createdAt);
const putTraffic = (tx: GroupTx, t: InstanceTraffic) => tx.store.putDoc("instance-traffic", t);

/** Instances that sleep on their own: retained, with a scale-to-zero policy, not the autoscale master. */
export function sleepers(tx: GroupTx): Machine[] {
  return sleepersOf(tx.store.machines.values(), tx.group.autoscale?.master);
}

/** Arms the idle check for the earliest running sleeper (idle time only counts while it runs). */
function armIdleCheck(tx: GroupTx): void {
  const at = instanceIdleCheckAt(traffic(tx), sleepers(tx), tx.now);
  if (at === null) tx.timers.clear(INSTANCE_IDLE_CHECK);
  else tx.timers.set(INSTANCE_IDLE_CHECK, at);
}

/** Reported traffic: wakes standby sleepers; requests for one that does not run yet are held. */
export function instanceTraffic(tx: GroupTx, requests: number): boolean {
  const all = sleepers(tx);
  if (all.length === 0) return false;
  let woke = false;
  for (const m of instancesToWake(all)) {
    if (!startInstance(tx, m.id).ok) continue;
    woke = true;
    tx.op("scale_to_zero.wake", { result: { instance: m.uuid, name: m.name } }, null);
  }
  putTraffic(tx, instanceTrafficAfter(traffic(tx), sleepers(tx), requests, tx.now));
  armIdleCheck(tx);
  return woke;
}

/** The idle check: every running sleeper idle for its cooldown goes to standby (unless requests are held). */
export function instanceIdleCheck(tx: GroupTx): void {
  for (const { id, idleForMs } of planInstanceIdle(traffic(tx), sleepers(tx), tx.now)) {
    const m = tx.machine(id)!;
    if (stopInstance(tx, id, true).ok) tx.op("scale_to_zero.sleep", { result: { instance: m.uuid, name: m.name, idleForMs } }, null);
  }
  armIdleCheck(tx);
}

/** A sleeper that has just come to run starts its idle time now and releases the held requests. */
export function releaseInstanceHeld(tx: GroupTx, machineId: string): void {
  const plan = planInstanceRelease(traffic(tx), sleepers(tx), machineId, tx.now);
  if (!plan) return;
  const m = tx.machine(machineId)!;
  if (plan.released > 0) tx.op("scale_to_zero.released", { result: { instance: m.uuid, name: m.name, requests: plan.released } }, null);
  putTraffic(tx, plan.traffic);
  armIdleCheck(tx);
}
