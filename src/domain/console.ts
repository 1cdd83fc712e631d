// What the console shows, as pure rules (docs/console.md): a group's counts, its machines as the
// console lists them, ledger records in the console's JSON, orchestrator actions grouped from the
// ledger, and the series of a group's chart. No Workers APIs; the clock is passed in.
import type { StepPolicy } from "./autoscale/policy";
import type { GroupState, Machine } from "./model";
import type { Dialect, OperationRecord } from "./operations";

/** Desired size and where the group's members stand: what the groups table and the feed carry. */
export interface GroupCounts {
  desired: number;
  /** Members RUNNING and not scheduled for termination. */
  running: number;
  /** Members REQUESTED or PENDING (not yet serving). */
  starting: number;
  /** Members leaving: TERMINATING, or scheduled for termination (instance-hour wait, cooldown drain). */
  draining: number;
}

export function groupCounts(g: GroupState, machines: Iterable<Machine>): GroupCounts {
  const c: GroupCounts = { desired: g.desiredSize, running: 0, starting: 0, draining: 0 };
  for (const m of machines) {
    if (!m.member) continue;
    if (m.machineState === "TERMINATING" || (m.terminateAt !== null && (m.machineState === "RUNNING" || m.machineState === "PENDING" || m.machineState === "REQUESTED"))) c.draining++;
    else if (m.machineState === "RUNNING") c.running++;
    else if (m.machineState === "REQUESTED" || m.machineState === "PENDING") c.starting++;
  }
  return c;
}

/** The dialects a group has been used through, in a fixed order (`system` is Scalegate itself). */
export const CONSOLE_DIALECTS: readonly Dialect[] = ["elastisys", "kraftcloud", "quilt", "hooks"];
export const orderDialects = (used: Iterable<string>): Dialect[] => {
  const set = new Set(used);
  return CONSOLE_DIALECTS.filter((d) => set.has(d));
};

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A machine as the console lists it: state, service state, one address, age. */
export function machineView(m: Machine, now: number) {
  const since = m.launchtime ?? m.requestedAt;
  return {
    id: m.id,
    name: m.name,
    state: m.machineState,
    service_state: m.serviceState,
    member: m.member,
    origin: m.origin,
    address: m.publicIps[0] ?? m.privateIps[0] ?? null,
    requested_at: iso(m.requestedAt),
    launched_at: iso(m.launchtime),
    age_seconds: Math.max(0, Math.floor((now - since) / 1000)),
    terminate_at: iso(m.terminateAt),
  };
}

const parse = (text: string | null): unknown => {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

/** A ledger record with its JSON parsed and its times in ISO 8601. */
export function recordView(r: OperationRecord) {
  return {
    id: r.id,
    type: r.type,
    dialect: r.dialect,
    status: r.status,
    target_kind: r.targetKind,
    target_id: r.targetId,
    action_id: r.actionId,
    request: parse(r.request),
    result: parse(r.result),
    cause: r.cause,
    reason_code: r.reasonCode,
    reason_message: r.reasonMessage,
    created_at: iso(r.createdAt)!,
    completed_at: iso(r.completedAt),
    seq: r.seq,
  };
}
export type RecordView = ReturnType<typeof recordView>;

/**
 * A target's records from D1 and from its object's outbox (not yet in D1), one per id (the higher
 * version wins), newest first, at most `limit`.
 */
export function mergeRecords(stored: OperationRecord[], pending: OperationRecord[], limit: number): OperationRecord[] {
  const byId = new Map<string, OperationRecord>();
  for (const r of [...stored, ...pending]) {
    const had = byId.get(r.id);
    if (!had || r.version > had.version) byId.set(r.id, r);
  }
  return [...byId.values()].sort((a, b) => b.createdAt - a.createdAt || b.seq - a.seq).slice(0, limit);
}

/** Types of the Quilt records a rollback can undo (src/domain/undo.ts decides exactly). */
const ROLLBACK_TYPE = "elasticity.rollback_action";

export interface ActionView {
  action_id: string;
  first_at: string;
  last_at: string;
  /** Every target the action's operations touched, as `kind:id`. */
  targets: string[];
  operations: RecordView[];
  /** This action is itself a rollback of that action. */
  rollback_of: string | null;
  /** The actions that rolled this one back (newest last). */
  rolled_back_by: string[];
}

/**
 * Orchestrator actions from ledger records that carry an action id: grouped, each with its
 * operations oldest first, newest action first, at most `limit`.
 */
export function groupActions(records: OperationRecord[], limit: number): ActionView[] {
  const by = new Map<string, OperationRecord[]>();
  for (const r of records) {
    if (!r.actionId) continue;
    const list = by.get(r.actionId) ?? [];
    list.push(r);
    by.set(r.actionId, list);
  }
  const rolledBackBy = new Map<string, string[]>();
  const views: ActionView[] = [];
  for (const [id, ops] of by) {
    ops.sort((a, b) => a.createdAt - b.createdAt || a.seq - b.seq);
    const rollback = ops.find((o) => o.type === ROLLBACK_TYPE);
    const of = rollback ? ((parse(rollback.request) as { target_action_id?: string } | null)?.target_action_id ?? null) : null;
    if (of) rolledBackBy.set(of, [...(rolledBackBy.get(of) ?? []), id]);
    views.push({
      action_id: id,
      first_at: iso(ops[0].createdAt)!,
      last_at: iso(ops[ops.length - 1].createdAt)!,
      targets: [...new Set(ops.map((o) => `${o.targetKind}:${o.targetId}`))],
      operations: ops.map(recordView),
      rollback_of: of,
      rolled_back_by: [],
    });
  }
  for (const v of views) v.rolled_back_by = rolledBackBy.get(v.action_id) ?? [];
  return views.sort((a, b) => (a.last_at < b.last_at ? 1 : a.last_at > b.last_at ? -1 : a.action_id < b.action_id ? -1 : 1)).slice(0, limit);
}

/** One point of a group's history as the console feed stores it (src/objects/feed.ts). */
export interface SamplePoint extends GroupCounts {
  at: number;
  /** The last metric sample (CPU millicores per instance) the group had then, if any. */
  cpu: number | null;
}

/** A policy step drawn as a band on the metric chart: [lower, upper) and what it does. */
export interface Band {
  policy: string;
  adjustment_type: string;
  lower: number | null;
  upper: number | null;
  adjustment: number;
}

/** The cpu policies' steps, as bands (policies on other metrics are listed, not drawn on cpu). */
export function policyBands(policies: StepPolicy[]): Band[] {
  return policies
    .filter((p) => p.metric === "cpu" && p.enabled !== false)
    .flatMap((p) => p.steps.map((s) => ({ policy: p.name, adjustment_type: p.adjustment_type, lower: s.lower_bound, upper: s.upper_bound, adjustment: s.adjustment })));
}

export interface Series {
  /** Seconds since the epoch (what uPlot plots on x). */
  t: number[];
  desired: (number | null)[];
  running: (number | null)[];
  cpu: (number | null)[];
}

/**
 * The chart's series: the feed's samples (desired, running and the metric as the group published
 * them after each change), the metric of every decision in the ledger, and the live point `now`.
 * Sorted by time; a decision's point has no counts (null: uPlot leaves a gap and joins the line).
 */
export function buildSeries(samples: SamplePoint[], decisions: OperationRecord[], live: (GroupCounts & { cpu: number | null }) | null, now: number): Series {
  type P = { at: number; desired: number | null; running: number | null; cpu: number | null };
  const points: P[] = samples.map((s) => ({ at: s.at, desired: s.desired, running: s.running, cpu: s.cpu }));
  for (const d of decisions) {
    const cpu = (parse(d.request) as { cpu?: unknown } | null)?.cpu;
    if (typeof cpu === "number") points.push({ at: d.createdAt, desired: null, running: null, cpu });
  }
  if (live) points.push({ at: now, desired: live.desired, running: live.running, cpu: live.cpu });
  points.sort((a, b) => a.at - b.at);
  // uPlot needs strictly increasing x: points in the same millisecond merge (the later value wins).
  const out: Series = { t: [], desired: [], running: [], cpu: [] };
  for (const p of points) {
    const t = p.at / 1000;
    const last = out.t.length - 1;
    if (last >= 0 && out.t[last] === t) {
      if (p.desired !== null) out.desired[last] = p.desired;
      if (p.running !== null) out.running[last] = p.running;
      if (p.cpu !== null) out.cpu[last] = p.cpu;
      continue;
    }
    out.t.push(t);
    out.desired.push(p.desired);
    out.running.push(p.running);
    out.cpu.push(p.cpu);
  }
  return out;
}

/** A service group's front-door traffic as the group last measured it (null: no domains). */
export function frontDoorLive(g: GroupState) {
  if (!g.service || g.service.domains.length === 0) return null;
  const s = g.autoscale?.lastSample ?? null;
  return {
    reqs_per_sec: s?.metrics?.reqs_per_sec ?? null,
    inflight_reqs: s?.metrics?.inflight_reqs ?? null,
    /** Requests held while the group sleeps or wakes. */
    held: g.autoscale?.heldRequests ?? 0,
    sampled_at: s ? iso(s.at) : null,
  };
}

export interface ColdStart {
  at: string;
  /** The held request that woke the group (`METHOD host/path`). */
  request: string | null;
  /** From the wake to the release of the held requests; null while still waking. */
  waited_ms: number | null;
}

/**
 * A group's cold starts from its ledger: each `frontdoor.wake`, paired with the first
 * `scale_to_zero.released` after it (the held requests let through). Newest first.
 */
export function coldStarts(records: OperationRecord[]): ColdStart[] {
  const asc = [...records].sort((a, b) => a.createdAt - b.createdAt || a.seq - b.seq);
  const out: ColdStart[] = [];
  for (let i = 0; i < asc.length; i++) {
    const r = asc[i];
    if (r.type !== "frontdoor.wake") continue;
    const req = parse(r.request) as { method?: string; host?: string; path?: string } | null;
    const released = asc.slice(i + 1).find((x) => x.type === "scale_to_zero.released");
    out.push({ at: iso(r.createdAt)!, request: req?.method ? `${req.method} ${req.host ?? ""}${req.path ?? ""}` : null, waited_ms: released ? released.createdAt - r.createdAt : null });
  }
  return out.reverse();
}
