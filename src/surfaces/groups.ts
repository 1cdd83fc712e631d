// Shared by every dialect: which Durable Object holds a group, and the command context a dialect
// passes along with each command.
import type { Context } from "hono";
import { objectName, type CommandContext, type Dialect, type ObjectRef, type OperationRecord, type Result, type TargetKind } from "../domain/operations";
import { poolScopeForbidden } from "../http/auth";
import { badRequest } from "../http/errors";
import type { AppEnv } from "../http/types";

/** What every object class answers (src/objects/base.ts), typed here so dialects need not import objects. */
interface KernelObjectRpc extends Rpc.DurableObjectBranded {
  getOperation(tenantId: string, id: string): Promise<Result<{ operation: OperationRecord | null }>>;
}

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

/** The object of a Quilt function pool: a group with bounds (GROUPS). */
export function functionStub(c: Context<AppEnv>, id: string) {
  checkPoolScope(c, "function", id);
  return c.env.GROUPS.get(c.env.GROUPS.idFromName(objectName(c.get("tenantId"), "function", id)));
}

/** The object of a Quilt container or workload (TARGETS). */
export function targetStub(c: Context<AppEnv>, kind: "container" | "workload", id: string) {
  checkPoolScope(c, kind, id);
  return c.env.TARGETS.get(c.env.TARGETS.idFromName(objectName(c.get("tenantId"), kind, id)));
}

/** The object of a Quilt action: its rollbacks and the index of its operations (ACTIONS). */
export function actionStub(c: Context<AppEnv>, id: string) {
  checkPoolScope(c, "action", id);
  return c.env.ACTIONS.get(c.env.ACTIONS.idFromName(objectName(c.get("tenantId"), "action", id)));
}

/** The object of a hook (HOOKS). */
export function hookStub(c: Context<AppEnv>, id: string) {
  checkPoolScope(c, "hook", id);
  return c.env.HOOKS.get(c.env.HOOKS.idFromName(objectName(c.get("tenantId"), "hook", id)));
}

/**
 * The object an operation id names (src/domain/operations.ts `objectOfOperation`), or null: an id
 * without one, or a forged one the runtime refuses. Its tenant is checked by the object.
 */
export function operationHolder(c: Context<AppEnv>, ref: ObjectRef) {
  const ns = { g: c.env.GROUPS, t: c.env.TARGETS, a: c.env.ACTIONS, h: c.env.HOOKS }[ref.binding] as unknown as DurableObjectNamespace<KernelObjectRpc>;
  try {
    return ns.get(ns.idFromString(ref.hex));
  } catch {
    return null;
  }
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
