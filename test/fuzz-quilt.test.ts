// Property-based fuzzing of the Quilt dialect (/api/elasticity) through the Worker's fetch:
// public, direct, control, operation and rollback routes with generated bodies, headers
// (Idempotency-Key, X-Orch-Action-Id, X-Tenant-Id dropped or wrong), framings, methods,
// credentials (X-Api-Key or Bearer) and path parameters. Rules per request: never a 5xx; errors as
// {error, error_code, request_id, ...}; a refusal changes nothing. docs/security.md, "Fuzzing".
import { env } from "cloudflare:test";
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { objectName, type TargetKind } from "../src/domain/operations";
import { freezeClock, releaseClock } from "./clock";
import { ADMIN_TOKEN, call, objectStub, tenantToken } from "./helpers";
import { fixture, type Fixture } from "./elastisys-support";
import { checkCase, credentialHeaders, fuzzOptions, fuzzTimeout, requestFor, stateOf, statusSummary, type RouteTemplate } from "./fuzz-support";

const RUNS = 250;
const Q = "/api/elasticity";
let f: Fixture;
let other: Fixture;
let stubs: DurableObjectStub[];
let creds: fc.Arbitrary<Record<string, string>>;

const stub = <K extends TargetKind>(tenant: string, kind: K, id: string) => objectStub(tenant, kind, id);

beforeAll(async () => {
  freezeClock();
  f = await fixture("fz-q");
  other = await fixture("fz-q-o");
  const revoked = await tenantToken(f.tenant);
  expect((await call("DELETE", `/admin/tenants/${f.tenant}/tokens/${revoked.tokenId}`, { token: ADMIN_TOKEN })).status).toBe(204);
  const api = fc.oneof(credentialHeaders({ own: f.token, other: other.token, revoked: revoked.token }, "api-key"), credentialHeaders({ own: f.token, other: other.token, revoked: revoked.token }));
  const wrongTenant: Record<string, string>[] = [{}, { "X-Tenant-Id": other.tenant }, { "X-Tenant-Id": " " }, { "X-Tenant-Id": f.tenant.toUpperCase() }];
  const tenantHeader = fc.oneof({ weight: 10, arbitrary: fc.constant<Record<string, string>>({ "X-Tenant-Id": f.tenant }) }, { weight: 1, arbitrary: fc.constantFrom(...wrongTenant) });
  creds = fc.tuple(api, tenantHeader).map(([a, t]) => ({ ...a, ...t }));
  stubs = [f.stub, other.stub, stub(f.tenant, "container", "c1"), stub(f.tenant, "function", "f1"), stub(f.tenant, "workload", "w1"), stub(f.tenant, "action", "a1")];
});
afterAll(() => {
  releaseClock();
  console.log(`[fuzz] statuses: ${statusSummary()}`);
});

const write = { "Idempotency-Key": "{uniq}", "X-Orch-Action-Id": "a1" };
const ROUTES: RouteTemplate[] = [
  { method: "GET", path: `${Q}/health`, body: null },
  { method: "GET", path: `${Q}/help`, body: null },
  { method: "GET", path: `${Q}/examples`, body: null },
  { method: "GET", path: `${Q}/node/status`, body: null },
  { method: "GET", path: `${Q}/control/contract`, body: null },
  { method: "POST", path: `${Q}/containers/{container}/resize`, body: { memory_limit_mb: 512, cpu_limit_percent: 50 } },
  { method: "POST", path: `${Q}/functions/{function}/pool-target`, body: { min_instances: 0, max_instances: 2 } },
  { method: "POST", path: `${Q}/control/containers/{container}/resize`, body: { memory_limit_mb: 256, cpu_limit_percent: 25 }, headers: write },
  { method: "POST", path: `${Q}/control/functions/{function}/pool-target`, body: { min_instances: 1, max_instances: 3 }, headers: write },
  { method: "PUT", path: `${Q}/control/workloads/{workload}/function-binding`, body: { function_id: "f1" }, headers: write },
  { method: "GET", path: `${Q}/control/workloads/{workload}/function-binding`, body: null },
  { method: "POST", path: `${Q}/control/workloads/{workload}/function-binding/rotate`, body: { next_function_id: "f2", cutover_at: 1_900_000_000 }, headers: write },
  { method: "PUT", path: `${Q}/control/workloads/{workload}/placement-preference`, body: { node_group: "g1", anti_affinity: true }, headers: write },
  { method: "GET", path: `${Q}/control/workloads/{workload}/placement-preference`, body: null },
  { method: "POST", path: `${Q}/control/node-groups/{group}/scale`, body: { delta_units: 1 }, headers: write },
  { method: "GET", path: `${Q}/control/operations/{operation}`, body: null },
  { method: "GET", path: `${Q}/control/actions/{action}/operations`, body: null },
  { method: "POST", path: `${Q}/control/actions/{action}/rollback`, body: { target_action_id: "a1", reason_code: "fuzz", force: false }, headers: { "Idempotency-Key": "{uniq}", "X-Orch-Action-Id": "a1-rollback" } },
];

const state = () => stateOf(stubs, [f.tenant, other.tenant]);

it("every /api/elasticity route: no 5xx, Quilt errors, refusals change nothing", async () => {
  const params = {
    container: ["c1", "c1", "C1"],
    function: ["f1", "f1", "f2"],
    workload: ["w1", "w1", "w2"],
    group: [f.pool, other.pool, "no-such-group"],
    operation: ["op-1", crypto.randomUUID()],
    action: ["a1", "a2"],
  };
  const arb = fc.constantFrom(...ROUTES).chain((t) => requestFor(t, params, creds));
  await fc.assert(
    fc.asyncProperty(arb, async (req) => {
      await checkCase(req, state);
    }),
    fuzzOptions(RUNS, "test/fuzz-quilt.test.ts"),
  );
}, fuzzTimeout(RUNS));
