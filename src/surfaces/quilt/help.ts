// GET /api/elasticity/help: every route of the Quilt dialect with its method, headers, body and an
// example, as JSON or Markdown. The control paths come from ./contract.ts.
import { ACTION_ID_HEADER, CONTROL_BASE_PATH, CONTROL_PATHS, CONTROL_READ_PATHS, IDEMPOTENCY_KEY_HEADER, QUILT_BASE_PATH, REPLAY_HEADER, visibleOrigin } from "./contract";
import { QUILT_ERROR_CODES, ROUTE_NOT_FOUND } from "../../http/quilt-errors";

export interface RouteDoc {
  method: "GET" | "POST" | "PUT";
  path: string;
  summary: string;
  /** Headers the route needs beyond none (public routes list none). */
  headers: string[];
  body: Record<string, string> | null;
  answer: string;
  example: string;
}

const AUTH = ["X-Api-Key: <token> (or Authorization: Bearer <token>)", "X-Tenant-Id: <tenant>"];
const WRITE = [...AUTH, "Content-Type: application/json"];
const CONTROL_WRITE = [...WRITE, `${IDEMPOTENCY_KEY_HEADER}: <unique key>`, `${ACTION_ID_HEADER}: <action id>`];
const OPERATION = "200 the operation {operation_id, operation_type, action_id, tenant_id, target, status, reason_code, reason_message, retryable, request, result, created_at, completed_at}";

const C = (p: string) => CONTROL_BASE_PATH + p;
const authArgs = `-H "X-Api-Key: $TOKEN" -H "X-Tenant-Id: $TENANT"`;
const writeArgs = (key: string, action?: string) =>
  `${authArgs} -H "Content-Type: application/json" -H "${IDEMPOTENCY_KEY_HEADER}: ${key}"` + (action ? ` -H "${ACTION_ID_HEADER}: ${action}"` : "");
const curl = (method: string, path: string, extra: string) => `curl -s${method === "GET" ? "" : ` -X ${method}`} "$ORIGIN${path}" ${extra}`.trimEnd();

/** Every route of the dialect (issue 4), public ones first. */
export function routeCatalog(): RouteDoc[] {
  const r = (method: RouteDoc["method"], path: string, summary: string, headers: string[], body: RouteDoc["body"], answer: string, example: string): RouteDoc => ({ method, path, summary, headers, body, answer, example });
  const cw = (key: string) => writeArgs(key, "act-001");
  return [
    r("GET", `${QUILT_BASE_PATH}/health`, "Liveness of the dialect. No credentials, no tenant header.", [], null, '200 {"status":"ok"}', curl("GET", `${QUILT_BASE_PATH}/health`, "")),
    r("GET", `${QUILT_BASE_PATH}/help`, "This page. JSON, or Markdown with ?format=markdown. No credentials.", [], null, "200 JSON | text/markdown", curl("GET", `${QUILT_BASE_PATH}/help?format=markdown`, "")),
    r("GET", `${QUILT_BASE_PATH}/examples`, "Ready-to-run curl sequences of the safe workflow. JSON, or Markdown with ?format=markdown. No credentials.", [], null, "200 JSON | text/markdown", curl("GET", `${QUILT_BASE_PATH}/examples?format=markdown`, "")),
    r("GET", `${QUILT_BASE_PATH}/node/status`, "The edge node serving the request and the credential's tenant.", AUTH, null, '200 {"status":"ok","node_id":"<edge location, or \\"local\\">","tenant_id":"<tenant>"}', curl("GET", `${QUILT_BASE_PATH}/node/status`, authArgs)),
    r("GET", `${CONTROL_BASE_PATH}/contract`, "The control contract: base URL (from the origin you called), auth, path templates, idempotency rules.", AUTH, null, "200 {control_base_url, auth_header, requires_api_key, paths, idempotency}", curl("GET", `${CONTROL_BASE_PATH}/contract`, authArgs)),
    r("POST", `${QUILT_BASE_PATH}/containers/{container_id}/resize`, "Direct: resize a container (created on first write).", WRITE, { memory_limit_mb: "integer > 0", cpu_limit_percent: "number in (0, 100 × cores]" }, "200 the container's updated state", curl("POST", `${QUILT_BASE_PATH}/containers/api-1/resize`, `${authArgs} -H "Content-Type: application/json" -d '{"memory_limit_mb":512,"cpu_limit_percent":150}'`)),
    r("POST", `${QUILT_BASE_PATH}/functions/{function_id}/pool-target`, "Direct: set a function's instance pool bounds, then held by the reconciler.", WRITE, { min_instances: "integer ≥ 0", max_instances: "integer ≥ min_instances" }, "200 the function pool's updated state", curl("POST", `${QUILT_BASE_PATH}/functions/thumbs/pool-target`, `${authArgs} -H "Content-Type: application/json" -d '{"min_instances":1,"max_instances":4}'`)),
    r("POST", C(CONTROL_PATHS.resize_container), "Control twin of the container resize (elasticity.resize_container).", CONTROL_WRITE, { memory_limit_mb: "integer > 0", cpu_limit_percent: "number in (0, 100 × cores]" }, OPERATION, curl("POST", C("/containers/api-1/resize"), `${cw("resize-api-1-a")} -d '{"memory_limit_mb":1024,"cpu_limit_percent":200}'`)),
    r("POST", C(CONTROL_PATHS.set_function_pool_target), "Control twin of the pool target (elasticity.set_function_pool_target).", CONTROL_WRITE, { min_instances: "integer ≥ 0", max_instances: "integer ≥ min_instances" }, OPERATION, curl("POST", C("/functions/thumbs/pool-target"), `${cw("pool-thumbs-a")} -d '{"min_instances":2,"max_instances":8}'`)),
    r("PUT", C(CONTROL_PATHS.workload_function_binding), "Bind a workload to a function (elasticity.workload_function_binding).", CONTROL_WRITE, { function_id: "non-empty string" }, `${OPERATION} + current_function_id, next_function_id`, curl("PUT", C("/workloads/checkout/function-binding"), `${cw("bind-checkout-a")} -d '{"function_id":"thumbs"}'`)),
    r("GET", C(CONTROL_PATHS.workload_function_binding), "The workload's binding: current and next function. 404 if never written.", AUTH, null, "200 the binding: current_function_id, next_function_id (set while a rotation waits for its cutover)", curl("GET", C("/workloads/checkout/function-binding"), authArgs)),
    r("POST", C(CONTROL_PATHS.rotate_workload_function_binding), "Rotate to the next function at cutover_at (unix seconds; at once when in the past) (elasticity.rotate_workload_function_binding).", CONTROL_WRITE, { next_function_id: "non-empty string", cutover_at: "unix seconds" }, `${OPERATION} + current_function_id, next_function_id`, curl("POST", C("/workloads/checkout/function-binding/rotate"), `${cw("rotate-checkout-a")} -d '{"next_function_id":"thumbs-v2","cutover_at":1767225600}'`)),
    r("PUT", C(CONTROL_PATHS.workload_placement_preference), "Set where a workload runs (elasticity.workload_placement_preference).", CONTROL_WRITE, { node_group: "non-empty string", anti_affinity: "boolean" }, OPERATION, curl("PUT", C("/workloads/checkout/placement-preference"), `${cw("place-checkout-a")} -d '{"node_group":"web","anti_affinity":true}'`)),
    r("GET", C(CONTROL_PATHS.workload_placement_preference), "The workload's placement preference. 404 if never written.", AUTH, null, "200 the preference: node_group, anti_affinity", curl("GET", C("/workloads/checkout/placement-preference"), authArgs)),
    r("POST", C(CONTROL_PATHS.node_group_scale), "Change a node group's desired size by delta_units (the same group as /cloudpools/{group} and KraftCloud's service group; unknown group → 404) (elasticity.scale_node_group).", CONTROL_WRITE, { delta_units: "non-zero integer" }, OPERATION, curl("POST", C("/node-groups/web/scale"), `${cw("scale-web-a")} -d '{"delta_units":1}'`)),
    r("POST", C(CONTROL_PATHS.rollback_action), "Undo every succeeded operation of an action, newest first, across targets (elasticity.rollback_action). A target changed by a later action is reported as a conflict unless force is true.", CONTROL_WRITE, { target_action_id: "= {action_id} (required)", reason_code: "string", reason_message: "string", target_operation_id: "optional: undo only this operation of the action", reason: "optional, older clients' single reason string", force: "optional boolean" }, `${OPERATION}; result lists the undo operations per target`, curl("POST", C("/actions/act-001/rollback"), `${writeArgs("rollback-act-001", "act-001-rollback")} -d '{"target_action_id":"act-001","reason_code":"OPERATOR_REQUEST","reason_message":"undo the scale-out"}'`)),
    r("GET", C(CONTROL_READ_PATHS.operation), "One operation, immediately consistent with the write that created it.", AUTH, null, OPERATION, curl("GET", C("/operations/$OPERATION_ID"), authArgs)),
    r("GET", C(CONTROL_READ_PATHS.action_operations), "The operations of one action: a bare JSON array, oldest first.", AUTH, null, "200 [operation, ...]", curl("GET", C("/actions/act-001/operations"), authArgs)),
  ];
}

export function helpDocument(requestUrl: string) {
  const origin = visibleOrigin(requestUrl);
  return {
    name: "Scalegate — Quilt Elasticity API",
    base_url: origin + QUILT_BASE_PATH,
    // Same meaning as in the contract document: the origin; control paths are full paths from it.
    control_base_url: origin,
    variables: { ORIGIN: origin, TOKEN: "a tenant token (POST /admin/tenants/{tenant}/tokens)", TENANT: "the token's tenant" },
    auth: {
      credentials: "X-Api-Key: <token> or Authorization: Bearer <token>, on every route except health, help and examples (401 otherwise)",
      tenant: "X-Tenant-Id: <tenant> on the same routes: 400 when missing, 403 when it is not the token's tenant",
    },
    idempotency: {
      control_writes: `${IDEMPOTENCY_KEY_HEADER} and ${ACTION_ID_HEADER} required (400 without them, before anything changes)`,
      replay: `same key and request → the stored status and body with ${REPLAY_HEADER}: true`,
      conflict: "same key, different request → 422 IDEMPOTENCY_CONFLICT",
      in_flight: "same key while the first still executes → 409 IDEMPOTENCY_IN_FLIGHT with Retry-After",
      details: `every rule, machine-readable: GET ${CONTROL_BASE_PATH}/contract`,
    },
    errors: {
      shape: "{error, error_code, request_id, details?, hint?}; under /control also reason_code (= error_code), reason_message (= error), retryable",
      codes: [...new Set([...Object.values(QUILT_ERROR_CODES), "IDEMPOTENCY_IN_FLIGHT", ROUTE_NOT_FOUND])],
      request_id: "equals the X-Request-Id response header (send X-Request-Id to choose it)",
    },
    routes: routeCatalog(),
  };
}

export function helpMarkdown(requestUrl: string): string {
  const doc = helpDocument(requestUrl);
  const out = [
    `# ${doc.name}`,
    "",
    `Base URL: \`${doc.base_url}\` — control base URL: \`${doc.control_base_url}\` (the origin; control paths are full paths from it).`,
    "",
    "## Auth and tenancy",
    "",
    `- ${doc.auth.credentials}.`,
    `- ${doc.auth.tenant}.`,
    "",
    "## Idempotency (control writes)",
    "",
    ...Object.values(doc.idempotency).map((v) => `- ${v}`),
    "",
    "## Errors",
    "",
    `- Shape: \`${doc.errors.shape}\`.`,
    `- Codes: ${doc.errors.codes.map((c) => `\`${c}\``).join(", ")}.`,
    `- \`request_id\` ${doc.errors.request_id}.`,
    "",
    "## Routes",
    "",
    "Examples use `ORIGIN`, `TOKEN` and `TENANT` shell variables:",
    "",
    "```sh",
    `ORIGIN=${doc.variables.ORIGIN}`,
    "TOKEN='<your token>'",
    "TENANT='<your tenant>'",
    "```",
  ];
  for (const r of doc.routes) {
    out.push("", `### ${r.method} ${r.path}`, "", r.summary, "");
    out.push(`- Headers: ${r.headers.length ? r.headers.map((h) => `\`${h}\``).join(", ") : "none"}`);
    if (r.body) out.push(`- Body: ${Object.entries(r.body).map(([k, v]) => `\`${k}\` (${v})`).join(", ")}`);
    out.push(`- Answer: ${r.answer}`, "", "```sh", r.example, "```");
  }
  return out.join("\n") + "\n";
}
