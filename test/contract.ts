// Every answer a test receives is checked against the project's own OpenAPI documents (the ones
// GET /openapi/*.json serves, built in-process from the same zod declarations), so the published
// contract cannot drift from what the code answers. `call` (./helpers.ts) runs `expectContract`
// on every response; ./kraftcloud-spec.ts builds the KraftCloud suites' `conformance` on it.
// Validation: @cfworker/json-schema (ajv needs eval, which workerd forbids).
import { Validator, type OutputUnit, type Schema } from "@cfworker/json-schema";
import { expect } from "vitest";
import { DOCUMENT_NAMES, openapiDocument, type DocumentName } from "../src/openapi";

type Json = any;
const METHODS = ["get", "put", "post", "delete", "patch"];

/** The document whose routes a path belongs to, by prefix (a tie between documents goes to it). */
export function dialectOf(path: string): DocumentName {
  // /pool and /config at the root: the elastisys pool routes of a pool-scoped token (errors in its shape).
  if (/^\/(cloudpools|pool|config)(\/|$)/.test(path)) return "elastisys";
  if (/^\/v1(\/|$)/.test(path)) return "kraftcloud";
  if (/^\/api\/elasticity(\/|$)/.test(path)) return "quilt";
  return "scalegate";
}

export interface Route {
  document: DocumentName;
  /** The path template, e.g. `/v1/services/{uuid}`. */
  template: string;
}

/** The declared path template of a request path: literal segments beat `{params}`; the path's own dialect wins ties. */
export function routeOf(requestPath: string): Route | null {
  const path = requestPath.split("?")[0];
  const segments = path.split("/");
  const own = dialectOf(path);
  let best: (Route & { literals: number; own: boolean }) | null = null;
  for (const document of DOCUMENT_NAMES) {
    for (const template of Object.keys(openapiDocument(document).paths)) {
      const parts = template.split("/");
      if (parts.length !== segments.length) continue;
      let literals = 0;
      const match = parts.every((p, i) => (/^\{\w+\}$/.test(p) ? segments[i] !== "" : p === segments[i] && ++literals > 0));
      if (!match) continue;
      const candidate = { document, template, literals, own: document === own };
      if (!best || literals > best.literals || (literals === best.literals && candidate.own && !best.own)) best = candidate;
    }
  }
  return best ? { document: best.document, template: best.template } : null;
}

/** The error body component of an undeclared path (unknown routes answer in their prefix's shape). */
function errorComponent(path: string): string {
  const d = dialectOf(path);
  if (d === "elastisys") return "ElastisysError";
  if (d === "kraftcloud") return "KraftCloudError";
  if (d === "quilt") return /^\/api\/elasticity\/control(\/|$)/.test(path) ? "QuiltControlError" : "QuiltError";
  if (/^\/hooks(\/|$)/.test(path)) return "HooksError";
  if (/^\/providers(\/|$)/.test(path)) return "ProvidersError";
  return "Error";
}

const validators = new Map<Json, Validator>();
const refs = new Map<string, Json>();
/** One `$ref` object per component (validators are cached by schema object). */
const errorRef = (name: string) => refs.get(name) ?? refs.set(name, { $ref: `#/components/schemas/${name}` }).get(name);

/** A validator of `schema` with its document's components beside it, so `#/components/...` resolves. */
export function validatorFor(document: DocumentName, schema: Json): Validator {
  let v = validators.get(schema);
  if (!v) {
    // A copy per validator: the library remembers the base URI of each schema object it has seen.
    const root = structuredClone({ ...schema, $id: `https://scalegate.test/openapi/${document}.json`, components: openapiDocument(document).components });
    v = new Validator(root as Schema, "2020-12", false);
    validators.set(schema, v);
  }
  return v;
}

/** Keywords that only report that something below them failed. */
const WRAPPERS = new Set(["properties", "items", "prefixItems", "$ref", "allOf", "anyOf", "oneOf", "additionalProperties", "patternProperties"]);

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  body: unknown;
}

export interface Checked {
  /** `<document> <operationId> <response key>`, or null when the path is declared nowhere. */
  operation: string | null;
  operationId: string | null;
  /** The response key used: the status code, or `default`. */
  code: string | null;
  errors: OutputUnit[];
  /** What is wrong beyond the body's schema (undeclared route or status, content type). */
  problems: string[];
}

/** Checks one answer against the documents: route, status, content type and body schema. */
export function checkAnswer(method: string, requestPath: string, r: Answer): Checked {
  const path = requestPath.split("?")[0];
  const out: Checked = { operation: null, operationId: null, code: null, errors: [], problems: [] };
  const route = routeOf(path);
  // HEAD is answered as GET without the body: the GET operation's statuses, no content to check.
  const head = method.toUpperCase() === "HEAD";
  const m = head ? "get" : method.toLowerCase();
  const contentType = (r.headers.get("Content-Type") ?? "").split(";")[0].trim().toLowerCase();
  const validate = (document: DocumentName, schema: Json, value: unknown) => {
    out.errors.push(...validatorFor(document, schema).validate(value).errors.filter((e) => !WRAPPERS.has(e.keyword)));
  };
  if (!route) {
    if (r.status < 400) out.problems.push(`${method} ${path} answered ${r.status} but no document declares the path`);
    else if (contentType !== "application/json") out.problems.push(`error answer of an undeclared path is ${contentType || "without a content type"}, not JSON`);
    else validate(dialectOf(path), errorRef(errorComponent(path)), r.body);
    return out;
  }
  const item = openapiDocument(route.document).paths[route.template];
  const op = METHODS.includes(m) ? item[m] : undefined;
  // A method the path does not have: its error answer (405, or 401/404 first) in the path's shape.
  const operation = op ?? item[METHODS.find((x) => item[x])!];
  if (!op && r.status < 400) out.problems.push(`${method} ${route.template} answered ${r.status} but the method is not declared`);
  const code = String(r.status) in operation.responses ? String(r.status) : r.status >= 400 ? "default" : null;
  out.operationId = operation.operationId;
  out.code = code;
  out.operation = `${route.document} ${operation.operationId} ${code ?? r.status}`;
  if (code === null) {
    out.problems.push(`${method} ${route.template} answered ${r.status}, a status its operation '${operation.operationId}' does not declare`);
    return out;
  }
  const response = operation.responses[code];
  const content: Record<string, { schema: Json }> | undefined = head ? undefined : response.content;
  if (!content) {
    if (r.text !== "") out.problems.push(`${method} ${route.template} ${r.status} declares no body but answered ${JSON.stringify(r.text.slice(0, 200))}`);
    return out;
  }
  const media = content[contentType] ?? content["*/*"];
  if (!media) {
    out.problems.push(`${method} ${route.template} ${r.status} answered ${contentType || "no content type"}; declared: ${Object.keys(content).join(", ")}`);
    return out;
  }
  if (content[contentType]) validate(route.document, media.schema, contentType === "application/json" ? r.body : r.text);
  return out;
}

const describe = (e: OutputUnit) => `${e.instanceLocation}: ${e.error} (${e.keyword} at ${e.keywordLocation})`;

/** Fails the test when the answer does not match its document. */
export function expectContract(method: string, path: string, r: Answer): Checked {
  const c = checkAnswer(method, path, r);
  const found = [...c.problems, ...c.errors.map(describe)];
  expect(found, `${method} ${path} → ${r.status} does not match the OpenAPI document (${c.operation ?? "no operation"}): ${r.text.slice(0, 2000)}`).toEqual([]);
  return c;
}
