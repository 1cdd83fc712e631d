// The SQLite schema of an object's storage, versioned: `meta` holds `schema_version`, and the
// migrations below run in order, each in its own storage transaction together with the version
// bump, from the object's constructor (inside blockConcurrencyWhile, before anything reads). An
// object created before versioning existed has no `meta` row: it counts as version 0, and
// version 1 is written with IF NOT EXISTS, so it leaves its tables as they are.
// Append new versions at the end; never edit one that has been released.

export interface Migration {
  version: number;
  what: string;
  up(sql: SqlStorage): void;
}

/** Timer names of version 1 (strings) → kind and key of version 2. Only used by that migration. */
function legacyTimer(name: string): { kind: string; key: string } | null {
  const perObject: Record<string, string> = {
    reconcile: "reconcile",
    "autoscale:warmup-end": "warmup-end",
    "autoscale:cooldown-end": "cooldown-end",
    "autoscale:idle-check": "autoscale-idle-check",
    "instances:idle-check": "instance-idle-check",
    "workload:rotation": "rotation-cutover",
    "idempotency-expiry": "idempotency-expiry",
    outbox: "outbox-flush",
    delivery: "delivery",
  };
  if (perObject[name]) return { kind: perObject[name], key: "" };
  const [prefix, ...rest] = name.split(":");
  const key = rest.join(":");
  if (prefix === "sim" && key) return { kind: "machine-step", key };
  if (prefix === "terminate" && key) return { kind: "terminate", key };
  return null;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    what: "the tables as they were before versioning (state, machines, timers by name, outbox, idempotency, deliveries, hook records)",
    up(sql) {
      for (const ddl of [
        `CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
        `CREATE TABLE IF NOT EXISTS machines (id TEXT PRIMARY KEY, data TEXT NOT NULL)`,
        `CREATE TABLE IF NOT EXISTS timers (name TEXT PRIMARY KEY, due_ms INTEGER NOT NULL, payload TEXT)`,
        `CREATE TABLE IF NOT EXISTS outbox (kind TEXT NOT NULL, key TEXT NOT NULL, rev INTEGER NOT NULL, payload TEXT NOT NULL, PRIMARY KEY (kind, key))`,
        `CREATE TABLE IF NOT EXISTS idempotency (scope TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, response TEXT NOT NULL, expires_at INTEGER NOT NULL)`,
        `CREATE TABLE IF NOT EXISTS deliveries (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, type TEXT NOT NULL, body TEXT NOT NULL, target TEXT NOT NULL, attempts TEXT NOT NULL, next_at INTEGER NOT NULL, op TEXT NOT NULL)`,
        `CREATE TABLE IF NOT EXISTS hook_seen (sig TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)`,
        `CREATE TABLE IF NOT EXISTS hook_dedup (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at INTEGER NOT NULL)`,
      ]) sql.exec(ddl);
    },
  },
  {
    version: 2,
    what: "typed timers: (kind, key) instead of a name string; existing timers are carried over, unknown names dropped",
    up(sql) {
      sql.exec(`CREATE TABLE timers_v2 (kind TEXT NOT NULL, key TEXT NOT NULL DEFAULT '', due_ms INTEGER NOT NULL, payload TEXT, PRIMARY KEY (kind, key))`);
      for (const row of sql.exec<{ name: string; due_ms: number; payload: string | null }>(`SELECT name, due_ms, payload FROM timers`).toArray()) {
        const t = legacyTimer(row.name);
        if (t) sql.exec(`INSERT OR REPLACE INTO timers_v2 (kind, key, due_ms, payload) VALUES (?, ?, ?, ?)`, t.kind, t.key, row.due_ms, row.payload);
      }
      sql.exec(`DROP TABLE timers`);
      sql.exec(`ALTER TABLE timers_v2 RENAME TO timers`);
    },
  },
  {
    version: 3,
    what: "hook delivery ids use the one idempotency table: completed ones are carried over, 'pending' markers (the 409-for-a-day defect) dropped",
    up(sql) {
      const rows = sql.exec<{ key: string; value: string; expires_at: number }>(`SELECT key, value, expires_at FROM hook_dedup WHERE key LIKE 'd:%'`).toArray();
      for (const r of rows) {
        const v = JSON.parse(r.value) as { body?: unknown };
        if (!v.body) continue;
        const hookId = (v.body as { hook_id?: string }).hook_id ?? "";
        sql.exec(
          `INSERT OR REPLACE INTO idempotency (scope, fingerprint, response, expires_at) VALUES (?, '', ?, ?)`,
          JSON.stringify(["hook.delivery", hookId, r.key.slice(2)]),
          JSON.stringify({ body: v.body }),
          r.expires_at,
        );
      }
      sql.exec(`DELETE FROM hook_dedup WHERE key LIKE 'd:%'`);
    },
  },
  {
    version: 4,
    what: "an action's object indexes the operations recorded under it (the newest version of each)",
    up(sql) {
      sql.exec(`CREATE TABLE IF NOT EXISTS action_ops (id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, seq INTEGER NOT NULL, version INTEGER NOT NULL, record TEXT NOT NULL)`);
    },
  },
  {
    version: 5,
    what: "indexes on the due times the hot paths ask for (the earliest timer, the next idempotency expiry, expired hook records): no table scan per command",
    up(sql) {
      sql.exec(`CREATE INDEX IF NOT EXISTS timers_due ON timers (due_ms)`);
      sql.exec(`CREATE INDEX IF NOT EXISTS idempotency_expires ON idempotency (expires_at)`);
      sql.exec(`CREATE INDEX IF NOT EXISTS hook_seen_expires ON hook_seen (expires_at)`);
      sql.exec(`CREATE INDEX IF NOT EXISTS hook_dedup_expires ON hook_dedup (expires_at)`);
    },
  },
  {
    version: 6,
    what: "an object keeps the records it wrote under Quilt actions; an action's object keeps only which objects hold its records (issue 10: no call to the action's object per write)",
    up(sql) {
      sql.exec(`CREATE TABLE IF NOT EXISTS action_records (id TEXT PRIMARY KEY, action_id TEXT NOT NULL, created_at INTEGER NOT NULL, seq INTEGER NOT NULL, version INTEGER NOT NULL, record TEXT NOT NULL)`);
      sql.exec(`CREATE INDEX IF NOT EXISTS action_records_by_action ON action_records (action_id, created_at, seq)`);
      sql.exec(`CREATE TABLE IF NOT EXISTS action_holders (holder TEXT PRIMARY KEY)`);
      sql.exec(`CREATE TABLE IF NOT EXISTS action_identity (key TEXT PRIMARY KEY CHECK (key = 'action'), tenant_id TEXT NOT NULL, action_id TEXT NOT NULL)`);
      // Nothing is deployed (issue 10): the index copies of version 4 are not carried over, and
      // copies still waiting in an outbox (the old `action` entries) are dropped, not pushed as links.
      sql.exec(`DROP TABLE IF EXISTS action_ops`);
      sql.exec(`DELETE FROM outbox WHERE kind = 'action'`);
    },
  },
  {
    version: 7,
    what: "small rows and an action's records are kept in their primary key's b-tree (WITHOUT ROWID), idempotency records expire in rowid order (no index): fewer pages written per commit (issue 10)",
    up(sql) {
      // Each commit writes every page it changed to the write-ahead log. A rowid table with a TEXT
      // primary key is two b-trees (rows, and the key's index): for small rows (kv, timers) one
      // keyed b-tree is enough. An action's records are keyed by action, time, sequence and id, so
      // a write appends at the end of its action's range (one page) instead of a row page plus two
      // index pages. Tables of large rows with random keys (idempotency answers, machines) stay
      // rowid tables: their rows append, and only the small key index takes random inserts.
      const rebuild = (table: string, ddl: string, columns: string, indexes: string[] = []) => {
        sql.exec(ddl.replace(`CREATE TABLE ${table} `, `CREATE TABLE ${table}_v7 `));
        sql.exec(`INSERT INTO ${table}_v7 (${columns}) SELECT ${columns} FROM ${table}`);
        sql.exec(`DROP TABLE ${table}`);
        sql.exec(`ALTER TABLE ${table}_v7 RENAME TO ${table}`);
        for (const index of indexes) sql.exec(index);
      };
      // Expired idempotency records are found in rowid order (./idempotency.ts `expire`).
      sql.exec(`DROP INDEX IF EXISTS idempotency_expires`);
      rebuild("kv", `CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID`, "key, value");
      rebuild("timers", `CREATE TABLE timers (kind TEXT NOT NULL, key TEXT NOT NULL DEFAULT '', due_ms INTEGER NOT NULL, payload TEXT, PRIMARY KEY (kind, key)) WITHOUT ROWID`, "kind, key, due_ms, payload", [
        `CREATE INDEX IF NOT EXISTS timers_due ON timers (due_ms)`,
      ]);
      rebuild(
        "action_records",
        `CREATE TABLE action_records (action_id TEXT NOT NULL, created_at INTEGER NOT NULL, seq INTEGER NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL, record TEXT NOT NULL, PRIMARY KEY (action_id, created_at, seq, id)) WITHOUT ROWID`,
        "action_id, created_at, seq, id, version, record",
      );
    },
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/** The version the storage is at (0: nothing versioned yet). */
export function schemaVersion(storage: DurableObjectStorage): number {
  storage.sql.exec(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
  const row = storage.sql.exec<{ value: string }>(`SELECT value FROM meta WHERE key = 'schema_version'`).toArray()[0];
  return row ? Number(row.value) : 0;
}

/** Runs the migrations the storage has not had yet, each atomically with its version bump. */
export function migrate(storage: DurableObjectStorage, migrations: Migration[] = MIGRATIONS): number {
  let version = schemaVersion(storage);
  for (const m of migrations) {
    if (m.version <= version) continue;
    storage.transactionSync(() => {
      m.up(storage.sql);
      storage.sql.exec(`INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)`, String(m.version));
    });
    version = m.version;
  }
  return version;
}
