// The Quilt info routes: health, help and examples (JSON and Markdown, no credentials), node status
// and the control contract (base URL from the origin called, the seven path templates, idempotency).
import { describe, expect, it } from "vitest";
import { IDEMPOTENCY_RETENTION_MS } from "../src/domain/operations";
import { CONTRACT_PATHS, CONTROL_PATHS, toHonoPath } from "../src/surfaces/quilt/contract";
import { tenantToken } from "./helpers";
import { Q, creds, expectQuiltError, quiltCall } from "./quilt-support";

/** Every route of issue 4, as "METHOD path" with the templates help uses. */
const ISSUE_ROUTES = [
  "GET /api/elasticity/health",
  "GET /api/elasticity/help",
  "GET /api/elasticity/examples",
  "GET /api/elasticity/node/status",
  "GET /api/elasticity/control/contract",
  "POST /api/elasticity/containers/{container_id}/resize",
  "POST /api/elasticity/functions/{function_id}/pool-target",
  "POST /api/elasticity/control/containers/{container_id}/resize",
  "POST /api/elasticity/control/functions/{function_id}/pool-target",
  "PUT /api/elasticity/control/workloads/{workload_id}/function-binding",
  "GET /api/elasticity/control/workloads/{workload_id}/function-binding",
  "POST /api/elasticity/control/workloads/{workload_id}/function-binding/rotate",
  "PUT /api/elasticity/control/workloads/{workload_id}/placement-preference",
  "GET /api/elasticity/control/workloads/{workload_id}/placement-preference",
  "POST /api/elasticity/control/node-groups/{group}/scale",
  "POST /api/elasticity/control/actions/{action_id}/rollback",
  "GET /api/elasticity/control/operations/{operation_id}",
  "GET /api/elasticity/control/actions/{action_id}/operations",
];

const SEVEN = {
  resize_container: "/containers/{container_id}/resize",
  set_function_pool_target: "/functions/{function_id}/pool-target",
  workload_function_binding: "/workloads/{workload_id}/function-binding",
  rotate_workload_function_binding: "/workloads/{workload_id}/function-binding/rotate",
  workload_placement_preference: "/workloads/{workload_id}/placement-preference",
  node_group_scale: "/node-groups/{group}/scale",
  rollback_action: "/actions/{action_id}/rollback",
};

describe("health, help, examples (public)", () => {
  it("GET /health → 200 {status: ok} without any header", async () => {
    const r = await quiltCall("GET", `${Q}/health`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: "ok" });
  });

  it("GET /help (JSON) lists every route of issue 4 with headers, body and a curl example", async () => {
    const r = await quiltCall("GET", `${Q}/help`, { origin: "http://localhost:8787" });
    expect(r.status).toBe(200);
    expect(r.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(r.body.base_url).toBe("http://localhost:8787/api/elasticity");
    expect(r.body.control_base_url).toBe("http://localhost:8787");
    const listed = r.body.routes.map((x: any) => `${x.method} ${x.path}`);
    expect([...listed].sort()).toEqual([...ISSUE_ROUTES].sort());
    for (const route of r.body.routes) {
      expect(route.summary.length, route.path).toBeGreaterThan(10);
      expect(route.example, route.path).toMatch(/^curl -s/);
      expect(Array.isArray(route.headers)).toBe(true);
      const isPublic = /\/(health|help|examples)$/.test(route.path);
      expect(route.headers.length === 0, route.path).toBe(isPublic);
      if (route.method !== "GET") {
        expect(route.body, route.path).not.toBeNull();
        expect(route.example, route.path).toContain("-d '");
      }
      if (route.method !== "GET" && route.path.startsWith(`${Q}/control/`)) {
        expect(route.headers.join(" "), route.path).toMatch(/Idempotency-Key.*X-Orch-Action-Id/);
        expect(route.example, route.path).toMatch(/Idempotency-Key: .*X-Orch-Action-Id: /);
      }
    }
    expect(r.body.errors.codes).toEqual(expect.arrayContaining(["ELASTICITY_TARGET_NOT_FOUND", "ELASTICITY_INVALID_ARGUMENT", "ELASTICITY_OPERATION_FAILED", "IDEMPOTENCY_CONFLICT", "UNAUTHORIZED", "FORBIDDEN"]));
  });

  it("GET /help?format=markdown → text/markdown with a section, headers and an example per route", async () => {
    const r = await quiltCall("GET", `${Q}/help?format=markdown`, { origin: "https://edge.example.com" });
    expect(r.status).toBe(200);
    expect(r.headers.get("Content-Type")).toMatch(/^text\/markdown/);
    expect(r.text).toMatch(/^# /);
    expect(r.text).toContain("control base URL: `https://edge.example.com`");
    for (const route of ISSUE_ROUTES) expect(r.text).toContain(`### ${route}\n`);
    expect(r.text.match(/```sh\ncurl -s/g)!.length).toBe(ISSUE_ROUTES.length);
    expect(r.text).toContain("X-Tenant-Id");
    expect(r.text).toContain("Idempotent-Replayed: true");
  });

  it("GET /examples (JSON): the safe workflow in order, ready to run against the origin called", async () => {
    const r = await quiltCall("GET", `${Q}/examples`, { origin: "http://localhost:8787" });
    expect(r.status).toBe(200);
    expect(r.body.base_url).toBe("http://localhost:8787/api/elasticity");
    const safe = r.body.sequences.find((s: any) => s.name === "safe_workflow");
    const titles: string[] = safe.steps.map((s: any) => s.title);
    const order = ["Health", "Contract", "Control write", "Operation lookup", "Action listing", "Rollback"].map((t) => titles.indexOf(t));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    const script: string = safe.script;
    expect(script).toContain("ORIGIN=${ORIGIN:-http://localhost:8787}");
    expect(script).toContain('"$ORIGIN/api/elasticity/health"');
    expect(script).toContain("jq -r .control_base_url");
    expect(script).toContain('"$CONTROL/node-groups/web/scale"');
    expect(script).toContain('"$CONTROL/operations/$OPERATION_ID"');
    expect(script).toContain('"$CONTROL/actions/$ACTION/operations"');
    expect(script).toContain('"$CONTROL/actions/$ACTION/rollback"');
    expect(script).toMatch(/Idempotency-Key: \$ACTION-scale-web" -H "X-Orch-Action-Id: \$ACTION"/);
    expect(script).not.toMatch(/^\w+=</m); // no `NAME=<placeholder>` that sh would read as a redirection
    expect(script).not.toMatch(/\{(\w+_id|group)\}/); // every path template filled
    expect(r.body.sequences.map((s: any) => s.name)).toContain("multi_target_action");
  });

  it("GET /examples?format=markdown → text/markdown with every step as a sh block", async () => {
    const r = await quiltCall("GET", `${Q}/examples?format=markdown`);
    expect(r.status).toBe(200);
    expect(r.headers.get("Content-Type")).toMatch(/^text\/markdown/);
    for (const t of ["Health", "Contract", "Control write", "Operation lookup", "Action listing", "Rollback"]) expect(r.text).toMatch(new RegExp(`### \\d+\\. ${t}\\n`));
    expect(r.text).toContain("```sh\ncurl -sf \"$ORIGIN/api/elasticity/health\"");
  });

  it("?format=json is the default; an unknown format is 400 ELASTICITY_INVALID_ARGUMENT with a hint", async () => {
    const json = await quiltCall("GET", `${Q}/help?format=json`);
    expect(json.headers.get("Content-Type")).toMatch(/^application\/json/);
    const bad = await quiltCall("GET", `${Q}/examples?format=xml`);
    expectQuiltError(bad, 400, "ELASTICITY_INVALID_ARGUMENT");
    expect(bad.body.details.field).toBe("format");
    expect(bad.body.hint).toContain("format=markdown");
  });

  it("another method on a public route → 405 METHOD_NOT_ALLOWED with Allow: GET", async () => {
    const r = await quiltCall("POST", `${Q}/health`);
    expectQuiltError(r, 405, "METHOD_NOT_ALLOWED");
    expect(r.headers.get("Allow")).toBe("GET");
  });
});

describe("node status", () => {
  it("→ {status: ok, node_id, tenant_id}; node_id is request.cf.colo, or 'local' when the runtime gives none", async () => {
    const { token } = await tenantToken("qi-node");
    const r = await quiltCall("GET", `${Q}/node/status`, { headers: creds(token, "qi-node") });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(["node_id", "status", "tenant_id"]);
    expect(r.body.status).toBe("ok");
    expect(r.body.tenant_id).toBe("qi-node");
    expect(r.body.node_id).toBe("local"); // the test runtime gives no request.cf
    const ams = await quiltCall("GET", `${Q}/node/status`, { headers: creds(token, "qi-node"), cf: { colo: "AMS" } });
    expect(ams.status).toBe(200);
    expect(ams.body).toEqual({ status: "ok", node_id: "AMS", tenant_id: "qi-node" });
  });
});

describe("control contract", () => {
  it("control_base_url follows the origin of the request (two hosts, a port, https)", async () => {
    const { token } = await tenantToken("qi-contract");
    for (const origin of ["http://localhost:8787", "https://scalegate.example.com", "http://127.0.0.1:9999"]) {
      const r = await quiltCall("GET", `${Q}/control/contract`, { origin, headers: creds(token, "qi-contract") });
      expect(r.status).toBe(200);
      expect(r.body.control_base_url).toBe(origin);
    }
  });

  it("has exactly the documented fields, the seven path templates and the idempotency rules", async () => {
    const { token } = await tenantToken("qi-contract2");
    const r = await quiltCall("GET", `${Q}/control/contract`, { headers: creds(token, "qi-contract2", "bearer") });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(["auth_header", "control_base_url", "idempotency", "paths", "requires_api_key"]);
    expect(r.body.auth_header).toBe("X-Api-Key");
    expect(r.body.requires_api_key).toBe(true);
    expect(r.body.paths).toEqual(Object.fromEntries(Object.entries(SEVEN).map(([k, v]) => [k, `/api/elasticity/control${v}`])));
    const i = r.body.idempotency;
    expect(i.scope).toEqual(["tenant", "operation_type", "target", "key"]);
    expect(i.key_header).toBe("Idempotency-Key");
    expect(i.action_header).toBe("X-Orch-Action-Id");
    expect(i.retention_ms).toBe(IDEMPOTENCY_RETENTION_MS);
    expect(i.retention_seconds).toBe(24 * 3600);
    expect(i.replay).toMatchObject({ header: "Idempotent-Replayed", header_value: "true" });
    expect(i.conflict).toMatchObject({ status: 422, error_code: "IDEMPOTENCY_CONFLICT" });
    expect(i.in_flight).toMatchObject({ status: 409, header: "Retry-After" });
  });

  it("the exported templates are the contract's and mount as Hono paths", () => {
    expect(CONTROL_PATHS).toEqual(SEVEN);
    for (const [k, v] of Object.entries(SEVEN)) expect(CONTRACT_PATHS[k as keyof typeof CONTRACT_PATHS]).toBe(`/api/elasticity/control${v}`);
    expect(toHonoPath(CONTROL_PATHS.rotate_workload_function_binding)).toBe("/workloads/:workload_id/function-binding/rotate");
  });
});
