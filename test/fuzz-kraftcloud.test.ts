// Property-based fuzzing of the KraftCloud dialect (/v1) through the Worker's fetch: services,
// instances and autoscale routes with generated bodies (one object or arrays), GET/DELETE bodies,
// framings, methods, credentials and path parameters. Rules per request: never a 5xx; errors as
// {status:"error", message, errors:[{status}]} or an envelope whose items all failed; a refusal
// changes nothing. Seed and runs: test/fuzz-support.ts fuzzOptions (docs/security.md, "Fuzzing").
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { freezeClock, releaseClock } from "./clock";
import { ADMIN_TOKEN, call, tenantToken } from "./helpers";
import { IN, OUT, configure, service, type Svc } from "./kraftcloud-autoscale-support";
import { checkCase, credentialHeaders, fuzzOptions, fuzzTimeout, requestFor, stateOf, statusSummary, type RouteTemplate } from "./fuzz-support";

const RUNS = 300;
let s: Svc;
let other: Svc;
let creds: fc.Arbitrary<Record<string, string>>;

beforeAll(async () => {
  freezeClock();
  s = await service("fz-kc", 2);
  other = await service("fz-kc-o", 1);
  await configure(s);
  expect((await s.api.post(`${s.base}/policies`, [OUT(), IN()])).status).toBe(200);
  const revoked = await tenantToken(s.tenant);
  expect((await call("DELETE", `/admin/tenants/${s.tenant}/tokens/${revoked.tokenId}`, { token: ADMIN_TOKEN })).status).toBe(204);
  creds = credentialHeaders({ own: s.token, other: other.token, revoked: revoked.token });
});
afterAll(() => {
  releaseClock();
  console.log(`[fuzz] statuses: ${statusSummary()}`);
});

const ROUTES: RouteTemplate[] = [
  { method: "POST", path: "/v1/services", body: { name: "fz-new", services: [{ port: 443, destination_port: 8080 }] } },
  { method: "GET", path: "/v1/services", body: null },
  { method: "DELETE", path: "/v1/services", body: [{ name: "fz-new" }] },
  { method: "GET", path: "/v1/services/{group}", body: null },
  { method: "DELETE", path: "/v1/services/{doomed}", body: null },
  { method: "POST", path: "/v1/instances", body: { name: "fz-i", image: "user/app:1", service_group: { name: "fz-new" }, autostart: false } },
  { method: "GET", path: "/v1/instances", body: null },
  { method: "GET", path: "/v1/instances/{instance}", body: null },
  { method: "PUT", path: "/v1/instances/{instance}/start", body: null },
  { method: "PUT", path: "/v1/instances/{instance}/stop", body: {} },
  { method: "PUT", path: "/v1/instances/stop", body: [{ name: "fz-i" }] },
  { method: "DELETE", path: "/v1/instances/{doomedInstance}", body: null },
  { method: "POST", path: "/v1/services/autoscale", body: [{ name: "fz-new", min_size: 0, max_size: 2 }] },
  { method: "GET", path: "/v1/services/autoscale", body: [{ uuid: "{group}" }] },
  { method: "DELETE", path: "/v1/services/autoscale", body: [{ name: "fz-new" }] },
  { method: "POST", path: "/v1/services/{group}/autoscale", body: { min_size: 1, max_size: 3, warmup_time_ms: 1000, cooldown_time_ms: 1000 } },
  { method: "GET", path: "/v1/services/{group}/autoscale", body: null },
  { method: "DELETE", path: "/v1/services/{doomed}/autoscale", body: null },
  { method: "POST", path: "/v1/services/{group}/autoscale/policies", body: { name: "fz", type: "step", adjustment_type: "change", steps: [{ lower_bound: 500, adjustment: 1 }] } },
  { method: "GET", path: "/v1/services/{group}/autoscale/policies", body: { name: "out" } },
  { method: "DELETE", path: "/v1/services/{group}/autoscale/policies", body: { name: "fz" } },
  { method: "GET", path: "/v1/services/{group}/autoscale/policies/{policy}", body: null },
  { method: "DELETE", path: "/v1/services/{group}/autoscale/policies/{doomedPolicy}", body: null },
  { method: "POST", path: "/v1/services/{group}/autoscale/metrics", body: { cpu: 100 } },
  { method: "POST", path: "/v1/services/{group}/autoscale/evaluate", body: { cpu: 100, instances: 1 } },
  { method: "POST", path: "/v1/services/{group}/autoscale/replay", body: { trace: "1800000000,900\n1800000010,100", config: { max_size: 3, policies: [{ name: "o", type: "step", steps: [{ lower_bound: 500, adjustment: 1 }] }] } } },
];

const state = () => stateOf([s.stub, other.stub], [s.tenant, other.tenant]);

it("every /v1 route: no 5xx, KraftCloud errors, refusals change nothing", async () => {
  const params = {
    group: [s.uuid, s.uuid.toUpperCase(), other.uuid, s.name, crypto.randomUUID()],
    doomed: [crypto.randomUUID(), other.uuid, "fz-new"],
    instance: [s.instances[0].uuid, s.instances[1].uuid, other.instances[0].uuid, crypto.randomUUID()],
    doomedInstance: [s.instances[1].uuid, crypto.randomUUID(), other.instances[0].uuid],
    policy: ["out", "in", "nope"],
    doomedPolicy: ["fz", "nope"],
  };
  // `{group}` inside a body template is filled like a path parameter.
  const fill = (t: RouteTemplate): RouteTemplate => (t.body && JSON.stringify(t.body).includes("{group}") ? { ...t, body: JSON.parse(JSON.stringify(t.body).replace("{group}", s.uuid)) } : t);
  const arb = fc.constantFrom(...ROUTES.map(fill)).chain((t) => requestFor(t, params, creds));
  await fc.assert(
    fc.asyncProperty(arb, async (req) => {
      await checkCase(req, state);
    }),
    fuzzOptions(RUNS, "test/fuzz-kraftcloud.test.ts"),
  );
}, fuzzTimeout(RUNS));
