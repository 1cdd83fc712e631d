// The embedded default provider: virtual machines whose lifecycle runs on the group's DO timers,
// so `npm start` works with no cloud. REQUESTED → PENDING after requestDelayMs (launchtime and IPs
// set) → RUNNING after bootDelayMs; terminate → TERMINATING → TERMINATED after terminateDelayMs.
import type { Machine, MachineState, SimulatedProviderConfig } from "../domain/model";
import { requestedMachines, type LaunchTemplate, type Provider, type ProviderChange } from "./types";
import { hex } from "../domain/hex";

interface StepPayload {
  from: MachineState;
}

const randomInt = (maxExclusive: number) => crypto.getRandomValues(new Uint32Array(1))[0] % maxExclusive;

export function newMachineId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(9));
  return "i-" + hex(bytes).slice(0, 17);
}

const privateIp = () => `10.${randomInt(256)}.${randomInt(256)}.${1 + randomInt(254)}`;
const publicIp = () => `198.51.100.${1 + randomInt(254)}`;

export function simulatedProvider(config: SimulatedProviderConfig): Provider {
  const step = (m: Machine, at: number): ProviderChange["timers"][number] => ({
    machineId: m.id,
    at,
    payload: { from: m.machineState } satisfies StepPayload,
  });

  return {
    launch(count, now, template) {
      const machines = requestedMachines(count, now, template, "simulated", newMachineId);
      return { machines, timers: machines.map((m) => step(m, now + config.requestDelayMs)), clear: [], events: [] };
    },

    start(m, now) {
      if (m.machineState !== "TERMINATED" && m.machineState !== "REJECTED") return { machines: [], timers: [], clear: [], events: [] };
      const machine: Machine = { ...m, machineState: "REQUESTED", standby: false, requestedAt: now, launchtime: null, endedAt: null, terminateAt: null };
      return { machines: [machine], timers: [step(machine, now + config.requestDelayMs)], clear: [], events: [] };
    },

    terminate(m, now) {
      if (m.machineState === "REQUESTED") {
        // Nothing was started yet: the request is simply withdrawn.
        const machine: Machine = { ...m, machineState: "TERMINATED", terminateAt: null, endedAt: now };
        return { machines: [machine], timers: [], clear: [m.id], events: [] };
      }
      if (m.machineState !== "PENDING" && m.machineState !== "RUNNING") return { machines: [], timers: [], clear: [], events: [] };
      const machine: Machine = { ...m, machineState: "TERMINATING", terminateAt: null };
      return { machines: [machine], timers: [step(machine, now + config.terminateDelayMs)], clear: [], events: [] };
    },

    step(m, payload, now) {
      // Alarms are at-least-once: a step whose starting state has passed already is a no-op.
      if ((payload as StepPayload | undefined)?.from !== m.machineState) return null;
      switch (m.machineState) {
        case "REQUESTED": {
          const machine: Machine = { ...m, machineState: "PENDING", launchtime: now, privateIps: [privateIp()], publicIps: [publicIp()] };
          return { machines: [machine], timers: [step(machine, now + config.bootDelayMs)], clear: [], events: [] };
        }
        case "PENDING":
          return { machines: [{ ...m, machineState: "RUNNING" }], timers: [], clear: [], events: [] };
        case "TERMINATING":
          return { machines: [{ ...m, machineState: "TERMINATED", endedAt: now }], timers: [], clear: [], events: [] };
        default:
          return null;
      }
    },
  };
}

/**
 * Events that happen to simulated machines outside Scalegate (a crash, a request the cloud
 * rejects, a machine someone else launched into the pool), so drift correction can be seen without
 * a cloud. Returns the machine's new record, or why the event does not apply.
 */
const EXTERNAL: LaunchTemplate = { origin: "external", spec: null, namePrefix: "external", retained: false, scaleToZero: null };

export type SimulatorEvent =
  | { type: "machine.crashed"; machineId: string }
  | { type: "machine.rejected"; machineId: string }
  | { type: "machine.appeared" };

export function simulatorEvent(
  event: SimulatorEvent,
  machines: ReadonlyMap<string, Machine>,
  now: number,
): { ok: true; machine: Machine; clear: string[] } | { ok: false; message: string } {
  if (event.type === "machine.appeared") {
    const base = simulatedProvider({ type: "simulated", requestDelayMs: 0, bootDelayMs: 0, terminateDelayMs: 0 }).launch(1, now, EXTERNAL).machines[0];
    const machine: Machine = { ...base, machineState: "RUNNING", launchtime: now, privateIps: [privateIp()], publicIps: [publicIp()], metadata: { provider: "simulated", origin: "external" } };
    return { ok: true, machine, clear: [] };
  }
  const m = machines.get(event.machineId);
  if (event.type === "machine.crashed") {
    if (!m || (m.machineState !== "REQUESTED" && m.machineState !== "PENDING" && m.machineState !== "RUNNING")) {
      return { ok: false, message: `machine '${event.machineId}' is not running` };
    }
    return { ok: true, machine: { ...m, machineState: "TERMINATED", terminateAt: null, endedAt: now }, clear: [m.id] };
  }
  if (!m || m.machineState !== "REQUESTED") return { ok: false, message: `machine '${event.machineId}' is not REQUESTED` };
  return { ok: true, machine: { ...m, machineState: "REJECTED", endedAt: now }, clear: [m.id] };
}
