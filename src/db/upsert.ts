// The outbox's D1 writes as plain prepared statements. An upsert per row, keyed by the row's
// identity, that only moves forward (`excluded.version > version`): a retried or late push never
// writes a row twice nor rolls a newer one back. Drizzle's query builder is not used for these:
// building its query objects on every push cost more CPU than the rest of a hot write together
// (docs/benchmarks.md, run H). The SQL text of each table is built once, at load, from the same
// drizzle table declarations the reads use (./schema.ts), so the columns are declared once.
import { getTableColumns, getTableName } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";

export interface Upsert<Row> {
  sql: string;
  fields: (keyof Row & string)[];
}

/** The upsert of `table`: `conflict` its identity, `update` the fields a newer version may change. */
export function upsertOf<T extends SQLiteTable, Row = T["$inferSelect"]>(table: T, conflict: (keyof Row & string)[], update: (keyof Row & string)[]): Upsert<Row> {
  const columns = getTableColumns(table) as Record<string, { name: string }>;
  const fields = Object.keys(columns) as (keyof Row & string)[];
  const col = (f: string) => columns[f].name;
  const name = getTableName(table);
  const sql =
    `INSERT INTO ${name} (${fields.map(col).join(", ")}) VALUES (${fields.map((_, i) => `?${i + 1}`).join(", ")}) ` +
    `ON CONFLICT (${conflict.map(col).join(", ")}) DO UPDATE SET ${update.map((f) => `${col(f)} = excluded.${col(f)}`).join(", ")} ` +
    `WHERE excluded.version > ${name}.version`;
  return { sql, fields };
}

/** The statement for one row (undefined fields are bound as NULL). */
export function bindUpsert<Row>(d1: D1Database, u: Upsert<Row>, row: Row): D1PreparedStatement {
  return d1.prepare(u.sql).bind(...u.fields.map((f) => (row[f] === undefined ? null : row[f])));
}
