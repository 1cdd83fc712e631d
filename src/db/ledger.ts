// The operation ledger in D1 (schema.operations): the statement that upserts a record pushed from
// an object's outbox, and the reads of history across objects (a target's records, one record by
// id, an action's records). Upserts are keyed by id and only move forward (by version), so a
// retried push never writes a record twice nor rolls a newer one back.
import { and, desc, eq } from "drizzle-orm";
import type { OperationRecord } from "../domain/operations";
import { d1Db } from "./client";
import * as schema from "./schema";
import { bindUpserts, upsertOf } from "./upsert";

const operationUpsert = upsertOf<typeof schema.operations, OperationRecord>(
  schema.operations,
  ["id"],
  ["status", "result", "reasonCode", "reasonMessage", "updatedAt", "completedAt", "version"],
);

/** The upserts of records pushed from an outbox, several per statement (./upsert.ts `bindUpserts`). */
export const operationStatements = (d1: D1Database, rs: OperationRecord[]): D1PreparedStatement[] => bindUpserts(d1, operationUpsert, rs);

export const toRecord = (row: typeof schema.operations.$inferSelect) => row as OperationRecord;

/** A target's records, newest first. */
export async function listTargetOperations(
  d1: D1Database,
  q: { tenantId: string; targetKind: string; targetId: string; limit: number },
): Promise<OperationRecord[]> {
  const rows = await d1Db(d1)
    .select()
    .from(schema.operations)
    .where(and(eq(schema.operations.tenantId, q.tenantId), eq(schema.operations.targetKind, q.targetKind), eq(schema.operations.targetId, q.targetId)))
    .orderBy(desc(schema.operations.seq))
    .limit(q.limit);
  return rows.map(toRecord);
}

/** One operation of a tenant by id. */
export async function getOperation(d1: D1Database, tenantId: string, id: string): Promise<OperationRecord | null> {
  const [row] = await d1Db(d1)
    .select()
    .from(schema.operations)
    .where(and(eq(schema.operations.tenantId, tenantId), eq(schema.operations.id, id)))
    .limit(1);
  return row ? toRecord(row) : null;
}

/** The operations recorded under one orchestrator action, oldest first. */
export async function listActionOperations(d1: D1Database, tenantId: string, actionId: string): Promise<OperationRecord[]> {
  const rows = await d1Db(d1)
    .select()
    .from(schema.operations)
    .where(and(eq(schema.operations.tenantId, tenantId), eq(schema.operations.actionId, actionId)))
    .orderBy(schema.operations.createdAt, schema.operations.seq);
  return rows.map(toRecord);
}
