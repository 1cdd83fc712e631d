// Request bodies and identifiers of the Quilt routes (docs/quilt.md, "Control routes and
// operations"). Everything here is checked before a Durable Object is called, so a rejected
// request changes nothing.
import type { Context } from "hono";
import { z } from "zod";
import { MAX_GROUP_SIZE } from "../../domain/model";
import { badRequest } from "../../http/errors";
import type { AppEnv } from "../../http/types";
import { GROUP_NAME_RE } from "../groups";

/**
 * Container, function, workload and action ids (paths, `function_id`, `X-Orch-Action-Id`): 1 to
 * 128 letters, digits, '.', '_' or '-', starting with a letter or digit (UUIDs fit).
 */
export const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const ID_RULE = "1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit";
/** Node groups are the groups of the other dialects: their names (1 to 63 characters). */
export { GROUP_NAME_RE };
export const GROUP_NAME_RULE = "1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit";
/** Operation ids are the ledger's (UUIDs today); anything else of this shape is simply not found. */
export const OPERATION_ID_RE = /^[A-Za-z0-9._-]{1,128}$/;

/** CPU cores of a node when NODE_CPU_CORES is unset or not a whole number in [1, 1024]. */
export const DEFAULT_NODE_CPU_CORES = 8;
/** Largest container memory limit accepted: 4 TiB in MB. */
export const MAX_MEMORY_MB = 4 * 1024 * 1024;
/** `cutover_at` is unix seconds; a value this large is a millisecond timestamp sent by mistake. */
export const MAX_CUTOVER_AT = 99_999_999_999;

/** `cpu_limit_percent` may reach 100 × the cores of a node (wrangler.toml [vars] NODE_CPU_CORES). */
export function nodeCpuCores(env: { NODE_CPU_CORES?: string }): number {
  const n = Number(env.NODE_CPU_CORES);
  return Number.isInteger(n) && n >= 1 && n <= 1024 ? n : DEFAULT_NODE_CPU_CORES;
}

const id = z.string().regex(ID_RE, ID_RULE);
const count = z.int().min(0).max(MAX_GROUP_SIZE);

export const resizeBody = z.strictObject({
  memory_limit_mb: z.int().min(1).max(MAX_MEMORY_MB),
  // The upper bound depends on the deployment (cores): checked by `checkCpu`.
  cpu_limit_percent: z.number().positive(),
});
export type ResizeBody = z.infer<typeof resizeBody>;

/** `cpu_limit_percent` in (0, 100 × cores]: 400 naming the field otherwise. */
export function checkCpu(c: Context<AppEnv>, body: ResizeBody): ResizeBody {
  const max = 100 * nodeCpuCores(c.env);
  if (body.cpu_limit_percent > max) {
    throw badRequest(`invalid field 'cpu_limit_percent': must be at most ${max} (100 × ${max / 100} cores)`, `in (0, ${max}]`, "cpu_limit_percent");
  }
  return body;
}

export const poolTargetBody = z
  .strictObject({ min_instances: count, max_instances: count })
  .refine((b) => b.min_instances <= b.max_instances, { message: "min_instances must not exceed max_instances", path: ["min_instances"] });

export const bindingBody = z.strictObject({ function_id: id });

export const rotateBody = z.strictObject({
  next_function_id: id,
  cutover_at: z.int().min(0).max(MAX_CUTOVER_AT, "unix seconds expected (this looks like milliseconds)"),
});

export const placementBody = z.strictObject({
  node_group: z.string().regex(GROUP_NAME_RE, GROUP_NAME_RULE),
  anti_affinity: z.boolean(),
});

export const scaleBody = z.strictObject({
  delta_units: z
    .int()
    .min(-MAX_GROUP_SIZE)
    .max(MAX_GROUP_SIZE)
    .refine((n) => n !== 0, "must not be 0"),
});

const REASON_CODE_RE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
const text = z.string().trim().min(1).max(1024);

export const rollbackBody = z.strictObject({
  target_action_id: id,
  target_operation_id: z.string().regex(OPERATION_ID_RE, "1 to 128 letters, digits, '.', '_' or '-'").optional(),
  reason_code: z.string().regex(REASON_CODE_RE, "1 to 64 letters, digits, '_', '.', ':' or '-', starting with a letter or digit").optional(),
  reason_message: text.optional(),
  /** The older single-string form of the reason (Quilt clients before reason_code/reason_message). */
  reason: text.optional(),
  force: z.boolean().optional(),
});
export type RollbackBody = z.infer<typeof rollbackBody>;
