// The webhook provider: machines live in the user's own infrastructure. Pure like the simulated
// provider: launch/start/terminate return the machines' new records plus the outbound events the
// Durable Object stores with them and delivers, signed, from its alarm (src/objects/deliveries.ts).
// There are no lifecycle timers: states after REQUESTED / TERMINATING come from the user's
// callbacks (`POST /providers/webhook/{group}/machines`), applied by `applyReport`.
import type { JsonValue, Machine, MachineState, WebhookProviderConfig } from "../domain/model";
import { newMachineId } from "./simulated";
import { requestedMachines, type Provider, type ProviderChange } from "./types";

const NONE: ProviderChange = { machines: [], timers: [], clear: [], events: [] };

export function webhookProvider(_config: WebhookProviderConfig, group: string): Provider {
  return {
    launch(count, now, template) {
      const machines = requestedMachines(count, now, template, "webhook", newMachineId);
      if (count === 0) return NONE;
      return {
        ...NONE,
        machines,
        events: [
          {
            type: "machine.launch",
            data: {
              group,
              count,
              spec: template.spec,
              origin: template.origin,
              machineIds: machines.map((m) => m.id),
              machines: machines.map((m) => ({ id: m.id, uuid: m.uuid, name: m.name })),
            },
          },
        ],
      };
    },

    start(m, now) {
      if (m.machineState !== "TERMINATED" && m.machineState !== "REJECTED") return NONE;
      const machine: Machine = { ...m, machineState: "REQUESTED", standby: false, requestedAt: now, launchtime: null, endedAt: null, terminateAt: null };
      return { ...NONE, machines: [machine], events: [{ type: "machine.start", data: { group, machineId: m.id, uuid: m.uuid, name: m.name, spec: m.spec } }] };
    },

    terminate(m) {
      // Even a machine only REQUESTED may have been launched by now: the user's side confirms.
      if (m.machineState !== "REQUESTED" && m.machineState !== "PENDING" && m.machineState !== "RUNNING") return NONE;
      const machine: Machine = { ...m, machineState: "TERMINATING", terminateAt: null };
      return {
        ...NONE,
        machines: [machine],
        events: [{ type: "machine.terminate", data: { group, machineId: m.id, uuid: m.uuid, name: m.name, machineState: m.machineState } }],
      };
    },

    step() {
      return null; // no timer-driven lifecycle: callbacks report the states
    },
  };
}

/** One machine state report from the user's infrastructure. `launchtime` in epoch ms. */
export interface MachineReport {
  id: string;
  state: MachineState;
  publicIps?: string[];
  privateIps?: string[];
  launchtime?: number;
  /** Any JSON object (elastisys machine metadata), shallow-merged into what earlier reports said. */
  metadata?: Record<string, JsonValue>;
}

export type ReportOutcome =
  | { id: string; outcome: "updated" | "unchanged" | "appeared"; machine: Machine; from: MachineState | null }
  | { id: string; outcome: "ignored"; reason: string };

/** Lifecycle order: a report only moves a machine forward (a late or repeated report changes nothing). */
const RANK: Record<MachineState, number> = { REQUESTED: 0, PENDING: 1, RUNNING: 2, TERMINATING: 3, TERMINATED: 4, REJECTED: 4 };
const LIVE = new Set<MachineState>(["REQUESTED", "PENDING", "RUNNING"]);

/** Largest reported metadata (serialized, UTF-8) kept for one machine; the callback schema bounds each report to it. */
export const MAX_REPORTED_METADATA_BYTES = 8 * 1024;

/**
 * A report's metadata shallow-merged into what earlier reports said. When the merge would outgrow
 * the bound (reports naming ever new keys), the report's metadata replaces the earlier keys
 * instead, so a machine's metadata never grows without limit. `provider: webhook` always stays.
 */
export function mergeMetadata(current: Record<string, JsonValue>, reported: Record<string, JsonValue>): Record<string, JsonValue> {
  const merged = { ...current, ...reported, provider: "webhook" };
  if (new TextEncoder().encode(JSON.stringify(merged)).length <= MAX_REPORTED_METADATA_BYTES) return merged;
  return { ...(typeof current.origin === "string" ? { origin: current.origin } : {}), ...reported, provider: "webhook" };
}

/** What one report does to the group's machines (pure; the command persists it). */
export function applyReport(current: Machine | undefined, r: MachineReport, now: number): ReportOutcome {
  const details = (m: Machine): Machine => ({
    ...m,
    publicIps: r.publicIps ?? m.publicIps,
    privateIps: r.privateIps ?? m.privateIps,
    launchtime: r.launchtime ?? m.launchtime,
    metadata: r.metadata ? mergeMetadata(m.metadata, r.metadata) : m.metadata,
  });
  if (!current) {
    if (!LIVE.has(r.state)) return { id: r.id, outcome: "ignored", reason: `unknown machine reported ${r.state}` };
    // A machine Scalegate did not ask for: an external member, corrected by the next reconcile.
    const uuid = crypto.randomUUID();
    const base: Machine = {
      id: r.id, uuid, name: `external-${uuid.slice(0, 8)}`, origin: "external", spec: null, retained: false, standby: false, scaleToZero: null,
      machineState: r.state, serviceState: "UNKNOWN", member: true, requestedAt: now, launchtime: r.state === "REQUESTED" ? null : now,
      publicIps: [], privateIps: [], metadata: { provider: "webhook", origin: "external" }, terminateAt: null, endedAt: null,
    };
    return { id: r.id, outcome: "appeared", machine: details(base), from: null };
  }
  const from = current.machineState;
  if (RANK[r.state] < RANK[from] || (RANK[from] === 4 && r.state !== from)) {
    return { id: r.id, outcome: "ignored", reason: `machine is ${from} already; a report of ${r.state} does not move it back` };
  }
  let machine = details(current);
  if (r.state !== from) {
    machine = { ...machine, machineState: r.state };
    if ((r.state === "PENDING" || r.state === "RUNNING") && machine.launchtime === null) machine.launchtime = now;
    if (r.state === "TERMINATED" || r.state === "REJECTED") machine = { ...machine, terminateAt: null, endedAt: now };
    if (r.state === "TERMINATING") machine = { ...machine, terminateAt: null };
  }
  const changed = JSON.stringify(machine) !== JSON.stringify(current);
  return { id: r.id, outcome: changed ? "updated" : "unchanged", machine, from };
}
