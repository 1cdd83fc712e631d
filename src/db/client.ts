// The drizzle handle over the D1 binding, shared by the modules of this folder (ledger, registry,
// identity, push): each of them holds the queries of one kind of D1 data.
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import * as schema from "./schema";

export type D1Db = DrizzleD1Database<typeof schema>;
export const d1Db = (d1: D1Database): D1Db => drizzle(d1, { schema });
