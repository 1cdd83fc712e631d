// Operation reads (paths from ./contract.ts, CONTROL_READ_PATHS): one operation by id, and the
// operations of one action as a bare array, oldest first. Read-your-writes without D1 on the write's
// path (issue 10; docs/quilt.md, "Consistency of reads"): an id names the object that recorded it,
// which answers while D1 has not acknowledged the record, and D1 answers after; an action's object
// indexes its operations, each sent there before its write was answered.
import { Hono, type Context } from "hono";
import { getOperation } from "../../db/ledger";
import { objectOfOperation } from "../../domain/operations";
import { ApiError } from "../../http/errors";
import type { AppEnv } from "../../http/types";
import { actionStub, operationHolder } from "../groups";
import { RETRY_AFTER_SECONDS, checkParam, failure } from "./common";
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
  const ref = objectOfOperation(id);
  const holder = ref ? operationHolder(c, ref) : null;
  const held = holder ? await holder.getOperation(c.get("tenantId"), id) : null;
  const op = held?.ok && held.operation ? held.operation : await ledger(c, () => getOperation(c.env.DB, c.get("tenantId"), id));
  if (!op) {
    throw new ApiError(404, "NOT_FOUND", `operation '${id}' not found`).with({
      hint: "operation ids come from control write answers and action listings; another tenant's operations are not visible",
    });
  }
  return c.json(operationJson(op));
});
operations.all(OPERATION, methodNotAllowed("GET"));

operations.get(ACTION_OPERATIONS, checkParam("action_id"), async (c) => {
  const id = c.req.param("action_id")!;
  const r = await actionStub(c, id).listOperations();
  if (!r.ok) throw failure(c, r, { kind: "action", id });
  return c.json(r.operations.map(operationJson));
});
operations.all(ACTION_OPERATIONS, methodNotAllowed("GET"));
