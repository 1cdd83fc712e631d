// Console sessions (docs/console.md, "Sign-in"): a tenant token is exchanged once for a random
// session id carried in an HttpOnly cookie. D1 table `console_sessions`
// (migrations/0008_console_sessions.sql), raw SQL like src/db/names.ts. The row keeps the id's
// SHA-256 only, the token it came from and a CSRF value. Every request made with the cookie reads
// the session joined to its token row, so a revoked token ends its sessions at once (no cache:
// console traffic is a person clicking, and a revocation must not linger in a browser tab).
import { sha256Hex, timingSafeEqualStrings } from "../auth/tokens";

/** Name of the session cookie. `__Host-` is not used: it requires Secure, which localhost lacks. */
export const SESSION_COOKIE = "sg_console";
/** The header a mutating request made with the cookie carries, equal to the session's CSRF value. */
export const CSRF_HEADER = "X-CSRF-Token";
/** A session lives this long from sign-in, whatever its use (no sliding renewal). */
export const SESSION_TTL_MS = 60 * 60 * 1000;

const SESSION_ID_RE = /^[A-Za-z0-9_-]{43}$/;

const base64url = (bytes: Uint8Array) => {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
};

export interface SessionView {
  tenantId: string;
  tokenId: string;
  csrf: string;
  createdAt: number;
  expiresAt: number;
}

/** Creates a session for a verified tenant-wide token; answers the cookie value (shown once). */
export async function createSession(d1: D1Database, s: { tenantId: string; tokenId: string; now: number }): Promise<{ id: string } & SessionView> {
  const id = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const csrf = base64url(crypto.getRandomValues(new Uint8Array(24)));
  const expiresAt = s.now + SESSION_TTL_MS;
  await d1.batch([
    // Expired sessions of this token go when it signs in again: the table does not grow with use.
    d1.prepare(`DELETE FROM console_sessions WHERE token_id = ?1 AND expires_at <= ?2`).bind(s.tokenId, s.now),
    d1
      .prepare(`INSERT INTO console_sessions (id_hash, token_id, tenant_id, csrf, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)`)
      .bind(await sha256Hex(id), s.tokenId, s.tenantId, csrf, s.now, expiresAt),
  ]);
  return { id, tenantId: s.tenantId, tokenId: s.tokenId, csrf, createdAt: s.now, expiresAt };
}

export type SessionLookup = { ok: true; session: SessionView; idHash: string } | { ok: false; why: string };

/**
 * The live session named by a cookie value: not expired, and its token neither revoked nor of
 * another tenant than the session (a token row is never moved, but the join says so explicitly).
 */
export async function findSession(d1: D1Database, id: string, now: number): Promise<SessionLookup> {
  if (!SESSION_ID_RE.test(id)) return { ok: false, why: "malformed session cookie" };
  const idHash = await sha256Hex(id);
  const row = await d1
    .prepare(
      `SELECT s.tenant_id, s.token_id, s.csrf, s.created_at, s.expires_at, t.revoked_at, t.tenant_id AS token_tenant
       FROM console_sessions s LEFT JOIN tokens t ON t.id = s.token_id WHERE s.id_hash = ?1`,
    )
    .bind(idHash)
    .first<{ tenant_id: string; token_id: string; csrf: string; created_at: number; expires_at: number; revoked_at: number | null; token_tenant: string | null }>();
  if (!row) return { ok: false, why: "unknown or ended session: sign in again" };
  if (row.expires_at <= now) return { ok: false, why: "session expired: sign in again" };
  if (row.token_tenant !== row.tenant_id || row.revoked_at !== null) return { ok: false, why: "the session's token was revoked: sign in again" };
  return { ok: true, idHash, session: { tenantId: row.tenant_id, tokenId: row.token_id, csrf: row.csrf, createdAt: row.created_at, expiresAt: row.expires_at } };
}

/** Ends a session (sign-out). */
export async function deleteSession(d1: D1Database, idHash: string): Promise<void> {
  await d1.prepare(`DELETE FROM console_sessions WHERE id_hash = ?1`).bind(idHash).run();
}

/** Whether a request's CSRF header matches its session (constant time). */
export async function csrfMatches(presented: string | undefined, session: SessionView): Promise<boolean> {
  return presented !== undefined && presented !== "" && (await timingSafeEqualStrings(presented, session.csrf));
}

/** Methods that change nothing: no CSRF header needed with the cookie. */
export const SAFE_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS"]);

/** Hosts served over plain HTTP in development: the cookie cannot be `Secure` there. */
export function isLocalHost(hostname: string): boolean {
  return hostname === "localhost" || hostname.endsWith(".localhost") || hostname === "127.0.0.1" || hostname === "[::1]" || hostname === "::1";
}

/** The Set-Cookie value of a session (max-age in seconds), or of its removal (`id` null). */
export function sessionCookie(id: string | null, url: string, maxAgeMs = SESSION_TTL_MS): string {
  const secure = isLocalHost(new URL(url).hostname) ? "" : "; Secure";
  const value = id ?? "";
  const age = id === null ? 0 : Math.floor(maxAgeMs / 1000);
  return `${SESSION_COOKIE}=${value}; Path=/; Max-Age=${age}; HttpOnly; SameSite=Strict${secure}`;
}

/** The session cookie's value in a Cookie header, if any. */
export function sessionIdFromCookie(header: string | undefined): string | null {
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim();
  }
  return null;
}
