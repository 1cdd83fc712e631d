// The drizzle handle over the D1 binding, shared by the modules of this folder (ledger, registry,
// identity) for their reads: each of them holds the queries of one kind of D1 data. One handle per
// binding object: building it walks the whole schema (drizzle's relational config), which is not
// worth repeating on every query. The outbox's writes do not use it (./upsert.ts).
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import * as schema from "./schema";

export type D1Db = DrizzleD1Database<typeof schema>;

const handles = new WeakMap<D1Database, D1Db>();

export function d1Db(d1: D1Database): D1Db {
  let db = handles.get(d1);
  if (!db) {
    db = drizzle(d1, { schema });
    handles.set(d1, db);
  }
  return db;
}
