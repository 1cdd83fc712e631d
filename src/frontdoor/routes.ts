// Which Host is a service domain, cached in the isolate (issue 11). Every request asks, so the
// answer must be a Map lookup almost always: a domain's group is remembered for POSITIVE_TTL_MS,
// a Host that is no service domain (the API's own host) for NEGATIVE_TTL_MS; one D1 lookup per
// Host and isolate per TTL otherwise. A claim or release made by this isolate updates it at once;
// elsewhere a new domain goes live within NEGATIVE_TTL_MS. A cached domain whose group is gone is
// told by the group's object (GROUP_NOT_FOUND) and forgotten then.
import { findDomain, type DomainOwner } from "../db/domains";

export const POSITIVE_TTL_MS = 30_000;
export const NEGATIVE_TTL_MS = 5_000;
/** Bounded: a flood of made-up Host headers cannot grow the isolate's memory without limit. */
const MAX_ENTRIES = 10_000;

interface Entry {
  owner: DomainOwner | null;
  until: number;
}

const cache = new Map<string, Entry>();

/** The last Host header seen and what hostOf made of it. */
let lastHost: { raw: string; host: string | null } = { raw: "", host: null };

/** The Host of a request, lower-cased, without port or trailing dot; null when there is none. */
export function hostOf(request: Request): string | null {
  const raw = request.headers.get("host") ?? new URL(request.url).host;
  if (!raw) return null;
  // Every request asks, and most carry the Host the previous one did: its answer is kept.
  if (raw === lastHost.raw) return lastHost.host;
  // IPv6 literals ([::1]:8787) are never service domains.
  const host = raw.startsWith("[") ? null : raw.replace(/:\d*$/, "").replace(/\.$/, "").toLowerCase();
  lastHost = { raw, host };
  return host;
}

/** The cached answer for a host, or undefined when it must be looked up. */
export function cachedRoute(host: string, now: number): DomainOwner | null | undefined {
  const e = cache.get(host);
  if (!e) return undefined;
  if (e.until <= now) {
    cache.delete(host);
    return undefined;
  }
  return e.owner;
}

function remember(host: string, owner: DomainOwner | null, now: number): void {
  if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value!);
  cache.set(host, { owner, until: now + (owner ? POSITIVE_TTL_MS : NEGATIVE_TTL_MS) });
}

/** The service group a Host belongs to, or null when the Host is not a service domain. */
export async function routeOf(d1: D1Database, host: string, now = Date.now()): Promise<DomainOwner | null> {
  const hit = cachedRoute(host, now);
  if (hit !== undefined) return hit;
  const owner = await findDomain(d1, host);
  remember(host, owner, now);
  return owner;
}

/** This isolate claimed (owner) or released (null) a domain: the cache says so at once. */
export function learnRoute(domain: string, owner: DomainOwner | null, now = Date.now()): void {
  remember(domain, owner, now);
}

/** Forgets a domain (its group was found gone). */
export function forgetRoute(domain: string): void {
  cache.delete(domain);
}
