// Issue 9, item 3: one query-parameter rule (src/http/query.ts). A route takes only the
// parameters it declares; anything else (unknown, repeated, a bad value) is a 400 naming the
// parameter in the route's dialect, and changes nothing. A route that declares none refuses every
// parameter, checked before authentication. /v1 is covered by the KraftCloud suites.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call } from "./helpers";
import { expectError, expectNoChange, fixture, size } from "./elastisys-support";
import { deliverBearer, desired, hookFixture } from "./hooks-support";
import { Q, creds, expectQuiltError, quiltCall } from "./quilt-support";
import { expectDialectError } from "./fuzz-support";

describe("elastisys (/cloudpools)", () => {
  it("a declared parameter works; an unknown, repeated or bad one is 400 {message, detail} naming it", async () => {
    const f = await fixture("q-el");
    expect((await f.api.get(`${f.base}/activities?limit=5`)).status).toBe(200);
    for (const [query, name] of [["zz=1", "zz"], ["limit=5&zz", "zz"], ["limit=1&limit=2", "limit"], ["limit=0", "limit"], ["limit=1e309", "limit"], ["Limit=5", "Limit"], ["__proto__=1", "__proto__"]]) {
      const r = await f.api.get(`${f.base}/activities?${query}`);
      expectError(r, 400, `query parameter '${name}'`);
    }
  });

  it("routes that declare none refuse any parameter, writes included, and change nothing", async () => {
    const f = await fixture("q-el-w");
    const cases: [string, string, unknown][] = [
      ["POST", `${f.base}/pool/size?zz=1`, { desiredSize: 2 }],
      ["POST", `${f.base}/pool/size?desiredSize=2`, { desiredSize: 2 }],
      ["DELETE", `${f.base}?force=true`, undefined],
      ["POST", `${f.base}/config?dryRun`, { updatePeriodSeconds: 60 }],
      ["GET", `${f.base}/pool?zz=1`, undefined],
      ["GET", `/cloudpools?zz=1`, undefined],
    ];
    for (const [method, path, body] of cases) {
      const r = await expectNoChange(f, () => call(method, path, { token: f.token, body }));
      expectError(r, 400, "unknown query parameter");
    }
    expect((await size(f)).desiredSize).toBe(0);
    // An empty query string is no parameter.
    expect((await f.api.get(`${f.base}/pool?`)).status).toBe(200);
  });

  it("checked before authentication: an unknown parameter is 400 with bad credentials too; a declared one lets auth answer 401", async () => {
    expectError(await call("GET", "/cloudpools/p/pool?zz=1", { token: "nope" }), 400, "'zz'");
    expect((await call("GET", "/cloudpools/p/activities?limit=5", { token: "nope" })).status).toBe(401);
  });
});

describe("Quilt (/api/elasticity)", () => {
  it("help/examples take ?format only; a bad format keeps its hint", async () => {
    expect((await quiltCall("GET", `${Q}/help?format=markdown`)).status).toBe(200);
    const bad = await quiltCall("GET", `${Q}/help?format=xml`);
    expectQuiltError(bad, 400, "ELASTICITY_INVALID_ARGUMENT");
    expect(bad.body.details.field).toBe("format");
    expect(bad.body.hint).toContain("format=markdown");
    const unknown = await quiltCall("GET", `${Q}/examples?format=json&zz=1`);
    expectQuiltError(unknown, 400, "ELASTICITY_INVALID_ARGUMENT");
    expect(unknown.body.details.field).toBe("zz");
    const twice = await quiltCall("GET", `${Q}/help?format=json&format=markdown`);
    expectQuiltError(twice, 400, "ELASTICITY_INVALID_ARGUMENT");
    expect(twice.body.details.field).toBe("format");
  });

  it("every other route refuses any parameter (control routes in the control shape)", async () => {
    const t = await call("POST", "/admin/tenants/q-quilt/tokens", { token: ADMIN_TOKEN });
    const h = creds(t.body.token, "q-quilt");
    for (const [method, path, control] of [
      ["GET", `${Q}/health?zz=1`, false],
      ["GET", `${Q}/node/status?zz=1`, false],
      ["GET", `${Q}/control/contract?zz=1`, true],
      ["POST", `${Q}/containers/c1/resize?zz=1`, false],
      ["POST", `${Q}/control/node-groups/g1/scale?zz=1`, true],
    ] as const) {
      const r = await quiltCall(method, path, { headers: { ...h, "Content-Type": "application/json" }, body: method === "POST" ? "{}" : undefined });
      expectQuiltError(r, 400, "ELASTICITY_INVALID_ARGUMENT", { control });
      expect(r.body.details.field, path).toBe("zz");
    }
  });
});

describe("hooks, providers, admin, /healthz", () => {
  it("/hooks: management and deliveries refuse unknown parameters; a delivery with one does not scale", async () => {
    const f = await hookFixture("q-hooks");
    const before = await desired(f);
    const r = await call("POST", `/hooks/${f.id}?delta=5`, { raw: '{"delta":1}', headers: { Authorization: `Bearer ${f.secret}`, "Content-Type": "application/json" } });
    expect(r.status).toBe(400);
    expectDialectError("/hooks", r);
    expect(r.body.field).toBe("delta");
    expect(await desired(f)).toBe(before);
    expect((await deliverBearer(f.id, f.secret, { delta: 1 })).status).toBe(202);
    for (const path of ["/hooks?zz=1", `/hooks/${f.id}?zz=1`]) {
      const g = await f.api.get(path);
      expect(g.status, path).toBe(400);
      expectDialectError(path, g);
    }
  });

  it("/providers: a report with a query parameter is 400 in the providers shape", async () => {
    const t = await call("POST", "/admin/tenants/q-prov/tokens", { token: ADMIN_TOKEN });
    const r = await call("POST", "/providers/webhook/g1/machines?zz=1", { token: t.body.token, body: { id: "m", state: "running" } });
    expect(r.status).toBe(400);
    expectDialectError("/providers/webhook/g1/machines", r);
    expect(r.body.field).toBe("zz");
  });

  it("/admin: a token request with a parameter issues nothing; /healthz refuses parameters too", async () => {
    const r = await call("POST", "/admin/tenants/q-admin/tokens?scope=all", { token: ADMIN_TOKEN });
    expect(r.status).toBe(400);
    expectDialectError("/admin", r);
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM tokens WHERE tenant_id = ?").bind("q-admin").first<{ n: number }>();
    expect(rows?.n).toBe(0);
    const h = await call("GET", "/healthz?probe=1");
    expect(h.status).toBe(400);
    expect(h.body).toMatchObject({ error: "INVALID_ARGUMENT", message: "unknown query parameter 'probe'" });
    expect((await call("GET", "/healthz")).status).toBe(200);
  });
});
