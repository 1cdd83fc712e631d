// The Hono app: request id, body limit, error mapping, and the dialect routers.
import { Hono } from "hono";
import { ApiError, methodNotAllowed, renderError } from "./http/errors";
import { strictBody } from "./http/body";
import { strictQuery } from "./http/query";
import type { AppEnv } from "./http/types";
import { consoleApp } from "./console";
import { admin } from "./surfaces/admin";
import { elastisys } from "./surfaces/elastisys";
import { elastisysRoot } from "./surfaces/elastisys/root";
import { openapi } from "./openapi";
import { hooks } from "./surfaces/hooks";
import { kraftcloud } from "./surfaces/kraftcloud";
import { providers } from "./surfaces/providers";
import { quilt } from "./surfaces/quilt";

export { MAX_BODY_BYTES } from "./http/body";

const REQUEST_ID_RE = /^[\w.:-]{1,128}$/;

export const app = new Hono<AppEnv>();

app.use("*", async (c, next) => {
  const given = c.req.header("X-Request-Id");
  const requestId = given && REQUEST_ID_RE.test(given) ? given : crypto.randomUUID();
  c.set("requestId", requestId);
  c.set("startedAt", Date.now());
  await next();
  c.res.headers.set("X-Request-Id", requestId);
});

// Bodies: read once, at most MAX_BODY_BYTES, never rebuilt; a route that declares no body
// refuses one (src/http/body.ts).
app.use("*", strictBody);

// Query parameters: only those a route declares with query() (src/http/query.ts). /v1 declares
// its routes' parameters in one table (src/surfaces/kraftcloud/queries.ts), checked by the same
// checker, because its 405 handlers and the /services/autoscale pass-through share paths.
app.use("*", (c, next) => (c.req.path === "/v1" || c.req.path.startsWith("/v1/") ? next() : strictQuery(c, next)));

app.get("/healthz", (c) => c.json({ status: "ok" }));
app.all("/healthz", methodNotAllowed("GET"));

app.route("/admin", admin);
app.route("/cloudpools", elastisys);
app.route("/v1", kraftcloud);
app.route("/providers", providers);
app.route("/api/elasticity", quilt);
app.route("/hooks", hooks);
// The browser console (src/console, docs/console.md): its page, session and aggregate reads.
app.route("/console", consoleApp);
// The elastisys pool API at the root (/pool, /config) for pool-scoped tokens: the splitter's URLs.
app.route("/", elastisysRoot);
// GET /openapi/{dialect}.json and GET /docs (src/openapi): the published contract, no credentials.
app.route("/", openapi);

app.notFound((c) => renderError(c, new ApiError(404, "NOT_FOUND", `no route for ${c.req.method} ${new URL(c.req.url).pathname}`)));
app.onError((err, c) => renderError(c, err));
