// Plain-data fixtures for the pure domain and provider tests (no Workers APIs involved).
import { DEFAULT_CONFIG, newGroup, type GroupConfig, type GroupState, type Machine } from "../src/domain/model";
import type { AutoscaleState } from "../src/domain/autoscale/state";

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
/** A fixed, arbitrary "now" for the pure tests: the functions take the clock as an argument. */
export const NOW = Date.UTC(2026, 3, 20, 12, 0, 0);

/** A RUNNING, IN_SERVICE member launched an hour before NOW unless told otherwise. */
export function machine(id: string, over: Partial<Machine> = {}): Machine {
  return {
    id,
    uuid: `00000000-0000-4000-8000-${id.replace(/[^0-9a-f]/g, "").padStart(12, "0").slice(-12)}`,
    name: id,
    origin: "pool",
    spec: null,
    retained: false,
    standby: false,
    scaleToZero: null,
    machineState: "RUNNING",
    serviceState: "IN_SERVICE",
    member: true,
    requestedAt: NOW - HOUR - MINUTE,
    launchtime: NOW - HOUR,
    publicIps: [],
    privateIps: [],
    metadata: {},
    terminateAt: null,
    endedAt: null,
    ...over,
  };
}

/** A REQUESTED member (nothing launched yet). */
export const requested = (id: string, requestedAt: number, over: Partial<Machine> = {}) =>
  machine(id, { machineState: "REQUESTED", serviceState: "UNKNOWN", requestedAt, launchtime: null, ...over });

export function group(desiredSize: number, config: Partial<GroupConfig> = {}): GroupState {
  return { ...newGroup("t", "g", "00000000-0000-8000-8000-000000000000", { ...DEFAULT_CONFIG, ...config }, NOW - HOUR), desiredSize };
}

export const ids = (ms: { id: string }[]) => ms.map((m) => m.id);

/** Fisher–Yates with a fixed seed, so that "the order of the input does not matter" is checked reproducibly. */
export function shuffled<T>(xs: T[], seed = 7): T[] {
  const out = [...xs];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** A group's autoscale state (no policies, no phase running, no traffic yet) with `over` applied. */
export function autoscaleState(over: Partial<AutoscaleState> = {}): AutoscaleState {
  return {
    min_size: 1, max_size: 10, warmup_time_ms: 5000, cooldown_time_ms: 7000, master: "m", policies: [],
    createdAt: NOW - MINUTE, warmupUntil: null, cooldownUntil: null, lastSample: null, lastTrafficAt: null, heldRequests: 0, ...over,
  };
}

/** A JSON copy: compare an input before and after a planner ran ("the input is not modified"). */
export const frozen = <T>(x: T): T => JSON.parse(JSON.stringify(x));
