// Operation reads (paths from ./contract.ts, CONTROL_READ_PATHS): one operation by id, and the
// operations of one action as a bare array, oldest first. Both read the D1 ledger, which every
// write fills before it answers (docs/quilt.md, "Consistency of reads").
import { Hono, type Context } from "hono";
import { getOperation, listActionOperations } from "../../db/ledger";
import { ApiError } from "../../http/errors";
import type { AppEnv } from "../../http/types";
import { RETRY_AFTER_SECONDS, checkParam } from "./common";
import { methodNotAllowed } from "../../http/errors";
import { CONTROL_READ_PATHS, toHonoPath } from "./contract";
import { operationJson } from "./format";
import { OPERATION_ID_RE } from "./schemas";

export const operations = new Hono<AppEnv>();

const OPERATION = toHonoPath(CONTROL_READ_PATHS.operation);
const ACTION_OPERATIONS = toHonoPath(CONTROL_READ_PATHS.action_operations);

/** A ledger read; an unreachable D1 is a retryable 503, never a 500. */
async function ledger<T>(c: Context<AppEnv>, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    console.warn("ledger read failed", c.get("requestId"), String(err));
    c.header("Retry-After", String(RETRY_AFTER_SECONDS));
    throw new ApiError(503, "INTERNAL", "the operation ledger is unreachable, retry later", String(err)).with({ dialectCode: "ELASTICITY_OPERATION_FAILED", retryable: true });
  }
}

operations.get(OPERATION, checkParam("operation_id", OPERATION_ID_RE, "1 to 128 letters, digits, '.', '_' or '-'"), async (c) => {
  const id = c.req.param("operation_id")!;
  const op = await ledger(c, () => getOperation(c.env.DB, c.get("tenantId"), id));
  if (!op) {
    throw new ApiError(404, "NOT_FOUND", `operation '${id}' not found`).with({
      hint: "operation ids come from control write answers and action listings; another tenant's operations are not visible",
    });
  }
  return c.json(operationJson(op));
});
operations.all(OPERATION, methodNotAllowed("GET"));

operations.get(ACTION_OPERATIONS, checkParam("action_id"), async (c) => {
  const ops = await ledger(c, () => listActionOperations(c.env.DB, c.get("tenantId"), c.req.param("action_id")!));
  return c.json(ops.map(operationJson));
});
operations.all(ACTION_OPERATIONS, methodNotAllowed("GET"));
