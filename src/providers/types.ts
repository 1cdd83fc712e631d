// Where machines really come from. A provider is pure: it returns the machines' new records and
// the timers the Durable Object must arm; the DO persists both in one storage transaction.
import type { InstanceSpec, Machine, MachineOrigin, ScaleToZero } from "../domain/model";

/** What the machines of one launch call are: a pool's generic machines, an instance, autoscale clones. */
export interface LaunchTemplate {
  origin: MachineOrigin;
  spec: InstanceSpec | null;
  /** Names are `<prefix>-<random>` unless `name` is given (a single explicit instance). */
  namePrefix: string;
  name?: string;
  /** Given for an explicit instance (its id is its uuid); random otherwise. */
  uuid?: string;
  retained: boolean;
  scaleToZero: ScaleToZero | null;
}

export const POOL_TEMPLATE = (namePrefix: string): LaunchTemplate => ({ origin: "pool", spec: null, namePrefix, retained: false, scaleToZero: null });

/** A lifecycle step of a machine the DO must run at `at` (its `machine-step` timer), with the provider's payload. */
export interface TimerRequest {
  machineId: string;
  at: number;
  payload?: unknown;
}

/** An outbound delivery the change asks for (webhook provider); the DO stores and sends it. */
export interface ProviderEvent {
  type: "machine.launch" | "machine.terminate" | "machine.start" | "container.resize";
  data: Record<string, unknown>;
}

export interface ProviderChange {
  machines: Machine[];
  timers: TimerRequest[];
  /** Machines whose pending lifecycle step the change made obsolete (their step timers are cleared). */
  clear: string[];
  /** Outbound events, stored with the change and sent from the alarm (the simulated provider has none). */
  events: ProviderEvent[];
}

export interface Provider {
  /** Requests `count` new machines in one call. */
  launch(count: number, now: number, template: LaunchTemplate): ProviderChange;
  /** Starts a stopped (or standby) retained machine again, under the same id. */
  start(machine: Machine, now: number): ProviderChange;
  /** Starts terminating a machine (cancels it outright while it is only requested). */
  terminate(machine: Machine, now: number): ProviderChange;
  /** Runs one lifecycle step due on a provider timer; null when the step no longer applies. */
  step(machine: Machine, payload: unknown, now: number): ProviderChange | null;
}

/** Fresh REQUESTED member records for one launch call, as every provider creates them. */
export function requestedMachines(count: number, now: number, template: LaunchTemplate, provider: string, newId: () => string): Machine[] {
  const machines: Machine[] = [];
  for (let i = 0; i < count; i++) {
    const uuid = count === 1 && template.uuid ? template.uuid : crypto.randomUUID();
    machines.push({
      // An explicit instance is known by its uuid in every dialect; pool machines get provider ids.
      id: template.origin === "instance" ? uuid : newId(),
      uuid,
      name: count === 1 && template.name ? template.name : `${template.namePrefix}-${uuid.slice(0, 8)}`,
      origin: template.origin,
      spec: template.spec,
      retained: template.retained,
      standby: false,
      scaleToZero: template.scaleToZero,
      machineState: "REQUESTED",
      serviceState: "UNKNOWN",
      member: true,
      requestedAt: now,
      launchtime: null,
      publicIps: [],
      privateIps: [],
      metadata: { provider },
      terminateAt: null,
      endedAt: null,
    });
  }
  return machines;
}
