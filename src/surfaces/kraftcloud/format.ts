// KraftCloud v1 wire formats of service groups and instances (the `service` and `instance`
// schemas of the upstream KraftCloud OpenAPI file), and the instance state mapping shared by every /v1
// route (docs/kraftcloud.md, "Instance states").
import { isAllocated, type GroupState, type Machine } from "../../domain/model";

export const KC_STATES = ["stopped", "starting", "running", "draining", "stopping", "standby"] as const;
export type KcState = (typeof KC_STATES)[number];

/**
 * A machine's KraftCloud state: standby (scale-to-zero) first; REQUESTED/PENDING → starting;
 * RUNNING chosen for scale-in (terminateAt set) → draining; RUNNING → running; TERMINATING →
 * stopping; TERMINATED/REJECTED → stopped.
 */
export function kcState(m: Machine): KcState {
  if (m.standby) return "standby";
  switch (m.machineState) {
    case "REQUESTED":
    case "PENDING":
      return "starting";
    case "RUNNING":
      return m.terminateAt !== null ? "draining" : "running";
    case "TERMINATING":
      return "stopping";
    case "TERMINATED":
    case "REJECTED":
      return "stopped";
  }
}

export const DEFAULT_VCPUS = 1;
/** KraftCloud's connection limits of a service group created without them. */
export const DEFAULT_SOFT_LIMIT = 1;
export const DEFAULT_HARD_LIMIT = 65535;

export const iso = (ms: number) => new Date(ms).toISOString();

/** Instances attached to a group (what blocks its deletion): members that run or are kept while stopped. */
export const attached = (machines: Machine[]) =>
  machines.filter((m) => m.member && (isAllocated(m) || m.retained)).sort((a, b) => a.requestedAt - b.requestedAt || (a.name < b.name ? -1 : 1));

export const groupIdentity = (g: GroupState) => ({ uuid: g.uuid, name: g.name });

/**
 * A service group (`get-services` item). Groups created through another dialect have no service
 * definition: no published ports, no domains, the default connection limits.
 */
export function serviceJson(g: GroupState, machines: Machine[]) {
  const s = g.service;
  return {
    status: "success",
    uuid: g.uuid,
    name: g.name,
    created_at: iso(g.createdAt),
    persistent: true,
    autoscale: g.autoscale !== null,
    // A group of another dialect has the limits a service group gets when none are given (the
    // SDK's ServiceGroup requires both).
    soft_limit: s ? s.softLimit : DEFAULT_SOFT_LIMIT,
    hard_limit: s ? s.hardLimit : DEFAULT_HARD_LIMIT,
    services: s ? s.services.map((p) => ({ port: p.port, destination_port: p.destination_port, handlers: p.handlers })) : [],
    domains: s ? s.domains.map((d) => ({ fqdn: d.fqdn })) : [],
    instances: attached(machines).map((m) => ({ uuid: m.uuid, name: m.name })),
  };
}

/**
 * An instance (`instance` schema), with what Scalegate knows honestly: no args/env, no metrics, no
 * restart counters. `createdAt` is the registry's creation time (a restart does not move it).
 */
export function instanceJson(m: Machine, g: { uuid: string; name: string }, createdAt: number) {
  const state = kcState(m);
  return {
    status: "success",
    uuid: m.uuid,
    name: m.name,
    created_at: iso(createdAt),
    state,
    // The SDK's model requires these; a machine a pool launched has no spec Scalegate knows of,
    // which it says with an empty image and zero sizes rather than invented ones.
    ...(m.spec ? { image: m.spec.image, memory_mb: m.spec.memoryMb, vcpus: m.spec.vcpus ?? DEFAULT_VCPUS } : { image: "", memory_mb: 0, vcpus: 0 }),
    // What Scalegate does, in the SDK's terms: a stopped or crashed instance stays stopped until a
    // start call (no restart policy), and every instance is a unikernel VM (`micro`).
    restart_policy: "never",
    type: "micro",
    service_group: { uuid: g.uuid, name: g.name },
    ...(m.privateIps[0] ? { private_ip: m.privateIps[0] } : {}),
    ...(m.launchtime !== null && state !== "stopped" && state !== "standby" ? { started_at: iso(m.launchtime) } : {}),
    ...(m.endedAt !== null && (state === "stopped" || state === "standby") ? { stopped_at: iso(m.endedAt) } : {}),
    ...(m.scaleToZero ? { scale_to_zero: { policy: m.scaleToZero.policy, cooldown_time_ms: m.scaleToZero.cooldownTimeMs } } : {}),
  };
}

/** The short form (`?details=false`, and the items of writes). */
export const briefJson = (x: { uuid: string; name: string }) => ({ status: "success", uuid: x.uuid, name: x.name });
