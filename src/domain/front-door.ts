// The front door's rules, pure (issue 11; docs/front-door.md): which members of a service group
// take proxied traffic and at which address, which one a request goes to, and the bounded hold
// queue of a group with no running member — admission (max_pending), timeouts (hold_timeout_ms),
// release in arrival order under the concurrency limit, and failing everything at once when the
// wake fails. The Worker (src/frontdoor/) and the group's object (src/objects/commands/front-door.ts)
// apply these answers; the clock is always an argument.
import { isAllocated, type GroupState, type Machine } from "./model";

/** Per-group settings (extension fields of the autoscale configuration), with their defaults. */
export interface FrontDoorSettings {
  /** Held requests per group; beyond it 503 with Retry-After. */
  maxPending: number;
  /** How long a held request waits for a member; then 504. */
  holdTimeoutMs: number;
  /** Requests one member takes at once (per isolate for warm traffic); null: no limit. */
  maxConcurrency: number | null;
  /** How long the front door waits for an upstream's answer head; then 504. */
  upstreamTimeoutMs: number;
}

export const FRONT_DOOR_DEFAULTS: FrontDoorSettings = { maxPending: 100, holdTimeoutMs: 30_000, maxConcurrency: null, upstreamTimeoutMs: 30_000 };

/** The settings as the autoscale configuration stores them (the wire's extension fields); unset → default. */
export interface FrontDoorConfig {
  max_pending?: number;
  hold_timeout_ms?: number;
  max_concurrency?: number;
  upstream_timeout_ms?: number;
}

export const FRONT_DOOR_FIELDS = ["max_pending", "hold_timeout_ms", "max_concurrency", "upstream_timeout_ms"] as const;

/** A group's settings: its autoscale configuration's, else the defaults (a group without autoscale too). */
export function settingsOf(a: { front_door?: FrontDoorConfig } | null | undefined): FrontDoorSettings {
  const c = a?.front_door ?? {};
  return {
    maxPending: c.max_pending ?? FRONT_DOOR_DEFAULTS.maxPending,
    holdTimeoutMs: c.hold_timeout_ms ?? FRONT_DOOR_DEFAULTS.holdTimeoutMs,
    maxConcurrency: c.max_concurrency ?? FRONT_DOOR_DEFAULTS.maxConcurrency,
    upstreamTimeoutMs: c.upstream_timeout_ms ?? FRONT_DOOR_DEFAULTS.upstreamTimeoutMs,
  };
}

/** The first setting outside its range, as a message naming the field (KraftCloud error 7); null when all are fine. */
export function checkFrontDoorConfig(c: FrontDoorConfig): string | null {
  for (const f of FRONT_DOOR_FIELDS) {
    const v = c[f];
    const { min, max } = FRONT_DOOR_LIMITS[f];
    if (v !== undefined && (!Number.isInteger(v) || v < min || v > max)) return `${f} ${v} must be an integer between ${min} and ${max}`;
  }
  return null;
}

/** Accepted ranges of the settings (inclusive), so a typo cannot hold requests for a day. */
export const FRONT_DOOR_LIMITS = {
  max_pending: { min: 0, max: 10_000 },
  hold_timeout_ms: { min: 100, max: 300_000 },
  max_concurrency: { min: 1, max: 100_000 },
  upstream_timeout_ms: { min: 100, max: 300_000 },
} as const;

/** What a client that was turned away is told to wait before it tries again (seconds). */
export const RETRY_AFTER_S = 1;
/** How long a member whose upstream refused or timed out is skipped. */
export const MARK_MS = 2_000;

// ---------------------------------------------------------------- members

/** A member as the front door sees it: where to send, and what it is (for the embedded app). */
export interface FrontDoorMember {
  id: string;
  uuid: string;
  name: string;
  /** The provider-reported address (first public IP, else first private IP); null for a simulated member. */
  address: string | null;
  /** The simulated provider's machines are served by its embedded app (src/providers/simulated-app.ts). */
  simulated: boolean;
}

/**
 * Members that take new requests: running, in the pool, not draining (chosen for scale-in, out of
 * service) — members in warmup do take traffic (KraftCloud meaning). A webhook member with no
 * reported IP cannot be reached and is left out.
 */
export function frontDoorMembers(machines: Iterable<Machine>): FrontDoorMember[] {
  const out: FrontDoorMember[] = [];
  for (const m of machines) {
    if (!m.member || m.machineState !== "RUNNING" || m.terminateAt !== null || m.serviceState === "OUT_OF_SERVICE") continue;
    const simulated = m.metadata.provider === "simulated";
    const address = simulated ? null : (m.publicIps[0] ?? m.privateIps[0] ?? null);
    if (!simulated && address === null) continue;
    out.push({ id: m.id, uuid: m.uuid, name: m.name, address, simulated });
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * The port a request goes to on a member: the destination port of the published port that matches
 * the request's scheme (443 for https, 80 for http), else of the first published port; null when
 * the service publishes none.
 */
export function destinationPort(g: Pick<GroupState, "service">, scheme: "http" | "https"): number | null {
  const services = g.service?.services ?? [];
  const wanted = scheme === "https" ? 443 : 80;
  return (services.find((s) => s.port === wanted) ?? services[0])?.destination_port ?? null;
}

/** A member's load as the picker sees it. */
export interface MemberLoad {
  id: string;
  /** Requests in flight on it (from this isolate, or released by the object). */
  inflight: number;
  /** Until when it is skipped after an upstream failure (0: not marked). */
  markedUntil: number;
}

/**
 * The member a request goes to: the fewest in flight, under the concurrency limit; members
 * marked after a failure are skipped while others can take it (with only marked members left,
 * the one marked earliest is tried rather than failing at once). `turn` rotates among equals so
 * that sequential requests spread. null: every member is at its limit (or there is none).
 */
export function pickMember(members: MemberLoad[], maxConcurrency: number | null, now: number, turn = 0): string | null {
  const open = members.filter((m) => maxConcurrency === null || m.inflight < maxConcurrency);
  if (open.length === 0) return null;
  const healthy = open.filter((m) => m.markedUntil <= now);
  if (healthy.length === 0) return open.reduce((a, b) => (b.markedUntil < a.markedUntil ? b : a)).id;
  const least = Math.min(...healthy.map((m) => m.inflight));
  const ties = healthy.filter((m) => m.inflight === least);
  return ties[Math.abs(turn) % ties.length].id;
}

// ---------------------------------------------------------------- the hold queue (cold path)

export interface Held {
  id: string;
  arrivedAt: number;
  deadline: number;
}

export type Admission =
  | { kind: "hold"; held: Held; queue: Held[] }
  | { kind: "reject"; status: 503; retryAfterS: number; reason: string };

/** A request for a group with no member to take it: held (in arrival order) unless the queue is full. */
export function admit(queue: readonly Held[], s: FrontDoorSettings, id: string, now: number): Admission {
  if (queue.length >= s.maxPending) {
    return { kind: "reject", status: 503, retryAfterS: RETRY_AFTER_S, reason: `${queue.length} requests are already held while the service wakes (max_pending ${s.maxPending})` };
  }
  const held = { id, arrivedAt: now, deadline: now + s.holdTimeoutMs };
  return { kind: "hold", held, queue: [...queue, held] };
}

/** Held requests whose hold_timeout_ms has passed (the deadline included) leave the queue: 504. */
export function expire(queue: readonly Held[], now: number): { queue: Held[]; expired: Held[]; nextDeadline: number | null } {
  const expired = queue.filter((h) => h.deadline <= now);
  const left = queue.filter((h) => h.deadline > now);
  return { queue: left, expired, nextDeadline: left.length ? Math.min(...left.map((h) => h.deadline)) : null };
}

/**
 * Releases held requests to running members, in arrival order, each to the member with the
 * fewest in flight, never more on a member than the concurrency limit. `members` are the ones
 * taking traffic (`frontDoorMembers`, draining ones already left out) with what is in flight on
 * them; the answer's loads include the releases.
 */
export function release(queue: readonly Held[], members: MemberLoad[], s: FrontDoorSettings, now: number): { queue: Held[]; released: { held: Held; member: string }[]; loads: MemberLoad[] } {
  const loads = members.map((m) => ({ ...m }));
  const released: { held: Held; member: string }[] = [];
  let i = 0;
  for (; i < queue.length; i++) {
    const id = pickMember(loads, s.maxConcurrency, now, i);
    if (id === null) break;
    loads.find((m) => m.id === id)!.inflight++;
    released.push({ held: queue[i], member: id });
  }
  return { queue: queue.slice(i), released, loads };
}

/** The wake failed (the provider refused, the machine never runs): every held request gets 503 with the reason, at once. */
export function failAll(queue: readonly Held[], reason: string): { queue: Held[]; failed: { held: Held; status: 503; reason: string }[] } {
  return { queue: [], failed: queue.map((held) => ({ held, status: 503 as const, reason })) };
}

// ---------------------------------------------------------------- waking

export type WakePlan =
  /** A member runs: no hold needed. */
  | { kind: "serve" }
  /** A member is on its way (requested, booting): hold, nothing to start. */
  | { kind: "wait"; waiting: string[] }
  /**
   * The group sleeps: the autoscale master (min_size 0) or instances that sleep on their own are
   * in standby. The request is traffic for the group's scale-to-zero, which starts them (one still
   * stopping on its way to standby is started once stopped).
   */
  | { kind: "wake"; waking: string[] }
  /** Nothing runs and nothing can be woken: 503 at once, with the reason. */
  | { kind: "none"; reason: string };

/** What a request for a group with no member taking traffic does. */
export function planWake(g: Pick<GroupState, "autoscale">, machines: Machine[], members: FrontDoorMember[]): WakePlan {
  if (members.length > 0) return { kind: "serve" };
  const live = machines.filter((m) => m.member && isAllocated(m) && m.terminateAt === null && m.serviceState !== "OUT_OF_SERVICE");
  const coming = live.filter((m) => m.machineState !== "RUNNING");
  if (coming.length > 0) return { kind: "wait", waiting: coming.map((m) => m.id) };
  const master = g.autoscale ? machines.find((m) => m.id === g.autoscale!.master) : undefined;
  if (master && master.standby) return { kind: "wake", waking: [master.id] };
  const sleeping = machines.filter((m) => m.member && m.retained && m.standby && (m.machineState === "TERMINATED" || m.machineState === "TERMINATING"));
  if (sleeping.length > 0) return { kind: "wake", waking: sleeping.map((m) => m.id) };
  if (live.length > 0) return { kind: "none", reason: "the service group's running instances have no reported address to send to" };
  return { kind: "none", reason: "the service group has no running instance and none in standby to wake" };
}

/**
 * Whether the wake failed for the held requests: what was woken (or waited for) has ended
 * without running — rejected, or terminated and not in standby any more. Then every held request
 * gets 503 at once.
 */
export function wakeFailed(machines: Machine[], waking: readonly string[]): string | null {
  if (waking.length === 0) return null;
  const states = waking.map((id) => machines.find((m) => m.id === id));
  const alive = states.some((m) => m && m.member && (isAllocated(m) || (m.standby && m.machineState === "TERMINATING") || m.startWhenStopped));
  if (alive) return null;
  const rejected = states.find((m) => m?.machineState === "REJECTED");
  return rejected ? `the provider rejected instance ${rejected.name}` : "the woken instance stopped before it ran";
}

// ---------------------------------------------------------------- traffic reports → metrics

/** One isolate's report for one interval: per member, requests finished/started and in flight now. */
export interface TrafficReport {
  /** When the report was made and the interval it covers (ms). */
  at: number;
  intervalMs: number;
  members: Record<string, { requests: number; inflight: number }>;
}

/** Reports older than this no longer count toward the metrics (the isolate stopped reporting). */
export const REPORT_TTL_MS = 3_000;

/**
 * The per-member request metrics from the isolates' latest reports: `reqs_per_sec` and
 * `inflight_reqs`, each the mean over the counted members (`counted`: running, warmed-up ones —
 * the caller applies warmup exclusion as for cpu); null when none counts.
 */
export function requestMetrics(reports: Iterable<TrafficReport>, counted: string[], now: number): { inflight_reqs: number; reqs_per_sec: number } | null {
  if (counted.length === 0) return null;
  const rate = new Map<string, number>(counted.map((id) => [id, 0]));
  const inflight = new Map<string, number>(counted.map((id) => [id, 0]));
  for (const r of reports) {
    if (r.at + REPORT_TTL_MS < now) continue;
    for (const [id, v] of Object.entries(r.members)) {
      if (!rate.has(id)) continue;
      rate.set(id, rate.get(id)! + (v.requests * 1000) / Math.max(1, r.intervalMs));
      inflight.set(id, inflight.get(id)! + v.inflight);
    }
  }
  const mean = (xs: Iterable<number>) => [...xs].reduce((a, b) => a + b, 0) / counted.length;
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return { inflight_reqs: round(mean(inflight.values())), reqs_per_sec: round(mean(rate.values())) };
}

// ---------------------------------------------------------------- what the Worker and the group's object exchange

/** What an isolate needs to proxy a group's traffic without asking per request. */
export interface FrontDoorView {
  members: FrontDoorMember[];
  /** Destination ports by the request's scheme (`destinationPort`). */
  ports: { http: number | null; https: number | null };
  settings: FrontDoorSettings;
}

/** An isolate's batched report (at most one a second per group), answered with a fresh view. */
export interface SyncReport {
  /** The reporting isolate (random per isolate): its latest report replaces its previous one. */
  isolate: string;
  intervalMs: number;
  members: TrafficReport["members"];
  /** Requests the isolate proxied in the interval (all members), and when the last one came. */
  requests: number;
  lastRequestAt: number | null;
}

/** A held request, as the Worker describes it (the ledger names it as the wake's cause). */
export interface HoldRequest {
  requestId: string;
  method: string;
  path: string;
  host: string;
}

export type HoldAnswer =
  /** `held`: the request waited for a member (false: one ran already, the answer only refreshed the view). */
  | { ok: true; member: FrontDoorMember; ticket: string; waitedMs: number; view: FrontDoorView; held: boolean }
  | { ok: false; status: 404 | 503 | 504; code: "service_gone" | "too_many_pending" | "wake_failed" | "no_member" | "hold_timeout"; reason: string; retryAfterS?: number; waitedMs: number };

export function viewOf(g: Pick<GroupState, "service" | "autoscale">, machines: Iterable<Machine>, settings: FrontDoorSettings): FrontDoorView {
  return { members: frontDoorMembers(machines), ports: { http: destinationPort(g, "http"), https: destinationPort(g, "https") }, settings };
}
