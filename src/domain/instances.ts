// KraftCloud instance lifecycle rules, pure: what a start, a stop (or a scale-to-zero standby)
// and a delete of an explicit instance do to the group's desired size and bounds, and when they
// are refused. src/objects/commands/instances.ts applies these plans through the transaction.
import { MAX_GROUP_SIZE, isAllocated, type GroupState, type Machine } from "./model";
import type { FailureCode } from "./operations";

type Bounds = Pick<GroupState, "desiredSize" | "minSize" | "maxSize" | "autoscale">;

/** A running member counts toward the desired size unless it drains as a victim or is out of service. */
export const countsTowardDesired = (m: Machine): boolean => m.terminateAt === null && m.serviceState !== "OUT_OF_SERVICE";

export type Refusal = { kind: "refuse"; code: FailureCode; message: string };

export type StartPlan =
  /** Already starting or running: nothing to do. */
  | { kind: "already" }
  /** Still stopping: remembered and started once stopped; `record` the first time it is asked. */
  | { kind: "when-stopped"; record: boolean }
  /** Started now, the desired size one larger. */
  | { kind: "start"; desiredSize: number }
  | Refusal;

export function planStartInstance(g: Bounds, m: Machine): StartPlan {
  if (isAllocated(m)) return { kind: "already" };
  if (g.desiredSize + 1 > g.maxSize) return { kind: "refuse", code: "OUT_OF_RANGE", message: `starting instance '${m.name}' would exceed the group's max size ${g.maxSize}` };
  if (m.machineState === "TERMINATING") return { kind: "when-stopped", record: !m.startWhenStopped };
  return { kind: "start", desiredSize: g.desiredSize + 1 };
}

export type StopPlan =
  /** Already stopping or stopped; a start wanted after the stop is called off (`callOffStart`). */
  | { kind: "stopped"; callOffStart: boolean }
  /** Stopped now, with the desired size it leaves. */
  | { kind: "stop"; desiredSize: number }
  | Refusal;

/** A stop, or (standby) scale-to-zero putting an instance or the autoscale master to sleep. */
export function planStopInstance(g: Bounds, m: Machine, standby: boolean): StopPlan {
  if (!isAllocated(m)) return { kind: "stopped", callOffStart: !!m.startWhenStopped };
  if (g.autoscale?.master === m.id && !standby && g.autoscale.min_size > 0) {
    return { kind: "refuse", code: "INVALID", message: `instance '${m.name}' is the autoscale master; delete the autoscale configuration first` };
  }
  // A victim already draining no longer counts toward the desired size.
  const desiredSize = countsTowardDesired(m) ? g.desiredSize - 1 : g.desiredSize;
  // Going to standby (scale to zero) is not refused for the size: a policy on request metrics may
  // have set the desired size to 0 already while the master still ran (issue 11).
  if (standby && g.autoscale?.master === m.id) return { kind: "stop", desiredSize: Math.max(g.minSize, desiredSize) };
  if (desiredSize < g.minSize) return { kind: "refuse", code: "OUT_OF_RANGE", message: `stopping instance '${m.name}' would take the group below its min size ${g.minSize}` };
  return { kind: "stop", desiredSize };
}

export interface DeletePlan {
  /** Deleting the autoscale master resets autoscale (bounds back to [0, MAX_GROUP_SIZE]). */
  resetAutoscale: boolean;
  /** Autoscale's clones stopped with the master, when it is the master. */
  stopClones: string[];
  desiredSize: number;
}

/** Deleting an instance: it leaves the group at once; deleting the master takes autoscale and its clones with it. */
export function planDeleteInstance(g: Bounds, machines: Iterable<Machine>, m: Machine): DeletePlan {
  const all = [...machines];
  const resetAutoscale = g.autoscale?.master === m.id;
  let desiredSize = g.desiredSize;
  let stopClones: string[] = [];
  if (resetAutoscale) {
    stopClones = all.filter((x) => x.origin === "autoscale" && isAllocated(x)).map((x) => x.id);
    // What remains: the explicit members that run and are not draining.
    desiredSize = all.filter((x) => x.member && x.origin !== "autoscale" && isAllocated(x) && x.terminateAt === null).length;
  }
  if (isAllocated(m) && countsTowardDesired(m)) desiredSize = Math.max(0, desiredSize - 1);
  const maxSize = resetAutoscale ? MAX_GROUP_SIZE : g.maxSize;
  return { resetAutoscale, stopClones, desiredSize: Math.min(desiredSize, maxSize) };
}

/** After a lifecycle step: an instance whose start was asked for while it was stopping starts once it has stopped. */
export const startsNow = (m: Machine | null | undefined): boolean => !!m?.startWhenStopped && m.machineState !== "TERMINATING";
