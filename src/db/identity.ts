// Identity in D1: tenants and their API tokens (only a token's hash is stored).
import { and, eq, isNull } from "drizzle-orm";
import { d1Db } from "./client";
import * as schema from "./schema";

export type TokenRow = typeof schema.tokens.$inferSelect;

export async function findToken(d1: D1Database, tokenId: string): Promise<TokenRow | null> {
  const [row] = await d1Db(d1).select().from(schema.tokens).where(eq(schema.tokens.id, tokenId)).limit(1);
  return row ?? null;
}

/** Creates the tenant if it is new and issues a token for it, in one batch. */
export async function issueToken(d1: D1Database, t: { tenantId: string; tokenId: string; tokenHash: string; now: number; pool: string | null }): Promise<void> {
  const db = d1Db(d1);
  await db.batch([
    db.insert(schema.tenants).values({ id: t.tenantId, createdAt: t.now }).onConflictDoNothing(),
    db.insert(schema.tokens).values({ id: t.tokenId, tenantId: t.tenantId, tokenHash: t.tokenHash, createdAt: t.now, pool: t.pool }),
  ]);
}

/** Revokes a live token of the tenant; false when there is none. */
export async function revokeToken(d1: D1Database, tenantId: string, tokenId: string, now: number): Promise<boolean> {
  const res = await d1Db(d1)
    .update(schema.tokens)
    .set({ revokedAt: now })
    .where(and(eq(schema.tokens.id, tokenId), eq(schema.tokens.tenantId, tenantId), isNull(schema.tokens.revokedAt)))
    .returning({ id: schema.tokens.id });
  return res.length > 0;
}
