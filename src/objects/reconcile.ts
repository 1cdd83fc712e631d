// Reconcile execution: applies the pure plan of src/domain/reconcile.ts through a transaction —
// forgets ended machines, cancels or schedules terminations, terminates, launches — and records
// every activity. Runs inside the caller's storage transaction (a command or a timer).
import { planReconcile } from "../domain/reconcile";
import { terminateTimer } from "./timers";
import type { GroupTx } from "./tx";

export interface ReconcileCause {
  text: string;
  /** The launch replaces lost members (recorded as machine.replaced). */
  replace?: boolean;
}

/** Brings the effective member count to the desired size; records every activity. */
export function executeReconcile(tx: GroupTx, cause: ReconcileCause): void {
  const now = tx.now;
  const provider = tx.provider();
  const plan = planReconcile(tx.group, [...tx.store.machines.values()], now);
  const activity = (type: string, result: unknown) => tx.op(type, { result, cause: cause.text }, null);

  for (const id of plan.forget) tx.forget(id);
  for (const id of plan.unschedule) {
    tx.store.putMachine({ ...tx.machine(id)!, terminateAt: null });
    tx.timers.clear(terminateTimer(id));
    activity("machine.termination_cancelled", { machineId: id });
  }
  for (const id of [...plan.cancel, ...plan.terminate]) {
    const m = tx.machine(id)!;
    tx.apply(provider.terminate(m, now));
    tx.timers.clear(terminateTimer(id));
    activity("machine.terminated", { machineId: id, machineState: m.machineState });
  }
  for (const { id, at } of plan.schedule) {
    tx.store.putMachine({ ...tx.machine(id)!, terminateAt: at });
    tx.timers.set(terminateTimer(id), at);
    activity("machine.termination_scheduled", { machineId: id, terminateAt: new Date(at).toISOString() });
  }
  if (plan.launch > 0) {
    const change = provider.launch(plan.launch, now, tx.launchTemplate());
    tx.apply(change);
    activity(cause.replace ? "machine.replaced" : "machine.launched", { count: plan.launch, machineIds: change.machines.map((m) => m.id) });
  }
}
