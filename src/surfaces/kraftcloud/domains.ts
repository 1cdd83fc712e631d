// A service group's domains are claimed across all tenants before the group is created (issue
// 11, src/db/domains.ts): a domain another group holds is item error 23 and nothing is created;
// claims of a creation the group refuses are dropped; a deleted group's domains are freed. The
// isolate's Host cache (src/frontdoor/routes.ts) learns each change at once.
import type { DomainOwner } from "../../db/domains";
import { claimDomain, dropDomains, releaseGroupDomains } from "../../db/domains";
import { learnRoute } from "../../frontdoor/routes";
import { KC, itemError } from "./envelope";

const IPV4_RE = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/**
 * Why a well-formed domain cannot be a service's (error 7): an IP address is no name to route by,
 * and the API's own host would take the API away from every tenant.
 */
export function unusableDomain(domains: string[], apiHost: string | null): string | null {
  for (const d of domains) {
    if (IPV4_RE.test(d)) return `Invalid domain '${d}': an IP address, not a name`;
    if (d === apiHost) return `Invalid domain '${d}': the API's own host`;
  }
  return null;
}

export type Claimed = { ok: true; claimed: string[] } | { ok: false; error: ReturnType<typeof itemError> };

/** Claims every domain, in order; on the first one taken, the ones claimed here are dropped again. */
export async function claimDomains(d1: D1Database, domains: string[], owner: DomainOwner, identity: Record<string, unknown>): Promise<Claimed> {
  const claimed: string[] = [];
  const now = Date.now();
  for (const domain of domains) {
    const outcome = await claimDomain(d1, domain, owner, now);
    if (outcome === "taken") {
      await dropDomains(d1, claimed, owner);
      return { ok: false, error: itemError(KC.ALREADY_EXISTS, `domain '${domain}' is already used by another service group`, identity, 409) };
    }
    if (outcome === "claimed") claimed.push(domain);
  }
  for (const d of domains) learnRoute(d, owner, now);
  return { ok: true, claimed };
}

/** The creation did not happen: the claims it made are dropped. */
export async function unclaimDomains(d1: D1Database, claimed: string[], owner: DomainOwner): Promise<void> {
  await dropDomains(d1, claimed, owner);
  for (const d of claimed) learnRoute(d, null);
}

/** The group was deleted: its domains are free for anyone. */
export async function freeDomains(d1: D1Database, owner: DomainOwner): Promise<void> {
  for (const d of await releaseGroupDomains(d1, owner)) learnRoute(d, null);
}
