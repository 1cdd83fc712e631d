// Authentication and tenancy (DESIGN.md, "Identity, auth, tenancy").
import type { Context, MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import { findToken } from "../db/identity";
import { tokenCache, type VerifiedToken } from "../auth/cache";
import { sha256Hex, timingSafeEqualStrings, tokenIdOf } from "../auth/tokens";
import { CSRF_HEADER, SAFE_METHODS, csrfMatches, findSession, sessionIdFromCookie } from "../console/sessions";
import { ApiError } from "./errors";
import type { AppEnv } from "./types";

const unauthorized = (detail: string) => new ApiError(401, "UNAUTHORIZED", "missing or invalid credentials", detail);

/** The realm of the HTTP authentication challenges (RFC 7235 / RFC 7617). */
export const AUTH_REALM = "scalegate";

/**
 * What a 401 on a Basic-capable surface answers: a Basic challenge (with a realm, so Apache
 * HttpClient's challenge-response sends its configured credentials) and a Bearer one.
 */
export const WWW_AUTHENTICATE = [`Basic realm="${AUTH_REALM}", charset="UTF-8"`, `Bearer realm="${AUTH_REALM}"`] as const;

function bearer(header: string | undefined): string | null {
  const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return m ? m[1] : null;
}

/**
 * HTTP Basic (RFC 7617): `Basic base64(user:password)`; the password is the tenant token and the
 * user name is ignored. Returns null when the header is not Basic at all; throws the 401 when it is
 * Basic but malformed (not base64, no colon, empty password).
 */
function basicPassword(header: string | undefined): string | null {
  const m = header ? /^Basic(?:\s+(\S*))?\s*$/i.exec(header) : null;
  if (!m) return null;
  let decoded: string;
  try {
    decoded = atob(m[1] ?? "");
  } catch {
    throw unauthorized("malformed Basic credentials: not base64");
  }
  const colon = decoded.indexOf(":");
  if (colon < 0) throw unauthorized("malformed Basic credentials: expected base64(user:password), the password being a tenant token");
  const password = decoded.slice(colon + 1);
  if (password === "") throw unauthorized("Basic credentials with an empty password: the password is the tenant token");
  return password;
}

export interface TenantAuthOptions {
  /** Quilt routes also accept `X-Api-Key: <token>`. */
  allowApiKeyHeader?: boolean;
  /** Quilt routes require `X-Tenant-Id`: missing or blank → 400 (after the credential check). */
  requireTenantHeader?: boolean;
  /**
   * elastisys and KraftCloud: HTTP Basic with the token as password is accepted too, and a 401
   * carries `WWW-Authenticate` (Basic with a realm, and Bearer).
   */
  basic?: boolean;
  /**
   * Whether pool-scoped tokens may use these routes at all (their group is then enforced where a
   * route reaches a group: src/surfaces/groups.ts). Default false: a surface that does not opt in
   * (hooks management, …) answers 403 to a pool-scoped token.
   */
  allowPoolScoped?: boolean;
}

const challenge = (c: Context<AppEnv>) => {
  for (const v of WWW_AUTHENTICATE) c.header("WWW-Authenticate", v, { append: true });
};

/** Resolves the credential's tenant; an `X-Tenant-Id` that disagrees with it is refused (403). */
export const tenantAuth = (options: TenantAuthOptions = {}) =>
  createMiddleware<AppEnv>(async (c, next) => {
    try {
      await authenticate(c, options);
    } catch (err) {
      if (options.basic && err instanceof ApiError && err.status === 401) challenge(c);
      throw err;
    }
    await next();
  });

async function authenticate(c: Context<AppEnv>, options: TenantAuthOptions): Promise<void> {
  const authorization = c.req.header("Authorization");
  const token =
    bearer(authorization) ??
    (options.basic ? basicPassword(authorization) : null) ??
    (options.allowApiKeyHeader ? c.req.header("X-Api-Key")?.trim() || null : null);
  // The console's session cookie (src/console/sessions.ts), only when no credential header is sent.
  const sessionId = token || authorization ? null : sessionIdFromCookie(c.req.header("Cookie"));
  if (sessionId !== null) return sessionAuth(c, options, sessionId);
  if (!token) throw unauthorized(options.basic ? "send Authorization: Bearer <token>, or Basic with the token as password" : "send Authorization: Bearer <token>");
  const tokenId = tokenIdOf(token);
  if (!tokenId) throw unauthorized("malformed token");
  const row = await verify(c, token, tokenId);
  const asserted = c.req.header("X-Tenant-Id");
  if (options.requireTenantHeader && !asserted?.trim()) {
    throw new ApiError(400, "INVALID_ARGUMENT", "missing X-Tenant-Id header", "X-Tenant-Id is required on this route", "X-Tenant-Id").with({
      hint: "send X-Tenant-Id: <your tenant>",
    });
  }
  if (asserted !== undefined && asserted !== row.tenantId) {
    throw new ApiError(403, "FORBIDDEN", "X-Tenant-Id does not match the credential's tenant", "FORBIDDEN");
  }
  c.set("tenantId", row.tenantId);
  c.set("tokenPool", row.pool);
  c.set("tokenId", row.tokenId);
  if (row.pool !== null && !options.allowPoolScoped) throw poolScopeForbidden(row.pool, "these routes are not open to pool-scoped tokens");
}

/**
 * A console session (docs/console.md): the tenant of the session's token, which is read with the
 * session on every request (revoked → 401). A mutating method needs the session's CSRF value in
 * X-CSRF-Token (403 otherwise), so a page of another site cannot act with the cookie.
 */
async function sessionAuth(c: Context<AppEnv>, options: TenantAuthOptions, id: string): Promise<void> {
  const found = await findSession(c.env.DB, id, Date.now());
  if (!found.ok) throw unauthorized(found.why);
  if (!SAFE_METHODS.has(c.req.method) && !(await csrfMatches(c.req.header(CSRF_HEADER), found.session))) {
    throw new ApiError(403, "FORBIDDEN", `missing or wrong ${CSRF_HEADER} header`, `a request made with the console's session cookie that changes something must send ${CSRF_HEADER} (GET /console/session answers it)`, CSRF_HEADER);
  }
  const asserted = c.req.header("X-Tenant-Id");
  if (options.requireTenantHeader && !asserted?.trim()) {
    throw new ApiError(400, "INVALID_ARGUMENT", "missing X-Tenant-Id header", "X-Tenant-Id is required on this route", "X-Tenant-Id").with({ hint: "send X-Tenant-Id: <your tenant>" });
  }
  if (asserted !== undefined && asserted !== found.session.tenantId) throw new ApiError(403, "FORBIDDEN", "X-Tenant-Id does not match the credential's tenant", "FORBIDDEN");
  c.set("tenantId", found.session.tenantId);
  c.set("tokenPool", null);
  c.set("tokenId", found.session.tokenId);
  c.set("session", { idHash: found.idHash, ...found.session });
}

/**
 * The token's tenant and pool: from the isolate's cache of tokens verified less than 5 s ago
 * (src/auth/cache.ts), else from D1. Only a token that matched a live row is cached.
 */
async function verify(c: Context<AppEnv>, token: string, tokenId: string): Promise<VerifiedToken> {
  const presented = await sha256Hex(token);
  const cached = tokenCache.get(presented);
  if (cached && cached.tokenId === tokenId) return cached;
  const row = await findToken(c.env.DB, tokenId);
  // Compare even when no row matched, so timing does not tell a known id from an unknown one.
  const matches = await timingSafeEqualStrings(presented, row?.tokenHash ?? "0".repeat(64));
  if (!row || !matches || row.revokedAt !== null) throw unauthorized("unknown or revoked token");
  const verified = { tokenId, tenantId: row.tenantId, pool: row.pool ?? null };
  tokenCache.put(presented, verified);
  return verified;
}

/** A pool-scoped token used beyond its pool: 403 in the route's dialect. */
export const poolScopeForbidden = (pool: string, why: string) =>
  new ApiError(403, "FORBIDDEN", `this token is scoped to pool '${pool}': ${why}`, "FORBIDDEN").with({
    hint: "use a tenant-wide token (POST /admin/tenants/{tenant}/tokens with no body) for other pools and tenant-wide routes",
  });

/** Tenant-wide routes (listings, lookups across groups): a pool-scoped token is refused (403). */
export const tenantWide: MiddlewareHandler<AppEnv> = async (c, next) => {
  const pool = c.get("tokenPool");
  if (pool) throw poolScopeForbidden(pool, `${c.req.method} ${new URL(c.req.url).pathname} is a tenant-wide route`);
  await next();
};

/** `/admin/...`: the ADMIN_TOKEN binding, compared in constant time. */
export const adminAuth = createMiddleware<AppEnv>(async (c, next) => {
  const configured = c.env.ADMIN_TOKEN;
  if (!configured) throw new ApiError(401, "UNAUTHORIZED", "admin API disabled: ADMIN_TOKEN is not configured");
  const token = bearer(c.req.header("Authorization"));
  if (!token || !(await timingSafeEqualStrings(token, configured))) throw unauthorized("admin token required");
  await next();
});
