// The one group model shared by every dialect (elastisys pool, KraftCloud service group, Quilt
// node group). Plain data: the Durable Object persists it, the domain rules transform it.
import type { AutoscaleState } from "./autoscale/state";
import { digestUuid } from "./hex";

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
/** Signed HTTP calls to the user's own infrastructure, which reports back by callbacks (docs/webhooks.md). */
export interface WebhookProviderConfig {
  type: "webhook";
  url: string;
  /** Signs every delivery (src/domain/signature.ts); never shown back (see `publicConfig`). */
  secret: string;
  /** How long a delivery may take before it counts as failed and is retried. */
  timeoutMs: number;
}
export type ProviderConfig = SimulatedProviderConfig | WebhookProviderConfig;

/** What answers and ledger records show of a config: a webhook secret is never echoed back. */
export const REDACTED = "***";
export function publicConfig<C extends { provider: ProviderConfig }>(config: C): C {
  return config.provider.type === "webhook" ? { ...config, provider: { ...config.provider, secret: REDACTED } } : config;
}

/** What an instance runs (KraftCloud instance creation; autoscale clones copy the master's). */
export interface InstanceSpec {
  image: string;
  memoryMb: number;
  /** KraftCloud `vcpus` (1 when not given); records made before it existed have none. */
  vcpus?: number;
}

/** Who asked for a machine: the pool's reconciler, an explicit instance creation, autoscale, or nobody we know. */
export type MachineOrigin = "pool" | "instance" | "autoscale" | "external";

export interface ScaleToZero {
  policy: "on" | "off" | "idle";
  cooldownTimeMs: number;
}

/** A KraftCloud service group's own definition (published ports, domains, connection limits). */
export interface ServiceSpec {
  services: { port: number; destination_port: number; handlers: string[] }[];
  domains: { fqdn: string }[];
  softLimit: number;
  hardLimit: number;
}

export interface GroupConfig {
  provider: ProviderConfig;
  victimSelectionPolicy: VictimSelectionPolicy;
  instanceHourMarginSeconds: number;
  updatePeriodSeconds: number;
}

export interface GroupState {
  tenantId: string;
  name: string;
  /** The group's UUID (KraftCloud service group uuid), derived from tenant and name. */
  uuid: string;
  /** Set when the group was created or configured as a KraftCloud service group. */
  service: ServiceSpec | null;
  /** KraftCloud autoscale, when configured: policies, bounds, warmup/cooldown state. */
  autoscale: AutoscaleState | null;
  config: GroupConfig;
  desiredSize: number;
  /** Bounds of the desired size (KraftCloud autoscale min_size/max_size); 0 and MAX_GROUP_SIZE when unset. */
  minSize: number;
  maxSize: number;
  createdAt: number;
  updatedAt: number;
}

/**
 * A JSON value (machine metadata): nested arrays and objects are typed `object` because the RPC
 * stub types of a recursive JSON type are too deep for tsc; the wire schema checks the shape.
 */
export type JsonValue = string | number | boolean | null | object;

/**
 * A machine the group's provider knows about. `member` is false for a machine detached from the
 * pool (it keeps running outside the pool and can be attached again).
 */
export interface Machine {
  id: string;
  /** KraftCloud instance identity. */
  uuid: string;
  name: string;
  origin: MachineOrigin;
  spec: InstanceSpec | null;
  /** Explicit instances persist when stopped (KraftCloud); pool machines are forgotten once ended. */
  retained: boolean;
  /** Stopped by scale-to-zero: woken by traffic or a start call. */
  standby: boolean;
  /** A start call came while it was stopping: it starts again once stopped (KraftCloud instances). */
  startWhenStopped?: boolean;
  scaleToZero: ScaleToZero | null;
  machineState: MachineState;
  serviceState: ServiceState;
  member: boolean;
  requestedAt: number;
  launchtime: number | null;
  publicIps: string[];
  privateIps: string[];
  /** A JSON object: the provider's own keys, and whatever a webhook provider's reports carried. */
  metadata: Record<string, JsonValue>;
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

export function newGroup(tenantId: string, name: string, uuid: string, config: GroupConfig, now: number): GroupState {
  return { tenantId, name, uuid, service: null, autoscale: null, config, desiredSize: 0, minSize: 0, maxSize: MAX_GROUP_SIZE, createdAt: now, updatedAt: now };
}

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
  /** Allocated members that count toward the desired size (`isEffective`): the later elastisys API's `active`. */
  active: number;
}

export function poolSize(group: GroupState, machines: Iterable<Machine>): PoolSize {
  let allocated = 0;
  let outOfService = 0;
  let active = 0;
  for (const m of machines) {
    if (!m.member || !isAllocated(m)) continue;
    allocated++;
    if (m.serviceState === "OUT_OF_SERVICE") outOfService++;
    if (isEffective(m)) active++;
  }
  return { desiredSize: group.desiredSize, allocated, outOfService, active };
}

/**
 * A group's UUID, derived from tenant and name (an RFC 9562 version 8 UUID over SHA-256), so every
 * dialect and every edge location computes the same one without a lookup.
 */
export function groupUuid(tenantId: string, name: string): Promise<string> {
  return digestUuid(`scalegate:group:${tenantId}:${name}`);
}
