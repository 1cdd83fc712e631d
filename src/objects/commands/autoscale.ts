// KraftCloud autoscale on a group: configuration, step policies, metric samples and the
// decisions they lead to, warmup/cooldown phases and scale-to-zero, all on the group's timers.
import { AUTOSCALE_DEFAULTS, decide, scaleToZeroEnabled, type AutoscaleConfig, type AutoscaleState, type Outcome } from "../../domain/autoscale/state";
import { validatePolicy, type StepPolicyInput } from "../../domain/autoscale";
import { capacity as capacityOf, planDecision, planDrain, sampledMetric } from "../../domain/autoscale/gates";
import { MAX_GROUP_SIZE, isAllocated, type Machine } from "../../domain/model";
import { groupTrafficAfter, groupWakes, planGroupIdle, planGroupRelease } from "../../domain/scale-to-zero";
import { fail, type Result } from "../../domain/operations";
import type { GroupTx } from "../tx";
import { terminateTimer } from "../tx";
import { startInstance, stopInstance } from "./instances";
import { instanceTraffic, sleepers } from "./scale-to-zero";

export type AutoscaleInput = Partial<Omit<AutoscaleConfig, "master" | "policies">> & {
  master: { uuid: string } | { name: string };
  policies?: StepPolicyInput[];
};

export const WARMUP_END = "warmup-end";
export const COOLDOWN_END = "cooldown-end";
export const IDLE_CHECK = "autoscale-idle-check";

const findInstance = (tx: GroupTx, ref: { uuid: string } | { name: string }): Machine | undefined =>
  [...tx.store.machines.values()].find((m) => (m.member || m.retained) && ("uuid" in ref ? m.uuid === ref.uuid : m.name === ref.name));

/** Instances counted as the group's capacity: effective members (the master included). */
const capacity = (tx: GroupTx) => capacityOf(tx.store.machines.values());

export function configureAutoscale(tx: GroupTx, input: AutoscaleInput): Result<{ autoscale: AutoscaleState }> {
  const g = tx.group;
  if (g.autoscale) return fail("AUTOSCALE_CONFIGURED", `autoscale is already configured for service group '${g.name}'`);
  const master = findInstance(tx, input.master);
  if (!master) return fail("MACHINE_NOT_FOUND", `master instance ${JSON.stringify(input.master)} is not an instance of service group '${g.name}'`);
  const cfg = { ...AUTOSCALE_DEFAULTS, ...input };
  if (cfg.min_size > cfg.max_size || cfg.max_size > MAX_GROUP_SIZE || cfg.min_size < 0 || cfg.max_size < 1) {
    return fail("OUT_OF_RANGE", `min_size ${cfg.min_size} and max_size ${cfg.max_size} must satisfy 0 <= min_size <= max_size <= ${MAX_GROUP_SIZE}, max_size >= 1`);
  }
  const policies = [];
  for (const p of input.policies ?? []) {
    const v = validatePolicy(p, policies, { aliases: true });
    if (!v.ok) return fail(v.rule === "already_exists" ? "ALREADY_EXISTS" : "INVALID", v.message);
    policies.push(v.policy);
  }
  const autoscale: AutoscaleState = {
    min_size: cfg.min_size,
    max_size: cfg.max_size,
    warmup_time_ms: cfg.warmup_time_ms,
    cooldown_time_ms: cfg.cooldown_time_ms,
    master: master.id,
    policies,
    createdAt: tx.now,
    warmupUntil: null,
    cooldownUntil: null,
    lastSample: null,
    lastTrafficAt: tx.now,
    heldRequests: 0,
    // The front door's settings (issue 11), validated by the route; absent → defaults.
    ...(input.front_door ? { front_door: input.front_door } : {}),
  };
  // The master runs under autoscale (unless the group may sleep): start it when it is stopped.
  if (!isAllocated(master) && cfg.min_size > 0) {
    // Not a deferred start (instances.ts): autoscale would count the master before it runs.
    if (master.machineState === "TERMINATING") return fail("INVALID", `instance '${master.name}' is stopping; configure autoscale once it is stopped`);
    const started = startInstance(tx, master.id);
    if (!started.ok) return started;
  }
  const desiredSize = Math.min(cfg.max_size, Math.max(cfg.min_size, capacity(tx)));
  tx.setGroup({ autoscale, minSize: cfg.min_size, maxSize: cfg.max_size, desiredSize });
  if (scaleToZeroEnabled(autoscale)) tx.timers.set(IDLE_CHECK, tx.now + autoscale.cooldown_time_ms);
  tx.op("autoscale.configure", { request: input, result: { master: master.uuid, min_size: cfg.min_size, max_size: cfg.max_size, desiredSize } });
  tx.reconcile({ text: "autoscale configured" });
  return { ok: true, autoscale: tx.group.autoscale! };
}

/**
 * Removes the configuration: the instances autoscale created drain for cooldown_time_ms and
 * stop, the master is never touched except that it is started when it is stopped.
 */
export function deleteAutoscale(tx: GroupTx): Result<{ draining: string[] }> {
  const g = tx.group;
  const a = g.autoscale;
  if (!a) return fail("AUTOSCALE_NOT_CONFIGURED", `autoscale is not configured for service group '${g.name}'`);
  const { drainUntil, draining: drains } = planDrain(a, tx.store.machines.values(), tx.now);
  for (const d of drains.filter((x) => x.reschedule)) {
    tx.store.putMachine({ ...tx.machine(d.id)!, terminateAt: drainUntil });
    tx.timers.set(terminateTimer(d.id), drainUntil);
  }
  const draining = drains.map((d) => d.uuid);
  for (const t of [WARMUP_END, COOLDOWN_END, IDLE_CHECK] as const) tx.timers.clear(t);
  tx.setGroup({ autoscale: null, minSize: 0, maxSize: MAX_GROUP_SIZE });
  const master = tx.machine(a.master);
  if (master && !isAllocated(master) && master.machineState !== "TERMINATING") {
    tx.apply(tx.provider().start({ ...master, member: true }, tx.now));
  }
  tx.setGroup({ desiredSize: capacity(tx) });
  tx.op("autoscale.delete", { result: { draining, drainUntil: new Date(drainUntil).toISOString(), masterStarted: !!master && !isAllocated(master) } });
  tx.reconcile({ text: "autoscale configuration deleted" });
  return { ok: true, draining };
}

export function addPolicy(tx: GroupTx, input: StepPolicyInput): Result<{ name: string }> {
  const a = tx.group.autoscale;
  if (!a) return fail("AUTOSCALE_NOT_CONFIGURED", `autoscale is not configured for service group '${tx.group.name}'`);
  const v = validatePolicy(input, a.policies, { aliases: true });
  if (!v.ok) return fail(v.rule === "already_exists" ? "ALREADY_EXISTS" : "INVALID", v.message);
  tx.setGroup({ autoscale: { ...a, policies: [...a.policies, v.policy] } });
  tx.op("autoscale.policy.create", { request: input, result: v.policy });
  return { ok: true, name: v.policy.name };
}

/** Deletes the named policies (all when `names` is null); unknown names fail as a whole. */
export function deletePolicies(tx: GroupTx, names: string[] | null): Result<{ deleted: string[] }> {
  const a = tx.group.autoscale;
  if (!a) return fail("AUTOSCALE_NOT_CONFIGURED", `autoscale is not configured for service group '${tx.group.name}'`);
  const deleted = names ?? a.policies.map((p) => p.name);
  const missing = deleted.filter((n) => !a.policies.some((p) => p.name === n));
  if (missing.length) return fail("POLICY_NOT_FOUND", `policy '${missing[0]}' not found`);
  tx.setGroup({ autoscale: { ...a, policies: a.policies.filter((p) => !deleted.includes(p.name)) } });
  tx.op("autoscale.policy.delete", { request: { names }, result: { deleted } });
  return { ok: true, deleted };
}

export type MetricSample = { cpu?: number; instances?: { uuid: string; cpu: number }[]; requests?: number };

export interface MetricsResult {
  /** The per-instance CPU the policies saw, or null when no sample counted. */
  cpu: number | null;
  excluded: string[];
  outcome: Outcome | null;
  woke: boolean;
}

export function pushMetrics(tx: GroupTx, sample: MetricSample): Result<MetricsResult> {
  const g = tx.group;
  const a = g.autoscale;
  // Traffic alone may concern instances that sleep on their own (the instance shortcut).
  const trafficOnly = sample.requests !== undefined && sample.cpu === undefined && sample.instances === undefined;
  if (!a && !(trafficOnly && sleepers(tx).length > 0)) return fail("AUTOSCALE_NOT_CONFIGURED", `autoscale is not configured for service group '${g.name}'`);
  let woke = false;
  if (sample.requests !== undefined) woke = instanceTraffic(tx, sample.requests);
  if (!a) return { ok: true, cpu: null, excluded: [], outcome: null, woke };
  if (sample.requests !== undefined) woke = traffic(tx, sample.requests) || woke;
  let cpu: number | null = sample.cpu ?? null;
  let excluded: string[] = [];
  if (sample.instances) {
    // Warmup exclusion (src/domain/autoscale/gates.ts): only running, warmed-up instances count.
    const m = sampledMetric(a, [...tx.store.machines.values()], sample.instances, tx.now);
    if (!m.ok) return fail("MACHINE_NOT_FOUND", `instance '${m.missing}' is not an instance of service group '${g.name}'`);
    ({ cpu, excluded } = m);
  }
  let outcome: Outcome | null = null;
  if (cpu !== null) {
    tx.setGroup({ autoscale: { ...tx.group.autoscale!, lastSample: { cpu, at: tx.now } } });
    outcome = evaluateAndApply(tx, `metric sample (cpu ${cpu} millicores per instance)`);
  }
  return { ok: true, cpu, excluded, outcome, woke };
}

/** Runs the live policies on the last sample and applies the decision (event-driven). */
export function evaluateAndApply(tx: GroupTx, trigger: string): Outcome | null {
  const a = tx.group.autoscale;
  const plan = a && planDecision(a, capacity(tx), tx.now);
  if (!plan) return null;
  const o = plan.outcome;
  if (!plan.record) return o; // nothing to do: not worth a ledger row
  const op = tx.op("autoscale.decision", { request: { trigger, cpu: a.lastSample!.cpu }, result: { ...o.decision, blockedBy: o.blockedBy, explanation: o.explanation } }, null);
  if (!plan.apply) return o;
  tx.setGroup({ desiredSize: plan.apply.desiredSize, autoscale: plan.apply.autoscale });
  if (plan.apply.warmupEnd !== null) tx.timers.set(WARMUP_END, plan.apply.warmupEnd);
  if (plan.apply.cooldownEnd !== null) tx.timers.set(COOLDOWN_END, plan.apply.cooldownEnd);
  tx.reconcile({ text: `autoscale decision (operation ${op.id}): ${o.explanation}` });
  return o;
}

/** What-if: the live policies on given inputs, nothing changed. */
export function whatIf(tx: GroupTx, input: { cpu: number; instances?: number }): Result<{ outcome: Outcome; capacity: number }> {
  const a = tx.group.autoscale;
  if (!a) return fail("AUTOSCALE_NOT_CONFIGURED", `autoscale is not configured for service group '${tx.group.name}'`);
  const cap = input.instances ?? capacity(tx);
  return { ok: true, outcome: decide(a, { cpu: input.cpu, capacity: cap }, tx.now), capacity: cap };
}

// ---------------------------------------------------------------- scale-to-zero

/** Reported traffic: wakes a sleeping group; requests that arrive before it serves are held (src/domain/scale-to-zero.ts). */
function traffic(tx: GroupTx, requests: number): boolean {
  const a = tx.group.autoscale!;
  const master = tx.machine(a.master);
  const woke = groupWakes(master) && startInstance(tx, master!.id).ok;
  const after = groupTrafficAfter(tx.group.autoscale!, a.heldRequests, tx.machine(a.master), requests, tx.now);
  tx.setGroup({ autoscale: after.autoscale });
  if (after.idleCheckAt !== null) tx.timers.set(IDLE_CHECK, after.idleCheckAt);
  if (woke) tx.op("scale_to_zero.wake", { result: { master: master!.uuid, heldRequests: after.autoscale.heldRequests } }, null);
  return woke;
}

/** Idle for cooldown_time_ms with min_size 0: the master goes to standby, the group to zero. */
export function idleCheck(tx: GroupTx): void {
  const a = tx.group.autoscale;
  const plan = planGroupIdle(a, a && tx.machine(a.master), tx.now);
  if (plan.kind === "rearm") tx.timers.set(IDLE_CHECK, plan.at);
  if (plan.kind !== "sleep") return;
  const master = tx.machine(plan.master)!;
  if (!stopInstance(tx, master.id, true).ok) return;
  // The whole group sleeps: whatever autoscale had cloned drains and stops too.
  tx.setGroup({ desiredSize: 0 });
  tx.op("scale_to_zero.sleep", { result: { master: master.uuid, idleForMs: plan.idleForMs } }, null);
  tx.reconcile({ text: `no traffic for ${plan.idleForMs} ms: scale to zero` });
}

/**
 * When the master serves again, what was held while it woke is released (and recorded). Traffic
 * that came while the master was still stopping on its way to standby wakes it once it has stopped.
 */
export function releaseHeld(tx: GroupTx, machineId: string): void {
  const plan = planGroupRelease(tx.group.autoscale, tx.machine(machineId), tx.now);
  if (plan.kind === "none") return;
  const m = tx.machine(machineId)!;
  if (plan.kind === "wake") {
    if (startInstance(tx, m.id).ok) tx.op("scale_to_zero.wake", { result: { master: m.uuid, heldRequests: plan.heldRequests } }, null);
    return;
  }
  tx.op("scale_to_zero.released", { result: { master: m.uuid, requests: plan.requests } }, null);
  tx.setGroup({ autoscale: plan.autoscale });
  if (plan.idleCheckAt !== null) tx.timers.set(IDLE_CHECK, plan.idleCheckAt);
}
