// The two writes that exist twice, as a direct route (answers the target's state) and as its
// control twin (answers the operation): one command each, so a key shared by the twins replays.
import type { z } from "zod";
import type { AppEnv } from "../../http/types";
import type { Context } from "hono";
import { functionStub, targetStub } from "../groups";
import { quiltContext, settle } from "./common";
import { checkCpu, type poolTargetBody, type resizeBody } from "./schemas";

type WithBody<S extends z.ZodType> = Context<AppEnv, string, { in: { json: z.input<S> }; out: { json: z.output<S> } }>;

export async function resizeContainer(c: WithBody<typeof resizeBody>) {
  const id = c.req.param("container_id")!;
  const body = checkCpu(c, c.req.valid("json"));
  return settle(c, await targetStub(c, "container", id).resizeContainer(quiltContext(c, "container", id), body), { kind: "container", id });
}

export async function setPoolTarget(c: WithBody<typeof poolTargetBody>) {
  const id = c.req.param("function_id")!;
  return settle(c, await functionStub(c, id).setFunctionPoolTarget(quiltContext(c, "function", id), c.req.valid("json")), { kind: "function", id });
}
