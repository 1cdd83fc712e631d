// The Quilt Elasticity document (/api/elasticity/..., docs/quilt.md): the request schemas of
// src/surfaces/quilt/schemas.ts, the control paths of its contract.ts, the answers of its format.ts.
import { z } from "zod";
import { CONTROL_BASE_PATH, CONTROL_PATHS, CONTROL_READ_PATHS, QUILT_BASE_PATH } from "../surfaces/quilt/contract";
import { ID_RE, bindingBody, placementBody, poolTargetBody, resizeBody, rollbackBody, rotateBody, scaleBody } from "../surfaces/quilt/schemas";
import type { DocumentSpec, HeaderParam, Operation } from "./builder";
import { REPLAY_HEADERS, anyJson, bearer, idempotencyKeyHeader, isoTime, nullableTime, quiltControlError, quiltError } from "./common";

const STATUSES = ["accepted", "running", "succeeded", "failed", "cancelled", "timed_out"] as const;

export const operation = z
  .looseObject({
    operation_id: z.string().min(1),
    operation_type: z.string().describe("e.g. elasticity.resize_container, elasticity.node_group_scale, elasticity.rollback_action"),
    action_id: z.string().nullable(),
    tenant_id: z.string(),
    target: z.looseObject({ kind: z.string().describe("container, function, workload, node_group or action"), id: z.string() }),
    status: z.enum(STATUSES),
    reason_code: z.string().nullable(),
    reason_message: z.string().nullable(),
    retryable: z.boolean().optional().describe("failed, cancelled and timed_out operations"),
    request: anyJson,
    result: anyJson.describe("binding and rotate results also carry current_function_id, next_function_id and cutover_at"),
    created_at: isoTime,
    completed_at: nullableTime,
  })
  .meta({ id: "Operation", description: "A control write's terminal operation, and what the operation reads answer" });

const bindingFields = {
  current_function_id: z.string().nullable(),
  next_function_id: z.string().nullable(),
  cutover_at: z.int().nullable().optional().describe("unix seconds of a pending rotation's cutover"),
};

const bindingOperation = operation
  .extend({
    ...bindingFields,
    result: z
      .looseObject({ current_function_id: z.string().nullable(), next_function_id: z.string().nullable(), cutover_at: z.int().nullable(), before: anyJson.optional(), after: anyJson.optional() })
      .nullable()
      .describe("before/after, and the binding clients read: current_function_id, next_function_id, cutover_at"),
  })
  .meta({ id: "BindingOperation" });

const container = z.looseObject({ container_id: z.string(), memory_limit_mb: z.number(), cpu_limit_percent: z.number(), updated_at: nullableTime }).meta({ id: "Container" });
const functionPool = z
  .looseObject({ function_id: z.string(), min_instances: z.int().min(0), max_instances: z.int().min(0), desired_instances: z.int().min(0), running_instances: z.int().min(0) })
  .meta({ id: "FunctionPool" });
const binding = z.looseObject({ workload_id: z.string(), ...bindingFields, updated_at: nullableTime }).meta({ id: "FunctionBinding" });
const placement = z.looseObject({ workload_id: z.string(), node_group: z.string().nullable(), anti_affinity: z.boolean().nullable(), updated_at: nullableTime }).meta({ id: "PlacementPreference" });

const contract = z
  .looseObject({
    control_base_url: z.string().describe("the origin the request was made to: control_base_url + paths.<key> is a working URL"),
    auth_header: z.string(),
    requires_api_key: z.boolean(),
    paths: z.record(z.string(), z.string()),
    idempotency: z.record(z.string(), anyJson),
  })
  .meta({ id: "ControlContract" });

const formatQuery = z.strictObject({ format: z.enum(["json", "markdown", "md"]).optional().describe("json (default) or markdown") });

const MARKDOWN = { "text/markdown": z.string() };
const ID = z.string().regex(ID_RE);
const param = (description: string, schema: z.ZodType = ID) => ({ description, schema });
const P = {
  container_id: param("the container"),
  function_id: param("the function"),
  workload_id: param("the workload"),
  group: param("the node group (a group of any dialect)", z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/)),
  action_id: param("the orchestrator action"),
  operation_id: param("the operation", z.string().regex(/^[A-Za-z0-9._-]{1,128}$/)),
};

const tenantHeader: Record<string, HeaderParam> = { "X-Tenant-Id": { description: "the token's tenant (400 when missing, 403 when another)", required: true } };
const controlHeaders: Record<string, HeaderParam> = {
  ...tenantHeader,
  "Idempotency-Key": { ...idempotencyKeyHeader, required: true },
  "X-Orch-Action-Id": { description: "the orchestrator action this write belongs to (rollback undoes an action)", required: true, schema: ID },
};
const directHeaders: Record<string, HeaderParam> = {
  ...tenantHeader,
  "Idempotency-Key": idempotencyKeyHeader,
  "X-Orch-Action-Id": { description: "optional on direct writes; checked when sent", schema: ID },
};

const ctl = (template: string) => CONTROL_BASE_PATH + template;
const json = (description: string, schema: z.ZodType) => ({ 200: { description, schema, headers: REPLAY_HEADERS } });

export function quiltSpec(): DocumentSpec {
  const control = (o: Omit<Operation, "tags" | "error">): Operation => ({ ...o, tags: ["control"], error: quiltControlError });
  const operations: Operation[] = [
    { method: "get", path: `${QUILT_BASE_PATH}/health`, operationId: "health", summary: "Liveness (no credentials)", tags: ["info"], security: [], responses: { 200: { description: "ok", schema: z.looseObject({ status: z.literal("ok") }) } } },
    {
      method: "get", path: `${QUILT_BASE_PATH}/help`, operationId: "help", summary: "Every route, its headers, body and a curl example (no credentials)", tags: ["info"], security: [], query: formatQuery,
      responses: { 200: { description: "The help document (JSON, or text/markdown with ?format=markdown)", schema: z.looseObject({ name: z.string(), base_url: z.string(), routes: z.array(anyJson) }), also: MARKDOWN } },
    },
    {
      method: "get", path: `${QUILT_BASE_PATH}/examples`, operationId: "examples", summary: "Runnable workflows for this origin (no credentials)", tags: ["info"], security: [], query: formatQuery,
      responses: { 200: { description: "The examples (JSON, or text/markdown with ?format=markdown)", schema: z.looseObject({ base_url: z.string(), sequences: z.array(anyJson) }), also: MARKDOWN } },
    },
    { method: "get", path: `${QUILT_BASE_PATH}/node/status`, operationId: "nodeStatus", summary: "The serving node and the caller's tenant", tags: ["info"], headers: tenantHeader, responses: { 200: { description: "Status", schema: z.looseObject({ status: z.literal("ok"), node_id: z.string(), tenant_id: z.string() }) } } },
    { method: "get", path: ctl("/contract"), operationId: "controlContract", summary: "The control contract: base URL, paths, idempotency rules", tags: ["control"], headers: tenantHeader, error: quiltControlError, responses: { 200: { description: "The contract", schema: contract } } },

    { method: "post", path: `${QUILT_BASE_PATH}/containers/{container_id}/resize`, operationId: "resizeContainer", summary: "Resize a container (direct: answers its state)", tags: ["direct"], params: { container_id: P.container_id }, headers: directHeaders, body: { schema: resizeBody }, responses: json("The container now", container) },
    { method: "post", path: `${QUILT_BASE_PATH}/functions/{function_id}/pool-target`, operationId: "setFunctionPoolTarget", summary: "Set a function pool's bounds (direct: answers its state)", tags: ["direct"], params: { function_id: P.function_id }, headers: directHeaders, body: { schema: poolTargetBody }, responses: json("The function pool now", functionPool) },

    control({ method: "post", path: ctl(CONTROL_PATHS.resize_container), operationId: "controlResizeContainer", summary: "Resize a container", params: { container_id: P.container_id }, headers: controlHeaders, body: { schema: resizeBody }, responses: json("The terminal operation", operation) }),
    control({ method: "post", path: ctl(CONTROL_PATHS.set_function_pool_target), operationId: "controlSetFunctionPoolTarget", summary: "Set a function pool's bounds", params: { function_id: P.function_id }, headers: controlHeaders, body: { schema: poolTargetBody }, responses: json("The terminal operation", operation) }),
    control({ method: "put", path: ctl(CONTROL_PATHS.workload_function_binding), operationId: "bindWorkloadFunction", summary: "Bind a workload to a function", params: { workload_id: P.workload_id }, headers: controlHeaders, body: { schema: bindingBody }, responses: json("The terminal operation with the binding", bindingOperation) }),
    control({ method: "get", path: ctl(CONTROL_PATHS.workload_function_binding), operationId: "getWorkloadFunctionBinding", summary: "A workload's binding", params: { workload_id: P.workload_id }, headers: tenantHeader, responses: { 200: { description: "The binding", schema: binding } } }),
    control({ method: "post", path: ctl(CONTROL_PATHS.rotate_workload_function_binding), operationId: "rotateWorkloadFunctionBinding", summary: "Rotate a workload to another function at cutover_at", params: { workload_id: P.workload_id }, headers: controlHeaders, body: { schema: rotateBody }, responses: json("The terminal operation with the binding", bindingOperation) }),
    control({ method: "put", path: ctl(CONTROL_PATHS.workload_placement_preference), operationId: "setWorkloadPlacement", summary: "Set a workload's placement preference", params: { workload_id: P.workload_id }, headers: controlHeaders, body: { schema: placementBody }, responses: json("The terminal operation", operation) }),
    control({ method: "get", path: ctl(CONTROL_PATHS.workload_placement_preference), operationId: "getWorkloadPlacement", summary: "A workload's placement preference", params: { workload_id: P.workload_id }, headers: tenantHeader, responses: { 200: { description: "The preference", schema: placement } } }),
    control({ method: "post", path: ctl(CONTROL_PATHS.node_group_scale), operationId: "scaleNodeGroup", summary: "Scale a node group by delta_units", params: { group: P.group }, headers: controlHeaders, body: { schema: scaleBody }, responses: json("The terminal operation", operation) }),
    control({ method: "post", path: ctl(CONTROL_PATHS.rollback_action), operationId: "rollbackAction", summary: "Undo an action's operations, newest first", params: { action_id: P.action_id }, headers: controlHeaders, body: { schema: rollbackBody }, responses: json("The rollback's operation (result: a report per undone operation)", operation) }),
    control({ method: "get", path: ctl(CONTROL_READ_PATHS.operation), operationId: "getOperation", summary: "One operation", params: { operation_id: P.operation_id }, headers: tenantHeader, responses: { 200: { description: "The operation", schema: operation } } }),
    control({ method: "get", path: ctl(CONTROL_READ_PATHS.action_operations), operationId: "listActionOperations", summary: "An action's operations, oldest first", params: { action_id: P.action_id }, headers: tenantHeader, responses: { 200: { description: "The operations (a bare array)", schema: z.array(operation) } } }),
  ];
  return {
    title: "Scalegate — Quilt Elasticity API",
    version: "1",
    description:
      "Quilt's elasticity routes under `/api/elasticity`: direct writes (answer the target's state) and control writes (need `Idempotency-Key` and `X-Orch-Action-Id`, answer the terminal operation), operation reads and rollback. Credentials: `X-Api-Key: <tenant token>` or `Authorization: Bearer <tenant token>`, with `X-Tenant-Id`. Errors: `{error, error_code, request_id, details?, hint?}`, plus `reason_code`, `reason_message`, `retryable` under `/control`. Markdown variants of help and examples: `?format=markdown`.",
    tags: [
      { name: "info", description: "Health, help, examples, node status" },
      { name: "direct", description: "Direct writes" },
      { name: "control", description: "Control writes, reads and rollback" },
    ],
    securitySchemes: { apiKey: { type: "apiKey", in: "header", name: "X-Api-Key", description: "A tenant token" }, tenantBearer: bearer("A tenant token") },
    security: ["apiKey", "tenantBearer"],
    error: quiltError,
    operations,
  };
}
