// The admin API through the Worker's fetch: issuing tenant tokens (shown once, stored hashed),
// revoking them (effective at once), the ADMIN_TOKEN check, tenant id validation, and the generic
// JSON error shape `{error, message, detail?}` of /admin routes.
import { createExecutionContext, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../src/index";
import { ADMIN_TOKEN, call, client } from "./helpers";
import { uniq } from "./elastisys-support";

const TOKEN_RE = /^sg_([0-9a-f]{16})_[A-Za-z0-9_-]{43}$/;

const admin = (method: string, path: string, headers: Record<string, string> = { Authorization: `Bearer ${ADMIN_TOKEN}` }) => call(method, path, { headers });
const issue = (tenant: string) => admin("POST", `/admin/tenants/${tenant}/tokens`);

async function sha256Hex(s: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s));
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function d1State() {
  const tokens = (await env.DB.prepare(`SELECT * FROM tokens ORDER BY id`).all()).results;
  const tenants = (await env.DB.prepare(`SELECT * FROM tenants ORDER BY id`).all()).results;
  return { tokens, tenants };
}

/** The generic (non-elastisys) error body. */
function expectAdminError(r: { status: number; text: string; body: any; headers: Headers }, status: number, error: string, mentions?: string) {
  expect(r.status, r.text).toBe(status);
  expect(r.headers.get("Content-Type") ?? "").toMatch(/^application\/json/);
  expect(r.body.error).toBe(error);
  expect(r.body.message).toBeTypeOf("string");
  for (const k of Object.keys(r.body)) expect(["error", "message", "detail"]).toContain(k);
  if (mentions) expect(r.body.message + " " + (r.body.detail ?? "")).toContain(mentions);
}

describe("POST /admin/tenants/{tenant}/tokens", () => {
  it("→ 201 {token, token_id, tenant_id, pool: null}; only the SHA-256 of the token is stored; the token works", async () => {
    const tenant = uniq("adm-issue");
    const r = await issue(tenant);
    expect(r.status, r.text).toBe(201);
    expect(Object.keys(r.body).sort()).toEqual(["pool", "tenant_id", "token", "token_id"]);
    expect(r.body.tenant_id).toBe(tenant);
    expect(r.body.pool).toBeNull();
    const m = TOKEN_RE.exec(r.body.token);
    expect(m, r.body.token).not.toBeNull();
    expect(r.body.token_id).toBe(m![1]);

    const row = (await env.DB.prepare(`SELECT * FROM tokens WHERE id = ?`).bind(r.body.token_id).first<any>())!;
    expect(row).toMatchObject({ id: r.body.token_id, tenant_id: tenant, token_hash: await sha256Hex(r.body.token), revoked_at: null });
    // The token itself (or its secret) is stored nowhere.
    const secret = r.body.token.split("_").slice(2).join("_");
    for (const v of Object.values(row)) expect(String(v)).not.toContain(secret);
    expect(await env.DB.prepare(`SELECT id FROM tenants WHERE id = ?`).bind(tenant).first()).toEqual({ id: tenant });

    const use = await client(r.body.token).get("/cloudpools");
    expect(use.status, use.text).toBe(200);
    expect(use.body).toEqual({ pools: [] });
  });

  it("each call issues a new, distinct token; all of them work", async () => {
    const tenant = uniq("adm-many");
    const [a, b] = [await issue(tenant), await issue(tenant)];
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(a.body.token).not.toBe(b.body.token);
    expect(a.body.token_id).not.toBe(b.body.token_id);
    for (const t of [a.body.token, b.body.token]) expect((await client(t).get("/cloudpools")).status).toBe(200);
    expect((await env.DB.prepare(`SELECT COUNT(*) AS n FROM tenants WHERE id = ?`).bind(tenant).first<any>()).n).toBe(1);
  });

  it.each([
    ["a", "a"],
    ["digits", "0"],
    ["63 characters", "a".repeat(63)],
    ["'-' and '_'", "a-b_c"],
  ])("accepts a valid tenant id: %s", async (_name, tenant) => {
    const r = await issue(tenant);
    expect(r.status, r.text).toBe(201);
    expect(r.body.tenant_id).toBe(tenant);
  });

  it.each([
    ["upper case", "Acme"],
    ["leading '-'", "-acme"],
    ["leading '_'", "_acme"],
    ["64 characters", "a".repeat(64)],
    ["a space", "ac%20me"],
    ["a dot", "ac.me"],
    ["an encoded slash", "ac%2Fme"],
    ["a broken escape", "%ZZ"],
    ["non-ASCII", "%C3%BCber"],
  ])("an invalid tenant id (%s) → 400 naming the tenant id; nothing stored", async (_name, tenant) => {
    const before = await d1State();
    const r = await issue(tenant);
    expectAdminError(r, 400, "INVALID_ARGUMENT", "tenant");
    expect(await d1State()).toEqual(before);
  });
});

describe("ADMIN_TOKEN", () => {
  const bad: [string, Record<string, string>][] = [
    ["no Authorization", {}],
    ["a wrong admin token", { Authorization: "Bearer wrong-admin-token" }],
    ["the admin token with a suffix", { Authorization: `Bearer ${ADMIN_TOKEN}x` }],
    ["a prefix of the admin token", { Authorization: `Bearer ${ADMIN_TOKEN.slice(0, -1)}` }],
    ["the admin token under Basic", { Authorization: `Basic ${ADMIN_TOKEN}` }],
    ["the admin token without a scheme", { Authorization: ADMIN_TOKEN }],
    ["the admin token in X-Api-Key", { "X-Api-Key": ADMIN_TOKEN }],
  ];

  it.each(bad)("POST tokens with %s → 401, nothing stored", async (_name, headers) => {
    const before = await d1State();
    const r = await admin("POST", `/admin/tenants/${uniq("adm-401")}/tokens`, headers);
    expectAdminError(r, 401, "UNAUTHORIZED");
    expect(await d1State()).toEqual(before);
  });

  it.each(bad)("DELETE a token with %s → 401, the token still works", async (_name, headers) => {
    const tenant = uniq("adm-401-del");
    const t = await issue(tenant);
    const r = await admin("DELETE", `/admin/tenants/${tenant}/tokens/${t.body.token_id}`, headers);
    expectAdminError(r, 401, "UNAUTHORIZED");
    expect((await client(t.body.token).get("/cloudpools")).status).toBe(200);
  });

  it("a tenant token is not an admin token", async () => {
    const t = await issue(uniq("adm-tenant-tok"));
    const before = await d1State();
    expectAdminError(await admin("POST", `/admin/tenants/${uniq("x")}/tokens`, { Authorization: `Bearer ${t.body.token}` }), 401, "UNAUTHORIZED");
    expect(await d1State()).toEqual(before);
  });

  it("an invalid tenant id without admin credentials is 401, not 400", async () => {
    expectAdminError(await admin("POST", `/admin/tenants/NOPE/tokens`, {}), 401, "UNAUTHORIZED");
  });

  it("with no ADMIN_TOKEN configured, the admin API is closed (401), whatever is presented", async () => {
    const closed = { ...env, ADMIN_TOKEN: undefined };
    for (const auth of [undefined, "Bearer ", `Bearer ${ADMIN_TOKEN}`, "Bearer undefined"]) {
      const req = new Request(`http://scalegate.test/admin/tenants/${uniq("closed")}/tokens`, { method: "POST", headers: auth ? { Authorization: auth } : {} });
      const res = await worker.fetch(req, closed, createExecutionContext());
      expect(res.status).toBe(401);
      const body = (await res.json()) as any;
      expect(body.error).toBe("UNAUTHORIZED");
    }
  });
});

describe("DELETE /admin/tenants/{tenant}/tokens/{token_id}", () => {
  it("→ 204 with no body; the token is refused at once, the tenant's other tokens keep working", async () => {
    const tenant = uniq("adm-revoke");
    const t1 = await issue(tenant);
    const t2 = await issue(tenant);
    const api = client(t1.body.token);
    expect((await api.post(`/cloudpools/web/config`, {})).status).toBe(200);

    const r = await admin("DELETE", `/admin/tenants/${tenant}/tokens/${t1.body.token_id}`);
    expect(r.status, r.text).toBe(204);
    expect(r.text).toBe("");
    const row = (await env.DB.prepare(`SELECT revoked_at FROM tokens WHERE id = ?`).bind(t1.body.token_id).first<any>())!;
    expect(row.revoked_at).toBeTypeOf("number");

    const refused = await api.get("/cloudpools/web/config");
    expect(refused.status, refused.text).toBe(401);
    expect(refused.body.message).toContain("credentials");
    const other = await client(t2.body.token).get("/cloudpools/web/config");
    expect(other.status, other.text).toBe(200);
  });

  it("revoking twice → 404 the second time", async () => {
    const tenant = uniq("adm-twice");
    const t = await issue(tenant);
    expect((await admin("DELETE", `/admin/tenants/${tenant}/tokens/${t.body.token_id}`)).status).toBe(204);
    expectAdminError(await admin("DELETE", `/admin/tenants/${tenant}/tokens/${t.body.token_id}`), 404, "NOT_FOUND", t.body.token_id);
  });

  it("an unknown token id → 404", async () => {
    const tenant = uniq("adm-unknown");
    await issue(tenant);
    const before = await d1State();
    for (const id of ["0123456789abcdef", "nope", "x".repeat(200)]) {
      expectAdminError(await admin("DELETE", `/admin/tenants/${tenant}/tokens/${id}`), 404, "NOT_FOUND", id);
    }
    expect(await d1State()).toEqual(before);
  });

  it("a token of another tenant → 404, and that token keeps working", async () => {
    const a = uniq("adm-owner");
    const b = uniq("adm-intruder");
    const t = await issue(a);
    await issue(b);
    const before = await d1State();
    expectAdminError(await admin("DELETE", `/admin/tenants/${b}/tokens/${t.body.token_id}`), 404, "NOT_FOUND");
    expect(await d1State()).toEqual(before);
    expect((await client(t.body.token).get("/cloudpools")).status).toBe(200);
  });

  it("an invalid tenant id → 400", async () => {
    const t = await issue(uniq("adm-del-400"));
    const before = await d1State();
    expectAdminError(await admin("DELETE", `/admin/tenants/Bad.Tenant/tokens/${t.body.token_id}`), 400, "INVALID_ARGUMENT", "tenant");
    expect(await d1State()).toEqual(before);
  });
});

describe("methods and paths", () => {
  it.each([
    ["GET", "/tokens", "POST"],
    ["PUT", "/tokens", "POST"],
    ["DELETE", "/tokens", "POST"],
    ["PATCH", "/tokens", "POST"],
    ["GET", "/tokens/0123456789abcdef", "DELETE"],
    ["POST", "/tokens/0123456789abcdef", "DELETE"],
    ["PUT", "/tokens/0123456789abcdef", "DELETE"],
  ])("%s /admin/tenants/{tenant}%s → 405, Allow: %s, nothing stored", async (method, path, allow) => {
    const before = await d1State();
    const r = await admin(method, `/admin/tenants/${uniq("adm-405")}${path}`);
    expectAdminError(r, 405, "METHOD_NOT_ALLOWED", method);
    expect(r.headers.get("Allow")).toBe(allow);
    expect(await d1State()).toEqual(before);
  });

  it("an unknown admin path → 404 with the admin token, 401 without", async () => {
    expectAdminError(await admin("GET", "/admin/tenants"), 404, "NOT_FOUND");
    expectAdminError(await admin("GET", "/admin/nothing"), 404, "NOT_FOUND");
    expectAdminError(await admin("GET", "/admin/nothing", {}), 401, "UNAUTHORIZED");
  });
});
