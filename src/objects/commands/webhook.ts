// The webhook provider's callbacks: the user's infrastructure reports machine states, and the
// group's machines move exactly as the simulated provider's timer steps move them (forward only;
// a REJECTED or lost machine is replaced, an unknown running one corrected, by the next reconcile).
import type { Machine, MachineState } from "../../domain/model";
import { fail, type Result } from "../../domain/operations";
import { applyReport, type MachineReport } from "../../providers/webhook";
import { afterMachineStep } from "./lifecycle";
import { terminateTimer, type GroupTx } from "../tx";

export interface ReportResult {
  id: string;
  outcome: "updated" | "unchanged" | "appeared" | "ignored";
  machineState: MachineState | null;
  reason?: string;
}

export function reportMachines(tx: GroupTx, reports: MachineReport[]): Result<{ results: ReportResult[] }> {
  const provider = tx.group.config.provider;
  if (provider.type !== "webhook") return fail("CONFLICT", `the group's provider is '${provider.type}', not 'webhook': it takes no machine reports`);
  const results: ReportResult[] = [];
  const changes: { id: string; from: MachineState | null; to: MachineState }[] = [];
  for (const r of reports) {
    const out = applyReport(tx.machine(r.id), r, tx.now);
    if (out.outcome === "ignored") {
      results.push({ id: r.id, outcome: "ignored", machineState: tx.machine(r.id)?.machineState ?? null, reason: out.reason });
      continue;
    }
    const m: Machine = out.machine;
    if (out.outcome !== "unchanged") {
      const ended = m.machineState === "TERMINATED" || m.machineState === "REJECTED";
      tx.apply({ machines: [m], timers: [], clear: [], events: [] });
      if (ended) tx.timers.clear(terminateTimer(m.id));
      afterMachineStep(tx, m.id);
      if (out.from !== m.machineState) changes.push({ id: m.id, from: out.from, to: m.machineState });
    }
    results.push({ id: r.id, outcome: out.outcome, machineState: m.machineState });
  }
  tx.op("provider.webhook.report", {
    request: reports.map((r) => ({ ...r, ...(r.launchtime !== undefined ? { launchtime: new Date(r.launchtime).toISOString() } : {}) })),
    result: { results, changes },
  });
  return { ok: true, results };
}
