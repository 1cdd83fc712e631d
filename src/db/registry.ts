// The registries in D1: which groups, instances and hooks a tenant has, so that lists and lookups
// by uuid or id find the object that holds them. Every row is written by its object through the
// outbox (./push.ts) with a version from the object's sequence, and the upsert only moves forward,
// so a late retry never brings back an older row (a deleted hook, a renamed instance).
import { and, desc, eq, sql } from "drizzle-orm";
import { d1Db } from "./client";
import * as schema from "./schema";
import { bindUpsert, upsertOf } from "./upsert";

export interface GroupRegistryRow {
  tenantId: string;
  name: string;
  uuid: string;
  providerType: string;
  createdAt: number;
  updatedAt: number;
  deletedAt: number | null;
  version: number;
}

export type InstanceRegistryRow = typeof schema.instances.$inferSelect;
export type HookRow = typeof schema.hooks.$inferSelect;

const groupUpsert = upsertOf<typeof schema.groups, GroupRegistryRow>(schema.groups, ["tenantId", "name"], ["uuid", "providerType", "createdAt", "updatedAt", "deletedAt", "version"]);
const instanceUpsert = upsertOf(schema.instances, ["uuid"], ["name", "groupName", "updatedAt", "deletedAt", "version"]);
const hookUpsert = upsertOf(schema.hooks, ["id"], ["name", "action", "resolved", "minIntervalSeconds", "updatedAt", "deletedAt", "version"]);

/** The upserts of registry rows pushed from an outbox (./upsert.ts). */
export const groupStatement = (d1: D1Database, r: GroupRegistryRow): D1PreparedStatement => bindUpsert(d1, groupUpsert, r);
export const instanceStatement = (d1: D1Database, r: InstanceRegistryRow): D1PreparedStatement => bindUpsert(d1, instanceUpsert, r);
export const hookStatement = (d1: D1Database, r: HookRow): D1PreparedStatement => bindUpsert(d1, hookUpsert, r);

export async function listGroups(d1: D1Database, tenantId: string) {
  return d1Db(d1)
    .select()
    .from(schema.groups)
    .where(and(eq(schema.groups.tenantId, tenantId), sql`${schema.groups.deletedAt} IS NULL`))
    .orderBy(schema.groups.name);
}

export async function findGroupByUuid(d1: D1Database, tenantId: string, uuid: string) {
  const [row] = await d1Db(d1)
    .select()
    .from(schema.groups)
    .where(and(eq(schema.groups.tenantId, tenantId), eq(schema.groups.uuid, uuid), sql`${schema.groups.deletedAt} IS NULL`))
    .limit(1);
  return row ?? null;
}

export async function findInstance(d1: D1Database, tenantId: string, by: { uuid: string } | { name: string }) {
  const key = "uuid" in by ? eq(schema.instances.uuid, by.uuid) : eq(schema.instances.name, by.name);
  const [row] = await d1Db(d1)
    .select()
    .from(schema.instances)
    .where(and(eq(schema.instances.tenantId, tenantId), key, sql`${schema.instances.deletedAt} IS NULL`))
    .orderBy(desc(schema.instances.updatedAt))
    .limit(1);
  return row ?? null;
}

export async function listInstances(d1: D1Database, tenantId: string) {
  return d1Db(d1)
    .select()
    .from(schema.instances)
    .where(and(eq(schema.instances.tenantId, tenantId), sql`${schema.instances.deletedAt} IS NULL`))
    .orderBy(schema.instances.createdAt, schema.instances.name);
}

/** A live hook by id; with `tenantId`, only that tenant's. */
export async function findHook(d1: D1Database, id: string, tenantId?: string): Promise<HookRow | null> {
  const where = [eq(schema.hooks.id, id), sql`${schema.hooks.deletedAt} IS NULL`];
  if (tenantId !== undefined) where.push(eq(schema.hooks.tenantId, tenantId));
  const [row] = await d1Db(d1).select().from(schema.hooks).where(and(...where)).limit(1);
  return row ?? null;
}

export async function listHooks(d1: D1Database, tenantId: string): Promise<HookRow[]> {
  return d1Db(d1)
    .select()
    .from(schema.hooks)
    .where(and(eq(schema.hooks.tenantId, tenantId), sql`${schema.hooks.deletedAt} IS NULL`))
    .orderBy(desc(schema.hooks.createdAt), schema.hooks.id);
}
