// The pool API at the root of the host, for pool-scoped tokens: `GET /pool`, `GET/POST /pool/size`,
// `POST /pool/{machine}/terminate|detach|attach|serviceState`, `GET/POST /config` — the URLs
// elastisys' splitter builds from a cloud pool's base URL. The same router as
// /cloudpools/{pool}/... (./pool.ts); the pool is the token's. docs/elastisys.md, "Root routes".
import { Hono, type MiddlewareHandler } from "hono";
import { tenantAuth } from "../../http/auth";
import { notFound } from "../../http/errors";
import type { AppEnv } from "../../http/types";
import { poolApi } from "./pool";

/** Root paths of the pool API (error rendering in src/http/errors.ts keys on them too). */
export const ROOT_POOL_PREFIXES = ["/pool", "/config"] as const;

const requirePoolScope: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!c.get("tokenPool")) {
    throw notFound(
      `${new URL(c.req.url).pathname} at the root is served only to pool-scoped tokens, and this token is tenant-wide`,
      "use /cloudpools/{pool}/..., or issue a pool-scoped token: POST /admin/tenants/{tenant}/tokens {\"pool\": \"<name>\"}",
    );
  }
  await next();
};

export const elastisysRoot = new Hono<AppEnv>();

// `/pool/*` also matches `/pool` itself (Hono), so one pattern per prefix.
for (const prefix of ROOT_POOL_PREFIXES) elastisysRoot.use(`${prefix}/*`, tenantAuth({ basic: true, allowPoolScoped: true }), requirePoolScope);
elastisysRoot.route("/", poolApi);
