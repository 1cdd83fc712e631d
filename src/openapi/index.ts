// The published contract: GET /openapi/{elastisys,kraftcloud,quilt,scalegate}.json (OpenAPI 3.1,
// built once per isolate from the zod declarations) and GET /docs, an interactive reference page
// (Swagger UI, loaded from the Worker's own static assets: no CDN). No credentials needed.
import { Hono } from "hono";
import { ApiError, methodNotAllowed } from "../http/errors";
import type { AppEnv } from "../http/types";
import { buildDocument, type DocumentSpec } from "./builder";
import { docsPage } from "./docs-page";
import { elastisysSpec } from "./elastisys";
import { kraftcloudSpec } from "./kraftcloud";
import { quiltSpec } from "./quilt";
import { DOCUMENT_NAMES, scalegateSpec, type DocumentName } from "./scalegate";

export { DOCUMENT_NAMES, type DocumentName };

export const SPECS: Record<DocumentName, () => DocumentSpec> = { elastisys: elastisysSpec, kraftcloud: kraftcloudSpec, quilt: quiltSpec, scalegate: scalegateSpec };

const built = new Map<DocumentName, unknown>();

/** The OpenAPI document `name`, built on first use. */
export function openapiDocument(name: DocumentName): any {
  let doc = built.get(name);
  if (!doc) {
    doc = buildDocument(SPECS[name]());
    built.set(name, doc);
  }
  return doc;
}

/** Files of the reference page in the static assets (build/assets/docs/, scripts/docs-assets.mjs). */
export const DOCS_FILES = ["swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css", "favicon-32x32.png", "LICENSE.txt"];

export const openapi = new Hono<AppEnv>();

openapi.get("/openapi/:file", (c) => {
  const file = c.req.param("file");
  const name = DOCUMENT_NAMES.find((n) => `${n}.json` === file);
  if (!name) throw new ApiError(404, "NOT_FOUND", `no document '${file}'`, `documents: ${DOCUMENT_NAMES.map((n) => `${n}.json`).join(", ")}`);
  return c.json(openapiDocument(name));
});
openapi.all("/openapi/:file", methodNotAllowed("GET"));

openapi.get("/docs", (c) => c.html(docsPage(DOCUMENT_NAMES)));
openapi.all("/docs", methodNotAllowed("GET"));

// Deployed, the assets are served before the Worker runs; this route serves them where a request
// reaches the Worker first (tests, and any route order that puts the Worker first).
openapi.get("/docs/:file", async (c) => {
  const file = c.req.param("file");
  if (!DOCS_FILES.includes(file)) throw new ApiError(404, "NOT_FOUND", `no file '${file}' in /docs`);
  const r = await c.env.ASSETS.fetch(new URL(`/docs/${file}`, c.req.url));
  if (!r.ok) throw new ApiError(503, "INTERNAL", `the reference page's assets are missing (${file})`, "run `npm install` (scripts/docs-assets.mjs builds build/assets)");
  // A fetched response's headers are immutable; the app's middlewares add X-Request-Id.
  return new Response(r.body, r);
});
openapi.all("/docs/:file", methodNotAllowed("GET"));
