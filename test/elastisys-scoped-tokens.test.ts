// Pool-scoped tokens (issue 8 part 3): the admin API issues them with {"pool": name}; with one, the
// pool's routes are also served at the ROOT of the host (/pool, /pool/size, /pool/{id}/...,
// /config) — the URLs elastisys' splitter builds — by the same router as /cloudpools/{pool}/...
// Root routes without a pool-scoped token: 404 saying why (401 + challenge without credentials).
// Machines carry membershipStatus and launchTime. The wrong-pool 403s of every dialect are in
// elastisys-scoped-tokens-dialects.test.ts.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, advance, call, client, groupStub, type Call } from "./helpers";
import { BOOT_MS, expectError, uniq } from "./elastisys-support";

const admin = (method: string, path: string, raw?: string, headers: Record<string, string> = {}) =>
  call(method, path, { token: ADMIN_TOKEN, raw, headers: raw === undefined ? headers : { "Content-Type": "application/json", ...headers } });

async function scoped(tenant: string, pool: string): Promise<{ token: string; tokenId: string }> {
  const r = await admin("POST", `/admin/tenants/${tenant}/tokens`, JSON.stringify({ pool }));
  expect(r.status, r.text).toBe(201);
  return { token: r.body.token, tokenId: r.body.token_id };
}

const tokenRows = async (tenant: string) => (await env.DB.prepare(`SELECT id, pool FROM tokens WHERE tenant_id = ?`).bind(tenant).all<{ id: string; pool: string | null }>()).results;

describe("admin: issuing a pool-scoped token", () => {
  it("{pool} → 201 with pool; the scope is stored with the token; no body and {} still issue tenant-wide tokens", async () => {
    const tenant = uniq("st-issue");
    const r = await admin("POST", `/admin/tenants/${tenant}/tokens`, JSON.stringify({ pool: "web.eu-1" }));
    expect(r.status, r.text).toBe(201);
    expect(r.body).toMatchObject({ tenant_id: tenant, pool: "web.eu-1" });
    expect(await tokenRows(tenant)).toEqual([{ id: r.body.token_id, pool: "web.eu-1" }]);
    const none = await admin("POST", `/admin/tenants/${tenant}/tokens`);
    expect(none.status).toBe(201);
    expect(none.body.pool).toBeNull();
    const empty = await admin("POST", `/admin/tenants/${tenant}/tokens`, "{}");
    expect(empty.status).toBe(201);
    expect(empty.body.pool).toBeNull();
    expect((await tokenRows(tenant)).filter((t) => t.pool === null)).toHaveLength(2);
  });

  it("bad {pool} bodies → 400 naming the field, no token issued", async () => {
    const tenant = uniq("st-bad");
    const cases: [string, string][] = [
      [JSON.stringify({ pool: 7 }), "pool"],
      [JSON.stringify({ pool: true }), "pool"],
      [JSON.stringify({ pool: null }), "pool"],
      [JSON.stringify({ pool: ["web"] }), "pool"],
      [JSON.stringify({ pool: "" }), "pool"],
      [JSON.stringify({ pool: "-web" }), "pool"],
      [JSON.stringify({ pool: "has space" }), "pool"],
      [JSON.stringify({ pool: "a/b" }), "pool"],
      [JSON.stringify({ pool: "x".repeat(64) }), "pool"],
      [JSON.stringify({ pool: "web", tenant: "other" }), "tenant"],
      [JSON.stringify({ scope: "web" }), "scope"],
      ["{", "JSON"],
      ["[]", "body"],
      ['"web"', "body"],
    ];
    for (const [raw, field] of cases) {
      const r = await admin("POST", `/admin/tenants/${tenant}/tokens`, raw);
      expect(r.status, `${raw} → ${r.text}`).toBe(400);
      expect(r.body.error).toBe("INVALID_ARGUMENT");
      expect(`${r.body.message} ${r.body.detail ?? ""}`, raw).toContain(field);
    }
    expect(await tokenRows(tenant)).toEqual([]);
  });
});

describe("root routes with a pool-scoped token", () => {
  it("the splitter's workflow at the root: config, size, listing, terminate, detach, attach, serviceState — the same pool as /cloudpools/{pool}", async () => {
    const tenant = uniq("st-root");
    const pool = uniq("backend");
    const { token } = await scoped(tenant, pool);
    const api = client(token);
    const created = await api.post("/config", { provider: { type: "simulated", requestDelayMs: 60_000, bootDelayMs: 60_000, terminateDelayMs: 60_000 } });
    expect(created.status, created.text).toBe(200);
    expect(created.body.name).toBe(pool);
    expect((await api.get("/config")).body.name).toBe(pool);
    expect((await api.post("/pool/size", { desiredSize: 3 })).status).toBe(200);
    expect((await api.get("/pool/size")).body).toEqual({ timestamp: expect.stringMatching(/Z$/), desiredSize: 3, allocated: 3, outOfService: 0, active: 3 });
    await advance(groupStub(tenant, pool), BOOT_MS);
    const listing = await api.get("/pool");
    expect(listing.status).toBe(200);
    const [a, b, c] = listing.body.machines.map((m: any) => m.id);
    for (const m of listing.body.machines) {
      expect(m.launchTime).toBe(m.launchtime);
      expect(m.launchTime).toMatch(/Z$/);
      expect(m.membershipStatus).toEqual({ active: true, evictable: true });
      // The later API's Machine requires these (the autoscaler tags its metrics with them).
      expect(m).toMatchObject({ cloudProvider: "scalegate-simulated", region: "global", machineSize: "default" });
    }
    expect((await api.post(`/pool/${c}/serviceState`, { serviceState: "OUT_OF_SERVICE" })).status).toBe(200);
    const out = (await api.get("/pool")).body.machines.find((m: any) => m.id === c);
    expect(out.membershipStatus).toEqual({ active: false, evictable: false });
    // The later API's size summary: `active` leaves the out-of-service machine out.
    const summary = (await api.get("/pool/size")).body;
    expect(summary).toMatchObject({ desiredSize: 3, outOfService: 1 });
    expect(summary.active).toBe(summary.allocated - 1); // its replacement is active, it is not
    expect((await api.post(`/pool/${a}/terminate`, { decrementDesiredSize: true })).status).toBe(200);
    expect((await api.post(`/pool/${b}/detach`, { decrementDesiredSize: false })).status).toBe(200);
    expect((await call("POST", `/pool/${b}/attach`, { token })).status).toBe(200);
    // The same pool through /cloudpools/{pool}, with the scoped token and with a tenant-wide one.
    const noTime = ({ timestamp: _t, ...rest }: any) => rest;
    const viaPath = await api.get(`/cloudpools/${pool}/pool/size`);
    expect(noTime(viaPath.body)).toEqual(noTime((await api.get("/pool/size")).body));
    expect(viaPath.body.desiredSize).toBe(3);
    const wide = await admin("POST", `/admin/tenants/${tenant}/tokens`);
    expect(noTime((await client(wide.body.token).get(`/cloudpools/${pool}/pool/size`)).body)).toEqual(noTime(viaPath.body));
    // The pool's extensions stay under /cloudpools/{pool} (its activities are there).
    const activities = await api.get(`/cloudpools/${pool}/activities`);
    expect(activities.status).toBe(200);
    expect(activities.body.activities.length).toBeGreaterThan(0);
  });

  it("root errors are the elastisys {message, detail}: bad bodies name the field, unknown machines 404, other methods 405 with Allow; nothing changes", async () => {
    const tenant = uniq("st-root-err");
    const pool = uniq("backend");
    const { token } = await scoped(tenant, pool);
    const api = client(token);
    // Before the pool exists: 404 naming it.
    expectError(await api.get("/pool"), 404, pool);
    expect((await api.post("/config", {})).status).toBe(200);
    const bad: [string, unknown, string][] = [
      ["/pool/size", {}, "desiredSize"],
      ["/pool/size", { desiredSize: -1 }, "desiredSize"],
      ["/pool/size", { desiredSize: "3" }, "desiredSize"],
      ["/pool/size", { desiredSize: 1, extra: true }, "extra"],
      ["/config", { victimSelectionPolicy: "RANDOM" }, "victimSelectionPolicy"],
      ["/pool/m-1/serviceState", { serviceState: "BROKEN" }, "serviceState"],
      ["/pool/m-1/terminate", { decrementDesiredSize: "yes" }, "decrementDesiredSize"],
    ];
    for (const [path, body, field] of bad) expectError(await api.post(path, body), 400, field);
    const malformed = await api.postRaw("/pool/size", "{ desiredSize: ");
    expectError(malformed, 400, "malformed JSON");
    expectError(await api.post("/pool/nope/terminate", { decrementDesiredSize: true }), 404, "nope");
    const put = await call("PUT", "/pool/size", { token });
    expectError(put, 405);
    expect(put.headers.get("Allow")).toBe("GET, POST");
    const del = await call("DELETE", "/config", { token });
    expectError(del, 405);
    expect(del.headers.get("Allow")).toBe("GET, POST");
    expectError(await api.post("/pool/m-1/reboot", {}), 404);
    expect((await api.get("/pool/size")).body).toMatchObject({ desiredSize: 0, allocated: 0, outOfService: 0, active: 0 });
  });

  it("activities, simulator events and pool deletion are not served at the root", async () => {
    const tenant = uniq("st-root-ext");
    const pool = uniq("backend");
    const { token } = await scoped(tenant, pool);
    expect((await client(token).post("/config", {})).status).toBe(200);
    for (const [method, path] of [["GET", "/activities"], ["POST", "/simulator/events"], ["DELETE", "/"], ["GET", "/pools"]]) {
      const r = await call(method, path, { token, body: method === "POST" ? { type: "machine.appeared" } : undefined });
      expect(r.status, `${method} ${path}`).toBe(404);
    }
    expect((await client(token).get("/config")).status).toBe(200);
  });
});

describe("root routes without a pool-scoped token", () => {
  it("a tenant-wide token → 404 saying the root routes need a pool-scoped token; nothing changes", async () => {
    const tenant = uniq("st-wide");
    const wide = await admin("POST", `/admin/tenants/${tenant}/tokens`);
    const api = client(wide.body.token);
    expect((await api.post("/cloudpools/web/config", {})).status).toBe(200);
    const routes: [string, string, unknown?][] = [
      ["GET", "/pool"],
      ["GET", "/pool/size"],
      ["POST", "/pool/size", { desiredSize: 2 }],
      ["POST", "/pool/m-1/terminate", { decrementDesiredSize: true }],
      ["POST", "/pool/m-1/detach", { decrementDesiredSize: true }],
      ["POST", "/pool/m-1/attach"],
      ["POST", "/pool/m-1/serviceState", { serviceState: "IN_SERVICE" }],
      ["GET", "/config"],
      ["POST", "/config", {}],
    ];
    for (const [method, path, body] of routes) {
      const r: Call = await call(method, path, { token: wide.body.token, body });
      expectError(r, 404, "pool-scoped");
      expect(r.body.message).toContain("tenant-wide");
      expect(r.body.detail).toContain("/cloudpools/{pool}");
    }
    expect((await api.get("/cloudpools/web/pool/size")).body.desiredSize).toBe(0);
  });

  it("no credentials → 401 with WWW-Authenticate (Basic realm, Bearer); a bad or revoked token → 401", async () => {
    const tenant = uniq("st-none");
    const pool = uniq("backend");
    const s = await scoped(tenant, pool);
    for (const [method, path] of [["GET", "/pool"], ["POST", "/pool/size"], ["GET", "/config"], ["POST", "/pool/x/attach"]]) {
      const r = await call(method, path);
      expectError(r, 401);
      expect(r.headers.get("WWW-Authenticate")).toMatch(/Basic realm="[^"]+".*Bearer|Bearer.*Basic realm="[^"]+"/);
    }
    expectError(await call("GET", "/pool", { token: "sg_garbage" }), 401);
    expect((await call("DELETE", `/admin/tenants/${tenant}/tokens/${s.tokenId}`, { token: ADMIN_TOKEN })).status).toBe(204);
    expectError(await call("GET", "/pool", { token: s.token }), 401);
    expectError(await call("GET", "/pool", { headers: { Authorization: `Basic ${btoa(`u:${s.token}`)}` } }), 401);
  });

  it("Basic with a pool-scoped token at the root works (the splitter's credentials)", async () => {
    const tenant = uniq("st-basic");
    const pool = uniq("backend");
    const { token } = await scoped(tenant, pool);
    const auth = { Authorization: `Basic ${btoa(`splitter:${token}`)}` };
    const cfg = await call("POST", "/config", { headers: { ...auth, "Content-Type": "application/json" }, raw: '{ "updatePeriodSeconds" : 30 }' });
    expect(cfg.status, cfg.text).toBe(200);
    expect(cfg.body).toMatchObject({ name: pool, updatePeriodSeconds: 30 });
    const size = await call("GET", "/pool/size", { headers: auth });
    expect(size.status).toBe(200);
  });
});
