// HTTP Basic on the elastisys and KraftCloud surfaces (issue 8 part 3): the password is a tenant
// token, the user name is ignored; a 401 challenges with Basic (realm) and Bearer, so Apache
// HttpClient's challenge-response sends its credentials. Requests are built as the Java clients
// send them: hand-formatted JSON with spaces, `attach` with no body and no Content-Type.
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call, type Call } from "./helpers";
import { expectError, expectNoChange, fixture, withMachines } from "./elastisys-support";

const basic = (user: string, password: string) => `Basic ${btoa(`${user}:${password}`)}`;

/** What Apache HttpClient sends: Basic credentials, the JSON as Jackson pretty-prints it. */
function java(method: string, path: string, authorization: string | null, json?: string): Promise<Call> {
  const headers: Record<string, string> = { Accept: "application/json", "User-Agent": "Apache-HttpClient/4.5.14 (Java/17)" };
  if (authorization) headers.Authorization = authorization;
  if (json !== undefined) headers["Content-Type"] = "application/json; charset=UTF-8";
  return call(method, path, { headers, raw: json });
}

/** A 401 that challenges with Basic (and a realm) and Bearer. */
function expectChallenge(r: Call): void {
  expect(r.status, r.text).toBe(401);
  const www = r.headers.get("WWW-Authenticate") ?? "";
  expect(www).toMatch(/Basic realm="[^"]+"/);
  expect(www).toMatch(/Bearer/);
}

async function revoke(tenant: string, tokenId: string) {
  expect((await call("DELETE", `/admin/tenants/${tenant}/tokens/${tokenId}`, { token: ADMIN_TOKEN })).status).toBe(204);
}

describe("elastisys: Basic with the token as password", () => {
  it("the Java client's workflow: size, listing, terminate, detach, attach (no body, no Content-Type), serviceState — any user name", async () => {
    const f = await fixture("ba-flow");
    const auth = basic("splitter", f.token);
    expect((await java("POST", `${f.base}/pool/size`, auth, '{ "desiredSize" : 3 }')).status).toBe(200);
    const size = await java("GET", `${f.base}/pool/size`, auth);
    expect(size.status, size.text).toBe(200);
    expect(size.body.desiredSize).toBe(3);
    const pool = await java("GET", `${f.base}/pool`, auth);
    expect(pool.status).toBe(200);
    const [a, b, c] = pool.body.machines.map((m: any) => m.id);
    expect((await java("POST", `${f.base}/pool/${a}/terminate`, basic("", f.token), '{ "decrementDesiredSize" : true }')).status).toBe(200);
    expect((await java("POST", `${f.base}/pool/${b}/detach`, basic("any user", f.token), '{\n  "decrementDesiredSize" : false\n}')).status).toBe(200);
    const attach = await java("POST", `${f.base}/pool/${b}/attach`, auth);
    expect(attach.status, attach.text).toBe(200);
    expect((await java("POST", `${f.base}/pool/${c}/serviceState`, auth, '{ "serviceState" : "IN_SERVICE" }')).status).toBe(200);
    const after = await java("GET", `${f.base}/pool`, auth);
    expect(after.body.machines.find((m: any) => m.id === c).serviceState).toBe("IN_SERVICE");
    // 3, terminate with decrement → 2, detach without → 2, attach → 3. Bearer still works beside Basic.
    expect((await f.api.get(`${f.base}/pool/size`)).body.desiredSize).toBe(3);
  });

  it("no credentials → 401 {message, detail} with WWW-Authenticate: Basic realm and Bearer, on every kind of route", async () => {
    const f = await fixture("ba-none");
    for (const [method, path] of [
      ["GET", "/cloudpools"],
      ["GET", `${f.base}/pool`],
      ["POST", `${f.base}/pool/size`],
      ["GET", `${f.base}/config`],
      ["GET", "/cloudpools/never-made/pool"],
    ]) {
      const r = await java(method, path, null, method === "POST" ? '{ "desiredSize" : 1 }' : undefined);
      expectChallenge(r);
      expectError(r, 401);
    }
  });

  it("bad Basic credentials → 401 + challenge, nothing changed: garbage, empty, not base64, no colon, empty password, a non-token, revoked, another tenant's", async () => {
    const f = await fixture("ba-bad");
    await withMachines(f, 1);
    const other = await fixture("ba-other", null);
    const revoked = await fixture("ba-rev", null);
    await revoke(revoked.tenant, revoked.tokenId);
    const cases: [string, string][] = [
      ["garbage", "Basic !!!!"],
      ["empty", "Basic "],
      ["scheme only", "Basic"],
      ["not base64", "Basic abc"],
      ["no colon", `Basic ${btoa(f.token)}`],
      ["empty password", basic("user", "")],
      ["token as user name", `Basic ${btoa(`${f.token}:`)}`],
      ["a password that is no token", basic("user", "hunter2")],
      ["a malformed token", basic("user", "sg_0123456789abcdef_short")],
      ["the token with a wrong secret", basic("user", f.token.slice(0, -4) + "AAAA")],
      ["the admin token", basic("admin", ADMIN_TOKEN)],
    ];
    for (const [name, authorization] of cases) {
      const r = await expectNoChange(f, () => java("POST", `${f.base}/pool/size`, authorization, '{ "desiredSize" : 5 }'));
      expectChallenge(r);
      expectError(r, 401);
      expect(r.body.message, name).toContain("credentials");
    }
    // A revoked token: refused at once.
    const rev = await java("GET", `/cloudpools`, basic("u", revoked.token));
    expectChallenge(rev);
    // Another tenant's valid token reaches that tenant's own (absent) pool, never this one.
    const foreign = await expectNoChange(f, () => java("POST", `${f.base}/pool/size`, basic("u", other.token), '{ "desiredSize" : 5 }'));
    expectError(foreign, 404);
    expect((await f.api.get(`${f.base}/pool/size`)).body.desiredSize).toBe(1);
  });

  it("X-Tenant-Id is still checked against the Basic token's tenant (403)", async () => {
    const f = await fixture("ba-tenant");
    const r = await call("GET", `${f.base}/pool`, { headers: { Authorization: basic("u", f.token), "X-Tenant-Id": "someone-else" } });
    expectError(r, 403);
    expect(r.headers.get("WWW-Authenticate")).toBeNull();
  });
});

describe("KraftCloud: Basic with the token as password", () => {
  it("a valid token as Basic password works; no or bad credentials → 401 {status: error} with the challenge", async () => {
    const f = await fixture("ba-kc", null);
    const ok = await call("GET", "/v1/services", { headers: { Authorization: basic("kraft", f.token) } });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body.status).toBe("success");
    for (const authorization of [null, "Basic abc", basic("u", ""), basic("u", "nope"), `Basic ${btoa(f.token)}`]) {
      const r = await java("GET", "/v1/instances", authorization);
      expectChallenge(r);
      expect(r.body).toMatchObject({ status: "error", errors: [{ status: 401 }] });
    }
  });
});

describe("other surfaces do not take Basic", () => {
  it("Quilt, provider callbacks and hooks: a valid token as Basic password is still a 401 there (no challenge)", async () => {
    const f = await fixture("ba-elsewhere");
    const auth = basic("u", f.token);
    const quilt = await call("GET", "/api/elasticity/node/status", { headers: { Authorization: auth, "X-Tenant-Id": f.tenant } });
    expect(quilt.status).toBe(401);
    const providers = await call("POST", `/providers/webhook/${f.pool}/machines`, { headers: { Authorization: auth }, body: { id: "m", state: "RUNNING" } });
    expect(providers.status).toBe(401);
    const hooks = await call("GET", "/hooks", { headers: { Authorization: auth } });
    expect(hooks.status).toBe(401);
    for (const r of [quilt, providers, hooks]) expect(r.headers.get("WWW-Authenticate")).toBeNull();
  });
});
