// The one group model shared by every dialect (elastisys pool, KraftCloud service group, Quilt
// node group). Plain data: the Durable Object persists it, the domain rules transform it.

/** JSON values: what crosses the Durable Object RPC boundary and lands in the ledger. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export const MACHINE_STATES = ["REQUESTED", "PENDING", "RUNNING", "TERMINATING", "TERMINATED", "REJECTED"] as const;
export type MachineState = (typeof MACHINE_STATES)[number];

export const SERVICE_STATES = ["BOOTING", "IN_SERVICE", "UNHEALTHY", "UNKNOWN", "OUT_OF_SERVICE"] as const;
export type ServiceState = (typeof SERVICE_STATES)[number];

export const VICTIM_POLICIES = ["OLDEST_INSTANCE", "NEWEST_INSTANCE", "CLOSEST_TO_INSTANCE_HOUR"] as const;
export type VictimSelectionPolicy = (typeof VICTIM_POLICIES)[number];

/** States in which a machine is allocated to the pool (counts in `allocated`). */
export const ALLOCATED_STATES: ReadonlySet<MachineState> = new Set(["REQUESTED", "PENDING", "RUNNING"]);

export interface SimulatedProviderConfig {
  type: "simulated";
  requestDelayMs: number;
  bootDelayMs: number;
  terminateDelayMs: number;
}
export type ProviderConfig = SimulatedProviderConfig;

export interface GroupConfig {
  provider: ProviderConfig;
  victimSelectionPolicy: VictimSelectionPolicy;
  instanceHourMarginSeconds: number;
  updatePeriodSeconds: number;
}

export interface GroupState {
  tenantId: string;
  name: string;
  config: GroupConfig;
  desiredSize: number;
  /** Bounds of the desired size (KraftCloud autoscale min_size/max_size); 0 and MAX_GROUP_SIZE when unset. */
  minSize: number;
  maxSize: number;
  createdAt: number;
  updatedAt: number;
}

/**
 * A machine the group's provider knows about. `member` is false for a machine detached from the
 * pool (it keeps running outside the pool and can be attached again).
 */
export interface Machine {
  id: string;
  machineState: MachineState;
  serviceState: ServiceState;
  member: boolean;
  requestedAt: number;
  launchtime: number | null;
  publicIps: string[];
  privateIps: string[];
  metadata: Record<string, string>;
  /** Set when scale-in chose this machine but its termination waits for the instance hour. */
  terminateAt: number | null;
  /** When the machine reached TERMINATED or REJECTED; it stays listed for a while after. */
  endedAt: number | null;
}

export const DEFAULT_CONFIG: GroupConfig = {
  provider: { type: "simulated", requestDelayMs: 200, bootDelayMs: 1000, terminateDelayMs: 500 },
  victimSelectionPolicy: "OLDEST_INSTANCE",
  instanceHourMarginSeconds: 0,
  updatePeriodSeconds: 10,
};

/** Largest desired size a group accepts (one provider call launches the difference). */
export const MAX_GROUP_SIZE = 1000;
/** How long a TERMINATED or REJECTED machine stays listed in the pool. */
export const ENDED_MACHINE_RETENTION_MS = 60_000;

/** A desired size moved by a relative change (decrement, attach) stays within the group's bounds. */
export const clampDesired = (g: GroupState, n: number) => Math.min(g.maxSize, Math.max(g.minSize, n));

export const isAllocated = (m: Machine) => ALLOCATED_STATES.has(m.machineState);

/** Members that count toward the desired size: allocated, in service, not chosen for scale-in. */
export const isEffective = (m: Machine) =>
  m.member && isAllocated(m) && m.serviceState !== "OUT_OF_SERVICE" && m.terminateAt === null;

export interface PoolSize {
  desiredSize: number;
  allocated: number;
  outOfService: number;
}

export function poolSize(group: GroupState, machines: Iterable<Machine>): PoolSize {
  let allocated = 0;
  let outOfService = 0;
  for (const m of machines) {
    if (!m.member || !isAllocated(m)) continue;
    allocated++;
    if (m.serviceState === "OUT_OF_SERVICE") outOfService++;
  }
  return { desiredSize: group.desiredSize, allocated, outOfService };
}
