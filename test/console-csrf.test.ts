// CSRF with the console's cookie (src/http/auth.ts sessionAuth): every route that changes
// something, in every dialect, refuses a request made with the session cookie that lacks the
// session's X-CSRF-Token or sends another value (403, in the route's dialect), and nothing
// changes; the same request with the right value goes through. Safe methods need no header.
// Routes are taken from the app's own route table, so a new mutating route is covered at once.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { app } from "../src/app";
import { call } from "./helpers";
import { newTenant, signIn, uniq, withCookie } from "./console-support";

const MUTATING = ["POST", "PUT", "PATCH", "DELETE"];

/**
 * Mutating routes not authenticated by a tenant credential, so not reachable with the cookie:
 * the admin API (ADMIN_TOKEN), sign-in itself, hook deliveries (the hook's secret), and the
 * webhook provider's callbacks (the group's provider secret).
 */
const NOT_TENANT = [/^\/admin\//, /^\/console\/session$/, /^\/hooks\/:id$/, /^\/providers\//];

function mutatingRoutes(): { method: string; path: string }[] {
  const seen = new Set<string>();
  const out: { method: string; path: string }[] = [];
  for (const r of app.routes) {
    if (!MUTATING.includes(r.method) || r.path.includes("*")) continue;
    const path = r.path.replace(/\/$/, "") || "/";
    const key = `${r.method} ${path}`;
    if (seen.has(key) || (NOT_TENANT.some((re) => re.test(path)) && !(path === "/console/session" && r.method === "DELETE"))) continue;
    seen.add(key);
    out.push({ method: r.method, path });
  }
  return out;
}

async function ledgerCount(tenant: string): Promise<number> {
  return (await env.DB.prepare("SELECT COUNT(*) AS n FROM operations WHERE tenant_id = ?1").bind(tenant).first<{ n: number }>())!.n;
}

describe("CSRF with the session cookie", () => {
  it("every mutating tenant route refuses the cookie without X-CSRF-Token or with a wrong one (403), and nothing changes", async () => {
    const t = await newTenant("csrf");
    const s = await signIn(t.token);
    const go = withCookie(s);
    const pool = uniq("pool");
    expect((await go("POST", `/cloudpools/${pool}/config`, { body: {}, csrf: true })).status).toBe(200);
    const before = await ledgerCount(t.tenant);
    const routes = mutatingRoutes();
    // The table covers every dialect (a sanity check that the route list is what it claims).
    for (const prefix of ["/cloudpools", "/v1", "/api/elasticity", "/hooks", "/console/session", "/pool"]) {
      expect(routes.some((r) => r.path.startsWith(prefix)), prefix).toBe(true);
    }
    expect(routes.length).toBeGreaterThan(30);
    for (const { method, path } of routes) {
      const url = path.replace(/:(\w+)/g, (_m, p: string) => (p === "pool" || p === "group" ? pool : `${p}-1`));
      const headers: Record<string, string> = url.startsWith("/api/elasticity") ? { "X-Tenant-Id": t.tenant, "Idempotency-Key": uniq("k"), "X-Orch-Action-Id": uniq("a") } : {};
      for (const csrf of [false, "wrong", s.csrf.toUpperCase() === s.csrf ? s.csrf.toLowerCase() : s.csrf.toUpperCase()] as const) {
        // No body: the credential check comes first on every route (a body is checked after it).
        const r = await go(method, url, { headers, csrf });
        expect(r.status, `${method} ${url} (csrf ${String(csrf)}): ${r.text}`).toBe(403);
        expect(r.text, `${method} ${url}`).toMatch(/X-CSRF-Token/);
      }
    }
    expect(await ledgerCount(t.tenant)).toBe(before);
    expect((await go("GET", "/console/session")).status).toBe(200); // sign-out was refused too
  });

  it("with the right header the same requests go through; reads never need it", async () => {
    const t = await newTenant("csrf");
    const s = await signIn(t.token);
    const go = withCookie(s);
    const pool = uniq("pool");
    expect((await go("POST", `/cloudpools/${pool}/config`, { body: {}, csrf: true })).status).toBe(200);
    expect((await go("POST", `/cloudpools/${pool}/pool/size`, { body: { desiredSize: 1 }, csrf: true })).status).toBe(200);
    const svc = await go("POST", "/v1/services", { body: { name: uniq("svc"), services: [{ port: 443, destination_port: 8080, handlers: ["tls", "http"] }] }, csrf: true });
    expect(svc.body.status, svc.text).toBe("success");
    const ctl = await go("POST", `/api/elasticity/control/node-groups/${pool}/scale`, { body: { delta_units: 1 }, csrf: true, headers: { "X-Tenant-Id": t.tenant, "Idempotency-Key": uniq("k"), "X-Orch-Action-Id": uniq("a") } });
    expect(ctl.status, ctl.text).toBe(200);
    const hook = await go("POST", "/hooks", { body: { name: "h", group: pool, format: "generic", action: { type: "change", value: 1 } }, csrf: true });
    expect(hook.status, hook.text).toBe(201);
    for (const path of [`/cloudpools/${pool}/pool`, "/v1/services", "/hooks", `/api/elasticity/node/status`, "/console/api/groups"]) {
      const r = await go("GET", path, { headers: path.startsWith("/api") ? { "X-Tenant-Id": t.tenant } : {} });
      expect(r.status, `${path}: ${r.text}`).toBe(200);
    }
    // Quilt still wants X-Tenant-Id with the cookie, and checks it against the session's tenant.
    const noTenant = await go("GET", "/api/elasticity/node/status");
    expect(noTenant.status).toBe(400);
    const other = await go("GET", "/api/elasticity/node/status", { headers: { "X-Tenant-Id": "someone-else" } });
    expect(other.status).toBe(403);
    // A CSRF value of another session of the same token is not this session's.
    const s2 = await signIn(t.token);
    const cross = await go("POST", `/cloudpools/${pool}/pool/size`, { body: { desiredSize: 2 }, csrf: s2.csrf });
    expect(cross.status).toBe(403);
  });
});

describe("tenant isolation with sessions", () => {
  it("tenant B's session never sees tenant A's groups, actions or hooks, in the console's reads or the dialects'", async () => {
    const a = await newTenant("iso");
    const b = await newTenant("iso");
    const sa = withCookie(await signIn(a.token));
    const sbSession = await signIn(b.token);
    const sb = withCookie(sbSession);
    const pool = uniq("pool");
    expect((await sa("POST", `/cloudpools/${pool}/config`, { body: {}, csrf: true })).status).toBe(200);
    const act = uniq("act");
    expect((await sa("POST", `/api/elasticity/control/node-groups/${pool}/scale`, { body: { delta_units: 1 }, csrf: true, headers: { "X-Tenant-Id": a.tenant, "Idempotency-Key": uniq("k"), "X-Orch-Action-Id": act } })).status).toBe(200);
    expect((await sa("POST", "/hooks", { body: { name: "h", group: pool, format: "generic", action: { type: "change", value: 1 } }, csrf: true })).status).toBe(201);

    expect((await sb("GET", "/console/api/groups")).body.groups).toEqual([]);
    expect((await sb("GET", `/console/api/groups/${pool}`)).status).toBe(404);
    expect((await sb("GET", "/console/api/actions")).body.actions).toEqual([]);
    expect((await sb("GET", "/console/api/deliveries")).body).toEqual({ hooks: [], provider_deliveries: [] });
    expect((await sb("GET", "/cloudpools")).text).not.toContain(pool);
    expect((await sb("GET", `/cloudpools/${pool}/pool`)).status).toBe(404);
    const ops = await sb("GET", `/api/elasticity/control/actions/${act}/operations`, { headers: { "X-Tenant-Id": b.tenant } });
    expect(ops.body).toEqual([]);
    // B's session with A's tenant asserted is refused, not answered as A.
    const asA = await sb("GET", `/api/elasticity/control/actions/${act}/operations`, { headers: { "X-Tenant-Id": a.tenant } });
    expect(asA.status).toBe(403);
    // A's group is where it was.
    expect((await sa("GET", "/console/api/groups")).body.groups.map((g: any) => g.name)).toEqual([pool]);
    expect(sbSession.tenant).toBe(b.tenant);
    expect((await call("GET", "/console/session", { headers: { Cookie: sbSession.cookie } })).body.tenant_id).toBe(b.tenant);
  });
});
