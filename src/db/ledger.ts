// Writes outbox entries to D1 and reads the operation ledger back. Writes are upserts keyed by id
// that only move forward (by version), so a retried flush never writes a record twice nor rolls a
// newer one back.
import { and, desc, eq, sql } from "drizzle-orm";
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import type { BatchItem } from "drizzle-orm/batch";
import * as schema from "./schema";
import type { OperationRecord } from "../domain/operations";
import { releaseStatement } from "./names";

export type LedgerDb = DrizzleD1Database<typeof schema>;
export const ledgerDb = (d1: D1Database): LedgerDb => drizzle(d1, { schema });

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

export type OutboxEntry =
  | { kind: "operation"; record: OperationRecord }
  | { kind: "group"; row: GroupRegistryRow }
  | { kind: "instance"; row: InstanceRegistryRow };

/** The outbox key of an entry: one pending entry per record. */
export const outboxKey = (e: OutboxEntry) =>
  e.kind === "operation" ? e.record.id : e.kind === "group" ? `${e.row.tenantId}/${e.row.name}` : e.row.uuid;

function statementFor(db: LedgerDb, entry: OutboxEntry): BatchItem<"sqlite"> {
  if (entry.kind === "group") {
    const r = entry.row;
    return db
      .insert(schema.groups)
      .values(r)
      .onConflictDoUpdate({
        target: [schema.groups.tenantId, schema.groups.name],
        set: {
          uuid: r.uuid,
          providerType: r.providerType,
          createdAt: r.createdAt,
          updatedAt: r.updatedAt,
          deletedAt: r.deletedAt,
          version: r.version,
        },
        setWhere: sql`excluded.version > ${schema.groups.version}`,
      });
  }
  if (entry.kind === "instance") {
    const r = entry.row;
    return db
      .insert(schema.instances)
      .values(r)
      .onConflictDoUpdate({
        target: schema.instances.uuid,
        set: { name: r.name, groupName: r.groupName, updatedAt: r.updatedAt, deletedAt: r.deletedAt, version: r.version },
        setWhere: sql`excluded.version > ${schema.instances.version}`,
      });
  }
  const r = entry.record;
  return db
    .insert(schema.operations)
    .values(r)
    .onConflictDoUpdate({
      target: schema.operations.id,
      set: {
        status: r.status,
        result: r.result,
        reasonCode: r.reasonCode,
        reasonMessage: r.reasonMessage,
        updatedAt: r.updatedAt,
        completedAt: r.completedAt,
        version: r.version,
      },
      setWhere: sql`excluded.version > ${schema.operations.version}`,
    });
}

/** Writes entries in D1 batches (each batch is one implicit transaction). */
export async function writeLedger(d1: D1Database, entries: OutboxEntry[]): Promise<void> {
  const db = ledgerDb(d1);
  const CHUNK = 50;
  for (let i = 0; i < entries.length; i += CHUNK) {
    // A deleted instance's name is free again, however it was deleted (./names.ts).
    const stmts = entries
      .slice(i, i + CHUNK)
      .flatMap((e) => (e.kind === "instance" && e.row.deletedAt !== null ? [statementFor(db, e), releaseStatement(db, e.row.uuid, e.row.deletedAt)] : [statementFor(db, e)]));
    await db.batch(stmts as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
  }
}

export const toRecord = (row: typeof schema.operations.$inferSelect) => row as OperationRecord;

/** A target's records, newest first. */
export async function listTargetOperations(
  d1: D1Database,
  q: { tenantId: string; targetKind: string; targetId: string; limit: number },
): Promise<OperationRecord[]> {
  const rows = await ledgerDb(d1)
    .select()
    .from(schema.operations)
    .where(
      and(
        eq(schema.operations.tenantId, q.tenantId),
        eq(schema.operations.targetKind, q.targetKind),
        eq(schema.operations.targetId, q.targetId),
      ),
    )
    .orderBy(desc(schema.operations.seq))
    .limit(q.limit);
  return rows.map(toRecord);
}

export async function listGroups(d1: D1Database, tenantId: string) {
  return ledgerDb(d1)
    .select()
    .from(schema.groups)
    .where(and(eq(schema.groups.tenantId, tenantId), sql`${schema.groups.deletedAt} IS NULL`))
    .orderBy(schema.groups.name);
}

export async function findGroupByUuid(d1: D1Database, tenantId: string, uuid: string) {
  const [row] = await ledgerDb(d1)
    .select()
    .from(schema.groups)
    .where(and(eq(schema.groups.tenantId, tenantId), eq(schema.groups.uuid, uuid), sql`${schema.groups.deletedAt} IS NULL`))
    .limit(1);
  return row ?? null;
}

export async function findInstance(d1: D1Database, tenantId: string, by: { uuid: string } | { name: string }) {
  const key = "uuid" in by ? eq(schema.instances.uuid, by.uuid) : eq(schema.instances.name, by.name);
  const [row] = await ledgerDb(d1)
    .select()
    .from(schema.instances)
    .where(and(eq(schema.instances.tenantId, tenantId), key, sql`${schema.instances.deletedAt} IS NULL`))
    .orderBy(desc(schema.instances.updatedAt))
    .limit(1);
  return row ?? null;
}

export async function listInstances(d1: D1Database, tenantId: string) {
  return ledgerDb(d1)
    .select()
    .from(schema.instances)
    .where(and(eq(schema.instances.tenantId, tenantId), sql`${schema.instances.deletedAt} IS NULL`))
    .orderBy(schema.instances.createdAt, schema.instances.name);
}

/** One operation of a tenant by id. */
export async function getOperation(d1: D1Database, tenantId: string, id: string): Promise<OperationRecord | null> {
  const [row] = await ledgerDb(d1)
    .select()
    .from(schema.operations)
    .where(and(eq(schema.operations.tenantId, tenantId), eq(schema.operations.id, id)))
    .limit(1);
  return row ? toRecord(row) : null;
}

/** The operations recorded under one orchestrator action, oldest first. */
export async function listActionOperations(d1: D1Database, tenantId: string, actionId: string): Promise<OperationRecord[]> {
  const rows = await ledgerDb(d1)
    .select()
    .from(schema.operations)
    .where(and(eq(schema.operations.tenantId, tenantId), eq(schema.operations.actionId, actionId)))
    .orderBy(schema.operations.createdAt, schema.operations.seq);
  return rows.map(toRecord);
}
