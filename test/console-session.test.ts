// Console sign-in (src/console/sessions.ts, src/console/index.ts): a tenant-wide token for a
// session cookie with the promised attributes; refused for bad, unknown, revoked, pool-scoped and
// other-tenant tokens (no session row written); the cookie authenticates the API; it ends when it
// expires, when its token is revoked (at once), and at sign-out, which needs the CSRF header.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call } from "./helpers";
import { newTenant, sessionRows, signIn, withCookie } from "./console-support";

describe("POST /console/session", () => {
  it("exchanges a tenant token for a session cookie: HttpOnly, SameSite=Strict, Path=/, one hour, Secure outside localhost", async () => {
    const t = await newTenant("sess");
    const r = await call("POST", "/console/session", { body: { token: t.token } });
    expect(r.status, r.text).toBe(201);
    expect(r.body).toMatchObject({ tenant_id: t.tenant, token_id: t.tokenId });
    expect(r.body.csrf_token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(Date.parse(r.body.expires_at) - Date.parse(r.body.created_at)).toBe(3_600_000);
    expect(r.headers.get("Cache-Control")).toBe("no-store");
    const cookie = r.headers.get("Set-Cookie")!;
    expect(cookie).toMatch(/^sg_console=[A-Za-z0-9_-]{43}; /);
    const attrs = cookie.split(";").slice(1).map((a) => a.trim());
    expect(attrs).toEqual(["Path=/", "Max-Age=3600", "HttpOnly", "SameSite=Strict", "Secure"]);
    // The cookie's value is not what D1 keeps: only its SHA-256.
    const value = cookie.split(";")[0].split("=")[1];
    const row = await env.DB.prepare("SELECT * FROM console_sessions WHERE token_id = ?1").bind(t.tokenId).first<Record<string, unknown>>();
    expect(row).toMatchObject({ tenant_id: t.tenant, csrf: r.body.csrf_token });
    expect(row!.id_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(value);

    for (const origin of ["http://localhost:8787", "http://127.0.0.1:8787", "http://app.localhost:8787"]) {
      const local = await signIn(t.token, origin);
      expect(local.setCookie, origin).not.toMatch(/Secure/);
      expect(local.setCookie).toMatch(/HttpOnly; SameSite=Strict$/);
    }
  });

  it("the cookie authenticates GET /console/session and the dialects' routes (tenant of the token); a bearer alone has no session", async () => {
    const t = await newTenant("sess");
    const s = await signIn(t.token);
    const go = withCookie(s);
    const me = await go("GET", "/console/session");
    expect(me.status, me.text).toBe(200);
    expect(me.body).toMatchObject({ tenant_id: t.tenant, token_id: t.tokenId, csrf_token: s.csrf });
    const pools = await go("GET", "/cloudpools");
    expect(pools.status, pools.text).toBe(200);
    const bearerOnly = await call("GET", "/console/session", { token: t.token });
    expect(bearerOnly.status).toBe(401);
    expect(bearerOnly.body.detail).toMatch(/no console session/);
    const none = await call("GET", "/console/session");
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ error: "UNAUTHORIZED" });
  });

  it("refuses bad input with a 400 naming the field, and writes no session", async () => {
    const t = await newTenant("sess");
    const before = await sessionRows();
    const cases: [string, { raw?: string; body?: unknown }, RegExp][] = [
      ["malformed JSON", { raw: "{token:" }, /JSON/i],
      ["empty body", { raw: "" }, /body/],
      ["{}", { body: {} }, /token/],
      ["token a number", { body: { token: 42 } }, /token/],
      ["token null", { body: { token: null } }, /token/],
      ["empty token", { body: { token: "" } }, /token/],
      ["token too long", { body: { token: "x".repeat(513) } }, /token/],
      ["unknown field", { body: { token: t.token, remember: true } }, /remember/],
      ["array", { body: [t.token] }, /body|expected object/],
      ["tenant a number", { body: { token: t.token, tenant: 7 } }, /tenant/],
    ];
    for (const [why, input, field] of cases) {
      const r = await call("POST", "/console/session", { ...input, headers: { "Content-Type": "application/json" } });
      expect(r.status, `${why}: ${r.text}`).toBe(400);
      expect(r.body.error, why).toBe("INVALID_ARGUMENT");
      expect(r.body.message, why).toMatch(field);
      expect(r.headers.get("Set-Cookie"), why).toBeNull();
    }
    expect(await sessionRows()).toBe(before);
  });

  it("refuses malformed, unknown, forged and revoked tokens (401), another tenant's assertion and pool-scoped tokens (403)", async () => {
    const t = await newTenant("sess");
    const other = await newTenant("sess");
    const scoped = await newTenant("sess", { pool: "web" });
    const revoked = await newTenant("sess");
    expect((await call("DELETE", `/admin/tenants/${revoked.tenant}/tokens/${revoked.tokenId}`, { token: ADMIN_TOKEN })).status).toBe(204);
    const before = await sessionRows();
    const forged = t.token.slice(0, -4) + (t.token.endsWith("AAAA") ? "BBBB" : "AAAA");
    const cases: [string, unknown, number][] = [
      ["malformed", { token: "hello" }, 401],
      ["unknown id", { token: `sg_${"0".repeat(16)}_${"A".repeat(43)}` }, 401],
      ["forged secret", { token: forged }, 401],
      ["revoked", { token: revoked.token }, 401],
      ["admin token", { token: ADMIN_TOKEN }, 401],
      ["other tenant asserted", { token: t.token, tenant: other.tenant }, 403],
      ["pool-scoped", { token: scoped.token }, 403],
    ];
    for (const [why, body, status] of cases) {
      const r = await call("POST", "/console/session", { body });
      expect(r.status, `${why}: ${r.text}`).toBe(status);
      expect(r.headers.get("Set-Cookie"), why).toBeNull();
    }
    expect(await sessionRows()).toBe(before);
    // The tenant's own assertion is fine.
    expect((await call("POST", "/console/session", { body: { token: t.token, tenant: t.tenant } })).status).toBe(201);
  });

  it("a session ends when it expires", async () => {
    const t = await newTenant("sess");
    const s = await signIn(t.token);
    const go = withCookie(s);
    expect((await go("GET", "/console/api/groups")).status).toBe(200);
    await env.DB.prepare("UPDATE console_sessions SET expires_at = ?1 WHERE token_id = ?2").bind(Date.now() - 1, t.tokenId).run();
    for (const path of ["/console/session", "/console/api/groups", "/cloudpools"]) {
      const r = await go("GET", path);
      expect(r.status, path).toBe(401);
      expect(r.text).toMatch(/expired/);
    }
    // Signing in again drops the expired row of this token.
    await signIn(t.token);
    expect(await sessionRows(t.tokenId)).toBe(1);
  });

  it("revoking the token ends its sessions at once, on every route", async () => {
    const t = await newTenant("sess");
    const a = withCookie(await signIn(t.token));
    const b = withCookie(await signIn(t.token));
    expect((await a("GET", "/console/api/groups")).status).toBe(200);
    expect((await b("GET", "/v1/services")).status).toBe(200);
    expect((await call("DELETE", `/admin/tenants/${t.tenant}/tokens/${t.tokenId}`, { token: ADMIN_TOKEN })).status).toBe(204);
    for (const go of [a, b]) {
      for (const path of ["/console/session", "/console/api/groups", "/v1/services", "/cloudpools"]) {
        const r = await go("GET", path);
        expect(r.status, path).toBe(401);
        // (KraftCloud's error shape has no detail; the others name the cause.)
        if (!path.startsWith("/v1")) expect(r.text, path).toMatch(/revoked/);
      }
    }
  });

  it("sign-out needs the CSRF header; then the cookie is cleared and refused", async () => {
    const t = await newTenant("sess");
    const s = await signIn(t.token);
    const go = withCookie(s);
    for (const csrf of [undefined, "", "wrong", s.csrf.slice(0, -1)]) {
      const r = await go("DELETE", "/console/session", { csrf: csrf ?? false });
      expect(r.status, String(csrf)).toBe(403);
      expect(r.body.message).toMatch(/X-CSRF-Token/);
    }
    expect((await go("GET", "/console/session")).status).toBe(200);
    const out = await go("DELETE", "/console/session", { csrf: true });
    expect(out.status, out.text).toBe(204);
    expect(out.headers.get("Set-Cookie")).toMatch(/^sg_console=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict/);
    expect((await go("GET", "/console/session")).status).toBe(401);
    expect(await sessionRows(t.tokenId)).toBe(0);
  });

  it("malformed or unknown cookies are 401; a credential header wins over the cookie", async () => {
    const t = await newTenant("sess");
    const s = await signIn(t.token);
    for (const cookie of ["sg_console=", "sg_console=short", `sg_console=${"A".repeat(43)}`, `sg_console=${"A".repeat(42)}!`]) {
      const r = await call("GET", "/console/api/groups", { headers: { Cookie: cookie } });
      expect(r.status, cookie).toBe(401);
    }
    // Other cookies beside it are fine.
    const mixed = await call("GET", "/console/api/groups", { headers: { Cookie: `theme=dark; ${s.cookie}; x=1` } });
    expect(mixed.status, mixed.text).toBe(200);
    const badBearer = await call("GET", "/console/api/groups", { headers: { Cookie: s.cookie, Authorization: "Bearer nope" } });
    expect(badBearer.status).toBe(401);
  });

  it("GET /console serves the page with a strict CSP; its assets come from the Worker; other methods 405", async () => {
    const page = await call("GET", "/console");
    expect(page.status).toBe(200);
    expect(page.headers.get("Content-Type")).toMatch(/^text\/html/);
    expect(page.text).toContain('<script type="module" src="/console/assets/app.js"></script>');
    expect(page.headers.get("Content-Security-Policy")).toMatch(/default-src 'self'; script-src 'self'/);
    expect(page.headers.get("Cache-Control")).toBe("no-store");
    expect(page.text).not.toContain("scalegate-session");
    // A signed-in browser gets its tenant and CSRF value in the page (no failing request to find out).
    const t = await newTenant("sess");
    const s = await signIn(t.token);
    const mine = await call("GET", "/console", { headers: { Cookie: s.cookie } });
    const meta = /<meta name="scalegate-session" content="([^"]*)">/.exec(mine.text);
    expect(JSON.parse(meta![1].replace(/&quot;/g, '"').replace(/&amp;/g, "&"))).toMatchObject({ tenant: t.tenant, tokenId: t.tokenId, csrf: s.csrf });
    const stale = await call("GET", "/console", { headers: { Cookie: `sg_console=${"A".repeat(43)}` } });
    expect(stale.status).toBe(200);
    expect(stale.text).not.toContain("scalegate-session");
    const js = await call("GET", "/console/assets/app.js");
    expect(js.status).toBe(200);
    expect(js.text.length).toBeGreaterThan(1000);
    const css = await call("GET", "/console/assets/uPlot.min.css");
    expect(css.status).toBe(200);
    expect((await call("GET", "/console/assets/secret.txt")).status).toBe(404);
    expect((await call("GET", "/console/assets/..%2Fdocs%2Fswagger-ui.css")).status).toBe(404);
    const post = await call("POST", "/console");
    expect(post.status).toBe(405);
    expect(post.headers.get("Allow")).toBe("GET");
    const put = await call("PUT", "/console/session");
    expect(put.status).toBe(405);
    expect(put.headers.get("Allow")).toBe("GET, POST, DELETE");
  });
});
