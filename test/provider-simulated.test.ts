// The simulated provider (src/providers/simulated.ts) as a pure function of its inputs: each
// lifecycle step, the timers it asks for, stale steps, and its address ranges.
import { describe, expect, it } from "vitest";
import type { Machine } from "../src/domain/model";
import { simulatedProvider, simulatorEvent } from "../src/providers/simulated";
import { POOL_TEMPLATE } from "../src/providers/types";
import { NOW } from "./fixtures";

const config = { type: "simulated" as const, requestDelayMs: 200, bootDelayMs: 1000, terminateDelayMs: 500 };
const sim = simulatedProvider(config);

/** Walks one machine from launch to RUNNING, each step at the time its timer is due. */
function launchToRunning(now = NOW) {
  const launched = sim.launch(1, now, POOL_TEMPLATE("g"));
  const requestedM = launched.machines[0];
  const pending = sim.step(requestedM, launched.timers[0].payload, launched.timers[0].at)!;
  const pendingM = pending.machines[0];
  const running = sim.step(pendingM, pending.timers[0].payload, pending.timers[0].at)!;
  return { launched, requestedM, pending, pendingM, running, runningM: running.machines[0] };
}

function ipv4(ip: string): number[] {
  const parts = ip.split(".");
  expect(parts, ip).toHaveLength(4);
  const n = parts.map(Number);
  for (const [i, x] of n.entries()) {
    expect(Number.isInteger(x) && x >= 0 && x <= 255 && String(x) === parts[i], ip).toBe(true);
  }
  return n;
}

describe("simulated provider", () => {
  it("launch: `count` REQUESTED members at once, each with a step timer after requestDelayMs", () => {
    const change = sim.launch(3, NOW, POOL_TEMPLATE("g"));
    expect(change.clear).toEqual([]);
    expect(change.machines).toHaveLength(3);
    for (const m of change.machines) {
      expect(m).toMatchObject({ machineState: "REQUESTED", member: true, requestedAt: NOW, launchtime: null, publicIps: [], privateIps: [], terminateAt: null, endedAt: null });
      expect(m.id).toMatch(/^i-[0-9a-f]{17}$/);
    }
    expect(new Set(change.machines.map((m) => m.id)).size).toBe(3);
    expect(change.timers).toEqual(change.machines.map((m) => ({ machineId: m.id, at: NOW + 200, payload: { from: "REQUESTED" } })));
    expect(sim.launch(0, NOW, POOL_TEMPLATE("g"))).toEqual({ machines: [], timers: [], clear: [], events: [] });
  });

  it("REQUESTED → PENDING: launch time and addresses set, boot timer after bootDelayMs", () => {
    const { requestedM, pending, pendingM } = launchToRunning();
    const t = NOW + 200;
    expect(pendingM).toEqual({ ...requestedM, machineState: "PENDING", launchtime: t, privateIps: pendingM.privateIps, publicIps: pendingM.publicIps });
    expect(pendingM.privateIps).toHaveLength(1);
    expect(pendingM.publicIps).toHaveLength(1);
    expect(pending.timers).toEqual([{ machineId: requestedM.id, at: t + 1000, payload: { from: "PENDING" } }]);
    expect(pending.clear).toEqual([]);
  });

  it("PENDING → RUNNING: nothing else changes, no further timer", () => {
    const { pendingM, running, runningM } = launchToRunning();
    expect(runningM).toEqual({ ...pendingM, machineState: "RUNNING" });
    expect(running.timers).toEqual([]);
  });

  it("terminate: RUNNING or PENDING → TERMINATING, then TERMINATED after terminateDelayMs", () => {
    const { pendingM, runningM } = launchToRunning();
    for (const m of [runningM, pendingM]) {
      const t = NOW + 5000;
      const going = sim.terminate({ ...m, terminateAt: t - 1 }, t);
      expect(going.machines).toEqual([{ ...m, machineState: "TERMINATING", terminateAt: null }]);
      // Same timer name as the lifecycle step: a pending boot step is replaced.
      expect(going.timers).toEqual([{ machineId: m.id, at: t + 500, payload: { from: "TERMINATING" } }]);
      const gone = sim.step(going.machines[0], going.timers[0].payload, t + 500)!;
      expect(gone.machines).toEqual([{ ...going.machines[0], machineState: "TERMINATED", endedAt: t + 500 }]);
      expect(gone.timers).toEqual([]);
    }
  });

  it("terminate of a REQUESTED machine cancels it: TERMINATED at once, its step timer cleared", () => {
    const { requestedM } = launchToRunning();
    const change = sim.terminate(requestedM, NOW + 50);
    expect(change.machines).toEqual([{ ...requestedM, machineState: "TERMINATED", endedAt: NOW + 50, terminateAt: null }]);
    expect(change.timers).toEqual([]);
    expect(change.clear).toEqual([requestedM.id]);
  });

  it("terminate of a machine already leaving or gone changes nothing", () => {
    const { runningM } = launchToRunning();
    for (const machineState of ["TERMINATING", "TERMINATED", "REJECTED"] as const) {
      expect(sim.terminate({ ...runningM, machineState }, NOW)).toEqual({ machines: [], timers: [], clear: [], events: [] });
    }
  });

  it("a stale or repeated step (at-least-once alarms) is a no-op", () => {
    const { requestedM, pendingM, runningM } = launchToRunning();
    // The REQUESTED step delivered again once the machine is PENDING or RUNNING.
    expect(sim.step(pendingM, { from: "REQUESTED" }, NOW + 300)).toBeNull();
    expect(sim.step(runningM, { from: "REQUESTED" }, NOW + 5000)).toBeNull();
    expect(sim.step(runningM, { from: "PENDING" }, NOW + 5000)).toBeNull();
    // A step armed for a machine that has since been terminated.
    const terminated: Machine = { ...runningM, machineState: "TERMINATED", endedAt: NOW };
    for (const from of ["REQUESTED", "PENDING", "TERMINATING"]) expect(sim.step(terminated, { from }, NOW + 9000)).toBeNull();
    // A payload that does not say where it started from.
    expect(sim.step(requestedM, undefined, NOW + 300)).toBeNull();
    expect(sim.step(requestedM, {}, NOW + 300)).toBeNull();
  });

  it("uses each pool's own delays", () => {
    const slow = simulatedProvider({ type: "simulated", requestDelayMs: 7, bootDelayMs: 11, terminateDelayMs: 13 });
    const l = slow.launch(1, NOW, POOL_TEMPLATE("g"));
    expect(l.timers[0].at).toBe(NOW + 7);
    const p = slow.step(l.machines[0], l.timers[0].payload, NOW + 7)!;
    expect(p.timers[0].at).toBe(NOW + 7 + 11);
    const r = slow.step(p.machines[0], p.timers[0].payload, NOW + 18)!;
    expect(slow.terminate(r.machines[0], NOW + 100).timers[0].at).toBe(NOW + 113);
  });

  it("private addresses come from 10.0.0.0/8, public ones from 198.51.100.0/24 (host part 1–254)", () => {
    const launched = sim.launch(300, NOW, POOL_TEMPLATE("g"));
    for (const m of launched.machines) {
      const p = sim.step(m, { from: "REQUESTED" }, NOW + 200)!.machines[0];
      const [a, , , d] = ipv4(p.privateIps[0]);
      expect(a, p.privateIps[0]).toBe(10);
      expect(d >= 1 && d <= 254, p.privateIps[0]).toBe(true);
      const pub = ipv4(p.publicIps[0]);
      expect(pub.slice(0, 3), p.publicIps[0]).toEqual([198, 51, 100]);
      expect(pub[3] >= 1 && pub[3] <= 254, p.publicIps[0]).toBe(true);
    }
  });
});

describe("simulator events (drift made outside Scalegate)", () => {
  const byId = (...ms: Machine[]) => new Map(ms.map((m) => [m.id, m]));

  it("machine.crashed: an allocated machine ends TERMINATED at once, its step timer cleared", () => {
    const { requestedM, pendingM, runningM } = launchToRunning();
    for (const m of [requestedM, pendingM, runningM]) {
      const r = simulatorEvent({ type: "machine.crashed", machineId: m.id }, byId(m), NOW + 9000);
      expect(r).toEqual({ ok: true, machine: { ...m, machineState: "TERMINATED", terminateAt: null, endedAt: NOW + 9000 }, clear: [m.id] });
    }
    const gone = { ...runningM, machineState: "TERMINATED" as const, endedAt: NOW };
    expect(simulatorEvent({ type: "machine.crashed", machineId: gone.id }, byId(gone), NOW).ok).toBe(false);
    expect(simulatorEvent({ type: "machine.crashed", machineId: "i-unknown" }, byId(), NOW).ok).toBe(false);
  });

  it("machine.rejected: only a REQUESTED machine can be rejected", () => {
    const { requestedM, runningM } = launchToRunning();
    const r = simulatorEvent({ type: "machine.rejected", machineId: requestedM.id }, byId(requestedM), NOW + 100);
    expect(r).toEqual({ ok: true, machine: { ...requestedM, machineState: "REJECTED", endedAt: NOW + 100 }, clear: [requestedM.id] });
    expect(simulatorEvent({ type: "machine.rejected", machineId: runningM.id }, byId(runningM), NOW).ok).toBe(false);
  });

  it("machine.appeared: a RUNNING member nobody asked for, with addresses in the simulated ranges", () => {
    const r = simulatorEvent({ type: "machine.appeared" }, byId(), NOW);
    if (!r.ok) throw new Error(r.message);
    expect(r.machine).toMatchObject({ machineState: "RUNNING", member: true, launchtime: NOW, metadata: { origin: "external" } });
    expect(ipv4(r.machine.privateIps[0])[0]).toBe(10);
    expect(ipv4(r.machine.publicIps[0]).slice(0, 3)).toEqual([198, 51, 100]);
    expect(r.clear).toEqual([]);
  });
});
