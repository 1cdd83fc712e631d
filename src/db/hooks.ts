// The D1 registry of inbound scale triggers (schema.hooks): written by the hook's Durable Object
// when the hook is created or deleted, read by the management routes and by deliveries.
import { and, desc, eq, sql } from "drizzle-orm";
import { ledgerDb } from "./ledger";
import * as schema from "./schema";

export type HookRow = typeof schema.hooks.$inferSelect;

export async function putHookRow(d1: D1Database, row: HookRow): Promise<void> {
  await ledgerDb(d1)
    .insert(schema.hooks)
    .values(row)
    .onConflictDoUpdate({ target: schema.hooks.id, set: { updatedAt: row.updatedAt, deletedAt: row.deletedAt } });
}

/** A live hook by id; with `tenantId`, only that tenant's. */
export async function findHook(d1: D1Database, id: string, tenantId?: string): Promise<HookRow | null> {
  const where = [eq(schema.hooks.id, id), sql`${schema.hooks.deletedAt} IS NULL`];
  if (tenantId !== undefined) where.push(eq(schema.hooks.tenantId, tenantId));
  const [row] = await ledgerDb(d1).select().from(schema.hooks).where(and(...where)).limit(1);
  return row ?? null;
}

export async function listHooks(d1: D1Database, tenantId: string): Promise<HookRow[]> {
  return ledgerDb(d1)
    .select()
    .from(schema.hooks)
    .where(and(eq(schema.hooks.tenantId, tenantId), sql`${schema.hooks.deletedAt} IS NULL`))
    .orderBy(desc(schema.hooks.createdAt), schema.hooks.id);
}

export async function markHookDeleted(d1: D1Database, id: string, at: number): Promise<void> {
  await ledgerDb(d1).update(schema.hooks).set({ deletedAt: at, updatedAt: at }).where(and(eq(schema.hooks.id, id), sql`${schema.hooks.deletedAt} IS NULL`));
}
