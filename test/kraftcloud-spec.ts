// Conformance of /v1 answers to the project's own KraftCloud OpenAPI 3.1 document (GET
// /openapi/kraftcloud.json, built in-process from src/openapi/kraftcloud.ts — the same zod
// declarations the server publishes). `conformance(method, path, status, body)` finds the
// operation of a request path, takes the response schema of its status (falling back to
// `default` for errors) and validates the body with @cfworker/json-schema (./contract.ts).
// The upstream KraftCloud OpenAPI file is compared by hand, never read by a test or a build step:
// docs/kraftcloud.md, "Comparing with the upstream OpenAPI file".
import type { OutputUnit } from "@cfworker/json-schema";
import { openapiDocument } from "../src/openapi";
import { routeOf, validatorFor } from "./contract";

/** Top-level statuses of an answer envelope. */
export const ISSUE_STATUSES = ["success", "partial_success", "error"];

/** A spec constraint Scalegate knowingly does not follow (none against its own document). */
export interface Deviation {
  operationId: string;
  keyword: string;
  instanceLocation: string;
  why: string;
}

/** Our own document declares what we answer: nothing is excused. */
export const KNOWN_DEVIATIONS: Deviation[] = [];

type Json = any;

/** The KraftCloud document, as served. */
export const spec: Json = openapiDocument("kraftcloud");

/** The document path (e.g. `/v1/services/{uuid}`) of a request path; literal segments win over `{params}`. */
export function specPath(requestPath: string): string | null {
  const route = routeOf(requestPath);
  return route?.document === "kraftcloud" ? route.template : null;
}

export interface ResponseSchema {
  operationId: string;
  /** The response key used: the status code, or `default`. */
  code: string;
  schema: Json;
}

export function responseSchema(method: string, requestPath: string, status: number): ResponseSchema | null {
  const path = specPath(requestPath);
  const op = path ? spec.paths[path][method.toLowerCase()] : undefined;
  if (!op) return null;
  const code = String(status) in op.responses ? String(status) : status >= 400 ? "default" : null;
  const schema = code ? op.responses[code]?.content?.["application/json"]?.schema : undefined;
  return code && schema ? { operationId: op.operationId, code, schema } : null;
}

/** Keywords that only report that something below them failed. */
const WRAPPERS = new Set(["properties", "items", "prefixItems", "$ref", "allOf", "anyOf", "oneOf", "additionalProperties", "patternProperties"]);

export interface Conformance {
  /** null: the document declares no JSON answer for this request and status. */
  operation: { operationId: string; code: string } | null;
  errors: OutputUnit[];
  deviations: Deviation[];
}

export function conformance(method: string, requestPath: string, status: number, body: unknown): Conformance {
  const rs = responseSchema(method, requestPath, status);
  if (!rs) {
    // A 2xx the document does not declare is itself a mismatch.
    const undeclared = status < 400 ? [{ keyword: "undeclared", keywordLocation: "#", instanceLocation: "#", error: `${method} ${requestPath} → ${status} is not declared in kraftcloud.json` } as OutputUnit] : [];
    return { operation: null, errors: undeclared, deviations: [] };
  }
  const errors = validatorFor("kraftcloud", rs.schema)
    .validate(body)
    .errors.filter((e) => !WRAPPERS.has(e.keyword));
  return { operation: { operationId: rs.operationId, code: rs.code }, errors, deviations: [] };
}
