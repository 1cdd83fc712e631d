// One error type for the whole app, rendered in the dialect of the route that failed. Routes and
// validators throw ApiError; `renderError` (used by onError and notFound) is the only place that
// builds an error body.
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Failure } from "../domain/operations";
import { renderQuiltError } from "./quilt-errors";
import type { AppEnv } from "./types";

export type ErrorCode =
  | "INVALID_ARGUMENT"
  | "NOT_FOUND"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "CONFLICT"
  | "IDEMPOTENCY_CONFLICT"
  | "METHOD_NOT_ALLOWED"
  | "PAYLOAD_TOO_LARGE"
  | "INTERNAL";

/** What a dialect's renderer may use beyond the common fields (today the Quilt renderer). */
export interface ErrorExtras {
  /** A dialect error code more specific than the one mapped from `code` (e.g. a 409 in flight). */
  dialectCode?: string;
  /** What the caller can do about it. */
  hint?: string;
  /** Structured context, rendered as `details`. */
  details?: Record<string, unknown>;
  /** Overrides the renderer's own judgement (5xx, a 409 with Retry-After). */
  retryable?: boolean;
}

export class ApiError extends HTTPException {
  extras: ErrorExtras = {};
  /** Attaches dialect extras; returns the error itself, to be thrown. */
  with(extras: ErrorExtras): this {
    Object.assign(this.extras, extras);
    return this;
  }

  constructor(
    status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    readonly detail?: string,
    /** The request field at fault, when there is one. */
    readonly field?: string,
  ) {
    super(status, { message });
  }
}

export const badRequest = (message: string, detail?: string, field?: string) => new ApiError(400, "INVALID_ARGUMENT", message, detail, field);
export const notFound = (message: string, detail?: string) => new ApiError(404, "NOT_FOUND", message, detail);

const FAILURE_STATUS: Record<Failure["code"], [ContentfulStatusCode, ErrorCode]> = {
  GROUP_NOT_FOUND: [404, "NOT_FOUND"],
  TARGET_NOT_FOUND: [404, "NOT_FOUND"],
  ACTION_NOT_FOUND: [404, "NOT_FOUND"],
  HOOK_NOT_FOUND: [404, "NOT_FOUND"],
  MACHINE_NOT_FOUND: [404, "NOT_FOUND"],
  INVALID: [400, "INVALID_ARGUMENT"],
  CONFLICT: [409, "CONFLICT"],
  IDEMPOTENCY_CONFLICT: [422, "IDEMPOTENCY_CONFLICT"],
  POLICY_NOT_FOUND: [404, "NOT_FOUND"],
  ALREADY_EXISTS: [409, "CONFLICT"],
  AUTOSCALE_CONFIGURED: [409, "CONFLICT"],
  AUTOSCALE_NOT_CONFIGURED: [409, "CONFLICT"],
  OUT_OF_RANGE: [400, "INVALID_ARGUMENT"],
  IN_FLIGHT: [409, "CONFLICT"],
  UNAVAILABLE: [503, "INTERNAL"],
};

/** Turns a Durable Object's failure result into the error a route throws. */
export function fromFailure(f: Failure, subject?: string): ApiError {
  const [status, code] = FAILURE_STATUS[f.code];
  return new ApiError(status, code, subject ? `${subject}: ${f.message}` : f.message, f.code);
}

/** A known path called with a method it does not support: 405 with `Allow`, never a 404. */
export const methodNotAllowed = (allow: string) => (c: Context<AppEnv>) => {
  c.header("Allow", allow);
  throw new ApiError(405, "METHOD_NOT_ALLOWED", `method ${c.req.method} is not allowed here`, `allowed: ${allow}`);
};

/** Registers the 405 answers of a router from a table of path → allowed methods. */
export function allowOnly(router: { all: (path: string, handler: (c: Context<AppEnv>) => never) => unknown }, table: Record<string, string>): void {
  for (const [path, allow] of Object.entries(table)) router.all(path, methodNotAllowed(allow));
}

/** The success of a Durable Object result, or the failure thrown as the route's error. */
export function unwrap<R extends { ok: true } | Failure>(r: R, subject?: string): Extract<R, { ok: true }> {
  if (!r.ok) throw fromFailure(r as Failure, subject);
  return r as Extract<R, { ok: true }>;
}

export type Renderer = (c: Context<AppEnv>, e: ApiError) => Response;

const elastisysError: Renderer = (c, e) => c.json({ message: e.message, detail: e.detail ?? e.code }, e.status);

const renderers: readonly { prefix: string; render: Renderer }[] = [
  // elastisys cloud pool API: {message, detail}
  { prefix: "/cloudpools", render: elastisysError },
  // the same pool API at the root, for pool-scoped tokens (src/surfaces/elastisys/root.ts)
  { prefix: "/pool", render: elastisysError },
  { prefix: "/config", render: elastisysError },
  // KraftCloud v1 whole-request failures: {status: "error", message, errors: [{status}]}
  { prefix: "/v1", render: (c, e) => c.json({ status: "error", message: e.message, errors: [{ status: e.status }] }, e.status) },
  // Quilt elasticity: {error, error_code, request_id, details?, hint?} (+ reason_* and retryable under /control)
  { prefix: "/api/elasticity", render: renderQuiltError },
  // Inbound scale triggers: {error, message, field?, detail?}
  { prefix: "/hooks", render: (c, e) => c.json({ error: e.code, message: e.message, ...(e.field ? { field: e.field } : {}), ...(e.detail ? { detail: e.detail } : {}) }, e.status) },
  // Provider callbacks (webhook provider): {error, message, field?, detail?, request_id}
  {
    prefix: "/providers",
    render: (c, e) =>
      c.json({ error: e.code, message: e.message, ...(e.field ? { field: e.field } : {}), ...(e.detail ? { detail: e.detail } : {}), request_id: c.get("requestId") ?? null }, e.status),
  },
];

/** The default shape, for /admin, /healthz and unknown paths. */
const genericRenderer: Renderer = (c, e) => c.json({ error: e.code, message: e.message, ...(e.detail ? { detail: e.detail } : {}) }, e.status);

export function renderError(c: Context<AppEnv>, err: unknown): Response {
  let e: ApiError;
  if (err instanceof ApiError) e = err;
  else if (err instanceof HTTPException) {
    const status = err.status as ContentfulStatusCode;
    const code: ErrorCode = status === 413 ? "PAYLOAD_TOO_LARGE" : status === 401 ? "UNAUTHORIZED" : status >= 500 ? "INTERNAL" : "INVALID_ARGUMENT";
    e = new ApiError(status, code, err.message || "request failed");
  } else {
    console.error("unhandled error", c.get("requestId"), err);
    e = new ApiError(500, "INTERNAL", "internal error", `request ${c.get("requestId") ?? ""}`.trim());
  }
  const path = new URL(c.req.url).pathname;
  const r = renderers.find((x) => path === x.prefix || path.startsWith(x.prefix + "/"));
  return (r?.render ?? genericRenderer)(c, e);
}
