// Scale-to-zero rules, pure: when a sleeper goes to standby, what traffic wakes, which held
// requests are released and when the idle check runs next. Two kinds of sleeper:
// - single instances with their own `scale_to_zero` policy (KraftCloud's instance shortcut):
//   retained members, not the autoscale master, sharing the group's traffic record;
// - the autoscale master of a group whose autoscale has min_size 0: the whole group sleeps.
// The commands (src/objects/commands/scale-to-zero.ts, autoscale.ts) read the state, ask these
// planners, and apply the answer through the transaction (start/stop, records, timers).
import { scaleToZeroEnabled, type AutoscaleState } from "./autoscale/state";
import { isAllocated, type Machine } from "./model";

/** An instance's idle time before standby when its policy gives none (KraftCloud default). */
export const DEFAULT_INSTANCE_COOLDOWN_MS = 1000;

/** Traffic reported for the group's sleeping instances (the instance shortcut). */
export interface InstanceTraffic {
  /** Last reported traffic, or when a sleeper last came to run. */
  lastAt: number;
  /** Requests reported while a sleeper was not running yet, released when it runs. */
  held: number;
}

/** Before any traffic is reported, idle time counts from the group's creation. */
export const initialTraffic = (groupCreatedAt: number): InstanceTraffic => ({ lastAt: groupCreatedAt, held: 0 });

const sleepsWhenIdle = (m: Machine) => !!m.scaleToZero && m.scaleToZero.policy !== "off";

/** Instances that sleep on their own: retained members with a scale-to-zero policy, not the autoscale master. */
export function sleepers(machines: Iterable<Machine>, master: string | null | undefined): Machine[] {
  return [...machines].filter((m) => m.member && m.retained && m.id !== master && sleepsWhenIdle(m));
}

export const instanceCooldown = (m: Machine): number => m.scaleToZero?.cooldownTimeMs ?? DEFAULT_INSTANCE_COOLDOWN_MS;

/**
 * When the instance idle check runs next: for the running sleeper with the shortest cooldown,
 * counted from the last traffic (idle time only counts while one runs), never in the past;
 * null (no check) when no sleeper runs.
 */
export function instanceIdleCheckAt(t: InstanceTraffic, all: Machine[], now: number): number | null {
  const awake = all.filter((m) => m.machineState === "RUNNING");
  if (awake.length === 0) return null;
  return Math.max(now, t.lastAt + Math.min(...awake.map(instanceCooldown)));
}

/**
 * The sleepers reported traffic wakes: those in standby, stopped or still stopping on their way
 * to standby (the latter start again as soon as they have stopped). Explicitly stopped ones stay.
 */
export function instancesToWake(all: Machine[]): Machine[] {
  return all.filter((m) => m.standby && (m.machineState === "TERMINATED" || m.machineState === "TERMINATING"));
}

/**
 * The traffic record after `requests` were reported at `now`, given the sleepers as they are once
 * the wakes were applied: while any of them does not run yet, the requests are held.
 */
export function instanceTrafficAfter(t: InstanceTraffic, allAfterWake: Machine[], requests: number, now: number): InstanceTraffic {
  const waiting = allAfterWake.some((m) => m.machineState !== "RUNNING");
  return { lastAt: now, held: t.held + (waiting ? requests : 0) };
}

/**
 * The idle check: every running sleeper idle for at least its cooldown (the boundary included)
 * goes to standby — none while requests are held (they are not served yet, so nothing is idle).
 */
export function planInstanceIdle(t: InstanceTraffic, all: Machine[], now: number): { id: string; idleForMs: number }[] {
  if (t.held > 0) return [];
  return all.filter((m) => m.machineState === "RUNNING" && t.lastAt + instanceCooldown(m) <= now).map((m) => ({ id: m.id, idleForMs: now - t.lastAt }));
}

/**
 * A machine has just come to run: when it is a sleeper, its idle time starts now and the held
 * requests are released (`released` is how many, 0 when none were held). null: nothing to do.
 */
export function planInstanceRelease(t: InstanceTraffic, all: Machine[], machineId: string, now: number): { released: number; traffic: InstanceTraffic } | null {
  const m = all.find((s) => s.id === machineId);
  if (!m || m.machineState !== "RUNNING") return null;
  return { released: t.held, traffic: { lastAt: now, held: 0 } };
}

// ---------------------------------------------------------------- a group under autoscale, min_size 0

/**
 * Whether reported traffic wakes the group's master: it is in standby and not still stopping (a
 * master on its way to standby is woken by `planGroupRelease` once it has stopped).
 */
export function groupWakes(master: Machine | null | undefined): boolean {
  return !!master && master.standby && master.machineState !== "TERMINATING";
}

/**
 * The autoscale state after `requests` were reported at `now`, given the master as it is once a
 * wake was applied: requests are held while it does not run. `idleCheckAt`: the idle check moves
 * to a full cooldown from now (null when scale-to-zero is off).
 */
export function groupTrafficAfter(a: AutoscaleState, heldBefore: number, masterAfterWake: Machine | null | undefined, requests: number, now: number): { autoscale: AutoscaleState; idleCheckAt: number | null } {
  const held = heldBefore + (masterAfterWake && masterAfterWake.machineState !== "RUNNING" ? requests : 0);
  return { autoscale: { ...a, lastTrafficAt: now, heldRequests: held }, idleCheckAt: scaleToZeroEnabled(a) ? now + a.cooldown_time_ms : null };
}

export type GroupIdlePlan =
  /** Nothing to do (scale-to-zero off, or the master is gone or not running). */
  | { kind: "none" }
  /** Not idle yet: check again then. */
  | { kind: "rearm"; at: number }
  /** Idle for the whole cooldown: the master goes to standby and the group to zero. */
  | { kind: "sleep"; master: string; idleForMs: number };

/** The group's idle check at `now`. Idle time counts from the last traffic (or autoscale's creation). */
export function planGroupIdle(a: AutoscaleState | null, master: Machine | null | undefined, now: number): GroupIdlePlan {
  if (!a || !scaleToZeroEnabled(a)) return { kind: "none" };
  const idleSince = a.lastTrafficAt ?? a.createdAt;
  // Requests held while the master wakes are not served yet: the group is not idle (the idle
  // time counts again from their release).
  if (a.heldRequests > 0) return { kind: "rearm", at: now + a.cooldown_time_ms };
  if (idleSince + a.cooldown_time_ms > now) return { kind: "rearm", at: idleSince + a.cooldown_time_ms };
  if (!master || !isAllocated(master)) return { kind: "none" };
  return { kind: "sleep", master: master.id, idleForMs: now - idleSince };
}

export type GroupReleasePlan =
  | { kind: "none" }
  /** The master reached standby while requests were held: start it again at once. */
  | { kind: "wake"; heldRequests: number }
  /** The master runs again: the held requests are released, idle time starts now. */
  | { kind: "release"; requests: number; autoscale: AutoscaleState; idleCheckAt: number | null };

/** A machine's lifecycle step, seen by the group's scale-to-zero: only the master matters, only with requests held. */
export function planGroupRelease(a: AutoscaleState | null, m: Machine | null | undefined, now: number): GroupReleasePlan {
  if (!a || !m || a.master !== m.id || a.heldRequests === 0) return { kind: "none" };
  if (m.standby && m.machineState === "TERMINATED") return { kind: "wake", heldRequests: a.heldRequests };
  if (m.machineState !== "RUNNING") return { kind: "none" };
  return {
    kind: "release",
    requests: a.heldRequests,
    autoscale: { ...a, heldRequests: 0, lastTrafficAt: now },
    idleCheckAt: scaleToZeroEnabled(a) ? now + a.cooldown_time_ms : null,
  };
}
