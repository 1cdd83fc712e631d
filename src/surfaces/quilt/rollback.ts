// POST .../control/actions/{action_id}/rollback: undoes the succeeded operations of an action,
// newest first, across every target they changed (the coordinator runs on the action's Durable
// Object, src/objects/group.ts rollbackAction). docs/quilt.md, "Rollback".
import { Hono } from "hono";
import { jsonBody } from "../../http/body";
import { badRequest } from "../../http/errors";
import type { AppEnv } from "../../http/types";
import type { RollbackInput } from "../../domain/undo";
import { actionStub } from "../groups";
import { actionId, checkParam, controlWrite, quiltContext, settle } from "./common";
import { methodNotAllowed } from "../../http/errors";
import { ACTION_ID_HEADER, CONTROL_PATHS, toHonoPath } from "./contract";
import { operationJson } from "./format";
import { rollbackBody, type RollbackBody } from "./schemas";

export const rollback = new Hono<AppEnv>();

const ROLLBACK = toHonoPath(CONTROL_PATHS.rollback_action);

/** The coordinator's input: the older `reason` string stands for `reason_message` when that is absent. */
export function rollbackInput(body: RollbackBody): RollbackInput {
  const reasonMessage = body.reason_message ?? body.reason;
  return {
    target_action_id: body.target_action_id,
    force: body.force ?? false,
    ...(body.target_operation_id !== undefined ? { target_operation_id: body.target_operation_id } : {}),
    ...(body.reason_code !== undefined ? { reason_code: body.reason_code } : {}),
    ...(reasonMessage !== undefined ? { reason_message: reasonMessage } : {}),
  };
}

rollback.post(ROLLBACK, checkParam("action_id"), controlWrite, jsonBody(rollbackBody), async (c) => {
  const target = c.req.param("action_id")!;
  const body = c.req.valid("json");
  if (body.target_action_id !== target) {
    throw badRequest("invalid field 'target_action_id': must equal the action id in the path", `path action '${target}', body '${body.target_action_id}'`, "target_action_id");
  }
  if (actionId(c, true) === target) {
    throw badRequest(`invalid ${ACTION_ID_HEADER} header: a rollback is an action of its own`, "the rollback's undo operations are recorded under its own action id", ACTION_ID_HEADER).with({
      hint: `send a new ${ACTION_ID_HEADER} for the rollback (e.g. '${target}-rollback')`,
    });
  }
  const r = settle(c, await actionStub(c, target).rollbackAction(quiltContext(c, "action", target), rollbackInput(body)), { kind: "action", id: target });
  return c.json(operationJson(r.operation));
});
rollback.all(ROLLBACK, methodNotAllowed("POST"));
