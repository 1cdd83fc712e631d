// What an object's outbox holds and how it reaches D1: ledger records and registry rows, written
// in D1 batches (each batch one implicit transaction; D1 has no interactive transactions) of plain
// prepared statements (./upsert.ts).
import type { OperationRecord } from "../domain/operations";
import { operationStatements } from "./ledger";
import { releaseStatement } from "./names";
import { groupStatement, hookStatement, instanceStatement, type GroupRegistryRow, type HookRow, type InstanceRegistryRow } from "./registry";

export type OutboxEntry =
  | { kind: "operation"; record: OperationRecord }
  | { kind: "group"; row: GroupRegistryRow }
  | { kind: "instance"; row: InstanceRegistryRow }
  | { kind: "hook"; row: HookRow }
  /**
   * Not for D1: tells the object of a Quilt action that this object (`holder`, the prefix of its
   * operation ids) holds records of the action (src/objects/action-records.ts). Once per action.
   */
  | { kind: "action"; link: ActionLink };

export interface ActionLink {
  tenantId: string;
  actionId: string;
  holder: string;
}

/** The outbox key of an entry: one pending entry per record. */
export const outboxKey = (e: OutboxEntry) =>
  e.kind === "operation" ? e.record.id : e.kind === "action" ? e.link.actionId : e.kind === "group" ? `${e.row.tenantId}/${e.row.name}` : e.kind === "instance" ? e.row.uuid : e.row.id;

/**
 * Writes entries in D1 batches of 50 entries (one D1 transaction each). Registry rows keep their
 * order (an instance's row before its name's release); operation records, a table of their own,
 * go several to a statement after them (./ledger.ts `operationStatements`).
 */
export async function pushEntries(d1: D1Database, entries: OutboxEntry[]): Promise<void> {
  const CHUNK = 50;
  for (let i = 0; i < entries.length; i += CHUNK) {
    const chunk = entries.slice(i, i + CHUNK);
    const records = chunk.flatMap((e) => (e.kind === "operation" ? [e.record] : []));
    const registry = chunk.flatMap((e): D1PreparedStatement[] => {
      switch (e.kind) {
        case "action":
          return []; // not a D1 row: the kernel sends it to the action's object
        case "operation":
          return [];
        case "group":
          return [groupStatement(d1, e.row)];
        case "instance":
          // A deleted instance's name is free again, however it was deleted (./names.ts).
          return e.row.deletedAt === null ? [instanceStatement(d1, e.row)] : [instanceStatement(d1, e.row), releaseStatement(d1, e.row.uuid, e.row.deletedAt)];
        case "hook":
          return [hookStatement(d1, e.row)];
      }
    });
    const stmts = [...registry, ...operationStatements(d1, records)];
    if (stmts.length === 0) continue;
    await d1.batch(stmts);
  }
}
