// D1 schema (drizzle-orm). D1 is the queryable ledger and the identity store; the live state of a
// group lives in its Durable Object (DESIGN.md, "Shape").
import { sqliteTable, text, integer, index, primaryKey } from "drizzle-orm/sqlite-core";

export const tenants = sqliteTable("tenants", {
  id: text("id").primaryKey(),
  createdAt: integer("created_at").notNull(),
});

export const tokens = sqliteTable(
  "tokens",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    // hex SHA-256 of the whole token; the token itself is never stored.
    tokenHash: text("token_hash").notNull(),
    createdAt: integer("created_at").notNull(),
    revokedAt: integer("revoked_at"),
    // A pool-scoped token (docs/elastisys.md, "Pool-scoped tokens") acts on this group only; null
    // for a tenant-wide token.
    pool: text("pool"),
  },
  (t) => [index("tokens_tenant_idx").on(t.tenantId)],
);

/** Registry of a tenant's groups, so that a tenant can list them; written by the group's DO. */
export const groups = sqliteTable(
  "groups",
  {
    tenantId: text("tenant_id").notNull(),
    name: text("name").notNull(),
    // The group's UUID (KraftCloud service group uuid); lets `/v1/services/{uuid}` find the group.
    uuid: text("uuid"),
    providerType: text("provider_type").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    deletedAt: integer("deleted_at"),
    // Monotonic per group: a late outbox retry never overwrites a newer registry row.
    version: integer("version").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.name] }), index("groups_uuid_idx").on(t.tenantId, t.uuid)],
);

/**
 * Registry of instances (KraftCloud): which group holds an instance, so `/v1/instances/{uuid}`
 * finds its Durable Object. Written by the group's DO through its outbox, like the ledger.
 */
export const instances = sqliteTable(
  "instances",
  {
    uuid: text("uuid").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    name: text("name").notNull(),
    groupName: text("group_name").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    deletedAt: integer("deleted_at"),
    version: integer("version").notNull(),
  },
  (t) => [index("instances_tenant_name_idx").on(t.tenantId, t.name), index("instances_group_idx").on(t.tenantId, t.groupName)],
);

/** The operation ledger: one row per accepted mutation and per reconcile activity. */
export const operations = sqliteTable(
  "operations",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    targetKind: text("target_kind").notNull(),
    targetId: text("target_id").notNull(),
    dialect: text("dialect").notNull(),
    type: text("type").notNull(),
    status: text("status").notNull(),
    idempotencyKey: text("idempotency_key"),
    actionId: text("action_id"),
    request: text("request"),
    result: text("result"),
    cause: text("cause"),
    // Why an operation failed or was refused (Quilt reason_code / reason_message).
    reasonCode: text("reason_code"),
    reasonMessage: text("reason_message"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    completedAt: integer("completed_at"),
    // Order within one target (several records can share a millisecond).
    seq: integer("seq").notNull(),
    // Bumped on every change of the record; the D1 upsert only moves forward.
    version: integer("version").notNull(),
  },
  (t) => [
    index("operations_target_idx").on(t.tenantId, t.targetKind, t.targetId, t.seq),
    index("operations_action_idx").on(t.tenantId, t.actionId),
  ],
);

/**
 * Registry of inbound scale triggers (webhooks, docs/webhooks.md): lets a delivery to
 * `/hooks/{id}` (no tenant token) find its tenant and group. The secrets are not here: they live
 * in the hook's own Durable Object, which writes this row through its outbox.
 */
export const hooks = sqliteTable(
  "hooks",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    groupName: text("group_name").notNull(),
    name: text("name").notNull(),
    format: text("format").notNull(),
    // JSON text: the configured action and the optional `resolved` action.
    action: text("action").notNull(),
    resolved: text("resolved"),
    minIntervalSeconds: integer("min_interval_seconds").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    deletedAt: integer("deleted_at"),
    // Monotonic per hook (the hook object's sequence): the row is written through the object's
    // outbox, and a late retry never overwrites a newer row (a deletion stays a deletion).
    version: integer("version").notNull().default(0),
  },
  (t) => [index("hooks_tenant_idx").on(t.tenantId, t.createdAt)],
);
