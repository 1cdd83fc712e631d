// elastisys:scale cloud pool REST API 2.0 under /cloudpools/{pool} (./pool.ts), plus the
// documented extensions (pool listing and deletion here, activities and simulator events in
// ./extensions.ts). The same pool routes are served at the root for pool-scoped tokens (./root.ts).
// docs/elastisys.md.
import { Hono, type MiddlewareHandler } from "hono";
import { listGroups } from "../../db/registry";
import { allowOnly, badRequest, unwrap } from "../../http/errors";
import { poolScopeForbidden, tenantAuth, tenantWide } from "../../http/auth";
import type { AppEnv } from "../../http/types";
import { GROUP_NAME_RE } from "../groups";
import { poolExtensions } from "./extensions";
import { poolApi, poolContext, poolOf, poolStub, poolSubject } from "./pool";

export const elastisys = new Hono<AppEnv>();

// Bearer, or Basic with the token as password (the Java clients speak only Basic); 401s challenge both.
elastisys.use("*", tenantAuth({ basic: true, allowPoolScoped: true }));

/** The `{pool}` path parameter: a valid name (400), and the token's own pool for a pool-scoped token (403). */
const checkPool: MiddlewareHandler<AppEnv> = async (c, next) => {
  const name = c.req.param("pool")!;
  if (!GROUP_NAME_RE.test(name)) {
    throw badRequest("invalid pool name", "1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit", "pool");
  }
  const scope = c.get("tokenPool");
  if (scope && scope !== name) throw poolScopeForbidden(scope, `'${name}' is another pool`);
  await next();
};
// `/:pool/*` also matches `/:pool` itself (Hono), so the check runs once per request.
elastisys.use("/:pool/*", checkPool);

elastisys.get("/", tenantWide, async (c) => {
  const rows = await listGroups(c.env.DB, c.get("tenantId"));
  return c.json({
    pools: rows.map((r) => ({ name: r.name, provider: r.providerType, createdAt: new Date(r.createdAt).toISOString(), updatedAt: new Date(r.updatedAt).toISOString() })),
  });
});

elastisys.delete("/:pool", async (c) => {
  const r = unwrap(await poolStub(c).deleteGroup(poolContext(c)), poolSubject(c));
  if (r.replayed) c.header("Idempotent-Replayed", "true");
  return c.json({ message: `pool '${poolOf(c)}' deleted`, terminated: r.terminated });
});

elastisys.route("/:pool", poolApi);
elastisys.route("/:pool", poolExtensions);

// Known paths with a method they do not support: 405, not 404 (the pool routes have their own table).
allowOnly(elastisys, { "/": "GET", "/:pool": "DELETE" });
