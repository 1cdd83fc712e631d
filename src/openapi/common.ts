// Answer pieces shared by the documents: times, the error bodies of each dialect (as rendered by
// src/http/errors.ts renderError and src/http/quilt-errors.ts), security schemes, the
// Idempotency-Key header. Answer objects allow additional properties: a new field in an answer
// never breaks a client, so the documents promise what is there, not that nothing else is.
import { z } from "zod";
import { QUILT_ERROR_CODES, ROUTE_NOT_FOUND } from "../http/quilt-errors";
import type { HeaderParam } from "./builder";

/** An ISO 8601 UTC time as `Date#toISOString` writes it. */
export const isoTime = z.iso.datetime().describe("ISO 8601 time, UTC");
export const nullableTime = isoTime.nullable();

/** Any JSON value (ledger requests/results, metadata values). */
export const anyJson = z.unknown();

export const ERROR_CODES = ["INVALID_ARGUMENT", "NOT_FOUND", "UNAUTHORIZED", "FORBIDDEN", "CONFLICT", "IDEMPOTENCY_CONFLICT", "METHOD_NOT_ALLOWED", "PAYLOAD_TOO_LARGE", "INTERNAL"] as const;

/** elastisys: `{message, detail}`. */
export const elastisysError = z
  .strictObject({ message: z.string().min(1).describe("what went wrong, naming the field at fault"), detail: z.string().describe("more context, or the error code") })
  .meta({ id: "ElastisysError", description: "Every elastisys error (4xx/5xx)." });

/** KraftCloud whole-request failures: `{status: "error", message, errors: [{status}]}`. */
export const kraftcloudError = z
  .looseObject({
    status: z.literal("error"),
    message: z.string().min(1),
    errors: z.array(z.looseObject({ status: z.int().min(400).max(599).describe("the HTTP status") })).min(1),
  })
  .meta({
    id: "KraftCloudError",
    description: "A failure of the whole request (malformed JSON, schema violation, credentials, unknown route, method, size): non-2xx. Failures of one item are HTTP 200 envelopes instead.",
  });

/** Every `error_code` the Quilt renderer writes (src/http/quilt-errors.ts). */
const QUILT_CODES = [...new Set([...Object.values(QUILT_ERROR_CODES), "IDEMPOTENCY_IN_FLIGHT", "ELASTICITY_OPERATION_FAILED", ROUTE_NOT_FOUND])] as [string, ...string[]];

const quiltErrorShape = {
  error: z.string().min(1).describe("the message"),
  error_code: z.enum(QUILT_CODES),
  request_id: z.string().nullable().describe("equals the X-Request-Id response header"),
  details: z.record(z.string(), anyJson).optional().describe("structured context, e.g. {field}"),
  hint: z.string().optional().describe("what to do about it"),
};

/** Quilt: `{error, error_code, request_id, details?, hint?}`. */
export const quiltError = z.looseObject(quiltErrorShape).meta({ id: "QuiltError", description: "Every Quilt error outside /control." });

/** Quilt under /control: the same plus `reason_code`, `reason_message`, `retryable`. */
export const quiltControlError = z
  .looseObject({ ...quiltErrorShape, reason_code: z.string().min(1), reason_message: z.string().min(1), retryable: z.boolean() })
  .meta({ id: "QuiltControlError", description: "Every Quilt error under /api/elasticity/control." });

/** /admin, /healthz, unknown paths: `{error, message, detail?}`. */
export const genericError = z
  .looseObject({ error: z.enum(ERROR_CODES), message: z.string().min(1), detail: z.string().optional() })
  .meta({ id: "Error", description: "Errors of /admin, /healthz, /openapi, /docs and unknown paths." });

/** /hooks: `{error, message, field?, detail?}`. */
export const hooksError = z
  .looseObject({ error: z.enum(ERROR_CODES), message: z.string().min(1), field: z.string().optional(), detail: z.string().optional() })
  .meta({ id: "HooksError", description: "Errors of /hooks: `field` names the request field or header at fault." });

/** /providers: the hooks shape plus `request_id`. */
export const providersError = z
  .looseObject({ error: z.enum(ERROR_CODES), message: z.string().min(1), field: z.string().optional(), detail: z.string().optional(), request_id: z.string().nullable() })
  .meta({ id: "ProvidersError", description: "Errors of /providers." });

export const bearer = (description: string) => ({ type: "http", scheme: "bearer", description });

/** The tenant credentials of the elastisys and KraftCloud surfaces: Bearer, or Basic with the token as password (src/http/auth.ts). */
export const tenantSchemes = () => ({
  securitySchemes: {
    tenantBearer: bearer("A tenant token (POST /admin/tenants/{tenant}/tokens)"),
    tenantBasic: { type: "http", scheme: "basic", description: "HTTP Basic: any user name, the tenant token as password" },
  },
  security: ["tenantBearer", "tenantBasic"],
});

export const idempotencyKeyHeader: HeaderParam = {
  description: "Makes the write idempotent for 24 h: a retry with the same key and body replays the first answer (with `Idempotent-Replayed: true`); the same key with another body is refused.",
  schema: z.string().regex(/^[\x21-\x7e]{1,255}$/),
};

/** Answers of writes that may be replays. */
export const REPLAY_HEADERS = { "Idempotent-Replayed": "`true` when this answer replays an earlier request with the same Idempotency-Key" };
