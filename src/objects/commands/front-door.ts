// The group's side of the front door (issue 11; docs/front-door.md). Two things:
// - reports: each isolate proxying for the group sends, at most once a second, how many requests
//   it sent to each member and how many are in flight; they count as the group's traffic
//   (scale-to-zero idleness, like `{"requests": n}` on the metrics route) and, when a policy scales
//   on `inflight_reqs` or `reqs_per_sec`, become a sample the policies evaluate like cpu;
// - the cold path: a request for a group with no running member is held here (in memory,
//   bounded), the group is woken (a ledger record names the held request as the cause), and the
//   request is released with a member once one runs. The rules are src/domain/front-door.ts.
// In memory on purpose: a held request is an open RPC from a Worker, so the object is not evicted
// while one waits, and nothing of it outlives the request.
import { warming } from "../../domain/autoscale/gates";
import type { AutoscaleState } from "../../domain/autoscale/state";
import {
  admit,
  expire,
  failAll,
  frontDoorMembers,
  planWake,
  release,
  requestMetrics,
  settingsOf,
  viewOf,
  wakeFailed,
  type FrontDoorView,
  type HoldAnswer,
  type HoldRequest,
  type Held,
  type MemberLoad,
  type SyncReport,
  type TrafficReport,
} from "../../domain/front-door";
import type { CommandContext, Result } from "../../domain/operations";
import { fail } from "../../domain/operations";
import type { ObjectKernel } from "../kernel";
import type { GroupTx } from "../tx";
import { evaluateAndApply, pushMetrics } from "./autoscale";
import { sleepers } from "./scale-to-zero";

/** While requests are held, the machines are looked at this often even if nothing pokes the desk. */
const SAFETY_POLL_MS = 250;

type Waiter = { request: HoldRequest; arrivedAt: number; resolve: (a: HoldAnswer) => void };

export class FrontDoorDesk {
  #queue: Held[] = [];
  readonly #waiters = new Map<string, Waiter>();
  /** Requests released from the hold queue and not finished yet: ticket → member id. */
  readonly #tickets = new Map<string, string>();
  /** Each isolate's latest report. */
  readonly #reports = new Map<string, TrafficReport>();
  /** The machines the held requests wait for (woken or on their way). */
  #waking: string[] = [];
  #timer: ReturnType<typeof setTimeout> | null = null;
  #seq = 0;

  constructor(
    private readonly k: ObjectKernel,
    /** Runs the object's due timers now (its alarm handler), as the alarm would a moment later. */
    private readonly runDue: () => Promise<void>,
  ) {}

  #view(): FrontDoorView {
    const g = this.k.store.group!;
    return viewOf(g, this.k.store.machines.values(), settingsOf(g.autoscale));
  }

  #ctx(requestId: string): CommandContext {
    const g = this.k.store.group!;
    return { tenantId: g.tenantId, group: g.name, dialect: "system", requestId, idempotencyKey: null, actionId: null };
  }

  /** An isolate's batched report: traffic, request metrics; answered with the group's view. */
  async sync(report: SyncReport): Promise<Result<{ view: FrontDoorView }>> {
    if (!this.k.store.group) return fail("GROUP_NOT_FOUND", "service group not found");
    const now = Date.now();
    this.#reports.set(report.isolate, { at: now, intervalMs: report.intervalMs, members: report.members });
    for (const [id, r] of this.#reports) if (r.at + 60_000 < now) this.#reports.delete(id);
    const inflight = Object.values(report.members).some((m) => m.inflight > 0);
    const a = this.k.store.group.autoscale;
    const measured = !!a && a.policies.some((p) => p.metric === "inflight_reqs" || p.metric === "reqs_per_sec");
    const traffic = (report.requests > 0 || inflight) && (!!a || sleepersOf(this.k).length > 0);
    if (traffic || measured) {
      const r = await this.k.command(this.#ctx(`frontdoor-report-${report.isolate}`), "frontdoor.report", null, (tx) => applyReport(tx, this.#reports.values(), traffic ? report.requests : null));
      if (!r.ok) return r;
    }
    this.poke();
    return { ok: true, view: this.#view() };
  }

  /** The cold path: holds the request until a member runs (or the hold ends), waking the group. */
  async hold(request: HoldRequest): Promise<HoldAnswer> {
    const now = Date.now();
    const g = this.k.store.group;
    if (!g) return { ok: false, status: 404, code: "service_gone", reason: "the service group no longer exists", waitedMs: 0 };
    const machines = [...this.k.store.machines.values()];
    const plan = planWake(g, machines, frontDoorMembers(machines));
    if (plan.kind === "none") return { ok: false, status: 503, code: "no_member", reason: plan.reason, retryAfterS: undefined, waitedMs: 0 };
    const s = settingsOf(g.autoscale);
    const id = `h${++this.#seq}`;
    if (plan.kind === "serve" && this.#queue.length === 0) {
      // A member runs (the isolate's view was old): answered at once unless every member is at its limit.
      const r = release([{ id, arrivedAt: now, deadline: now + s.holdTimeoutMs }], this.#loads(frontDoorMembers(machines)), s, now);
      const got = r.released[0];
      if (got) {
        const ticket = `${id}-${got.member}`;
        this.#tickets.set(ticket, got.member);
        return { ok: true, member: frontDoorMembers(machines).find((m) => m.id === got.member)!, ticket, waitedMs: 0, view: this.#view(), held: false };
      }
    }
    const admitted = admit(this.#queue, s, id, now);
    if (admitted.kind === "reject") return { ok: false, status: 503, code: "too_many_pending", reason: admitted.reason, retryAfterS: admitted.retryAfterS, waitedMs: 0 };
    this.#queue = admitted.queue;
    const answer = new Promise<HoldAnswer>((resolve) => this.#waiters.set(id, { request, arrivedAt: now, resolve }));
    if (plan.kind === "wake" && this.#waking.length === 0) {
      // The first held request wakes the group; the record names it as the cause. The requests
      // that arrive while its command runs see `#waking` set and only wait.
      this.#waking = plan.waking;
      const command = this.k.command(this.#ctx(request.requestId), "frontdoor.wake", request, (tx) => wake(tx, request, plan.waking));
      // What the wake made due at once (the machine's first lifecycle step, the start delivery)
      // runs right after its commit rather than when the runtime gets to the alarm (20–30 ms
      // later here): timer handlers are idempotent, so the alarm finding them done is harmless.
      void this.runDue().catch((err) => console.warn("front door: running due timers after a wake failed", String(err)));
      const r = await command;
      if (!r.ok) this.#failAll(`the group could not be woken: ${r.message}`);
    } else if (plan.kind === "wait" && this.#waking.length === 0) this.#waking = plan.waiting;
    this.poke();
    return answer;
  }

  /** A request released from the hold queue finished: its member has room for the next one. */
  done(ticket: string): void {
    this.#tickets.delete(ticket);
    this.poke();
  }

  /**
   * Something may have changed (a machine came to run or failed, a request finished, time
   * passed): expired requests get 504, held ones are released to running members in arrival
   * order, or all get 503 when the wake failed.
   */
  poke(): void {
    if (this.#queue.length === 0) return this.#idle();
    const now = Date.now();
    const g = this.k.store.group;
    if (!g) return this.#failAll("the service group was deleted", 404, "service_gone");
    const e = expire(this.#queue, now);
    this.#queue = e.queue;
    const s = settingsOf(g.autoscale);
    for (const h of e.expired) this.#answer(h.id, (w) => ({ ok: false, status: 504, code: "hold_timeout", reason: `no instance ran within hold_timeout_ms ${s.holdTimeoutMs}`, waitedMs: now - w.arrivedAt }));
    const machines = [...this.k.store.machines.values()];
    const members = frontDoorMembers(machines);
    if (members.length > 0 && this.#queue.length > 0) {
      const r = release(this.#queue, this.#loads(members), s, now);
      this.#queue = r.queue;
      const view = this.#view();
      for (const { held, member } of r.released) {
        const ticket = `${held.id}-${member}`;
        this.#tickets.set(ticket, member);
        this.#answer(held.id, (w) => ({ ok: true, member: members.find((m) => m.id === member)!, ticket, waitedMs: now - w.arrivedAt, view, held: true }));
      }
      if (r.released.length > 0) this.#waking = [];
    } else if (members.length === 0) {
      const why = wakeFailed(machines, this.#waking);
      if (why) return this.#failAll(why);
    }
    if (this.#queue.length === 0) return this.#idle();
    const next = Math.min(expire(this.#queue, now).nextDeadline ?? Infinity, now + SAFETY_POLL_MS);
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.poke();
    }, Math.max(1, next - now));
  }

  /** What the object has released to each member and not yet seen finish. */
  #loads(members: { id: string }[]): MemberLoad[] {
    const inflight = new Map<string, number>();
    for (const m of this.#tickets.values()) inflight.set(m, (inflight.get(m) ?? 0) + 1);
    return members.map((m) => ({ id: m.id, inflight: inflight.get(m.id) ?? 0, markedUntil: 0 }));
  }

  #idle(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#waking = [];
  }

  #failAll(reason: string, status: 404 | 503 = 503, code: "wake_failed" | "service_gone" = "wake_failed"): void {
    const now = Date.now();
    const f = failAll(this.#queue, reason);
    this.#queue = f.queue;
    for (const x of f.failed) this.#answer(x.held.id, (w) => ({ ok: false, status, code, reason: x.reason, waitedMs: now - w.arrivedAt }));
    this.#idle();
  }

  #answer(id: string, make: (w: Waiter) => HoldAnswer): void {
    const w = this.#waiters.get(id);
    if (!w) return;
    this.#waiters.delete(id);
    w.resolve(make(w));
  }
}

const sleepersOf = (k: ObjectKernel) => sleepers(k.tx(Date.now(), null));

/** Wakes the group for a held request: traffic for its scale-to-zero, recorded with the request as the cause. */
function wake(tx: GroupTx, request: HoldRequest, waking: string[]): Result<{ woke: boolean }> {
  const r = pushMetrics(tx, { requests: 1 });
  if (!r.ok) return r;
  const names = waking.map((id) => tx.machine(id)).filter((m) => !!m).map((m) => ({ uuid: m!.uuid, name: m!.name }));
  tx.op("frontdoor.wake", {
    request: { requestId: request.requestId, method: request.method, host: request.host, path: request.path },
    result: { woke: r.woke, instances: names },
    cause: `request ${request.requestId} (${request.method} ${request.host}${request.path}) held by the front door`,
  });
  return { ok: true, woke: r.woke };
}

/**
 * One report applied: traffic (when it carried requests or requests in flight) and, when a
 * policy scales on them, the request metrics per member — warming members excluded as for cpu —
 * evaluated like a cpu sample.
 */
function applyReport(tx: GroupTx, reports: Iterable<TrafficReport>, requests: number | null): Result<{ applied: true }> {
  if (requests !== null) {
    const r = pushMetrics(tx, { requests });
    if (!r.ok && r.code !== "AUTOSCALE_NOT_CONFIGURED") return r;
  }
  const a: AutoscaleState | null = tx.group.autoscale;
  if (!a || !a.policies.some((p) => p.metric === "inflight_reqs" || p.metric === "reqs_per_sec")) return { ok: true, applied: true };
  const counted = [...tx.store.machines.values()].filter((m) => m.member && m.terminateAt === null && !warming(a, m, tx.now)).map((m) => m.id);
  const metrics = requestMetrics(reports, counted, tx.now);
  if (!metrics) return { ok: true, applied: true };
  tx.setGroup({ autoscale: { ...a, lastSample: { cpu: a.lastSample?.cpu ?? null, at: tx.now, metrics } } });
  evaluateAndApply(tx, `front door report (${metrics.reqs_per_sec} requests/s and ${metrics.inflight_reqs} in flight per instance)`);
  return { ok: true, applied: true };
}
