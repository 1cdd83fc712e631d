// Service domains, unique across all tenants (issue 11): a domain is claimed by one INSERT whose
// primary key is the lock (like instance names, ./names.ts), before the service group is created;
// the front door (src/frontdoor/routes.ts) finds the group of a request's Host here. Table
// `service_domains` (migrations/0007_service_domains.sql), raw SQL.

/**
 * A claim whose group was deleted some other way than `DELETE /v1/services` (an elastisys pool
 * deletion) is taken over when the registry says the group is gone since the claim, or, with no
 * live registry row at all, after this long (the registry row of a new group is pushed after its
 * answer, so a fresh claim without one is not abandoned).
 */
export const STALE_DOMAIN_CLAIM_MS = 3_600_000;

export interface DomainOwner {
  tenantId: string;
  groupName: string;
}

/** `claimed`: the row is new; `ours`: the same group held it already (a retried creation); `taken`: another group's. */
export type ClaimOutcome = "claimed" | "ours" | "taken";

export async function claimDomain(d1: D1Database, domain: string, owner: DomainOwner, now: number): Promise<ClaimOutcome> {
  const row = await d1
    .prepare(
      `INSERT INTO service_domains (domain, tenant_id, group_name, claimed_at) VALUES (?1, ?2, ?3, ?4)
       ON CONFLICT (domain) DO UPDATE
         SET tenant_id = excluded.tenant_id, group_name = excluded.group_name, claimed_at = excluded.claimed_at
         WHERE EXISTS (SELECT 1 FROM groups g WHERE g.tenant_id = service_domains.tenant_id AND g.name = service_domains.group_name
                         AND g.deleted_at IS NOT NULL AND g.deleted_at >= service_domains.claimed_at)
            OR (service_domains.claimed_at < ?5 AND NOT EXISTS (
                  SELECT 1 FROM groups g WHERE g.tenant_id = service_domains.tenant_id AND g.name = service_domains.group_name AND g.deleted_at IS NULL))
       RETURNING domain`,
    )
    .bind(domain, owner.tenantId, owner.groupName, now, now - STALE_DOMAIN_CLAIM_MS)
    .first<{ domain: string }>();
  // A row comes back only when this statement wrote it: a new claim, or a takeover.
  if (row) return "claimed";
  const held = await findDomain(d1, domain);
  return held && held.tenantId === owner.tenantId && held.groupName === owner.groupName ? "ours" : "taken";
}

/** Drops claims this request made (its service group was not created). */
export async function dropDomains(d1: D1Database, domains: string[], owner: DomainOwner): Promise<void> {
  if (domains.length === 0) return;
  await d1.batch(
    domains.map((d) => d1.prepare(`DELETE FROM service_domains WHERE domain = ?1 AND tenant_id = ?2 AND group_name = ?3`).bind(d, owner.tenantId, owner.groupName)),
  );
}

/** Frees every domain of a deleted service group. */
export async function releaseGroupDomains(d1: D1Database, owner: DomainOwner): Promise<string[]> {
  const { results } = await d1
    .prepare(`DELETE FROM service_domains WHERE tenant_id = ?1 AND group_name = ?2 RETURNING domain`)
    .bind(owner.tenantId, owner.groupName)
    .all<{ domain: string }>();
  return results.map((r) => r.domain);
}

/** The group a domain belongs to, or null. */
export async function findDomain(d1: D1Database, domain: string): Promise<DomainOwner | null> {
  const row = await d1.prepare(`SELECT tenant_id, group_name FROM service_domains WHERE domain = ?1`).bind(domain).first<{ tenant_id: string; group_name: string }>();
  return row ? { tenantId: row.tenant_id, groupName: row.group_name } : null;
}
