// Scale-to-zero of single instances (KraftCloud's instance shortcut: `scale_to_zero` {policy
// on|idle, cooldown_time_ms} or the deprecated `features: ["scale-to-zero"]`), for instances that
// are not an autoscale master (autoscale with min_size 0 puts its master to sleep itself, see
// ./autoscale.ts). After cooldown_time_ms without reported traffic such an instance goes to
// standby; traffic, or a start call, wakes it, and the requests reported while it wakes are held
// and released (recorded) once it runs again. We only see reported traffic, so the policies `on`
// and `idle` behave alike (docs/kraftcloud.md).
import type { Machine } from "../../domain/model";
import type { GroupTx } from "../tx";
import { startInstance, stopInstance } from "./instances";

export const INSTANCE_IDLE_CHECK = "instances:idle-check";

/** Traffic reported for the group's sleeping instances. */
interface Traffic {
  /** Last reported traffic, or when a sleeper last came to run. */
  lastAt: number;
  /** Requests reported while a sleeper was not running yet, released when it runs. */
  held: number;
}

const traffic = (tx: GroupTx): Traffic => tx.store.getDoc<Traffic>("instance-traffic") ?? { lastAt: tx.group.createdAt, held: 0 };
const putTraffic = (tx: GroupTx, t: Traffic) => tx.store.putDoc("instance-traffic", t);
const sleepsWhenIdle = (m: Machine) => !!m.scaleToZero && m.scaleToZero.policy !== "off";

/** Instances that sleep on their own: retained, with a scale-to-zero policy, not the autoscale master. */
export function sleepers(tx: GroupTx): Machine[] {
  const master = tx.group.autoscale?.master;
  return [...tx.store.machines.values()].filter((m) => m.member && m.retained && m.id !== master && sleepsWhenIdle(m));
}

const cooldown = (m: Machine) => m.scaleToZero?.cooldownTimeMs ?? 1000;

/** Arms the idle check for the earliest running sleeper (idle time only counts while it runs). */
function armIdleCheck(tx: GroupTx): void {
  const t = traffic(tx);
  const awake = sleepers(tx).filter((m) => m.machineState === "RUNNING");
  if (awake.length === 0) return tx.timers.clear(INSTANCE_IDLE_CHECK);
  tx.timers.set(INSTANCE_IDLE_CHECK, Math.max(tx.now, t.lastAt + Math.min(...awake.map(cooldown))));
}

/** Reported traffic: wakes standby sleepers; requests for one that does not run yet are held. */
export function instanceTraffic(tx: GroupTx, requests: number): boolean {
  const all = sleepers(tx);
  if (all.length === 0) return false;
  let woke = false;
  for (const m of all) {
    // One just going to standby is woken too: it starts again as soon as it has stopped.
    if (m.standby && (m.machineState === "TERMINATED" || m.machineState === "TERMINATING") && startInstance(tx, m.id).ok) {
      woke = true;
      tx.op("scale_to_zero.wake", { result: { instance: m.uuid, name: m.name } }, null);
    }
  }
  const waiting = sleepers(tx).some((m) => m.machineState !== "RUNNING");
  const t = traffic(tx);
  putTraffic(tx, { lastAt: tx.now, held: t.held + (waiting ? requests : 0) });
  armIdleCheck(tx);
  return woke;
}

/** The idle check: every running sleeper idle for its cooldown goes to standby (unless requests are held). */
export function instanceIdleCheck(tx: GroupTx): void {
  const t = traffic(tx);
  if (t.held > 0) return armIdleCheck(tx);
  for (const m of sleepers(tx)) {
    if (m.machineState !== "RUNNING" || t.lastAt + cooldown(m) > tx.now) continue;
    if (stopInstance(tx, m.id, true).ok) tx.op("scale_to_zero.sleep", { result: { instance: m.uuid, name: m.name, idleForMs: tx.now - t.lastAt } }, null);
  }
  armIdleCheck(tx);
}

/** A sleeper that has just come to run starts its idle time now and releases the held requests. */
export function releaseInstanceHeld(tx: GroupTx, machineId: string): void {
  const m = tx.machine(machineId);
  if (!m || m.machineState !== "RUNNING" || !sleepers(tx).some((s) => s.id === machineId)) return;
  const t = traffic(tx);
  if (t.held > 0) tx.op("scale_to_zero.released", { result: { instance: m.uuid, name: m.name, requests: t.held } }, null);
  putTraffic(tx, { lastAt: tx.now, held: 0 });
  armIdleCheck(tx);
}
