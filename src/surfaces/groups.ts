// Shared by every dialect: which Durable Object holds a group, and the command context a dialect
// passes along with each command.
import type { Context } from "hono";
import { objectName, type CommandContext, type Dialect, type TargetKind } from "../domain/operations";
import { poolScopeForbidden } from "../http/auth";
import { badRequest } from "../http/errors";
import type { AppEnv } from "../http/types";

/** Group names shared by all dialects (a stricter dialect may narrow them). */
export const GROUP_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/**
 * A pool-scoped token reaches its own group only: every dialect reaches a group's object through
 * `groupStub`/`targetStub`, so this is the one place the scope is enforced (403 otherwise).
 */
export function checkPoolScope(c: Context<AppEnv>, kind: TargetKind, id: string): void {
  const pool = c.get("tokenPool");
  if (!pool || (kind === "group" && id === pool)) return;
  throw poolScopeForbidden(pool, kind === "group" ? `'${id}' is another pool` : `a ${kind} is not the token's pool`);
}

/** One Durable Object per (tenant, group): the same name in two tenants is two objects. */
export function groupStub(c: Context<AppEnv>, name: string) {
  checkPoolScope(c, "group", name);
  const ns = c.env.GROUPS;
  return ns.get(ns.idFromName(objectName(c.get("tenantId"), "group", name)));
}

/** The object of a Quilt singleton target (container, function pool, workload) or of an action. */
export function targetStub(c: Context<AppEnv>, kind: TargetKind, id: string) {
  checkPoolScope(c, kind, id);
  const ns = c.env.GROUPS;
  return ns.get(ns.idFromName(objectName(c.get("tenantId"), kind, id)));
}

const KEY_RE = /^[\x21-\x7e]{1,255}$/;

/** Optional `Idempotency-Key` header: 1–255 visible ASCII characters. */
export function idempotencyKey(c: Context<AppEnv>): string | null {
  const key = c.req.header("Idempotency-Key");
  if (key === undefined) return null;
  if (!KEY_RE.test(key)) throw badRequest("invalid Idempotency-Key header", "1 to 255 visible ASCII characters", "Idempotency-Key");
  return key;
}

export function commandContext(c: Context<AppEnv>, dialect: Dialect, group: string): CommandContext {
  return {
    tenantId: c.get("tenantId"),
    group,
    dialect,
    requestId: c.get("requestId"),
    idempotencyKey: idempotencyKey(c),
    actionId: c.req.header("X-Orch-Action-Id") ?? null,
  };
}
