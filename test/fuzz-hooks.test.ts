// Property-based fuzzing of the inbound hooks (/hooks) and the provider callbacks (/providers)
// through the Worker's fetch: management routes with the tenant token, deliveries with the hook's
// secret (bearer or signature, garbage, another hook's, a tenant token), machine reports with
// generated bodies (deep metadata, bad addresses). Rules per request: never a 5xx; errors as
// {error, message, ...} (+ request_id under /providers); a refusal changes nothing.
import { env } from "cloudflare:test";
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { objectName } from "../src/domain/operations";
import { sign } from "../src/domain/signature";
import { freezeClock, releaseClock } from "./clock";
import { ADMIN_TOKEN, call, objectStub, tenantToken } from "./helpers";
import { hookFixture, type HookFixture } from "./hooks-support";
import { checkCase, credentialHeaders, fuzzOptions, fuzzTimeout, requestFor, stateOf, statusSummary, type RawRequest, type RouteTemplate } from "./fuzz-support";

const RUNS = 250;
let h: HookFixture;
let other: HookFixture;
let tenantCreds: fc.Arbitrary<Record<string, string>>;
let stubs: DurableObjectStub[];

const hookStub = (tenant: string, id: string) => objectStub(tenant, "hook", id);
const poolStub = (tenant: string, pool: string) => env.GROUPS.get(env.GROUPS.idFromName(objectName(tenant, "group", pool)));

beforeAll(async () => {
  freezeClock();
  h = await hookFixture("fz-h", { min_interval_seconds: 0 });
  other = await hookFixture("fz-h-o");
  const revoked = await tenantToken(h.tenant);
  expect((await call("DELETE", `/admin/tenants/${h.tenant}/tokens/${revoked.tokenId}`, { token: ADMIN_TOKEN })).status).toBe(204);
  tenantCreds = credentialHeaders({ own: h.token, other: other.token, revoked: revoked.token, hookSecret: h.secret });
  stubs = [poolStub(h.tenant, h.pool), poolStub(other.tenant, other.pool), hookStub(h.tenant, h.id), hookStub(other.tenant, other.id)];
});
afterAll(() => {
  releaseClock();
  console.log(`[fuzz] statuses: ${statusSummary()}`);
});

const MANAGE: RouteTemplate[] = [
  { method: "POST", path: "/hooks", body: { name: "fz", group: "{pool}", format: "generic", action: { type: "change", value: 1 }, min_interval_seconds: 0 } },
  { method: "GET", path: "/hooks", body: null },
  { method: "GET", path: "/hooks/{hook}", body: null },
  { method: "DELETE", path: "/hooks/{doomedHook}", body: null },
  { method: "POST", path: "/hooks/{hook}/rotate-secret", body: null },
  { method: "POST", path: "/providers/webhook/{pool}/machines", body: { id: "m-1", state: "RUNNING", publicIps: ["203.0.113.7"], privateIps: ["10.0.0.1", "fe80::1"], launchtime: "2026-01-01T00:00:00Z", metadata: { zone: "a" } } },
];

const state = () => stateOf(stubs, [h.tenant, other.tenant]);

/** A delivery: the body mutated like any other, authenticated by the hook's secret in every way (or not). */
function delivery(params: Record<string, string[]>): fc.Arbitrary<RawRequest & { how: string }> {
  const template: RouteTemplate = { method: "POST", path: "/hooks/{hook}", body: { delta: 1 } };
  const auth = fc.constantFrom("bearer", "bearer", "signed", "signed", "stale", "other", "token", "none", "garbage");
  return fc.tuple(requestFor(template, params, fc.constant({})), auth).map(([req, how]) => ({ ...req, how }));
}

async function authenticate(req: RawRequest & { how: string }): Promise<RawRequest> {
  const raw = req.body === null || req.body === undefined ? "" : typeof req.body === "string" ? req.body : new TextDecoder().decode(req.body);
  const headers = { ...req.headers };
  const now = Math.floor(Date.now() / 1000);
  if (req.how === "bearer") headers.Authorization = `Bearer ${h.secret}`;
  if (req.how === "signed") headers["Scalegate-Signature"] = await sign(h.secret, raw, now);
  if (req.how === "stale") headers["Scalegate-Signature"] = await sign(h.secret, raw, now - 3600);
  if (req.how === "other") headers.Authorization = `Bearer ${other.secret}`;
  if (req.how === "token") headers.Authorization = `Bearer ${h.token}`;
  if (req.how === "garbage") headers["Scalegate-Signature"] = "t=1,v1=" + "0".repeat(64);
  const { how: _how, ...rest } = req;
  return { ...rest, headers };
}

it("every /hooks and /providers route: no 5xx, {error, message} errors, refusals change nothing", async () => {
  const params = { pool: [h.pool, other.pool, "no-such-pool"], hook: [h.id, h.id, h.id, other.id, crypto.randomUUID(), h.id.toUpperCase()], doomedHook: [crypto.randomUUID(), other.id] };
  const fill = (t: RouteTemplate): RouteTemplate => (t.body && JSON.stringify(t.body).includes("{pool}") ? { ...t, body: JSON.parse(JSON.stringify(t.body).replace("{pool}", h.pool)) } : t);
  const manage = fc.constantFrom(...MANAGE.map(fill)).chain((t) => requestFor(t, params, tenantCreds)).map((r): RawRequest & { how: string } => ({ ...r, how: "as-is" }));
  const arb = fc.oneof(manage, delivery(params));
  await fc.assert(
    fc.asyncProperty(arb, async (generated) => {
      const req = generated.how === "as-is" ? (({ how: _h, ...r }) => r)(generated) : await authenticate(generated);
      const r = await checkCase(req, state);
      // A rotation the fuzzer made: deliveries go on with the new secret.
      if (r.status === 200 && req.path === `/hooks/${h.id}/rotate-secret` && typeof r.body?.secret === "string") h.secret = r.body.secret;
    }),
    fuzzOptions(RUNS, "test/fuzz-hooks.test.ts"),
  );
}, fuzzTimeout(RUNS));
