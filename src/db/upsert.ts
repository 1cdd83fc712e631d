// The outbox's D1 writes as plain prepared statements. An upsert per row, keyed by the row's
// identity, that only moves forward (`excluded.version > version`): a retried or late push never
// writes a row twice nor rolls a newer one back. Drizzle's query builder is not used for these:
// building its query objects on every push cost more CPU than the rest of a hot write together
// (docs/benchmarks.md, run H). The SQL text of each table is built once, at load, from the same
// drizzle table declarations the reads use (./schema.ts), so the columns are declared once.
import { getTableColumns, getTableName } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";

export interface Upsert<Row> {
  fields: (keyof Row & string)[];
  /** The SQL for n rows in one statement at index n − 1 (n = 1 … maxRows), built once each. */
  many: string[];
  /** Most rows one statement can carry: D1 binds at most 100 values per statement. */
  maxRows: number;
}

/** D1's limit of bound values per statement. */
const MAX_BOUND_VALUES = 100;

/** The upsert of `table`: `conflict` its identity, `update` the fields a newer version may change. */
export function upsertOf<T extends SQLiteTable, Row = T["$inferSelect"]>(table: T, conflict: (keyof Row & string)[], update: (keyof Row & string)[]): Upsert<Row> {
  const columns = getTableColumns(table) as Record<string, { name: string }>;
  const fields = Object.keys(columns) as (keyof Row & string)[];
  const col = (f: string) => columns[f].name;
  const name = getTableName(table);
  // One row's values are ?1…?k, the next row's ?k+1…?2k, and so on.
  const values = (rows: number) =>
    Array.from({ length: rows }, (_, r) => `(${fields.map((_, i) => `?${r * fields.length + i + 1}`).join(", ")})`).join(", ");
  const statement = (rows: number) =>
    `INSERT INTO ${name} (${fields.map(col).join(", ")}) VALUES ${values(rows)} ` +
    `ON CONFLICT (${conflict.map(col).join(", ")}) DO UPDATE SET ${update.map((f) => `${col(f)} = excluded.${col(f)}`).join(", ")} ` +
    `WHERE excluded.version > ${name}.version`;
  const maxRows = Math.max(1, Math.floor(MAX_BOUND_VALUES / fields.length));
  const many = Array.from({ length: maxRows }, (_, i) => statement(i + 1));
  return { fields, many, maxRows };
}

const valuesOf = <Row>(u: Upsert<Row>, row: Row) => u.fields.map((f) => (row[f] === undefined ? null : row[f]));

/** The statement for one row (undefined fields are bound as NULL). */
export function bindUpsert<Row>(d1: D1Database, u: Upsert<Row>, row: Row): D1PreparedStatement {
  return d1.prepare(u.many[0]).bind(...valuesOf(u, row));
}

/**
 * The statements for many rows, `maxRows` per statement: a pushed batch of records is a few
 * statements instead of one each (D1 parses, runs and reports on every statement of a batch).
 * Each row is still guarded by its own version (the upsert's WHERE applies row by row). The rows
 * must have distinct identities — SQLite refuses to upsert one row twice in a statement — which an
 * outbox guarantees (one entry per record).
 */
export function bindUpserts<Row>(d1: D1Database, u: Upsert<Row>, rows: Row[]): D1PreparedStatement[] {
  const out: D1PreparedStatement[] = [];
  for (let i = 0; i < rows.length; i += u.maxRows) {
    const chunk = rows.slice(i, i + u.maxRows);
    out.push(d1.prepare(u.many[chunk.length - 1]).bind(...chunk.flatMap((r) => valuesOf(u, r))));
  }
  return out;
}
