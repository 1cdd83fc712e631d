// Builds an OpenAPI 3.1 document from route declarations whose bodies, parameters and answers are
// zod schemas: the request schemas the routers validate with, the answer schemas of
// src/openapi/<dialect>.ts. zod 4 converts them to JSON Schema 2020-12 (OpenAPI 3.1's dialect);
// schemas named with `.meta({ id })` become `components.schemas` entries that operations `$ref`.
import { z } from "zod";

export type Method = "get" | "post" | "put" | "delete" | "patch";
type Json = any;

export interface Answer {
  description: string;
  /** The body's schema; none for an answer without a body (204, or a 200 with no entity). */
  schema?: z.ZodType;
  /** Default `application/json` when there is a schema. */
  contentType?: string;
  /** Response headers: name → description. */
  headers?: Record<string, string>;
  /** Other media types the same answer may come as (e.g. `text/markdown`), with their schemas. */
  also?: Record<string, z.ZodType>;
}

export interface HeaderParam {
  description: string;
  required?: boolean;
  schema?: z.ZodType;
}

export interface Operation {
  method: Method;
  /** The full OpenAPI path template, e.g. `/cloudpools/{pool}/pool/size`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  /** Names of the document's security schemes, any one of which is accepted; [] = no credentials. */
  security?: string[];
  /** Path parameter schemas by name (default: a non-empty string). */
  params?: Record<string, { description: string; schema?: z.ZodType }>;
  /** The query string: a zod object whose keys are the parameters (the one the route checks). */
  query?: z.ZodObject;
  headers?: Record<string, HeaderParam>;
  body?: { schema: z.ZodType; required?: boolean; description?: string; contentType?: string };
  /** Answers by status; the document's error answer is added as `default` unless given. */
  responses: Record<string, Answer>;
  /** The error body of this operation when it differs from the document's. */
  error?: z.ZodType;
}

export interface DocumentSpec {
  title: string;
  version: string;
  description: string;
  tags: { name: string; description: string }[];
  securitySchemes: Record<string, Json>;
  /** Security of operations that do not say. */
  security: string[];
  /** The error body of the dialect (`default` answer of every operation). */
  error: z.ZodType;
  operations: Operation[];
}

/** JSON Schema of a zod schema; named sub-schemas are moved into `defs` and referenced there. */
export function jsonSchema(schema: z.ZodType, io: "input" | "output", defs: Record<string, Json>): Json {
  const out: Json = z.toJSONSchema(schema, { target: "draft-2020-12", io, unrepresentable: "any", reused: "inline" });
  delete out.$schema;
  const hoisted: Record<string, Json> = out.$defs ?? {};
  delete out.$defs;
  const fix = (v: Json): Json => {
    if (Array.isArray(v)) return v.map(fix);
    if (v === null || typeof v !== "object") return v;
    const o: Json = {};
    for (const [k, x] of Object.entries(v)) o[k] = k === "$ref" && typeof x === "string" ? x.replace(/^#\/\$defs\//, "#/components/schemas/") : fix(x);
    return o;
  };
  for (const [name, def] of Object.entries(hoisted)) {
    const fixed = fix(def);
    // One name, one schema: a request and an answer converting differently would clash here.
    if (defs[name] !== undefined && JSON.stringify(defs[name]) !== JSON.stringify(fixed)) throw new Error(`openapi: schema '${name}' converts to two different JSON Schemas`);
    defs[name] = fixed;
  }
  return fix(out);
}

/** `{a}` path parameters of a template, in order. */
export const pathParams = (template: string) => [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);

function answerObject(a: Answer, defs: Record<string, Json>): Json {
  const o: Json = { description: a.description };
  if (a.headers) o.headers = Object.fromEntries(Object.entries(a.headers).map(([name, description]) => [name, { description, schema: { type: "string" } }]));
  if (a.schema) o.content = { [a.contentType ?? "application/json"]: { schema: jsonSchema(a.schema, "output", defs) } };
  for (const [type, schema] of Object.entries(a.also ?? {})) o.content[type] = { schema: jsonSchema(schema, "output", defs) };
  return o;
}

/** The OpenAPI 3.1 document of a dialect. */
export function buildDocument(spec: DocumentSpec): Json {
  const defs: Record<string, Json> = {};
  const paths: Record<string, Json> = {};
  // A dialect's error body is one component, referenced by every operation's `default` answer.
  const errorRef = (schema: z.ZodType) => {
    const id = z.globalRegistry.get(schema)?.id;
    if (!id) return jsonSchema(schema, "output", defs);
    defs[id] ??= jsonSchema(schema, "output", defs);
    return { $ref: `#/components/schemas/${id}` };
  };
  for (const op of spec.operations) {
    const parameters: Json[] = [];
    for (const name of pathParams(op.path)) {
      const p = op.params?.[name];
      parameters.push({ name, in: "path", required: true, description: p?.description ?? name, schema: jsonSchema(p?.schema ?? z.string().min(1), "input", defs) });
    }
    if (op.query) {
      const q = jsonSchema(op.query, "input", defs);
      const required: string[] = q.required ?? [];
      for (const [name, schema] of Object.entries<Json>(q.properties ?? {})) {
        const { description, ...rest } = schema;
        parameters.push({ name, in: "query", required: required.includes(name), ...(description ? { description } : {}), schema: rest });
      }
    }
    for (const [name, h] of Object.entries(op.headers ?? {})) {
      parameters.push({ name, in: "header", required: h.required ?? false, description: h.description, schema: jsonSchema(h.schema ?? z.string(), "input", defs) });
    }
    const responses: Json = {};
    for (const [code, a] of Object.entries(op.responses)) responses[code] = answerObject(a, defs);
    responses.default ??= { description: "Error", content: { "application/json": { schema: errorRef(op.error ?? spec.error) } } };
    const operation: Json = {
      operationId: op.operationId,
      summary: op.summary,
      ...(op.description ? { description: op.description } : {}),
      tags: op.tags,
      security: (op.security ?? spec.security).map((s) => ({ [s]: [] })),
      ...(parameters.length ? { parameters } : {}),
      ...(op.body
        ? {
            requestBody: {
              required: op.body.required ?? true,
              ...(op.body.description ? { description: op.body.description } : {}),
              content: { [op.body.contentType ?? "application/json"]: { schema: jsonSchema(op.body.schema, "input", defs) } },
            },
          }
        : {}),
      responses,
    };
    paths[op.path] ??= {};
    if (paths[op.path][op.method]) throw new Error(`openapi: ${op.method.toUpperCase()} ${op.path} declared twice`);
    paths[op.path][op.method] = operation;
  }
  const sorted = Object.fromEntries(Object.keys(defs).sort().map((k) => [k, defs[k]]));
  return {
    openapi: "3.1.0",
    jsonSchemaDialect: "https://spec.openapis.org/oas/3.1/dialect/base",
    info: { title: spec.title, version: spec.version, description: spec.description },
    servers: [{ url: "/", description: "this gateway (the origin the document was fetched from)" }],
    tags: spec.tags,
    paths,
    components: { schemas: sorted, securitySchemes: spec.securitySchemes },
  };
}
