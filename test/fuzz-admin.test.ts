// Property-based fuzzing of /admin, /healthz, the published contract (/openapi, /docs) and paths no route knows, through the Worker's fetch:
// generated tenant ids and token ids (long, unicode, encoded slashes, empty), bodies, framings,
// methods and credentials (the admin token, tenant tokens, revoked, Basic, garbage). Rules per
// request: never a 5xx; errors as {error, message}; a refusal changes no token or tenant row.
import { env } from "cloudflare:test";
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ADMIN_TOKEN, call, tenantToken } from "./helpers";
import { checkCase, credentialHeaders, fuzzOptions, fuzzTimeout, hostileSegment, requestFor, statusSummary, type RouteTemplate } from "./fuzz-support";

const RUNS = 200;
let creds: fc.Arbitrary<Record<string, string>>;
let tokenIds: string[];

beforeAll(async () => {
  const a = await tenantToken("fz-adm-a");
  const b = await tenantToken("fz-adm-b");
  const revoked = await tenantToken("fz-adm-a");
  expect((await call("DELETE", `/admin/tenants/fz-adm-a/tokens/${revoked.tokenId}`, { token: ADMIN_TOKEN })).status).toBe(204);
  tokenIds = [a.tokenId, b.tokenId, revoked.tokenId];
  creds = credentialHeaders({ own: ADMIN_TOKEN, other: a.token, revoked: revoked.token });
});
afterAll(() => console.log(`[fuzz] statuses: ${statusSummary()}`));

const ROUTES: RouteTemplate[] = [
  { method: "POST", path: "/admin/tenants/{tenant}/tokens", body: null },
  { method: "DELETE", path: "/admin/tenants/{tenant}/tokens/{token}", body: null },
  { method: "GET", path: "/healthz", body: null },
  { method: "GET", path: "/admin", body: null },
  { method: "GET", path: "/{any}", body: null },
  { method: "POST", path: "/{any}/{any}", body: { a: 1 } },
  { method: "GET", path: "/cloudpools/{any}/pool/{any}/{any}", body: null },
  { method: "GET", path: "/v1/{any}/{any}/autoscale/{any}/{any}", body: null },
  { method: "GET", path: "/api/elasticity/{any}", body: null },
  // The published contract (src/openapi): documents and the reference page.
  { method: "GET", path: "/openapi/{document}", body: null },
  { method: "GET", path: "/docs", body: null },
];

/** Every token and tenant row: what an admin request could change. */
const state = async () => (await env.DB.batch([env.DB.prepare("SELECT * FROM tokens ORDER BY id"), env.DB.prepare("SELECT * FROM tenants ORDER BY id")])).map((r) => r.results);

it("/admin, /healthz and unknown paths: no 5xx, {error, message} errors, refusals change nothing", async () => {
  const params = { tenant: ["fz-adm-a", "fz-adm-b", "fz-adm-new", "Fz-Adm", "a".repeat(64)], token: tokenIds, any: ["x", "healthz", "admin", "cloudpools", "v1", "services", "autoscale"], document: ["elastisys.json", "kraftcloud.json", "quilt.json", "scalegate.json", "nope.json"] };
  const arb = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...ROUTES).chain((t) => requestFor(t, params, creds)) },
    // Raw paths: segments that the URL parser and the router each read in their own way.
    { weight: 1, arbitrary: fc.tuple(fc.array(hostileSegment, { minLength: 1, maxLength: 4 }), creds).map(([segs, headers]) => ({ method: "GET", path: `/admin/${segs.join("/")}`, headers })) },
  );
  await fc.assert(
    fc.asyncProperty(arb, async (req) => {
      await checkCase(req, state);
    }),
    fuzzOptions(RUNS, "test/fuzz-admin.test.ts"),
  );
}, fuzzTimeout(RUNS));
