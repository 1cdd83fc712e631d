// Quilt Elasticity under /api/elasticity (docs/quilt.md). Public: health, help, examples. Every
// other route, known or not, passes the one credentials + X-Tenant-Id middleware first. Errors are
// rendered by src/http/errors.ts (Quilt shape for every path under /api/elasticity).
import { Hono, type Context } from "hono";
import { tenantAuth, tenantWide } from "../../http/auth";
import { z } from "zod";
import { ApiError, methodNotAllowed } from "../../http/errors";
import { query } from "../../http/query";
import { ROUTE_NOT_FOUND } from "../../http/quilt-errors";
import type { AppEnv } from "../../http/types";
import { controlContract } from "./contract";
import { control } from "./control";
import { direct } from "./direct";
import { operations } from "./operations";
import { rollback } from "./rollback";
import { examplesDocument, examplesMarkdown } from "./examples";
import { helpDocument, helpMarkdown } from "./help";

/** node_id when the runtime does not say which edge location serves the request (wrangler dev, tests). */
export const LOCAL_NODE_ID = "local";

export const quilt = new Hono<AppEnv>();

/** `?format=json` (default) or `?format=markdown` (or `md`): the only query parameter of the public documents. */
const formatQuery = query(z.strictObject({ format: z.enum(["json", "markdown", "md"]).optional() }), { hint: "use ?format=json (default) or ?format=markdown" });
const wantsMarkdown = (format: string | undefined): boolean => format === "markdown" || format === "md";

const markdown = (c: Context<AppEnv>, text: string) => c.body(text, 200, { "Content-Type": "text/markdown; charset=utf-8" });

// Public routes: registered before the auth middleware, which they never reach.
quilt.get("/health", (c) => c.json({ status: "ok" }));
quilt.get("/help", formatQuery, (c) => (wantsMarkdown(c.req.valid("query").format) ? markdown(c, helpMarkdown(c.req.url)) : c.json(helpDocument(c.req.url))));
quilt.get("/examples", formatQuery, (c) => (wantsMarkdown(c.req.valid("query").format) ? markdown(c, examplesMarkdown(c.req.url)) : c.json(examplesDocument(c.req.url))));
for (const path of ["/health", "/help", "/examples"]) quilt.all(path, methodNotAllowed("GET"));

// Everything else: credentials (Bearer or X-Api-Key) and X-Tenant-Id, checked once here.
// A pool-scoped token reaches its own node group only (src/surfaces/groups.ts refuses other targets);
// operation and action lookups span the tenant's targets, so they refuse it (403).
quilt.use("*", tenantAuth({ allowApiKeyHeader: true, requireTenantHeader: true, allowPoolScoped: true }));
quilt.use("/control/operations/*", tenantWide);
quilt.use("/control/actions/*", tenantWide);

quilt.get("/node/status", (c) => {
  const colo = c.req.raw.cf?.colo;
  return c.json({ status: "ok", node_id: typeof colo === "string" && colo ? colo : LOCAL_NODE_ID, tenant_id: c.get("tenantId") });
});
quilt.all("/node/status", methodNotAllowed("GET"));

quilt.get("/control/contract", (c) => c.json(controlContract(c.req.url)));
quilt.all("/control/contract", methodNotAllowed("GET"));

// Direct and control routes (docs/quilt.md, "Control routes and operations"), above the catch-all.
quilt.route("/", direct);
quilt.route("/control", control);
quilt.route("/control", rollback);
quilt.route("/control", operations);

// Unknown paths under /api/elasticity: 404 in the Quilt shape. KEEP LAST: Hono matches in
// registration order, so a route registered after this catch-all would never be reached.
quilt.all("*", (c) => {
  throw new ApiError(404, "NOT_FOUND", `no route for ${c.req.method} ${new URL(c.req.url).pathname}`).with({ dialectCode: ROUTE_NOT_FOUND });
});
