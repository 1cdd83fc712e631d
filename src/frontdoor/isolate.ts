// What one isolate knows of each service group it proxies for (issue 11): the group's view
// (members, ports, settings) refreshed at most once a second, what is in flight on each member
// from here, members marked after an upstream failure, and the counts it reports to the group's
// object in batches (at most one report a second per group, plus one trailing report after the
// last request, so the object sees the traffic end). Warm requests never wait for the object;
// only a view older than a second is refreshed before use.
import type { DomainOwner } from "../db/domains";
import { FRONT_DOOR_DEFAULTS, MARK_MS, pickMember, type FrontDoorMember, type FrontDoorView, type SyncReport } from "../domain/front-door";

export const REFRESH_MS = 1_000;

export interface Load {
  inflight: number;
  markedUntil: number;
  /** Requests sent to it since the last report. */
  requests: number;
}

export interface GroupView {
  owner: DomainOwner;
  view: FrontDoorView;
  /** When the view was fetched (0: never). */
  fetchedAt: number;
  /** The group's object said it is gone. */
  gone: boolean;
  loads: Map<string, Load>;
  lastReportAt: number;
  lastRequestAt: number | null;
  requests: number;
  /** When the sync in flight began (null: none). */
  syncingSince: number | null;
  /** When the next report was scheduled (null: none is). */
  scheduledAt: number | null;
  turn: number;
  /** Requests waiting here for a member under its concurrency limit (warm, all members busy). */
  waiting: number;
}

const views = new Map<string, GroupView>();
let isolateId: string | null = null;
/** Random per isolate (made on first use: no randomness at global scope in Workers). */
export const isolate = () => (isolateId ??= crypto.randomUUID());

export function groupView(owner: DomainOwner): GroupView {
  const key = `${owner.tenantId}\u0000${owner.groupName}`;
  let v = views.get(key);
  if (!v) {
    v = {
      owner,
      view: { members: [], ports: { http: null, https: null }, settings: FRONT_DOOR_DEFAULTS },
      fetchedAt: 0,
      gone: false,
      loads: new Map(),
      lastReportAt: Date.now(),
      lastRequestAt: null,
      requests: 0,
      syncingSince: null,
      scheduledAt: null,
      turn: 0,
      waiting: 0,
    };
    views.set(key, v);
  }
  return v;
}

export function load(v: GroupView, id: string): Load {
  let l = v.loads.get(id);
  if (!l) v.loads.set(id, (l = { inflight: 0, markedUntil: 0, requests: 0 }));
  return l;
}

/** Takes a fresh view from the object (the cold path's answer, or a sync's). */
export function adopt(v: GroupView, view: FrontDoorView, now: number): void {
  v.view = view;
  v.fetchedAt = now;
  v.gone = false;
  // Members that left (and are idle here) are forgotten; those with requests in flight stay until they end.
  const ids = new Set(view.members.map((m) => m.id));
  for (const [id, l] of v.loads) if (!ids.has(id) && l.inflight === 0 && l.requests === 0) v.loads.delete(id);
}

/** The report of what happened since the last one; resets the counts. */
export function takeReport(v: GroupView, now: number): SyncReport {
  const members: SyncReport["members"] = {};
  for (const [id, l] of v.loads) {
    if (l.requests > 0 || l.inflight > 0) members[id] = { requests: l.requests, inflight: l.inflight };
    l.requests = 0;
  }
  const report: SyncReport = { isolate: isolate(), intervalMs: Math.max(1, now - v.lastReportAt), members, requests: v.requests, lastRequestAt: v.lastRequestAt };
  v.requests = 0;
  v.lastReportAt = now;
  return report;
}

/** The member for a warm request, or null when none takes one now. */
export function pick(v: GroupView, now: number): FrontDoorMember | null {
  const members = v.view.members;
  if (members.length === 0) return null;
  const loads = members.map((m) => ({ id: m.id, ...load(v, m.id) }));
  const id = pickMember(loads, v.view.settings.maxConcurrency, now, v.turn++);
  return id === null ? null : members.find((m) => m.id === id)!;
}

export function started(v: GroupView, id: string, now: number): void {
  const l = load(v, id);
  l.inflight++;
  l.requests++;
  v.requests++;
  v.lastRequestAt = now;
}

/** A request on a member ended: its slot is free (a request waiting here sees it on its next look). */
export function ended(v: GroupView, id: string): void {
  const l = load(v, id);
  l.inflight = Math.max(0, l.inflight - 1);
}

export function mark(v: GroupView, id: string, now: number): void {
  load(v, id).markedUntil = now + MARK_MS;
}

/** Test hook: forget everything this isolate knows (views, loads, reports). */
export function resetIsolate(): void {
  views.clear();
}
