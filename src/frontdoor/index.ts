// The front door (issue 11; docs/front-door.md): a request whose Host is a service group's domain
// is served here, before the API app ever sees it (so no API route is reachable on a service
// domain, and no API credential is asked for or added). Warm: the isolate picks the member with
// the fewest requests in flight from here (./isolate.ts) and streams the request to it
// (./proxy.ts). Cold (no member runs): the group's object holds the request, wakes the group and
// answers with a member once one runs (src/objects/commands/front-door.ts); the answer carries
// `Scalegate-Cold-Start: <ms waited>`.
import type { Env } from "../env";
import { objectName } from "../domain/operations";
import type { FrontDoorMember, FrontDoorView, HoldAnswer, HoldRequest, SyncReport } from "../domain/front-door";
import { RETRY_AFTER_S } from "../domain/front-door";
import { simulatedApp } from "../providers/simulated-app";
import type { DomainOwner } from "../db/domains";
import { frontDoorError } from "./errors";
import { REFRESH_MS, adopt, ended, groupView, mark, pick, started, takeReport, type GroupView } from "./isolate";
import { forward } from "./proxy";
import { forgetRoute, hostOf, routeOf } from "./routes";

/** The group object's front-door methods (src/objects/group.ts). */
export interface FrontDoorObject {
  frontDoorSync(report: SyncReport): Promise<{ ok: true; view: FrontDoorView } | { ok: false; code: string; message: string }>;
  frontDoorHold(request: HoldRequest): Promise<HoldAnswer>;
  frontDoorDone(ticket: string): Promise<void>;
}

const REQUEST_ID_RE = /^[\w.:-]{1,128}$/;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** How often a request waiting in the isolate for a member under its concurrency limit looks again. */
const LOCAL_WAIT_POLL_MS = 5;
const SYNC_ABANDONED_MS = 5_000;

function stubOf(env: Env, owner: DomainOwner): FrontDoorObject {
  const ns = env.GROUPS;
  return ns.get(ns.idFromName(objectName(owner.tenantId, "group", owner.groupName))) as unknown as FrontDoorObject;
}

/** The front door's answer for a service domain, or null: the request is for the API. */
export async function frontDoor(request: Request, env: Env, ctx: ExecutionContext): Promise<Response | null> {
  const host = hostOf(request);
  if (!host) return null;
  let owner: DomainOwner | null;
  try {
    owner = await routeOf(env.DB, host);
  } catch {
    return null; // D1 unreachable: the API answers as it did before domains existed
  }
  if (!owner) return null;
  return serve(request, env, ctx, owner, host);
}

/**
 * Reports what happened since the last report and takes the fresh view (one at a time per group).
 * A report that carried traffic is followed by another a second later (`ctx` given), so the last
 * report the object gets says the traffic ended: its request metrics fall to 0, not stay where
 * the last busy second left them.
 */
function sync(v: GroupView, stub: FrontDoorObject, ctx?: ExecutionContext): Promise<void> {
  // One report at a time per group. A request never awaits another request's sync: the Workers
  // runtime ties a promise's I/O to the request that made it, so it goes on with the view it has.
  // A sync whose request went away without finishing it is given up after SYNC_ABANDONED_MS.
  if (v.syncingSince !== null && Date.now() - v.syncingSince < SYNC_ABANDONED_MS) return Promise.resolve();
  const since = (v.syncingSince = Date.now());
  return (async () => {
    const report = takeReport(v, Date.now());
    if (ctx && Object.keys(report.members).length > 0) schedule(v, stub, ctx, true);
    try {
      const r = await stub.frontDoorSync(report);
      if (r.ok) adopt(v, r.view, Date.now());
      else v.gone = true;
    } catch (err) {
      // The object is unreachable right now: the view stays as it was; this interval's counts are lost.
      console.warn(`front door: sync of ${v.owner.groupName} failed`, String(err));
    } finally {
      if (v.syncingSince === since) v.syncingSince = null;
    }
  })();
}

/** Reports are batched: at most one a second per group, the last one a second after the traffic ends. */
function schedule(v: GroupView, stub: FrontDoorObject, ctx: ExecutionContext, trailing = false): void {
  // (A report scheduled by a request that went away without sending it is given up after SYNC_ABANDONED_MS.)
  if (v.scheduledAt !== null && Date.now() - v.scheduledAt < SYNC_ABANDONED_MS) return;
  const at = (v.scheduledAt = Date.now());
  const wait = trailing ? REFRESH_MS : Math.max(0, v.lastReportAt + REFRESH_MS - Date.now());
  ctx.waitUntil(
    sleep(wait).then(() => {
      if (v.scheduledAt === at) v.scheduledAt = null;
      return sync(v, stub, ctx);
    }),
  );
}

async function serve(request: Request, env: Env, ctx: ExecutionContext, owner: DomainOwner, host: string): Promise<Response> {
  const group = owner.groupName;
  const v = groupView(owner);
  const stub = stubOf(env, owner);
  // A view older than a second (the first request after a quiet second) is not trusted: the
  // group's object answers with a running member and a fresh view, or holds the request while
  // the group wakes — one round trip either way.
  if (Date.now() - v.fetchedAt > REFRESH_MS) return cold(request, ctx, v, stub, host);
  if (v.gone) {
    forgetRoute(host);
    return frontDoorError(404, "service_gone", `the service group of '${host}' no longer exists`, group);
  }

  let member = pick(v, Date.now());
  if (!member && v.view.members.length > 0) {
    // Every member is at its concurrency limit from here: wait for a slot, bounded like the hold queue.
    const s = v.view.settings;
    if (v.waiting >= s.maxPending) {
      return frontDoorError(503, "too_many_pending", `${v.waiting} requests already wait for a member of '${group}' (max_pending ${s.maxPending})`, group, { retryAfterS: RETRY_AFTER_S });
    }
    // It looks again every few milliseconds with its own timer: a request cannot be woken by
    // another request's code (the runtime ties timers and promises to the request that made them).
    const since = Date.now();
    v.waiting++;
    try {
      while (!member && Date.now() - since < s.holdTimeoutMs) {
        await sleep(LOCAL_WAIT_POLL_MS);
        member = pick(v, Date.now());
      }
    } finally {
      v.waiting--;
    }
    if (!member) return frontDoorError(504, "hold_timeout", `no member of '${group}' took the request within hold_timeout_ms ${s.holdTimeoutMs}`, group, { coldStartMs: Date.now() - since });
  }
  if (member) {
    const res = await proxy(request, ctx, v, stub, member, null);
    if (res) return res;
    // The member is gone (a view up to a second old still named it): the object holds the request.
  }
  return cold(request, ctx, v, stub, host);
}

/** No member runs: the group's object holds the request and wakes the group. */
async function cold(request: Request, ctx: ExecutionContext, v: GroupView, stub: FrontDoorObject, host: string): Promise<Response> {
  const group = v.owner.groupName;
  const given = request.headers.get("x-request-id");
  const url = new URL(request.url);
  const held: HoldRequest = { requestId: given && REQUEST_ID_RE.test(given) ? given : crypto.randomUUID(), method: request.method, path: url.pathname, host };
  let r: HoldAnswer;
  try {
    r = await stub.frontDoorHold(held);
  } catch (err) {
    return frontDoorError(503, "unavailable", `service group '${group}' cannot be reached right now`, group, { retryAfterS: RETRY_AFTER_S });
  }
  if (!r.ok) {
    if (r.code === "service_gone") {
      v.gone = true;
      forgetRoute(host);
    }
    return frontDoorError(r.status, r.code, r.reason, group, { retryAfterS: r.retryAfterS, ...(r.waitedMs > 0 ? { coldStartMs: r.waitedMs } : {}) });
  }
  adopt(v, r.view, Date.now());
  const ticket = r.ticket;
  const waited = r.held ? r.waitedMs : null;
  const res = await proxy(request, ctx, v, stub, r.member, waited, () => ctx.waitUntil(stub.frontDoorDone(ticket).catch(() => undefined)));
  return res ?? frontDoorError(502, "upstream_unreachable", `the instance of '${group}' could not be reached`, group, waited === null ? {} : { coldStartMs: waited });
}

/**
 * Sends the request to a member; an upstream failure marks it for a moment and answers 502/504.
 * null: a request without a body found its member gone and the fresh view has no member left (the
 * group went to sleep since this isolate's view): the caller takes the cold path instead.
 */
async function proxy(request: Request, ctx: ExecutionContext, v: GroupView, stub: FrontDoorObject, member: FrontDoorMember, coldMs: number | null, releaseOnce?: () => void): Promise<Response | null> {
  const group = v.owner.groupName;
  let released = false;
  const release = () => {
    if (!released) (released = true), releaseOnce?.();
  };
  const cold = coldMs === null ? {} : { coldStartMs: coldMs };
  /** Counts the request in flight on `m` until the returned callback runs (once). */
  const inFlight = (m: FrontDoorMember) => {
    started(v, m.id, Date.now());
    schedule(v, stub, ctx);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      ended(v, m.id);
      schedule(v, stub, ctx);
    };
  };
  if (member.simulated) {
    const end = inFlight(member);
    try {
      return withColdStart(await simulatedApp(request, member, group), coldMs);
    } finally {
      end();
      release();
    }
  }
  const scheme = new URL(request.url).protocol === "https:" ? "https" : "http";
  const port = v.view.ports[scheme];
  if (port === null || member.address === null) {
    release();
    return frontDoorError(502, "upstream_unreachable", `service group '${group}' publishes no port to send to`, group, cold);
  }
  const timeoutMs = v.view.settings.upstreamTimeoutMs;
  const send = (m: FrontDoorMember) => {
    const end = inFlight(m);
    return forward(request, { address: m.address!, port }, scheme, timeoutMs, () => (end(), release()), (p) => ctx.waitUntil(p), v.view.settings.maxConcurrency !== null);
  };
  let res = await send(member);
  if (!res.ok && res.kind === "refused" && (request.method === "GET" || request.method === "HEAD")) {
    // A request without a body is tried once more (a pooled connection the upstream had just
    // closed, a member that has just gone): on another member when there is one, after a fresh
    // look at the group when the view is not brand new.
    mark(v, member.id, Date.now());
    if (coldMs === null && Date.now() - v.fetchedAt > 100) {
      await sync(v, stub, ctx);
      if (v.view.members.length === 0) return null;
    }
    const other = pick(v, Date.now());
    if (other && other.address !== null) {
      member = other;
      res = await send(other);
    } else res = await send(member);
  }
  if (!res.ok) {
    mark(v, member.id, Date.now());
    if (res.kind === "timeout") return frontDoorError(504, "upstream_timeout", `instance ${member.name} of '${group}' sent no answer within ${timeoutMs} ms`, group, cold);
    return frontDoorError(502, "upstream_unreachable", `instance ${member.name} of '${group}' could not be reached: ${res.message}`, group, cold);
  }
  return withColdStart(res.response, coldMs);
}

function withColdStart(res: Response, coldMs: number | null): Response {
  if (coldMs === null || res.status === 101) return res;
  res.headers.set("Scalegate-Cold-Start", String(coldMs));
  return res;
}
