// The conformance check itself (./kraftcloud-spec.ts: /v1 answers against the project's own
// KraftCloud OpenAPI 3.1 document, src/openapi/kraftcloud.ts, served as /openapi/kraftcloud.json)
// and a tour of every /v1 route, each answer validated: the 200 answer and the error answer
// (`default`) of every operation the document declares. (Every other /v1 suite validates its
// answers too: the clients of ./kraftcloud-support.ts and ./kraftcloud-autoscale-support.ts.)
import { describe, expect, it } from "vitest";
import { openapiDocument } from "../src/openapi";
import { ISSUE_STATUSES, KNOWN_DEVIATIONS, conformance, responseSchema, spec, specPath } from "./kraftcloud-spec";
import { kcClient, newTenant, seen, slowService } from "./kraftcloud-support";

const UUID = "0b5e2a8e-1111-4222-8333-444455556666";
const env = (kind: string, items: unknown[], status = "success") => ({ status, data: { [kind]: items }, op_time_us: 12 });
const inst = (patch: object = {}) => env("instances", [{ status: "success", uuid: UUID, name: "a", state: "running", ...patch }]);
const errorsOf = (method: string, path: string, status: number, body: unknown) => conformance(method, path, status, body).errors;

describe("the validator", () => {
  it("checks against the served document, with nothing excused", async () => {
    expect(spec).toBe(openapiDocument("kraftcloud"));
    expect(KNOWN_DEVIATIONS).toEqual([]);
    expect(spec.info.title).toContain("KraftCloud");
  });

  it("top-level status: success, partial_success or error; items keep their own status", () => {
    for (const status of ISSUE_STATUSES) expect(errorsOf("GET", "/v1/services", 200, env("service_groups", [], status))).toEqual([]);
    expect(errorsOf("GET", "/v1/services", 200, env("service_groups", [], "failure"))).not.toEqual([]);
    expect(errorsOf("GET", "/v1/services", 200, env("service_groups", [{ status: "partial_success", uuid: UUID, name: "x" }]))).not.toEqual([]);
    expect(errorsOf("GET", "/v1/services", 200, { status: "success", data: { service_groups: [] } })).not.toEqual([]); // op_time_us
  });

  it("a per-item failure is an HTTP 200 item {status: error, message, error: <number>, ...identity}, on single-target routes too", () => {
    const failed = env("instances", [{ status: "error", message: `instance '${UUID}' not found`, error: 8, uuid: UUID }], "error");
    expect(errorsOf("GET", `/v1/instances/${UUID}`, 200, { ...failed, message: "instance not found" })).toEqual([]);
    expect(errorsOf("PUT", "/v1/instances/start", 200, failed)).toEqual([]);
    expect(errorsOf("GET", `/v1/instances/${UUID}`, 200, env("instances", [{ status: "error", message: "x", error: "8" }], "error"))).not.toEqual([]);
    expect(errorsOf("GET", `/v1/instances/${UUID}`, 200, env("instances", [{ status: "error", error: 8 }], "error"))).not.toEqual([]);
  });

  it("whole-request failures are non-2xx {status: error, message, errors: [{status}]}", () => {
    expect(errorsOf("GET", `/v1/instances/${UUID}`, 401, { status: "error", message: "missing or invalid credentials", errors: [{ status: 401 }] })).toEqual([]);
    expect(errorsOf("POST", "/v1/services", 400, { status: "error", message: "x" })).not.toEqual([]);
    expect(errorsOf("POST", "/v1/services", 400, { status: "error", message: "x", errors: [{ status: "400" }] })).not.toEqual([]);
    expect(errorsOf("POST", "/v1/services", 400, { status: "error", message: "", errors: [{ status: 400 }] })).not.toEqual([]);
  });

  it("rejects what the document forbids: unknown states, malformed uuids and times", () => {
    expect(errorsOf("GET", `/v1/instances/${UUID}`, 200, inst())).toEqual([]);
    expect(errorsOf("GET", `/v1/instances/${UUID}`, 200, inst({ state: "sleeping" }))).not.toEqual([]);
    expect(errorsOf("GET", `/v1/instances/${UUID}`, 200, inst({ uuid: "nope" }))).not.toEqual([]);
    expect(errorsOf("GET", `/v1/instances/${UUID}`, 200, inst({ created_at: "yesterday" }))).not.toEqual([]);
    expect(errorsOf("GET", `/v1/instances/${UUID}`, 200, inst({ memory_mb: -1 }))).not.toEqual([]);
    expect(errorsOf("GET", `/v1/instances/${UUID}`, 200, inst({ vcpus: "1" }))).not.toEqual([]);
  });

  it("accepts both API generations' fields and any additional field (extra keys never break a client)", () => {
    expect(errorsOf("GET", `/v1/instances/${UUID}`, 200, inst({ vcpus: 1, restart_policy: "never", type: "micro", some_future_field: { x: 1 } }))).toEqual([]);
    const config = { status: "success", uuid: UUID, name: "g", enabled: true, min_size: 0, max_size: 3, master: { uuid: UUID, name: "a" }, template: { uuid: UUID, name: "a" }, policies: [] };
    expect(errorsOf("GET", `/v1/services/${UUID}/autoscale`, 200, env("service_groups", [config]))).toEqual([]);
    expect(errorsOf("GET", `/v1/services/${UUID}/autoscale`, 200, env("service_groups", [{ status: "unconfigured", uuid: UUID, name: "g", enabled: false }]))).toEqual([]);
    const policy = { status: "success", uuid: UUID, name: "out", type: "step", metric: "cpu", adjustment_type: "percentage", steps: [{ lower_bound: 800, adjustment: 1 }], policy: { name: "out", enabled: true, metric: "cpu", adjustment_type: "percentage", steps: [] } };
    expect(errorsOf("POST", `/v1/services/${UUID}/autoscale/policies`, 200, env("policies", [policy]))).toEqual([]);
    const group = { status: "success", uuid: UUID, name: "g", created_at: "2026-12-05T06:00:00.000Z", persistent: true, autoscale: false, soft_limit: 1, hard_limit: 65535, domains: [] };
    expect(errorsOf("POST", "/v1/services", 200, env("service_groups", [group]))).toEqual([]);
    expect(errorsOf("POST", "/v1/services", 200, env("service_groups", [{ ...group, persistent: "yes" }]))).not.toEqual([]);
  });

  it("finds the operation of a request path (literal segments first) and falls back to `default` for errors only", () => {
    expect(specPath("/v1/services")).toBe("/v1/services");
    expect(specPath(`/v1/services/${UUID}?details=false`)).toBe("/v1/services/{uuid}");
    expect(specPath("/v1/services/autoscale")).toBe("/v1/services/autoscale");
    expect(specPath("/v1/instances/start")).toBe("/v1/instances/start");
    expect(specPath(`/v1/instances/${UUID}/stop`)).toBe("/v1/instances/{uuid}/stop");
    expect(specPath("/v1/nope")).toBeNull();
    expect(specPath("/cloudpools/web/pool")).toBeNull();
    expect(responseSchema("GET", `/v1/services/${UUID}`, 200)).toMatchObject({ operationId: "get-service-group", code: "200" });
    expect(responseSchema("GET", `/v1/services/${UUID}`, 404)).toMatchObject({ operationId: "get-service-group", code: "default" });
    expect(responseSchema("GET", `/v1/services/${UUID}`, 201)).toBeNull();
    expect(conformance("GET", `/v1/services/${UUID}`, 201, {}).errors).not.toEqual([]);
    expect(responseSchema("PATCH", "/v1/services", 405)).toBeNull();
  });
});

describe("a tour of every /v1 route, each answer validated", () => {
  it("the 200 answer and the error answer of every operation of the document", { timeout: 60_000 }, async () => {
    const t = await newTenant("tour");
    const api = t.api;
    const g = await slowService(t, "g", { services: [{ port: 443 }], domains: [{ name: "g.example.com." }], soft_limit: 5, hard_limit: 10 });
    // services
    await api.get("/v1/services");
    await api.get("/v1/services?details=false");
    await api.get("/v1/services?name=g,nope");
    await api.get(`/v1/services/${g}`);
    await api.get(`/v1/services/${UUID}`);
    const gone = (await api.post("/v1/services", [{ name: "gone-1", services: [] }, { name: "gone-2", services: [] }, { name: "Bad", services: [] }])).body.data.service_groups;
    await api.del("/v1/services", [{ name: "gone-1" }, { uuid: UUID }]);
    await api.del(`/v1/services/${gone[1].uuid}`);
    await api.del(`/v1/services/${UUID}`);
    // instances
    const a = (await api.post("/v1/instances", { name: "a", image: "user/app:1", service_group: { uuid: g } })).body.data.instances[0];
    await api.post("/v1/instances", { name: "b", image: { url: "user/app:1" }, vcpus: 2, service_group: { name: "g" }, autostart: false });
    await api.post("/v1/instances", { name: "a", image: "user/app:1", service_group: { name: "g" } });
    await api.get("/v1/instances");
    await api.get("/v1/instances?details=false&name=a");
    await api.get(`/v1/instances/${a.uuid}`);
    await api.get(`/v1/instances/${UUID}`);
    await api.put(`/v1/instances/${a.uuid}/stop`);
    await api.put(`/v1/instances/${a.uuid}/start`);
    await api.raw("PUT", "/v1/instances/start", JSON.stringify([{ name: "b" }, { uuid: UUID }]));
    await api.raw("PUT", "/v1/instances/stop", JSON.stringify({ name: "b" }));
    // autoscale
    const base = `/v1/services/${g}/autoscale`;
    await api.get(base);
    await api.post(base, { master: { name: "a" }, min_size: 1, max_size: 3 });
    await api.post(base, { master: { name: "a" } });
    await api.get(base);
    await api.get("/v1/services/autoscale");
    await api.post(`${base}/policies`, { name: "out", type: "step", metric: "cpu", adjustment_type: "change", steps: [{ lower_bound: 800, adjustment: 1 }] });
    await api.post(`${base}/policies`, [{ name: "in", type: "step", metric: "cpu", adjustment_type: "change", steps: [{ upper_bound: 200, adjustment: -1 }] }, { name: "in" }]);
    await api.get(`${base}/policies`);
    await api.get(`${base}/policies/out`);
    await api.get(`${base}/policies/nope`);
    await api.post(`${base}/metrics`, { cpu: 100 });
    await api.post(`${base}/evaluate`, { cpu: 900 });
    await api.post(`${base}/replay`, { trace: "timestamp,value\n2026-01-01T00:00:00Z,500\n2026-01-01T00:00:10Z,900\n" });
    await api.del(`${base}/policies/out`);
    await api.del(`${base}/policies`);
    await api.del(base);
    await api.post("/v1/services/autoscale", [{ name: "g", master: { name: "a" } }, { name: "nope", master: { name: "a" } }]);
    await api.del("/v1/services/autoscale", [{ name: "g" }]);
    // deletions
    await api.del("/v1/instances", [{ name: "b" }, { name: "nope" }]);
    await api.del(`/v1/instances/${a.uuid}`);
    // The error answer of every operation: no credentials (a whole-request failure).
    const anon = kcClient(null);
    for (const [path, item] of Object.entries<any>(spec.paths)) {
      const concrete = path.replace("{uuid}", g).replace("{name}", "out");
      for (const method of Object.keys(item)) {
        const r = await anon.raw(method.toUpperCase(), concrete, undefined);
        expect(r.status, `${method} ${path}`).toBe(401);
      }
    }
    await api.raw("POST", "/v1/services", "{bad");

    const operations = new Set(seen.map((s) => s.operation));
    for (const [path, item] of Object.entries<any>(spec.paths)) {
      for (const op of Object.values<any>(item)) {
        expect(operations, `${op.operationId} 200 (${path})`).toContain(`${op.operationId} 200`);
        expect(operations, `${op.operationId} default (${path})`).toContain(`${op.operationId} default`);
      }
    }
    expect(seen.filter((s) => s.status >= 500)).toEqual([]);
    expect(seen.filter((s) => s.deviations.length > 0)).toEqual([]);
  });
});
