// Control routes on targets (paths from ./contract.ts, CONTROL_PATHS): every write needs
// Idempotency-Key and X-Orch-Action-Id, runs inline on the target's Durable Object and answers 200
// with the terminal operation (docs/quilt.md, "Control routes and operations").
import { Hono } from "hono";
import { jsonBody } from "../../http/body";
import type { AppEnv } from "../../http/types";
import { groupStub, targetStub } from "../groups";
import { checkParam, controlWrite, quiltContext, settle } from "./common";
import { methodNotAllowed } from "../../http/errors";
import { CONTROL_PATHS, toHonoPath } from "./contract";
import { bindingJson, bindingOperationJson, operationJson, placementJson } from "./format";
import { resizeContainer, setPoolTarget } from "./target-writes";
import { GROUP_NAME_RE, GROUP_NAME_RULE, bindingBody, placementBody, poolTargetBody, resizeBody, rotateBody, scaleBody } from "./schemas";

export const control = new Hono<AppEnv>();

const RESIZE = toHonoPath(CONTROL_PATHS.resize_container);
const POOL_TARGET = toHonoPath(CONTROL_PATHS.set_function_pool_target);
const BINDING = toHonoPath(CONTROL_PATHS.workload_function_binding);
const ROTATE = toHonoPath(CONTROL_PATHS.rotate_workload_function_binding);
const PLACEMENT = toHonoPath(CONTROL_PATHS.workload_placement_preference);
const SCALE = toHonoPath(CONTROL_PATHS.node_group_scale);

control.post(RESIZE, checkParam("container_id"), controlWrite, jsonBody(resizeBody), async (c) => c.json(operationJson((await resizeContainer(c)).operation)));
control.all(RESIZE, methodNotAllowed("POST"));

control.post(POOL_TARGET, checkParam("function_id"), controlWrite, jsonBody(poolTargetBody), async (c) => c.json(operationJson((await setPoolTarget(c)).operation)));
control.all(POOL_TARGET, methodNotAllowed("POST"));

// ---------------------------------------------------------------- workloads

const workload = (id: string) => ({ kind: "workload" as const, id });

control.put(BINDING, checkParam("workload_id"), controlWrite, jsonBody(bindingBody), async (c) => {
  const id = c.req.param("workload_id")!;
  const r = settle(c, await targetStub(c, "workload", id).bindFunction(quiltContext(c, "workload", id), c.req.valid("json").function_id), workload(id));
  return c.json(bindingOperationJson(r.operation, r.state));
});

control.get(BINDING, checkParam("workload_id"), async (c) => {
  const id = c.req.param("workload_id")!;
  const r = settle(c, await targetStub(c, "workload", id).getWorkload(), workload(id));
  return c.json(bindingJson(r.state));
});
control.all(BINDING, methodNotAllowed("GET, PUT"));

control.post(ROTATE, checkParam("workload_id"), controlWrite, jsonBody(rotateBody), async (c) => {
  const id = c.req.param("workload_id")!;
  const { next_function_id, cutover_at } = c.req.valid("json");
  const r = settle(c, await targetStub(c, "workload", id).rotateFunction(quiltContext(c, "workload", id), next_function_id, cutover_at), workload(id));
  return c.json(bindingOperationJson(r.operation, r.state));
});
control.all(ROTATE, methodNotAllowed("POST"));

control.put(PLACEMENT, checkParam("workload_id"), controlWrite, jsonBody(placementBody), async (c) => {
  const id = c.req.param("workload_id")!;
  const r = settle(c, await targetStub(c, "workload", id).setPlacement(quiltContext(c, "workload", id), c.req.valid("json")), workload(id));
  return c.json(operationJson(r.operation));
});

control.get(PLACEMENT, checkParam("workload_id"), async (c) => {
  const id = c.req.param("workload_id")!;
  const r = settle(c, await targetStub(c, "workload", id).getWorkload(), workload(id));
  return c.json(placementJson(r.state));
});
control.all(PLACEMENT, methodNotAllowed("GET, PUT"));

// ---------------------------------------------------------------- node groups

control.post(SCALE, checkParam("group", GROUP_NAME_RE, GROUP_NAME_RULE), controlWrite, jsonBody(scaleBody), async (c) => {
  const name = c.req.param("group")!;
  const r = settle(c, await groupStub(c, name).scaleNodeGroup(quiltContext(c, "group", name), c.req.valid("json").delta_units), { kind: "group", id: name });
  return c.json(operationJson(r.operation));
});
control.all(SCALE, methodNotAllowed("POST"));
