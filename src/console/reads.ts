// The console's tenant-wide reads of the D1 ledger (src/db/schema.ts `operations`): which dialects
// each group was used through, the records of orchestrator actions, records of one type. Always
// filtered by tenant first (the ledger's indexes start with tenant_id).
import { and, desc, eq, isNotNull, sql } from "drizzle-orm";
import { d1Db } from "../db/client";
import { toRecord } from "../db/ledger";
import * as schema from "../db/schema";
import type { OperationRecord } from "../domain/operations";

const ops = schema.operations;

/** group name → dialects that wrote records on it (`system` left out). */
export async function dialectsByGroup(d1: D1Database, tenantId: string): Promise<Map<string, Set<string>>> {
  const rows = await d1Db(d1)
    .select({ group: ops.targetId, dialect: ops.dialect })
    .from(ops)
    .where(and(eq(ops.tenantId, tenantId), eq(ops.targetKind, "group"), sql`${ops.dialect} <> 'system'`))
    .groupBy(ops.targetId, ops.dialect);
  const out = new Map<string, Set<string>>();
  for (const r of rows) out.set(r.group, (out.get(r.group) ?? new Set()).add(r.dialect));
  return out;
}

/** The newest `limit` records that carry an orchestrator action id. */
export async function actionRecords(d1: D1Database, tenantId: string, limit: number): Promise<OperationRecord[]> {
  const rows = await d1Db(d1)
    .select()
    .from(ops)
    .where(and(eq(ops.tenantId, tenantId), isNotNull(ops.actionId)))
    .orderBy(desc(ops.createdAt), desc(ops.seq))
    .limit(limit);
  return rows.map(toRecord);
}

/** Every record of the actions named (an action listed whole even when older records exist). */
export async function recordsOfActions(d1: D1Database, tenantId: string, actionIds: string[]): Promise<OperationRecord[]> {
  const out: OperationRecord[] = [];
  // At most 100 bound parameters per D1 statement: the tenant plus 90 ids at a time.
  for (let i = 0; i < actionIds.length; i += 90) {
    const chunk = actionIds.slice(i, i + 90);
    const rows = await d1Db(d1)
      .select()
      .from(ops)
      .where(and(eq(ops.tenantId, tenantId), sql`${ops.actionId} IN (${sql.join(chunk.map((id) => sql`${id}`), sql`, `)})`));
    out.push(...rows.map(toRecord));
  }
  return out;
}

/** The newest `limit` records of one type (e.g. `hook.delivery`, `provider.delivery`). */
export async function recordsOfType(d1: D1Database, tenantId: string, type: string, limit: number): Promise<OperationRecord[]> {
  const rows = await d1Db(d1)
    .select()
    .from(ops)
    .where(and(eq(ops.tenantId, tenantId), eq(ops.type, type)))
    .orderBy(desc(ops.createdAt), desc(ops.seq))
    .limit(limit);
  return rows.map(toRecord);
}
