// The Quilt elasticity error body, registered in ./errors.ts for paths under /api/elasticity (the
// only place that renders it). docs/quilt.md, "Errors".
//
//   {error, error_code, request_id, details?, hint?}
//   + {reason_code, reason_message, retryable} under /api/elasticity/control
import type { Context } from "hono";
import type { ApiError, ErrorCode } from "./errors";
import type { AppEnv } from "./types";

/** The app's error codes in Quilt's vocabulary. */
export const QUILT_ERROR_CODES: Record<ErrorCode, string> = {
  INVALID_ARGUMENT: "ELASTICITY_INVALID_ARGUMENT",
  NOT_FOUND: "ELASTICITY_TARGET_NOT_FOUND",
  CONFLICT: "ELASTICITY_OPERATION_FAILED",
  IDEMPOTENCY_CONFLICT: "IDEMPOTENCY_CONFLICT",
  UNAUTHORIZED: "UNAUTHORIZED",
  FORBIDDEN: "FORBIDDEN",
  METHOD_NOT_ALLOWED: "METHOD_NOT_ALLOWED",
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  INTERNAL: "ELASTICITY_INTERNAL_ERROR",
};

/** Durable Object failure codes (carried in `detail` by `fromFailure`) with a code of their own. */
const CARRIED_CODES: Record<string, string> = {
  IN_FLIGHT: "IDEMPOTENCY_IN_FLIGHT",
};

/** An unknown path under /api/elasticity (thrown by the Quilt router's catch-all). */
export const ROUTE_NOT_FOUND = "ELASTICITY_ROUTE_NOT_FOUND";

const CONTROL_PREFIX = "/api/elasticity/control";

/** Default hints by error code; a route may give a more precise one with `.with({ hint })`. */
const HINTS: Partial<Record<string, string>> = {
  UNAUTHORIZED: "send X-Api-Key: <token> or Authorization: Bearer <token>, with X-Tenant-Id: <your tenant>",
  FORBIDDEN: "X-Tenant-Id must name the tenant the token was issued for",
  PAYLOAD_TOO_LARGE: "request bodies are limited to 64 KiB",
  IDEMPOTENCY_CONFLICT: "reuse an Idempotency-Key only for the identical request; send a new key for a new request",
  IDEMPOTENCY_IN_FLIGHT: "the first request with this Idempotency-Key is still executing: retry after Retry-After seconds",
  [ROUTE_NOT_FOUND]: "GET /api/elasticity/help lists every route",
};

function errorCode(e: ApiError): string {
  if (e.extras.dialectCode) return e.extras.dialectCode;
  const carried = e.detail ? CARRIED_CODES[e.detail] : undefined;
  return carried ?? QUILT_ERROR_CODES[e.code];
}

export function renderQuiltError(c: Context<AppEnv>, e: ApiError): Response {
  const code = errorCode(e);
  const details: Record<string, unknown> = {
    ...(e.field ? { field: e.field } : {}),
    ...(e.detail && !CARRIED_CODES[e.detail] ? { detail: e.detail } : {}),
    ...e.extras.details,
  };
  const hint = e.extras.hint ?? HINTS[code] ?? (e.code === "METHOD_NOT_ALLOWED" && e.detail ? e.detail.replace(/^allowed:/, "use") : undefined);
  const body: Record<string, unknown> = {
    error: e.message,
    error_code: code,
    request_id: c.get("requestId") ?? null,
    ...(Object.keys(details).length ? { details } : {}),
    ...(hint ? { hint } : {}),
  };
  const path = new URL(c.req.url).pathname;
  if (path === CONTROL_PREFIX || path.startsWith(CONTROL_PREFIX + "/")) {
    body.reason_code = code;
    body.reason_message = e.message;
    body.retryable = e.extras.retryable ?? (e.status >= 500 || code === "IDEMPOTENCY_IN_FLIGHT" || (e.status === 409 && c.res.headers.has("Retry-After")));
  }
  return c.json(body, e.status);
}
