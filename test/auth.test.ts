// Authentication and tenancy on the elastisys routes, through the Worker's fetch: every route
// refuses missing or forged credentials with 401 and a mismatched X-Tenant-Id with 403, both as
// JSON `{message, detail}` and without changing anything; a token only ever reaches its own
// tenant's pools; revocation is effective at once; /healthz needs no credentials.
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call, client, groupStub, tenantToken } from "./helpers";
import { expectError, expectNoChange, fixture, ledger, listing, size, snapshot, withMachines, type Fixture } from "./elastisys-support";

/** Every elastisys route, with a body it would accept. */
function routes(f: Fixture, machineId: string): [string, string, unknown][] {
  return [
    ["GET", "/cloudpools", undefined],
    ["GET", `${f.base}/config`, undefined],
    ["POST", `${f.base}/config`, { victimSelectionPolicy: "NEWEST_INSTANCE" }],
    ["GET", `${f.base}/pool`, undefined],
    ["GET", `${f.base}/pool/size`, undefined],
    ["POST", `${f.base}/pool/size`, { desiredSize: 5 }],
    ["POST", `${f.base}/pool/${machineId}/terminate`, { decrementDesiredSize: true }],
    ["POST", `${f.base}/pool/${machineId}/detach`, { decrementDesiredSize: true }],
    ["POST", `${f.base}/pool/${machineId}/attach`, {}],
    ["POST", `${f.base}/pool/${machineId}/serviceState`, { serviceState: "OUT_OF_SERVICE" }],
    ["GET", `${f.base}/activities?limit=5`, undefined],
    ["POST", `${f.base}/simulator/events`, { type: "machine.appeared" }],
    ["DELETE", f.base, undefined],
  ];
}

/** A token of the right shape (`sg_<16 hex>_<43 base64url>`) that was never issued. */
const unknownToken = () => `sg_${"0123456789abcdef"}_${"A".repeat(43)}`;

/** The issued token with its secret changed: a real token id, the wrong secret. */
const forge = (token: string) => token.replace(/_[A-Za-z0-9_-]{43}$/, (s) => "_" + (s[1] === "B" ? "C" : "B") + s.slice(2));

describe("401 on every elastisys route", () => {
  const kinds: [string, (token: string) => Record<string, string>][] = [
    ["no Authorization header", () => ({})],
    ["Basic scheme", () => ({ Authorization: "Basic dXNlcjpwYXNz" })],
    ["a valid token under another scheme", (t) => ({ Authorization: `Token ${t}` })],
    ["the token without a scheme", (t) => ({ Authorization: t })],
    ["Bearer without a token", () => ({ Authorization: "Bearer" })],
    ["Bearer with two tokens", (t) => ({ Authorization: `Bearer ${t} ${t}` })],
    ["a malformed token", () => ({ Authorization: "Bearer not-a-token" })],
    ["a truncated token", (t) => ({ Authorization: `Bearer ${t.slice(0, -1)}` })],
    ["a well-formed but unknown token", () => ({ Authorization: `Bearer ${unknownToken()}` })],
    ["a forged secret on a real token id", (t) => ({ Authorization: `Bearer ${forge(t)}` })],
    ["the admin token", () => ({ Authorization: `Bearer ${ADMIN_TOKEN}` })],
    ["the token in X-Api-Key (Quilt only)", (t) => ({ "X-Api-Key": t })],
  ];
  it.each(kinds)("%s → 401 {message, detail}, nothing changed", async (_name, headers) => {
    const f = await fixture("401");
    const [id] = await withMachines(f, 2, true);
    expect(forge(f.token)).not.toBe(f.token);
    for (const [method, path, body] of routes(f, id)) {
      const r = await expectNoChange(f, () => call(method, path, { body, headers: headers(f.token) }));
      expectError(r, 401, "credentials");
    }
  });

  it("a revoked token → 401 on every route at once, nothing changed; the tenant's other token still works", async () => {
    const f = await fixture("revoked");
    const [id] = await withMachines(f, 2, true);
    const other = await tenantToken(f.tenant);
    const d = await call("DELETE", `/admin/tenants/${f.tenant}/tokens/${f.tokenId}`, { token: ADMIN_TOKEN });
    expect(d.status, d.text).toBe(204);
    for (const [method, path, body] of routes(f, id)) {
      const r = await expectNoChange(f, () => call(method, path, { token: f.token, body }));
      expectError(r, 401, "credentials");
    }
    expect(await size({ ...f, api: client(other.token) })).toEqual({ desiredSize: 2, allocated: 2, outOfService: 0 });
  });

  it("credentials are checked first: no token on an unknown pool, a bad pool name, a bad body or an unknown path is 401, not 404/400", async () => {
    const f = await fixture("401-first", null);
    for (const [method, path, raw] of [
      ["GET", `${f.base}/pool/size`, undefined],
      ["GET", "/cloudpools/-bad-name-/pool", undefined],
      ["POST", `${f.base}/pool/size`, "{bad"],
      ["GET", `${f.base}/no/such/route`, undefined],
      ["PUT", `${f.base}/pool/size`, "{}"],
    ] as const) {
      expectError(await call(method, path, { raw }), 401);
    }
    expect((await snapshot(f)).d1.operations).toEqual([]);
  });

  it("the scheme is case-insensitive and surrounding spaces are tolerated", async () => {
    const f = await fixture("scheme");
    for (const auth of [`bearer ${f.token}`, `BEARER ${f.token}`, `Bearer   ${f.token}  `]) {
      const r = await call("GET", `${f.base}/pool/size`, { headers: { Authorization: auth } });
      expect(r.status, r.text).toBe(200);
    }
  });
});

describe("X-Tenant-Id", () => {
  it("matching the token's tenant is accepted", async () => {
    const f = await fixture("xt-ok");
    const r = await f.api.post(`${f.base}/pool/size`, { desiredSize: 1 }, { "X-Tenant-Id": f.tenant });
    expect(r.status, r.text).toBe(200);
    expect((await f.api.get(`${f.base}/pool/size`, { "X-Tenant-Id": f.tenant })).body.desiredSize).toBe(1);
  });

  const mismatches: [string, (f: Fixture, other: string) => string][] = [
    ["another tenant's id", (_f, other) => other],
    ["an unknown tenant", () => "nobody"],
    ["the id in another case", (f) => f.tenant.toUpperCase()],
    ["empty", () => ""],
  ];
  it.each(mismatches)("%s → 403 {message, detail} on every route, nothing changed", async (_name, asserted) => {
    const f = await fixture("xt-403");
    const g = await fixture("xt-other", null);
    const [id] = await withMachines(f, 2, true);
    for (const [method, path, body] of routes(f, id)) {
      const r = await expectNoChange(f, () => call(method, path, { token: f.token, body, headers: { "X-Tenant-Id": asserted(f, g.tenant) } }));
      expectError(r, 403, "X-Tenant-Id");
    }
    expect((await snapshot(g)).d1.operations).toEqual([]);
  });
});

describe("tenant isolation through the API", () => {
  it("tenant B's pool named like A's is a different pool: A's token never sees or changes it", async () => {
    const a = await fixture("iso-a", null);
    const b = await fixture("iso-b", null);
    const name = "web";
    const A = { ...a, pool: name, base: `/cloudpools/${name}`, stub: groupStub(a.tenant, name) };
    const B = { ...b, pool: name, base: `/cloudpools/${name}`, stub: groupStub(b.tenant, name) };

    // Only B has the pool: A sees nothing of it.
    expect((await B.api.post(`${B.base}/config`, { victimSelectionPolicy: "NEWEST_INSTANCE" })).status).toBe(200);
    const bIds = await withMachines(B, 2, true);
    expectError(await A.api.get(`${A.base}/config`), 404, name);
    expectError(await A.api.get(`${A.base}/pool`), 404, name);
    expectError(await A.api.get(`${A.base}/activities`), 404, name);
    expect((await A.api.get("/cloudpools")).body.pools).toEqual([]);

    // A creates its own `web`: a new pool with defaults, not B's.
    const c = await A.api.post(`${A.base}/config`, {});
    expect(c.status, c.text).toBe(200);
    expect(c.body.victimSelectionPolicy).toBe("OLDEST_INSTANCE");
    expect(await size(A)).toEqual({ desiredSize: 0, allocated: 0, outOfService: 0 });
    await withMachines(A, 1);

    // A cannot act on B's machines, even by id; B is untouched by everything A does.
    const before = await snapshot(B);
    for (const [path, body] of [
      [`/pool/${bIds[0]}/terminate`, { decrementDesiredSize: true }],
      [`/pool/${bIds[0]}/detach`, { decrementDesiredSize: true }],
      [`/pool/${bIds[0]}/attach`, {}],
      [`/pool/${bIds[0]}/serviceState`, { serviceState: "OUT_OF_SERVICE" }],
    ] as const) {
      expectError(await A.api.post(`${A.base}${path}`, body), 404, bIds[0]);
    }
    expect((await A.api.post(`${A.base}/pool/size`, { desiredSize: 4 })).status).toBe(200);
    expect((await A.api.del(A.base)).status).toBe(200);
    const after = await snapshot(B);
    expect(after.storage).toEqual(before.storage);
    expect(after.d1).toEqual(before.d1);

    expect(await size(B)).toEqual({ desiredSize: 2, allocated: 2, outOfService: 0 });
    expect((await listing(B)).map((m) => m.id)).toEqual(bIds);
    expect((await B.api.get("/cloudpools")).body.pools.map((p: any) => p.name)).toEqual([name]);
    expect((await A.api.get("/cloudpools")).body.pools).toEqual([]);
    const aRows = await ledger(a.tenant, name);
    const bRows = await ledger(b.tenant, name);
    expect(aRows.every((x) => x.tenant_id === a.tenant)).toBe(true);
    expect(bRows.map((x) => x.id).filter((id) => aRows.some((y) => y.id === id))).toEqual([]);
    expect(bRows.map((x) => x.type)).toEqual(["pool.configure", "pool.set_desired_size", "machine.launched"]);
  });

  it("two tokens of one tenant share its pools", async () => {
    const f = await fixture("two-tokens");
    const second = client((await tenantToken(f.tenant)).token);
    expect((await second.post(`${f.base}/pool/size`, { desiredSize: 2 })).status).toBe(200);
    expect((await f.api.get(`${f.base}/pool/size`)).body.desiredSize).toBe(2);
  });
});

describe("GET /healthz", () => {
  it("needs no credentials, and ignores bad ones", async () => {
    for (const headers of <Record<string, string>[]>[{}, { Authorization: "Bearer garbage" }, { Authorization: "Basic x" }, { "X-Tenant-Id": "someone" }]) {
      const r = await call("GET", "/healthz", { headers });
      expect(r.status, r.text).toBe(200);
      expect(r.body).toEqual({ status: "ok" });
      expect(r.headers.get("X-Request-Id")).toBeTruthy();
    }
  });

  it("HEAD works like GET; other methods → 405 with Allow: GET", async () => {
    expect((await call("HEAD", "/healthz")).status).toBe(200);
    for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
      const r = await call(method, "/healthz");
      expect(r.status, r.text).toBe(405);
      expect(r.headers.get("Allow")).toBe("GET");
      expect(r.body.error).toBe("METHOD_NOT_ALLOWED");
    }
  });
});
