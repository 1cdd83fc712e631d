// Names that must be unique, claimed atomically in D1 (issue 10): an instance name per tenant is
// taken by one INSERT whose primary key is the lock, not by a check followed by an insert, so two
// concurrent creations in two groups cannot both pass. The claim is that one D1 round trip of a
// creation. Table `instance_names` (migrations/0006_instance_names.sql), raw SQL.
/**
 * A claim nobody turned into an instance (the Worker died between the claim and the group's
 * command) is taken over after this long, when no registry row names its uuid.
 */
export const STALE_CLAIM_MS = 3_600_000;

export interface NameClaim {
  tenantId: string;
  name: string;
  uuid: string;
  groupName: string;
  now: number;
}

/**
 * Claims `name` for the instance `uuid`; false when the name is taken: claimed and not released,
 * or held by a live registry row that no released claim explains (a pool machine's generated
 * name, or an instance created before claims existed). One statement, so one atomic step.
 */
export async function claimInstanceName(d1: D1Database, c: NameClaim): Promise<boolean> {
  const row = await d1
    .prepare(
      `INSERT INTO instance_names (tenant_id, name, uuid, group_name, claimed_at, released_at)
       SELECT ?1, ?2, ?3, ?4, ?5, NULL
       WHERE NOT EXISTS (
         SELECT 1 FROM instances i
         WHERE i.tenant_id = ?1 AND i.name = ?2 AND i.deleted_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM instance_names n WHERE n.tenant_id = ?1 AND n.name = ?2 AND n.uuid = i.uuid AND n.released_at IS NOT NULL))
       ON CONFLICT (tenant_id, name) DO UPDATE
         SET uuid = excluded.uuid, group_name = excluded.group_name, claimed_at = excluded.claimed_at, released_at = NULL
         WHERE instance_names.released_at IS NOT NULL
            OR (instance_names.claimed_at < ?6 AND NOT EXISTS (SELECT 1 FROM instances i WHERE i.uuid = instance_names.uuid))
       RETURNING uuid`,
    )
    .bind(c.tenantId, c.name, c.uuid, c.groupName, c.now, c.now - STALE_CLAIM_MS)
    .first<{ uuid: string }>();
  return row?.uuid === c.uuid;
}

/** Releases the claim of instance `uuid` (its creation failed, or it was deleted). */
export async function releaseInstanceName(d1: D1Database, uuid: string, now: number): Promise<void> {
  await d1.prepare(`UPDATE instance_names SET released_at = ?1 WHERE uuid = ?2 AND released_at IS NULL`).bind(now, uuid).run();
}

/**
 * Drops the claim of an instance the group refused: it never existed, so no registry row needs the
 * released claim to explain it, and a refused creation leaves no row behind (issue 9's fuzzer saw
 * refused creations piling up released rows).
 */
export async function dropRefusedClaim(d1: D1Database, uuid: string): Promise<void> {
  await d1.prepare(`DELETE FROM instance_names WHERE uuid = ?1 AND released_at IS NULL`).bind(uuid).run();
}

/** The same release inside an outbox batch: an instance's deletion reaching D1 frees its name. */
export const releaseStatement = (d1: D1Database, uuid: string, now: number): D1PreparedStatement =>
  d1.prepare(`UPDATE instance_names SET released_at = ?2 WHERE uuid = ?1 AND released_at IS NULL`).bind(uuid, now);
