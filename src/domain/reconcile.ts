// Reconcile planning: what to do so that the effective member count equals the desired size.
// Pure: the Durable Object applies the plan through the group's provider.
import { ENDED_MACHINE_RETENTION_MS, isAllocated, isEffective, type GroupState, type Machine } from "./model";
import { rankVictims, terminationTime } from "./victims";

export interface ReconcilePlan {
  /** Machines to launch, in one provider call. */
  launch: number;
  /** REQUESTED members whose request is cancelled (cheapest scale-in: nothing runs yet). */
  cancel: string[];
  /** Members to terminate now. */
  terminate: string[];
  /** Members chosen for scale-in whose termination waits for their instance hour. */
  schedule: { id: string; at: number }[];
  /** Members chosen earlier whose pending termination is called off because the pool grew again. */
  unschedule: string[];
  /** Ended (TERMINATED/REJECTED) machines past their listing retention, to forget. */
  forget: string[];
}

export const emptyPlan = (): ReconcilePlan => ({ launch: 0, cancel: [], terminate: [], schedule: [], unschedule: [], forget: [] });

export function isEmptyPlan(p: ReconcilePlan): boolean {
  return p.launch === 0 && !p.cancel.length && !p.terminate.length && !p.schedule.length && !p.unschedule.length && !p.forget.length;
}

export function planReconcile(group: GroupState, machines: Machine[], now: number): ReconcilePlan {
  const plan = emptyPlan();
  const { victimSelectionPolicy: policy, instanceHourMarginSeconds: margin } = group.config;

  for (const m of machines) {
    // Retained machines (explicit KraftCloud instances) persist when stopped; the others are forgotten.
    if (m.endedAt !== null && !m.retained && now - m.endedAt >= ENDED_MACHINE_RETENTION_MS) plan.forget.push(m.id);
    if (!m.member || !isAllocated(m) || m.terminateAt === null) continue;
    // OUT_OF_SERVICE machines are never victims: a termination chosen before it was taken out of
    // service is called off (it is kept for inspection and does not count anyway).
    if (m.serviceState === "OUT_OF_SERVICE") plan.unschedule.push(m.id);
    // A pending termination that has come due (its timer may have been lost or not run yet).
    else if (m.terminateAt <= now) plan.terminate.push(m.id);
  }

  const effective = machines.filter(isEffective);
  let diff = group.desiredSize - effective.length;

  if (diff > 0) {
    // Prefer calling off pending terminations: the machines are already running.
    const scheduled = machines
      .filter((m) => m.member && isAllocated(m) && m.terminateAt !== null && m.terminateAt > now && m.serviceState !== "OUT_OF_SERVICE")
      .sort((a, b) => b.terminateAt! - a.terminateAt!);
    for (const m of scheduled) {
      if (diff === 0) break;
      plan.unschedule.push(m.id);
      diff--;
    }
    plan.launch = diff;
    return plan;
  }

  let excess = -diff;
  if (excess === 0) return plan;

  // The autoscale master is never a victim (KraftCloud: it is the template the group clones).
  const master = group.autoscale?.master ?? null;
  // Cancel outstanding requests first, newest first.
  const requested = effective
    .filter((m) => m.machineState === "REQUESTED" && m.id !== master)
    .sort((a, b) => b.requestedAt - a.requestedAt || (a.id < b.id ? 1 : -1));
  for (const m of requested) {
    if (excess === 0) break;
    plan.cancel.push(m.id);
    excess--;
  }
  if (excess === 0) return plan;

  const candidates = effective.filter((m) => m.machineState !== "REQUESTED" && m.id !== master);
  // Autoscale's own clones go before instances someone created explicitly.
  const ranked = rankVictims(candidates, policy, now).sort((a, b) => Number(b.origin === "autoscale") - Number(a.origin === "autoscale"));
  // Under autoscale, victims drain for cooldown_time_ms before they stop (KraftCloud cooldown).
  const drainMs = group.autoscale?.cooldown_time_ms ?? 0;
  for (const victim of ranked.slice(0, excess)) {
    const hourAt = policy === "CLOSEST_TO_INSTANCE_HOUR" ? terminationTime(victim, now, margin) : now;
    const at = Math.max(hourAt, now + drainMs);
    if (at <= now) plan.terminate.push(victim.id);
    else plan.schedule.push({ id: victim.id, at });
  }
  return plan;
}
