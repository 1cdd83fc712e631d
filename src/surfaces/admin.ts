// Admin API: issue and revoke tenant tokens (DESIGN.md, "Identity, auth, tenancy").
import { Hono } from "hono";
import { issueToken, revokeToken } from "../db/identity";
import { tokenCache } from "../auth/cache";
import { TENANT_ID_RE, newToken } from "../auth/tokens";
import { z } from "zod";
import { adminAuth } from "../http/auth";
import { jsonBody } from "../http/body";
import { allowOnly, badRequest, notFound } from "../http/errors";
import type { AppEnv } from "../http/types";
import { GROUP_NAME_RE } from "./groups";
import { endFeedSessions } from "../console/feeds";

export const admin = new Hono<AppEnv>();

admin.use("*", adminAuth);

admin.use("/tenants/:tenant/*", async (c, next) => {
  if (!TENANT_ID_RE.test(c.req.param("tenant")!)) {
    throw badRequest("invalid tenant id", "lowercase letters, digits, '-' and '_', 1 to 63 characters, starting with a letter or digit", "tenant");
  }
  await next();
});

/**
 * No body (or `{}`): a tenant-wide token. `{"pool": "<name>"}`: a pool-scoped token, which acts on
 * that group only and is also served the pool API at the root (docs/elastisys.md).
 */
const issueTokenBody = z.strictObject({
  pool: z.string().regex(GROUP_NAME_RE, "1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit").optional(),
});

admin.post("/tenants/:tenant/tokens", jsonBody(issueTokenBody, { emptyAs: {} }), async (c) => {
  const tenantId = c.req.param("tenant");
  const pool = c.req.valid("json").pool ?? null;
  const { tokenId, token, tokenHash } = await newToken();
  await issueToken(c.env.DB, { tenantId, tokenId, tokenHash, now: Date.now(), pool });
  return c.json({ token, token_id: tokenId, tenant_id: tenantId, pool }, 201);
});

admin.delete("/tenants/:tenant/tokens/:tokenId", async (c) => {
  const { tenant, tokenId } = c.req.param();
  const revoked = await revokeToken(c.env.DB, tenant, tokenId, Date.now());
  // Evicted from this isolate's cache at once (even when D1 says there was nothing left to revoke:
  // another request may have revoked it a moment ago); other isolates drop it within 5 s.
  tokenCache.evict(tokenId);
  if (!revoked) throw notFound(`token '${tokenId}' of tenant '${tenant}' not found`);
  // Console sessions of the token end at once; so do their open live-feed sockets (awaited: cheap).
  await endFeedSessions(c.env, tenant, tokenId);
  return c.body(null, 204);
});

// Known paths with a method they do not support: 405 with Allow, not 404 (as under /cloudpools).
allowOnly(admin, { "/tenants/:tenant/tokens": "POST", "/tenants/:tenant/tokens/:tokenId": "DELETE" });
