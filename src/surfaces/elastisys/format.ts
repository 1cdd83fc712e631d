// The elastisys 2.0 wire formats.
import { membershipStatus } from "../../domain/membership";
import type { Machine } from "../../domain/model";
import type { OperationRecord } from "../../domain/operations";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const text = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);

/**
 * The later API's origin fields, which its Machine type requires and the autoscaler tags its pool
 * metrics with. A webhook provider's reports may name them in `metadata` (`cloudProvider`,
 * `region`, `machineSize`); otherwise: `scalegate-<provider type>`, `global` (the edge has no
 * region), and the instance spec's size or `default`.
 */
function origin(m: Machine) {
  const spec = m.spec ? `${m.spec.vcpus ?? 1}vcpu-${m.spec.memoryMb}mb` : null;
  return {
    cloudProvider: text(m.metadata.cloudProvider) ?? `scalegate-${text(m.metadata.provider) ?? "simulated"}`,
    region: text(m.metadata.region) ?? "global",
    machineSize: text(m.metadata.machineSize) ?? spec ?? "default",
  };
}

export function machineJson(m: Machine) {
  return {
    id: m.id,
    machineState: m.machineState,
    serviceState: m.serviceState,
    launchtime: iso(m.launchtime),
    // The later API's spelling of the same instant, and its membership field (src/domain/membership.ts).
    launchTime: iso(m.launchtime),
    membershipStatus: membershipStatus(m),
    ...origin(m),
    publicIps: m.publicIps,
    privateIps: m.privateIps,
    metadata: m.metadata,
  };
}

export function activityJson(r: OperationRecord) {
  return {
    id: r.id,
    type: r.type,
    status: r.status,
    dialect: r.dialect,
    timestamp: iso(r.createdAt),
    idempotencyKey: r.idempotencyKey,
    actionId: r.actionId,
    request: r.request === null ? null : JSON.parse(r.request),
    result: r.result === null ? null : JSON.parse(r.result),
    cause: r.cause,
  };
}
