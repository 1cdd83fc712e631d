// The outbox's D1 writes as plain prepared statements. An upsert per row, keyed by the row's
// identity, that only moves forward (`excluded.version > version`): a retried or late push never
// writes a row twice nor rolls a newer one back. Hand-written rather than built by drizzle on every
// push: building the query objects cost more CPU than the rest of a hot write together
// (docs/benchmarks.md, profile of run H); the SQL text of each table is built once, here.

/** One table's upsert: its columns (row field → column), its conflict target, the columns an update may change. */
export interface UpsertShape<Row> {
  table: string;
  columns: { [K in keyof Row]-?: string };
  conflict: (keyof Row)[];
  update: (keyof Row)[];
}

export interface Upsert<Row> {
  sql: string;
  fields: (keyof Row)[];
}

export function upsertOf<Row>(shape: UpsertShape<Row>): Upsert<Row> {
  const fields = Object.keys(shape.columns) as (keyof Row)[];
  const col = (f: keyof Row) => shape.columns[f];
  const sql =
    `INSERT INTO ${shape.table} (${fields.map(col).join(", ")}) VALUES (${fields.map((_, i) => `?${i + 1}`).join(", ")}) ` +
    `ON CONFLICT (${shape.conflict.map(col).join(", ")}) DO UPDATE SET ${shape.update.map((f) => `${col(f)} = excluded.${col(f)}`).join(", ")} ` +
    `WHERE excluded.version > ${shape.table}.version`;
  return { sql, fields };
}

/** The statement for one row (undefined fields are bound as NULL). */
export function bindUpsert<Row>(d1: D1Database, u: Upsert<Row>, row: Row): D1PreparedStatement {
  return d1.prepare(u.sql).bind(...u.fields.map((f) => (row[f] === undefined ? null : row[f])));
}
