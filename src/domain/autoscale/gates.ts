// Warmup exclusion and the warmup/cooldown gates around autoscale decisions, pure (KraftCloud
// meaning, DESIGN.md): which instances' samples count for the metric, whether a decision is
// applied now, which timers end the phases it starts, and which instances drain when the
// configuration is removed. src/objects/commands/autoscale.ts applies these plans.
import { isAllocated, isEffective, type Machine } from "../model";
import { afterApplied, decide, type AutoscaleState, type Outcome } from "./state";

/** Instances counted as the group's capacity: effective members (the master included). */
export const capacity = (machines: Iterable<Machine>): number => [...machines].filter(isEffective).length;

/**
 * Whether an instance's samples are left out of the metric: it does not run yet, or it is a
 * clone autoscale made whose warmup (from its launch) has not ended — it ends exactly at
 * launch + warmup_time_ms. Instances created explicitly (and the master) count once they run.
 */
export function warming(a: Pick<AutoscaleState, "warmup_time_ms">, m: Machine, now: number): boolean {
  return m.machineState !== "RUNNING" || (m.origin === "autoscale" && (m.launchtime ?? now) + a.warmup_time_ms > now);
}

export type SampledMetric =
  | { ok: true; /** Mean CPU of the counted instances, null when none counted. */ cpu: number | null; /** uuids left out (warming), in sample order. */ excluded: string[] }
  | { ok: false; /** The first sampled uuid that is not a member of the group. */ missing: string };

/** The per-instance CPU a sample of several instances gives the policies (warmup exclusion applied). */
export function sampledMetric(a: Pick<AutoscaleState, "warmup_time_ms">, members: Machine[], instances: { uuid: string; cpu: number }[], now: number): SampledMetric {
  const counted: number[] = [];
  const excluded: string[] = [];
  for (const s of instances) {
    const m = members.find((x) => x.uuid === s.uuid && x.member);
    if (!m) return { ok: false, missing: s.uuid };
    if (warming(a, m, now)) excluded.push(s.uuid);
    else counted.push(s.cpu);
  }
  return { ok: true, cpu: counted.length ? counted.reduce((x, y) => x + y, 0) / counted.length : null, excluded };
}

export interface DecisionPlan {
  outcome: Outcome;
  /** Worth a ledger row: something is applied, or a decision was blocked by a gate. */
  record: boolean;
  /** What applying it changes; null when nothing is applied (no change, or blocked). */
  apply: null | {
    desiredSize: number;
    autoscale: AutoscaleState;
    /** The phase-end timers to set (a new warmup or cooldown), null when unchanged. */
    warmupEnd: number | null;
    cooldownEnd: number | null;
  };
}

/**
 * The live policies on the last sample at `now`, through the gates: no scale-out while a
 * scale-out's warmup runs, no scale-in while a scale-in's cooldown runs (each gate open exactly
 * at its end). null: nothing to evaluate (no sample yet, or no policy).
 */
export function planDecision(a: AutoscaleState, cap: number, now: number): DecisionPlan | null {
  if (!a.lastSample || a.policies.length === 0) return null;
  // No member counts (a group asleep at zero, or every member still warming up): the last sample
  // describes members that are gone or not yet measured. Re-evaluating it at a warmup or cooldown
  // end scaled a sleeping group out to max_size, after which traffic could not start its master
  // (found by the replay fidelity test, issue 13). Traffic wakes such a group; a new sample decides.
  if (cap === 0) return null;
  const { cpu, metrics } = a.lastSample;
  const outcome = decide(a, { cpu, capacity: cap, ...(metrics ? { metrics } : {}) }, now);
  const record = !(outcome.apply === null && outcome.blockedBy === null);
  if (outcome.apply === null) return { outcome, record, apply: null };
  const next = afterApplied(a, outcome, now);
  return {
    outcome,
    record,
    apply: {
      desiredSize: outcome.apply,
      autoscale: next,
      warmupEnd: next.warmupUntil !== a.warmupUntil && next.warmupUntil ? next.warmupUntil : null,
      cooldownEnd: next.cooldownUntil !== a.cooldownUntil && next.cooldownUntil ? next.cooldownUntil : null,
    },
  };
}

/**
 * Removing the configuration: the running instances autoscale created drain for
 * cooldown_time_ms and stop. One already draining keeps its earlier end; a later one is brought
 * forward. `reschedule` says whose termination time changes.
 */
export function planDrain(a: Pick<AutoscaleState, "cooldown_time_ms">, machines: Iterable<Machine>, now: number): { drainUntil: number; draining: { id: string; uuid: string; reschedule: boolean }[] } {
  const drainUntil = now + a.cooldown_time_ms;
  const draining = [...machines]
    .filter((m) => m.origin === "autoscale" && m.member && isAllocated(m))
    .map((m) => ({ id: m.id, uuid: m.uuid, reschedule: m.terminateAt === null || m.terminateAt > drainUntil }));
  return { drainUntil, draining };
}
