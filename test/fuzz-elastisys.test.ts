// Property-based fuzzing of the elastisys cloud pool dialect (/cloudpools) through the Worker's
// fetch: every route, generated bodies, framings, methods, credentials and path parameters.
// Rules per request: never a 5xx, errors as {message, detail}, a refusal changes nothing.
// Seed and runs: test/fuzz-support.ts fuzzOptions (docs/security.md, "Fuzzing").
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { freezeClock, releaseClock } from "./clock";
import { ADMIN_TOKEN, call, tenantToken } from "./helpers";
import { fixture, withMachines, type Fixture } from "./elastisys-support";
import { checkCase, credentialHeaders, fuzzOptions, fuzzTimeout, requestFor, stateOf, statusSummary, type RouteTemplate } from "./fuzz-support";

const RUNS = 250;
let f: Fixture;
let other: Fixture;
let machines: string[];
let creds: fc.Arbitrary<Record<string, string>>;

beforeAll(async () => {
  freezeClock();
  f = await fixture("fz-el");
  other = await fixture("fz-el-o");
  machines = await withMachines(f, 2);
  const revoked = await tenantToken(f.tenant);
  expect((await call("DELETE", `/admin/tenants/${f.tenant}/tokens/${revoked.tokenId}`, { token: ADMIN_TOKEN })).status).toBe(204);
  // A pool-scoped token: the pool API at the root, and /cloudpools limited to its pool.
  const scoped = await call("POST", `/admin/tenants/${f.tenant}/tokens`, { token: ADMIN_TOKEN, body: { pool: f.pool } });
  expect(scoped.status, scoped.text).toBe(201);
  const tenantWide = credentialHeaders({ own: f.token, other: other.token, revoked: revoked.token });
  const poolScoped = credentialHeaders({ own: scoped.body.token, other: other.token, revoked: revoked.token });
  creds = fc.oneof({ weight: 3, arbitrary: tenantWide }, { weight: 1, arbitrary: poolScoped });
});
afterAll(() => {
  releaseClock();
  console.log(`[fuzz] statuses: ${statusSummary()}`);
});

const SIM = { type: "simulated", requestDelayMs: 60_000, bootDelayMs: 60_000, terminateDelayMs: 60_000 };
const ROUTES: RouteTemplate[] = [
  { method: "GET", path: "/cloudpools", body: null },
  { method: "POST", path: "/cloudpools/{pool}/config", body: { provider: SIM, victimSelectionPolicy: "NEWEST_INSTANCE", instanceHourMarginSeconds: 0, updatePeriodSeconds: 3600 } },
  { method: "GET", path: "/cloudpools/{pool}/config", body: null },
  { method: "DELETE", path: "/cloudpools/{doomed}", body: null },
  { method: "GET", path: "/cloudpools/{pool}/pool", body: null },
  { method: "GET", path: "/cloudpools/{pool}/pool/size", body: null },
  { method: "POST", path: "/cloudpools/{pool}/pool/size", body: { desiredSize: 2 } },
  { method: "POST", path: "/cloudpools/{pool}/pool/{machine}/terminate", body: { decrementDesiredSize: false } },
  { method: "POST", path: "/cloudpools/{pool}/pool/{machine}/detach", body: { decrementDesiredSize: false } },
  { method: "POST", path: "/cloudpools/{pool}/pool/{machine}/attach", body: {} },
  { method: "POST", path: "/cloudpools/{pool}/pool/{machine}/serviceState", body: { serviceState: "IN_SERVICE" } },
  { method: "GET", path: "/cloudpools/{pool}/activities", body: null },
  { method: "POST", path: "/cloudpools/{pool}/simulator/events", body: { type: "machine.crashed", machineId: "m" } },
  // The same API at the root (pool-scoped tokens).
  { method: "GET", path: "/config", body: null },
  { method: "POST", path: "/config", body: { updatePeriodSeconds: 3600 } },
  { method: "GET", path: "/pool", body: null },
  { method: "POST", path: "/pool/size", body: { desiredSize: 1 } },
  { method: "POST", path: "/pool/{machine}/terminate", body: { decrementDesiredSize: true } },
  { method: "POST", path: "/pool/{machine}/attach", body: {} },
];

/** The pool, the other tenant's pool of the same file, and the ledger of both tenants. */
const state = () => stateOf([f.stub, other.stub], [f.tenant, other.tenant]);

it("every /cloudpools route: no 5xx, {message, detail} errors, refusals change nothing", async () => {
  const params = () => ({ pool: [f.pool, f.pool, f.pool, other.pool, "no-such-pool"], doomed: [`${f.pool}-gone`, "no-such-pool"], machine: [...machines, ...machines, "i-0000", other.pool] });
  const arb = fc.constantFrom(...ROUTES).chain((t) => requestFor(t, params(), creds));
  await fc.assert(
    fc.asyncProperty(arb, async (req) => {
      await checkCase(req, state);
    }),
    fuzzOptions(RUNS, "test/fuzz-elastisys.test.ts"),
  );
}, fuzzTimeout(RUNS));
