// KraftCloud instance lifecycle rules (src/domain/instances.ts) on plain machines.
import { describe, expect, it } from "vitest";
import type { AutoscaleState } from "../src/domain/autoscale/state";
import { countsTowardDesired, planDeleteInstance, planStartInstance, planStopInstance, startsNow } from "../src/domain/instances";
import type { GroupState } from "../src/domain/model";
import { NOW, autoscaleState, frozen, group, machine } from "./fixtures";

const bounds = (desiredSize: number, minSize = 0, maxSize = 10, autoscale: AutoscaleState | null = null): GroupState => ({ ...group(desiredSize), minSize, maxSize, autoscale });
const auto = (master: string, min_size: number): AutoscaleState => autoscaleState({ master, min_size, max_size: 4 });
const stopped = (id: string, over = {}) => machine(id, { origin: "instance", retained: true, machineState: "TERMINATED", ...over });

describe("countsTowardDesired", () => {
  it("a draining victim or an out-of-service member does not count", () => {
    expect(countsTowardDesired(machine("a"))).toBe(true);
    expect(countsTowardDesired(machine("a", { terminateAt: NOW + 1 }))).toBe(false);
    expect(countsTowardDesired(machine("a", { serviceState: "OUT_OF_SERVICE" }))).toBe(false);
  });
});

describe("planStartInstance", () => {
  it("a stopped instance starts and the desired size grows by one, up to exactly max", () => {
    expect(planStartInstance(bounds(9), stopped("a"))).toEqual({ kind: "start", desiredSize: 10 });
    expect(planStartInstance(bounds(10), stopped("a"))).toEqual({ kind: "refuse", code: "OUT_OF_RANGE", message: "starting instance 'a' would exceed the group's max size 10" });
  });

  it("a running or starting instance: nothing to do (also at max)", () => {
    expect(planStartInstance(bounds(10), machine("a"))).toEqual({ kind: "already" });
    expect(planStartInstance(bounds(10), machine("a", { machineState: "REQUESTED" }))).toEqual({ kind: "already" });
  });

  it("a stopping instance starts once stopped, recorded the first time only; refused at max", () => {
    const stopping = stopped("a", { machineState: "TERMINATING" });
    expect(planStartInstance(bounds(1), stopping)).toEqual({ kind: "when-stopped", record: true });
    expect(planStartInstance(bounds(1), { ...stopping, startWhenStopped: true })).toEqual({ kind: "when-stopped", record: false });
    expect(planStartInstance(bounds(10), stopping)).toMatchObject({ kind: "refuse", code: "OUT_OF_RANGE" });
  });
});

describe("planStopInstance", () => {
  it("a running instance stops and the desired size shrinks by one, down to exactly min", () => {
    expect(planStopInstance(bounds(3, 2), machine("a"), false)).toEqual({ kind: "stop", desiredSize: 2 });
    expect(planStopInstance(bounds(2, 2), machine("a"), false)).toEqual({ kind: "refuse", code: "OUT_OF_RANGE", message: "stopping instance 'a' would take the group below its min size 2" });
  });

  it("a draining victim or an out-of-service member leaves the desired size alone", () => {
    expect(planStopInstance(bounds(2, 2), machine("a", { terminateAt: NOW + 1 }), false)).toEqual({ kind: "stop", desiredSize: 2 });
    expect(planStopInstance(bounds(2, 2), machine("a", { serviceState: "OUT_OF_SERVICE" }), false)).toEqual({ kind: "stop", desiredSize: 2 });
  });

  it("an instance already stopping or stopped: a start wanted after the stop is called off", () => {
    expect(planStopInstance(bounds(0), stopped("a"), false)).toEqual({ kind: "stopped", callOffStart: false });
    expect(planStopInstance(bounds(0), stopped("a", { machineState: "TERMINATING", startWhenStopped: true }), false)).toEqual({ kind: "stopped", callOffStart: true });
  });

  it("the autoscale master is not stopped by hand while autoscale keeps it (min_size > 0); scale-to-zero puts it to standby", () => {
    expect(planStopInstance(bounds(1, 1, 4, auto("m", 1)), machine("m"), false)).toEqual({ kind: "refuse", code: "INVALID", message: "instance 'm' is the autoscale master; delete the autoscale configuration first" });
    expect(planStopInstance(bounds(1, 0, 4, auto("m", 0)), machine("m"), false)).toEqual({ kind: "stop", desiredSize: 0 });
    expect(planStopInstance(bounds(1, 0, 4, auto("m", 0)), machine("m"), true)).toEqual({ kind: "stop", desiredSize: 0 });
    // A policy already set the desired size to 0 while the master ran: it still goes to standby.
    expect(planStopInstance(bounds(0, 0, 4, auto("m", 0)), machine("m"), true)).toEqual({ kind: "stop", desiredSize: 0 });
    expect(planStopInstance(bounds(2, 1, 4, auto("m", 1)), machine("x"), false)).toEqual({ kind: "stop", desiredSize: 1 });
  });
});

describe("planDeleteInstance", () => {
  it("a running instance leaves the desired size one smaller, never below 0", () => {
    const a = machine("a", { origin: "instance" });
    expect(planDeleteInstance(bounds(3), [a], a)).toEqual({ resetAutoscale: false, stopClones: [], desiredSize: 2 });
    expect(planDeleteInstance(bounds(0), [a], a).desiredSize).toBe(0);
  });

  it("a stopped, draining or out-of-service instance leaves it alone", () => {
    for (const m of [stopped("a"), machine("a", { terminateAt: NOW + 1 }), machine("a", { serviceState: "OUT_OF_SERVICE" })]) {
      expect(planDeleteInstance(bounds(3), [m], m).desiredSize).toBe(3);
    }
  });

  it("deleting the master resets autoscale: its running clones stop, the size is what explicit instances remain", () => {
    const m = machine("m", { origin: "instance" });
    const machines = [
      m,
      machine("c1", { origin: "autoscale" }),
      machine("c2", { origin: "autoscale", machineState: "PENDING" }),
      machine("c3", { origin: "autoscale", machineState: "TERMINATED" }),
      machine("x", { origin: "instance" }),
      machine("y", { origin: "instance", terminateAt: NOW + 5 }),
      stopped("z"),
    ];
    expect(planDeleteInstance(bounds(4, 1, 4, auto("m", 1)), machines, m)).toEqual({ resetAutoscale: true, stopClones: ["c1", "c2"], desiredSize: 1 });
  });

  it("the size is clamped to the group's max (the reset one when the master goes)", () => {
    const a = machine("a", { origin: "instance" });
    expect(planDeleteInstance(bounds(12, 0, 10), [a], a).desiredSize).toBe(10);
  });
});

describe("startsNow", () => {
  it("an instance whose start waited for its stop starts once it is no longer stopping", () => {
    expect(startsNow(stopped("a", { startWhenStopped: true }))).toBe(true);
    expect(startsNow(stopped("a", { startWhenStopped: true, machineState: "TERMINATING" }))).toBe(false);
    expect(startsNow(stopped("a"))).toBe(false);
    expect(startsNow(undefined)).toBe(false);
  });
});

it("no planner modifies its input", () => {
  const g = bounds(3, 1, 4, auto("m", 1));
  const ms = [machine("m", { origin: "instance" }), machine("c", { origin: "autoscale" })];
  const before = frozen({ g, ms });
  planStartInstance(g, ms[0]);
  planStopInstance(g, ms[0], true);
  planDeleteInstance(g, ms, ms[0]);
  expect(frozen({ g, ms })).toEqual(before);
});
