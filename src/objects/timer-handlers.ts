// The handlers of each object class's timer kinds (the kernel handles its own: idempotency expiry,
// outbox flush, delivery). One entry per kind, checked exhaustive by the types: adding a kind to
// ./timers.ts without giving it to a class and a handler does not compile. Each runs inside the timer's storage
// transaction and is idempotent (alarms are at-least-once).
import { afterMachineStep } from "./commands/lifecycle";
import * as autoscale from "./commands/autoscale";
import * as quilt from "./commands/quilt";
import * as scaleToZero from "./commands/scale-to-zero";
import type { KernelTimerKind, TimerHandlers, TimerScope } from "./kernel";
import type { GroupTimerKind, TargetTimerKind, TimerKind } from "./timers";
import type { GroupTx } from "./tx";

/** The transaction of a group's timer, or null when the group was deleted since it was armed. */
function groupTx(s: TimerScope): GroupTx | null {
  return s.kernel.store.group ? s.tx() : null;
}

/** Every kind belongs to the kernel or to exactly one class: this fails to compile otherwise. */
type Unowned = Exclude<TimerKind, KernelTimerKind | GroupTimerKind | TargetTimerKind>;
const everyKindOwned: [Unowned] extends [never] ? true : never = true;
void everyKindOwned;

export const groupTimerHandlers: TimerHandlers<GroupTimerKind> = {
  reconcile: (_t, s) => {
    const tx = groupTx(s);
    if (!tx) return;
    tx.reconcile({ text: "periodic reconcile", replace: true });
    tx.timers.set("reconcile", s.now + tx.group.config.updatePeriodSeconds * 1000);
  },
  "machine-step": (t, s) => {
    const tx = groupTx(s);
    const m = tx?.machine(t.key);
    if (!tx || !m) return;
    const change = tx.provider().step(m, t.payload, s.now);
    if (change) tx.apply(change);
    afterMachineStep(tx, m.id);
  },
  // Scheduled terminations are instance-hour waits (elastisys) or cooldown drains (autoscale).
  terminate: (t, s) => {
    const tx = groupTx(s);
    if (!tx) return;
    const drain = tx.group.autoscale || tx.machine(t.key)?.origin === "autoscale";
    tx.reconcile({ text: drain ? `drain of ${t.key} ended` : `instance hour of ${t.key} reached` });
  },
  "warmup-end": (_t, s) => {
    const tx = groupTx(s);
    if (tx) autoscale.evaluateAndApply(tx, "warmup ended");
  },
  "cooldown-end": (_t, s) => {
    const tx = groupTx(s);
    if (tx) autoscale.evaluateAndApply(tx, "cooldown ended");
  },
  "autoscale-idle-check": (_t, s) => {
    const tx = groupTx(s);
    if (tx) autoscale.idleCheck(tx);
  },
  "instance-idle-check": (_t, s) => {
    const tx = groupTx(s);
    if (tx) scaleToZero.instanceIdleCheck(tx);
  },
};

export const targetTimerHandlers: TimerHandlers<TargetTimerKind> = {
  // A workload is not a group: its cutover runs without one.
  "rotation-cutover": (_t, s) => quilt.cutover(s.tx()),
};
