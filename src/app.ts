// The Hono app: request id, body limit, error mapping, and the dialect routers.
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { ApiError, methodNotAllowed, renderError } from "./http/errors";
import { strictQuery } from "./http/query";
import type { AppEnv } from "./http/types";
import { admin } from "./surfaces/admin";
import { elastisys } from "./surfaces/elastisys";
import { hooks } from "./surfaces/hooks";
import { kraftcloud } from "./surfaces/kraftcloud";
import { providers } from "./surfaces/providers";
import { quilt } from "./surfaces/quilt";

/** Largest request body accepted by any route. */
export const MAX_BODY_BYTES = 64 * 1024;

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

app.use(
  "*",
  bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new ApiError(413, "PAYLOAD_TOO_LARGE", `request body larger than ${MAX_BODY_BYTES} bytes`);
    },
  }),
);

// Query parameters: only those a route declares with query() (src/http/query.ts). /v1 still
// checks its own in src/surfaces/kraftcloud/refs.ts (parseQuery) until its routes declare them.
app.use("*", (c, next) => (c.req.path === "/v1" || c.req.path.startsWith("/v1/") ? next() : strictQuery(c, next)));

app.get("/healthz", (c) => c.json({ status: "ok" }));
app.all("/healthz", methodNotAllowed("GET"));

app.route("/admin", admin);
app.route("/cloudpools", elastisys);
app.route("/v1", kraftcloud);
app.route("/providers", providers);
app.route("/api/elasticity", quilt);
app.route("/hooks", hooks);

app.notFound((c) => renderError(c, new ApiError(404, "NOT_FOUND", `no route for ${c.req.method} ${new URL(c.req.url).pathname}`)));
app.onError((err, c) => renderError(c, err));
