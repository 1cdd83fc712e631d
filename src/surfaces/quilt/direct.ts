// Direct routes: a write answers the target's updated state (no operation body). Idempotency-Key
// and X-Orch-Action-Id are optional here (checked when sent); the same command as the control twin
// runs, so a key shared with a control write of the same target and body is a replay.
import { Hono } from "hono";
import { jsonBody } from "../../http/body";
import type { AppEnv } from "../../http/types";
import { checkParam, directWrite } from "./common";
import { methodNotAllowed } from "../../http/errors";
import { containerJson, functionPoolJson } from "./format";
import { poolTargetBody, resizeBody } from "./schemas";
import { resizeContainer, setPoolTarget } from "./target-writes";

export const direct = new Hono<AppEnv>();

const RESIZE = "/containers/:container_id/resize";
const POOL_TARGET = "/functions/:function_id/pool-target";

direct.post(RESIZE, checkParam("container_id"), directWrite, jsonBody(resizeBody), async (c) => c.json(containerJson((await resizeContainer(c)).state)));
direct.all(RESIZE, methodNotAllowed("POST"));

direct.post(POOL_TARGET, checkParam("function_id"), directWrite, jsonBody(poolTargetBody), async (c) => c.json(functionPoolJson((await setPoolTarget(c)).state)));
direct.all(POOL_TARGET, methodNotAllowed("POST"));
