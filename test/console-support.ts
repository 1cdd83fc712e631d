// Support for the console suites: tenants, sign-in (the session cookie and its CSRF value), and
// calls made with the cookie the way the browser makes them.
import { env } from "cloudflare:test";
import { expect } from "vitest";
import { ADMIN_TOKEN, call, type Call } from "./helpers";

let counter = 0;
/** A name no other test of the file uses (storage is shared by the tests of one file). */
export const uniq = (prefix: string) => `${prefix}-${++counter}`;

export interface Tenant {
  tenant: string;
  token: string;
  tokenId: string;
}

export async function newTenant(prefix: string, body?: unknown): Promise<Tenant> {
  const tenant = uniq(prefix);
  const r = await call("POST", `/admin/tenants/${tenant}/tokens`, { token: ADMIN_TOKEN, body });
  expect(r.status, r.text).toBe(201);
  return { tenant, token: r.body.token, tokenId: r.body.token_id };
}

export interface Session {
  tenant: string;
  /** The Cookie header value. */
  cookie: string;
  csrf: string;
  setCookie: string;
}

/** POST /console/session; the cookie as a browser would send it back. */
export async function signIn(token: string, origin?: string): Promise<Session> {
  const r = await call("POST", "/console/session", { body: { token }, origin });
  expect(r.status, r.text).toBe(201);
  const setCookie = r.headers.get("Set-Cookie") ?? "";
  const pair = setCookie.split(";")[0];
  return { tenant: r.body.tenant_id, cookie: pair, csrf: r.body.csrf_token, setCookie };
}

/** A call with the session cookie; `csrf: true` adds the session's X-CSRF-Token. */
export function withCookie(s: Pick<Session, "cookie" | "csrf">) {
  return (method: string, path: string, opts: { body?: unknown; raw?: string; headers?: Record<string, string>; csrf?: boolean | string } = {}): Promise<Call> => {
    const headers: Record<string, string> = { Cookie: s.cookie, ...(opts.headers ?? {}) };
    if (opts.csrf === true) headers["X-CSRF-Token"] = s.csrf;
    else if (typeof opts.csrf === "string") headers["X-CSRF-Token"] = opts.csrf;
    return call(method, path, { body: opts.body, raw: opts.raw, headers });
  };
}

export async function sessionRows(tokenId?: string): Promise<number> {
  const q = tokenId ? env.DB.prepare("SELECT COUNT(*) AS n FROM console_sessions WHERE token_id = ?1").bind(tokenId) : env.DB.prepare("SELECT COUNT(*) AS n FROM console_sessions");
  return (await q.first<{ n: number }>())!.n;
}
