// The Quilt control contract: path templates of the control routes (one source for the contract
// document, the help pages and the router that mounts the control routes) and the document served
// at GET /api/elasticity/control/contract. docs/quilt.md, "The contract document".
import { IDEMPOTENCY_RETENTION_MS } from "../../domain/operations";

/** Where the Quilt dialect is mounted. */
export const QUILT_BASE_PATH = "/api/elasticity";
/** Where the control routes live; the templates below are relative to it. */
export const CONTROL_BASE_PATH = `${QUILT_BASE_PATH}/control`;

/**
 * Control path templates, relative to the control base URL, keyed as in the contract document.
 * `{name}` is a path parameter; `toHonoPath` turns a template into a Hono route (`:name`).
 */
export const CONTROL_PATHS = {
  resize_container: "/containers/{container_id}/resize",
  set_function_pool_target: "/functions/{function_id}/pool-target",
  workload_function_binding: "/workloads/{workload_id}/function-binding",
  rotate_workload_function_binding: "/workloads/{workload_id}/function-binding/rotate",
  workload_placement_preference: "/workloads/{workload_id}/placement-preference",
  node_group_scale: "/node-groups/{group}/scale",
  rollback_action: "/actions/{action_id}/rollback",
} as const;

export type ControlPathKey = keyof typeof CONTROL_PATHS;

/**
 * The contract's `paths`: each template as a full path from the origin, so that
 * `control_base_url + paths.x` is a working URL (Quilt's SDK joins them like that).
 */
export const CONTRACT_PATHS = Object.fromEntries(Object.entries(CONTROL_PATHS).map(([k, v]) => [k, CONTROL_BASE_PATH + v])) as Record<ControlPathKey, string>;

/** Read routes of the control plane (not part of the contract's `paths`, listed by help). */
export const CONTROL_READ_PATHS = {
  operation: "/operations/{operation_id}",
  action_operations: "/actions/{action_id}/operations",
} as const;

/** `/containers/{container_id}/resize` → `/containers/:container_id/resize`. */
export const toHonoPath = (template: string) => template.replace(/\{(\w+)\}/g, ":$1");

/** Fills a template: `fillPath(CONTROL_PATHS.node_group_scale, { group: "web" })`. */
export const fillPath = (template: string, params: Record<string, string>) =>
  template.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(params[name] ?? `{${name}}`));

export const IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";
export const ACTION_ID_HEADER = "X-Orch-Action-Id";
export const REPLAY_HEADER = "Idempotent-Replayed";

/** The visible origin of a request: scheme, host and port the client used (never a constant). */
export const visibleOrigin = (url: string) => new URL(url).origin;

export interface ControlContract {
  control_base_url: string;
  auth_header: string;
  requires_api_key: boolean;
  paths: Record<ControlPathKey, string>;
  idempotency: Record<string, unknown>;
}

/**
 * The document of GET /api/elasticity/control/contract, for a request made to `requestUrl`:
 * `control_base_url` is the request-visible origin (as Quilt's docs show `https://backend.quilt.sh`),
 * never with a path, and `paths` are full paths from it.
 */
export function controlContract(requestUrl: string): ControlContract {
  return {
    control_base_url: visibleOrigin(requestUrl),
    auth_header: "X-Api-Key",
    requires_api_key: true,
    paths: CONTRACT_PATHS,
    idempotency: {
      scope: ["tenant", "operation_type", "target", "key"],
      key_header: IDEMPOTENCY_KEY_HEADER,
      action_header: ACTION_ID_HEADER,
      required_on: "every control write (POST/PUT on the paths above): both headers, else 400 before anything changes",
      key_format: "1 to 255 visible ASCII characters",
      retention_ms: IDEMPOTENCY_RETENTION_MS,
      retention_seconds: IDEMPOTENCY_RETENTION_MS / 1000,
      retention: `${IDEMPOTENCY_RETENTION_MS / 3_600_000}h`,
      replay: { status: "the stored status", body: "the stored body", header: REPLAY_HEADER, header_value: "true" },
      conflict: { status: 422, error_code: "IDEMPOTENCY_CONFLICT", when: "same key and scope, different payload" },
      in_flight: { status: 409, error_code: "IDEMPOTENCY_IN_FLIGHT", header: "Retry-After", when: "same key while the first request still executes" },
    },
  };
}
