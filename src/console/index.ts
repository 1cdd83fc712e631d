// The browser console under /console (docs/console.md): the page, its script and styles (static
// assets built by `npm install`: scripts/console-assets.mjs), sign-in and sign-out, and the
// aggregate reads (./api.ts). The page calls the same dialect routes as everyone else with the
// session cookie; errors here are the generic shape `{error, message, detail}`.
import { Hono } from "hono";
import { findToken } from "../db/identity";
import { sha256Hex, timingSafeEqualStrings, tokenIdOf } from "../auth/tokens";
import { tenantAuth } from "../http/auth";
import { jsonBody } from "../http/body";
import { ApiError, methodNotAllowed } from "../http/errors";
import type { AppEnv } from "../http/types";
import { consoleApi } from "./api";
import { consolePage } from "./page";
import { sessionBody } from "./schemas";
import { createSession, deleteSession, findSession, sessionCookie, sessionIdFromCookie } from "./sessions";

/** Files under /console/assets/ (build/assets/console/, scripts/console-assets.mjs). */
export const CONSOLE_FILES = ["app.js", "app.css", "uPlot.min.css", "LICENSE-uplot.txt"];

export const consoleApp = new Hono<AppEnv>();

const iso = (ms: number) => new Date(ms).toISOString();

consoleApp.get("/", async (c) => {
  // A signed-in browser gets its session in the page: no request that must fail to find out.
  const id = sessionIdFromCookie(c.req.header("Cookie"));
  const found = id ? await findSession(c.env.DB, id, Date.now()).catch(() => null) : null;
  const session = found?.ok ? { tenant: found.session.tenantId, tokenId: found.session.tokenId, csrf: found.session.csrf, expiresAt: iso(found.session.expiresAt) } : null;
  c.header("Cache-Control", "no-store");
  c.header("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
  c.header("X-Content-Type-Options", "nosniff");
  c.header("Referrer-Policy", "no-referrer");
  return c.html(consolePage(session));
});
consoleApp.all("/", methodNotAllowed("GET"));

consoleApp.get("/assets/:file", async (c) => {
  const file = c.req.param("file");
  if (!CONSOLE_FILES.includes(file)) throw new ApiError(404, "NOT_FOUND", `no file '${file.slice(0, 80)}' in /console/assets`);
  const r = await c.env.ASSETS.fetch(new URL(`/console/${file}`, c.req.url));
  if (!r.ok) throw new ApiError(503, "INTERNAL", `the console's assets are missing (${file})`, "run `npm install` (scripts/console-assets.mjs builds build/assets/console)");
  return new Response(r.body, r);
});
consoleApp.all("/assets/:file", methodNotAllowed("GET"));

const unauthorized = (detail: string) => new ApiError(401, "UNAUTHORIZED", "missing or invalid credentials", detail);

// Sign-in: a tenant-wide token for a session cookie. The token is checked against D1 (not the
// isolate's cache): signing in is rare and must not outlive a revocation by even 5 s.
consoleApp.post("/session", jsonBody(sessionBody), async (c) => {
  const { token, tenant } = c.req.valid("json");
  const tokenId = tokenIdOf(token);
  if (!tokenId) throw unauthorized("malformed token: expected sg_<id>_<secret> as issued by POST /admin/tenants/{tenant}/tokens");
  const row = await findToken(c.env.DB, tokenId);
  const matches = await timingSafeEqualStrings(await sha256Hex(token), row?.tokenHash ?? "0".repeat(64));
  if (!row || !matches || row.revokedAt !== null) throw unauthorized("unknown or revoked token");
  if (tenant !== undefined && tenant !== row.tenantId) throw new ApiError(403, "FORBIDDEN", "field 'tenant' does not match the token's tenant", "FORBIDDEN");
  if (row.pool) throw new ApiError(403, "FORBIDDEN", `this token is scoped to pool '${row.pool}': the console needs a tenant-wide token`, "FORBIDDEN");
  const s = await createSession(c.env.DB, { tenantId: row.tenantId, tokenId, now: Date.now() });
  c.header("Set-Cookie", sessionCookie(s.id, c.req.url));
  c.header("Cache-Control", "no-store");
  return c.json({ tenant_id: s.tenantId, token_id: s.tokenId, csrf_token: s.csrf, created_at: iso(s.createdAt), expires_at: iso(s.expiresAt) }, 201);
});

/** The routes below need the cookie itself (not a bearer token). */
const needSession = tenantAuth();

consoleApp.get("/session", needSession, (c) => {
  const s = c.get("session");
  if (!s) throw unauthorized("no console session: these routes take the session cookie (POST /console/session)");
  c.header("Cache-Control", "no-store");
  return c.json({ tenant_id: s.tenantId, token_id: s.tokenId, csrf_token: s.csrf, created_at: iso(s.createdAt), expires_at: iso(s.expiresAt) });
});

// Sign-out: needs X-CSRF-Token like every mutation made with the cookie (src/http/auth.ts).
consoleApp.delete("/session", needSession, async (c) => {
  const s = c.get("session");
  if (!s) throw unauthorized("no console session: these routes take the session cookie (POST /console/session)");
  await deleteSession(c.env.DB, s.idHash);
  c.header("Set-Cookie", sessionCookie(null, c.req.url));
  return c.body(null, 204);
});
consoleApp.all("/session", methodNotAllowed("GET, POST, DELETE"));

consoleApp.route("/api", consoleApi);
