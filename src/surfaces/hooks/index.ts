// Inbound scale triggers under /hooks (an extension, docs/webhooks.md): tenants manage hooks with
// their token; a source (Alertmanager, Grafana, a script) delivers to `/hooks/{id}` with the
// hook's secret (signature or bearer) and no tenant token.
import { Hono, type Context } from "hono";
import { findHook, listHooks, type HookRow } from "../../db/registry";
import type { HookAction, HookFormat } from "../../domain/hooks";
import { objectName, type CommandContext } from "../../domain/operations";
import { SIGNATURE_HEADER } from "../../domain/signature";
import { ApiError, notFound, unwrap } from "../../http/errors";
import { bytesBody, jsonBody, readBody } from "../../http/body";
import { tenantAuth } from "../../http/auth";
import type { AppEnv } from "../../http/types";
import type { HookView } from "../../domain/hooks";
import { groupStub, hookStub } from "../groups";
import { HOOK_ID_RE, createHookBody, parseDelivery, type Parsed } from "./schemas";

const hookUrl = (c: Context<AppEnv>, id: string) => `${new URL(c.req.url).origin}/hooks/${id}`;
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** What a listing shows of a hook: its registry row (D1), in the same shape as the object's view. */
function summaryJson(c: Context<AppEnv>, h: Pick<HookView, "id" | "name" | "group" | "format" | "action" | "resolved" | "minIntervalSeconds" | "createdAt">) {
  return {
    id: h.id,
    url: hookUrl(c, h.id),
    name: h.name,
    group: h.group,
    format: h.format,
    action: h.action,
    resolved: h.resolved,
    min_interval_seconds: h.minIntervalSeconds,
    created_at: iso(h.createdAt),
  };
}

const rowJson = (c: Context<AppEnv>, r: HookRow) =>
  summaryJson(c, {
    ...r,
    group: r.groupName,
    format: r.format as HookFormat,
    action: JSON.parse(r.action) as HookAction,
    resolved: r.resolved ? (JSON.parse(r.resolved) as HookAction) : null,
  });

/** The hook as its object knows it (single reads and writes). */
const viewJson = (c: Context<AppEnv>, h: HookView) => ({
  ...summaryJson(c, h),
  updated_at: iso(h.updatedAt),
  previous_secret_expires_at: iso(h.previousSecretExpiresAt),
  last_action_at: iso(h.lastActionAt),
});

const hookCtx = (c: Context<AppEnv>, id: string): CommandContext => ({
  tenantId: c.get("tenantId"), group: id, targetKind: "hook", dialect: "hooks", requestId: c.get("requestId"), idempotencyKey: null,
});

/** A registry read; D1 unreachable → 503 with Retry-After (senders retry 5xx), never a 500. */
async function registry<T>(c: Context<AppEnv>, read: Promise<T>): Promise<T> {
  try {
    return await read;
  } catch (err) {
    console.warn("hooks: registry read failed", String(err));
    c.header("Retry-After", "5");
    throw new ApiError(503, "INTERNAL", "the hook registry is unavailable, retry later", "UNAVAILABLE");
  }
}

/** The caller's live hook (another tenant's id is not found). */
async function ownHook(c: Context<AppEnv>, id: string): Promise<HookRow> {
  const row = HOOK_ID_RE.test(id) ? await registry(c, findHook(c.env.DB, id, c.get("tenantId"))) : null;
  if (!row) throw notFound(`hook '${id}' not found`);
  return row;
}

const methodNotAllowed = (allow: string) => (c: Context<AppEnv>) => {
  c.header("Allow", allow);
  throw new ApiError(405, "METHOD_NOT_ALLOWED", `method ${c.req.method} is not allowed here`, `allowed: ${allow}`);
};

const KEY_RE = /^[\x21-\x7e]{1,255}$/;

export const hooks = new Hono<AppEnv>();

hooks.post("/", tenantAuth(), jsonBody(createHookBody), async (c) => {
  const b = c.req.valid("json");
  if (b.resolved && b.format === "generic") throw new ApiError(400, "INVALID_ARGUMENT", "'resolved' applies to the alert formats (alertmanager, grafana) only", undefined, "resolved");
  const group = await groupStub(c, b.group).getConfig();
  if (!group.ok) throw new ApiError(404, "NOT_FOUND", `group '${b.group}' not found`, "create the group first (any dialect)", "group");
  const id = crypto.randomUUID();
  const def = { id, tenantId: c.get("tenantId"), group: b.group, name: b.name, format: b.format as HookFormat, action: b.action, resolved: b.resolved ?? null, minIntervalSeconds: b.min_interval_seconds ?? 0 };
  const created = await hookStub(c, id).hookCreate(hookCtx(c, id), def);
  if (!created.ok && created.code === "UNAVAILABLE") c.header("Retry-After", "5");
  const r = unwrap(created, `hook '${id}'`);
  return c.json({ ...viewJson(c, r.hook), secret: r.secret }, 201);
});

hooks.get("/", tenantAuth(), async (c) => {
  const rows = await registry(c, listHooks(c.env.DB, c.get("tenantId")));
  return c.json({ hooks: rows.map((r) => rowJson(c, r)) });
});

hooks.get("/:id", tenantAuth(), async (c) => {
  const row = await ownHook(c, c.req.param("id"));
  const r = unwrap(await hookStub(c, row.id).hookGet(), `hook '${row.id}'`);
  return c.json(viewJson(c, r.hook));
});

hooks.delete("/:id", tenantAuth(), async (c) => {
  const row = await ownHook(c, c.req.param("id"));
  const r = await hookStub(c, row.id).hookDelete(hookCtx(c, row.id));
  // An earlier delete that removed the object but not the registry row is completed now.
  if (!r.ok && r.code !== "HOOK_NOT_FOUND") unwrap(r, `hook '${row.id}'`);
  return c.body(null, 204);
});

hooks.post("/:id/rotate-secret", tenantAuth(), async (c) => {
  const row = await ownHook(c, c.req.param("id"));
  const r = unwrap(await hookStub(c, row.id).hookRotateSecret(hookCtx(c, row.id)), `hook '${row.id}'`);
  return c.json({ ...viewJson(c, r.hook), secret: r.secret });
});

/** A delivery: the body as the source sent it, authenticated by the hook's secret. */
hooks.post("/:id", bytesBody, async (c) => {
  const id = c.req.param("id");
  const row = HOOK_ID_RE.test(id) ? await registry(c, findHook(c.env.DB, id)) : null;
  if (!row) throw notFound(`hook '${id}' not found`);
  // The signature covers the exact bytes; the parser gets their UTF-8 text.
  const bytes = await readBody(c);
  const given = c.req.header("Idempotency-Key") ?? c.req.header("X-Delivery-Id") ?? null;
  let parsed: Parsed = parseDelivery({ format: row.format as HookFormat, action: JSON.parse(row.action), resolved: row.resolved ? JSON.parse(row.resolved) : null }, bytes);
  if (given !== null && !KEY_RE.test(given)) parsed = { ok: false, field: c.req.header("Idempotency-Key") !== undefined ? "Idempotency-Key" : "X-Delivery-Id", message: "invalid delivery id header: 1 to 255 visible ASCII characters" };
  // No tenant token here: the registry row says whose hook it is.
  const a = await c.env.HOOKS.get(c.env.HOOKS.idFromName(objectName(row.tenantId, "hook", row.id))).hookDeliver({
    raw: bytes,
    signature: c.req.header(SIGNATURE_HEADER) ?? null,
    authorization: c.req.header("Authorization") ?? null,
    deliveryId: given !== null && KEY_RE.test(given) ? given : null,
    requestId: c.get("requestId"),
    parsed,
  });
  if (!a.ok) {
    if (a.status === 409) c.header("Retry-After", "1");
    if (a.status === 401) c.header("WWW-Authenticate", 'Bearer realm="scalegate-hook"');
    throw new ApiError(a.status, a.code, a.message, a.detail, a.field);
  }
  if (a.replayed) c.header("Idempotent-Replayed", "true");
  return c.json(a.body, a.status);
});

hooks.all("/", methodNotAllowed("GET, POST"));
hooks.all("/:id", methodNotAllowed("GET, POST, DELETE"));
hooks.all("/:id/rotate-secret", methodNotAllowed("POST"));
