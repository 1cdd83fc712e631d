// Direct routes: a write answers the target's updated state (no operation body). Idempotency-Key
// and X-Orch-Action-Id are optional here (checked when sent); the same command as the control twin
// runs, so a key shared with a control write of the same target and body is a replay.
import { Hono } from "hono";
import { jsonBody } from "../../http/body";
import type { AppEnv } from "../../http/types";
import { targetStub } from "../groups";
import { checkParam, directWrite, quiltContext, settle } from "./common";
import { methodNotAllowed } from "../../http/errors";
import { containerJson, functionPoolJson } from "./format";
import { checkCpu, poolTargetBody, resizeBody } from "./schemas";

export const direct = new Hono<AppEnv>();

const RESIZE = "/containers/:container_id/resize";
const POOL_TARGET = "/functions/:function_id/pool-target";

direct.post(RESIZE, checkParam("container_id"), directWrite, jsonBody(resizeBody), async (c) => {
  const id = c.req.param("container_id")!;
  const body = checkCpu(c, c.req.valid("json"));
  const r = settle(c, await targetStub(c, "container", id).resizeContainer(quiltContext(c, "container", id), body), { kind: "container", id });
  return c.json(containerJson(r.state));
});
direct.all(RESIZE, methodNotAllowed("POST"));

direct.post(POOL_TARGET, checkParam("function_id"), directWrite, jsonBody(poolTargetBody), async (c) => {
  const id = c.req.param("function_id")!;
  const r = settle(c, await targetStub(c, "function", id).setFunctionPoolTarget(quiltContext(c, "function", id), c.req.valid("json")), { kind: "function", id });
  return c.json(functionPoolJson(r.state));
});
direct.all(POOL_TARGET, methodNotAllowed("POST"));
