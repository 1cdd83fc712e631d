// What every Quilt route module shares: path and header checks (before anything changes), the
// command context, Durable Object failures as Quilt errors, the replay header, 405s.
import type { Context, MiddlewareHandler } from "hono";
import type { CommandContext, Failure, TargetKind } from "../../domain/operations";
import { ApiError, badRequest, fromFailure } from "../../http/errors";
import type { AppEnv } from "../../http/types";
import { commandContext, idempotencyKey } from "../groups";
import { ACTION_ID_HEADER, IDEMPOTENCY_KEY_HEADER, REPLAY_HEADER } from "./contract";
import { ID_RE, ID_RULE } from "./schemas";

/** Seconds a client waits before retrying a request that is still executing or a ledger outage. */
export const RETRY_AFTER_SECONDS = 1;

/** A path parameter that must match `re`: 400 naming it otherwise. */
export function pathParam(c: Context<AppEnv>, name: string, re: RegExp = ID_RE, rule: string = ID_RULE): string {
  const value = c.req.param(name) ?? "";
  if (!re.test(value)) throw badRequest(`invalid path parameter '${name}'`, rule, name);
  return value;
}

/** Checks a path parameter before anything else runs (then read it with `c.req.param`). */
export const checkParam =
  (name: string, re: RegExp = ID_RE, rule: string = ID_RULE): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    pathParam(c, name, re, rule);
    await next();
  };

/** `X-Orch-Action-Id`: required on control writes, optional (but well-formed) on direct writes. */
export function actionId(c: Context<AppEnv>, required: boolean): string | null {
  const value = c.req.header(ACTION_ID_HEADER);
  if (value === undefined) {
    if (!required) return null;
    throw badRequest(`missing ${ACTION_ID_HEADER} header`, "required on every control write", ACTION_ID_HEADER).with({
      hint: `send ${ACTION_ID_HEADER}: <the orchestrator action this write belongs to> (${ID_RULE})`,
    });
  }
  if (!ID_RE.test(value)) throw badRequest(`invalid ${ACTION_ID_HEADER} header`, ID_RULE, ACTION_ID_HEADER);
  return value;
}

/** Control writes: `Idempotency-Key` and `X-Orch-Action-Id`, present and well-formed, before the body is even read. */
export const controlWrite: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.header(IDEMPOTENCY_KEY_HEADER) === undefined) {
    throw badRequest(`missing ${IDEMPOTENCY_KEY_HEADER} header`, "required on every control write", IDEMPOTENCY_KEY_HEADER).with({
      hint: `send ${IDEMPOTENCY_KEY_HEADER}: <a key unique to this request> (1 to 255 visible ASCII characters); reuse it only to retry the same request`,
    });
  }
  idempotencyKey(c); // 400 when malformed
  actionId(c, true);
  await next();
};

/** Direct writes: the same headers are optional, but checked when sent. */
export const directWrite: MiddlewareHandler<AppEnv> = async (c, next) => {
  idempotencyKey(c);
  actionId(c, false);
  await next();
};

/** The command context of a Quilt write on the target (kind, id). */
export function quiltContext(c: Context<AppEnv>, kind: TargetKind, id: string): CommandContext {
  return { ...commandContext(c, "quilt", id), targetKind: kind };
}

const KIND_NAMES: Record<TargetKind, string> = { group: "node group", container: "container", function: "function", workload: "workload", action: "action", hook: "hook" };

/**
 * A Durable Object failure as the route's error: a not-found (GROUP_, TARGET_, ACTION_NOT_FOUND)
 * names the target (404 ELASTICITY_TARGET_NOT_FOUND); IN_FLIGHT (409) and UNAVAILABLE (503) say
 * when to retry.
 */
export function failure(c: Context<AppEnv>, f: Failure, target?: { kind: TargetKind; id: string }): ApiError {
  const subject = target ? `${KIND_NAMES[target.kind]} '${target.id}'` : undefined;
  if (f.code === "IN_FLIGHT" || f.code === "UNAVAILABLE") c.header("Retry-After", String(RETRY_AFTER_SECONDS));
  if (f.code === "UNAVAILABLE") return new ApiError(503, "INTERNAL", f.message, f.code).with({ dialectCode: "ELASTICITY_OPERATION_FAILED", retryable: true, hint: `retry after ${RETRY_AFTER_SECONDS} s with the same ${IDEMPOTENCY_KEY_HEADER}` });
  if ((f.code === "GROUP_NOT_FOUND" || f.code === "TARGET_NOT_FOUND" || f.code === "ACTION_NOT_FOUND") && subject) {
    const hint = target!.kind === "group" ? "node groups are the groups of the other dialects: create one with POST /cloudpools/{group}/config or a KraftCloud service" : undefined;
    return new ApiError(404, "NOT_FOUND", `${subject} not found`, f.message).with(hint ? { hint } : {});
  }
  return fromFailure(f, subject);
}

/** Unwraps a Durable Object result or throws its failure; a replay is marked with the header. */
export function settle<R extends { ok: true; replayed?: boolean } | Failure>(c: Context<AppEnv>, r: R, target?: { kind: TargetKind; id: string }): Extract<R, { ok: true }> {
  if (!r.ok) throw failure(c, r as Failure, target);
  if ((r as { replayed?: boolean }).replayed) c.header(REPLAY_HEADER, "true");
  return r as Extract<R, { ok: true }>;
}

