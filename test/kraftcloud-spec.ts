// Conformance of /v1 responses to the KraftCloud OpenAPI file (shared/specs/platform.json, which
// sits beside the repository, in CI too). `conformance(method, path, status, body)` finds the
// operation of a request path, takes the response schema of its status (falling back to
// `default`) and validates the body with @cfworker/json-schema (ajv needs eval, which workerd
// forbids). docs/decisions.md, "KraftCloud and the OpenAPI file", lists what is adapted:
// - the top-level `status` enum `success | failure` of every response is widened with the
//   issue's `error` and `partial_success` — that enum and nothing else;
// - KNOWN_DEVIATIONS: spec constraints Scalegate knowingly does not follow; a failure matching
//   one is reported as a deviation, not an error. Every other failure is an error.
import { Validator, type OutputUnit, type Schema } from "@cfworker/json-schema";
import platform from "../../shared/specs/platform.json";

export const SPEC_STATUSES = ["success", "failure"];
export const ISSUE_STATUSES = ["success", "failure", "error", "partial_success"];
const METHODS = ["get", "put", "post", "delete", "patch"] as const;
const BASE = "https://scalegate.test/platform.json";

export interface Deviation {
  operationId: string;
  keyword: string;
  instanceLocation: string;
  why: string;
}

export const KNOWN_DEVIATIONS: Deviation[] = [
  {
    operationId: "get-instances",
    keyword: "maxItems",
    instanceLocation: "#/data/instances",
    why: "the spec caps the list of all instances at 1 item; GET /v1/instances lists every instance of the tenant",
  },
];

type Json = any;

/** The spec as loaded, untouched (for tests that check what the file says). */
export const rawSpec: Json = platform;

/** A copy of the spec with exactly the top-level status enums widened; how many were. */
function widen(): { spec: Json; widened: string[] } {
  const spec = structuredClone(platform) as Json;
  const widened: string[] = [];
  for (const [path, item] of Object.entries<Json>(spec.paths)) {
    for (const method of METHODS) {
      for (const [code, response] of Object.entries<Json>(item[method]?.responses ?? {})) {
        const status = response.content?.["application/json"]?.schema?.properties?.status;
        if (status && JSON.stringify(status.enum) === JSON.stringify(SPEC_STATUSES)) {
          status.enum = [...ISSUE_STATUSES];
          widened.push(`${method.toUpperCase()} ${path} ${code}`);
        }
      }
    }
  }
  return { spec, widened };
}

const { spec, widened } = widen();
/** `METHOD path code` of every response schema whose top-level status enum was widened. */
export const WIDENED = widened;

/** The spec path (e.g. `/services/{uuid}`) of a request path; literal segments win over `{params}`. */
export function specPath(requestPath: string): string | null {
  const path = requestPath.split("?")[0].replace(/^\/v1(?=\/)/, "");
  const segments = path.split("/");
  let best: { path: string; literals: number } | null = null;
  for (const candidate of Object.keys(spec.paths)) {
    const parts = candidate.split("/");
    if (parts.length !== segments.length) continue;
    let literals = 0;
    const match = parts.every((p, i) => (/^\{.+\}$/.test(p) ? segments[i] !== "" : p === segments[i] && ++literals > 0));
    if (match && (!best || literals > best.literals)) best = { path: candidate, literals };
  }
  return best?.path ?? null;
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
  const code = String(status) in op.responses ? String(status) : "default";
  const schema = op.responses[code]?.content?.["application/json"]?.schema;
  return schema ? { operationId: op.operationId, code, schema } : null;
}

const validators = new Map<Json, Validator>();

function validatorFor(schema: Json): Validator {
  let v = validators.get(schema);
  if (!v) {
    // The response schema as root, with the spec's components beside it, so that the spec's own
    // `#/components/...` references resolve.
    v = new Validator({ ...schema, $id: BASE, components: spec.components } as Schema, "2020-12", false);
    validators.set(schema, v);
  }
  return v;
}

/** Keywords that only report that something below them failed. */
const WRAPPERS = new Set(["properties", "items", "prefixItems", "$ref", "allOf", "additionalProperties", "patternProperties"]);

export interface Conformance {
  /** null: the spec defines no response schema for this request (nothing to check). */
  operation: { operationId: string; code: string } | null;
  errors: OutputUnit[];
  deviations: Deviation[];
}

export function conformance(method: string, requestPath: string, status: number, body: unknown): Conformance {
  const rs = responseSchema(method, requestPath, status);
  if (!rs) return { operation: null, errors: [], deviations: [] };
  const result = validatorFor(rs.schema).validate(body);
  const errors: OutputUnit[] = [];
  const deviations: Deviation[] = [];
  for (const e of result.errors) {
    if (WRAPPERS.has(e.keyword)) continue;
    const known = KNOWN_DEVIATIONS.find((d) => d.operationId === rs.operationId && d.keyword === e.keyword && d.instanceLocation === e.instanceLocation);
    if (known) deviations.push(known);
    else errors.push(e);
  }
  return { operation: { operationId: rs.operationId, code: rs.code }, errors, deviations };
}
