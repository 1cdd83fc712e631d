// KraftCloud instances, the part autoscale needs: `POST/GET /v1/instances`, `GET/DELETE
// /v1/instances/{uuid}`, `PUT /v1/instances/{uuid}/start|stop`. An instance always lives in a
// service group (its Durable Object); the D1 instance registry says which group holds a UUID.
import { Hono, type Context } from "hono";
import { z } from "zod";
import { findInstance, listInstances } from "../../db/ledger";
import { groupUuid, type GroupState, type Machine, type ScaleToZero } from "../../domain/model";
import { jsonBody } from "../../http/body";
import { allowOnly } from "../../http/errors";
import type { AppEnv } from "../../http/types";
import { commandContext, groupStub } from "../groups";
import { KC, batch, itemError, single, type Item } from "./envelope";
import { briefJson, groupIdentity, instanceJson, kcState } from "./format";
import { generateInstanceName, isNewName } from "./names";
import { groupByRef, groupFailure, instanceByUuid, instanceNotFound, parseQuery, wantDetails, type InstanceRow, type ItemFailure } from "./refs";
import { DEFAULT_COOLDOWN_MS, DEFAULT_MEMORY_MB, createInstanceBody, type CreateInstanceBody } from "./schemas";

type Ctx = Context<AppEnv>;
const KIND = "instances";

function scaleToZeroOf(b: CreateInstanceBody): { ok: true; value: ScaleToZero | null } | { ok: false; message: string } {
  const shortcut = b.features?.includes("scale-to-zero") ?? false;
  if (shortcut && b.scale_to_zero) {
    return { ok: false, message: "features ['scale-to-zero'] is the deprecated spelling of scale_to_zero: send one of them" };
  }
  if (b.scale_to_zero) return { ok: true, value: { policy: b.scale_to_zero.policy, cooldownTimeMs: b.scale_to_zero.cooldown_time_ms ?? DEFAULT_COOLDOWN_MS } };
  return { ok: true, value: shortcut ? { policy: "on", cooldownTimeMs: DEFAULT_COOLDOWN_MS } : null };
}

async function create(c: Ctx, b: CreateInstanceBody): Promise<Item> {
  const group = await groupByRef(c, b.service_group);
  if (!group.ok) return group.error;
  const name = b.name ?? generateInstanceName(b.image);
  if (!isNewName(name)) {
    return itemError(KC.INVALID, `Invalid name '${name}': 1 to 63 lowercase letters, digits or '-', starting and ending with a letter or digit`);
  }
  const scaleToZero = scaleToZeroOf(b);
  if (!scaleToZero.ok) return itemError(KC.INVALID, scaleToZero.message, { name });
  // Names are unique per tenant, across groups (the group's own check covers only its members).
  if (await findInstance(c.env.DB, c.get("tenantId"), { name })) return itemError(KC.ALREADY_EXISTS, `instance '${name}' already exists`, { name }, 409);
  const r = await groupStub(c, group.name).createInstance(commandContext(c, "kraftcloud", group.name), {
    uuid: crypto.randomUUID(),
    name,
    spec: { image: b.image, memoryMb: b.memory_mb ?? DEFAULT_MEMORY_MB },
    autostart: b.autostart ?? true,
    scaleToZero: scaleToZero.value,
  });
  if (!r.ok) return groupFailure(r, group.name, { name });
  const uuid = await groupUuid(c.get("tenantId"), group.name);
  return instanceJson(r.instance, { uuid, name: group.name }, r.instance.requestedAt);
}

type Located = { ok: true; row: InstanceRow; group: GroupState; machine: Machine } | { ok: false; error: ItemFailure };

/** The instance of a path's UUID: its group's view of it. */
async function locate(c: Ctx, raw: string): Promise<Located> {
  const found = await instanceByUuid(c, raw);
  if (!found.ok) return found;
  const g = await groupStub(c, found.row.groupName).getGroup();
  const machine = g.ok ? g.machines.find((m) => m.uuid === found.row.uuid) : undefined;
  if (!g.ok || !machine) return { ok: false, error: instanceNotFound(found.row.uuid) };
  return { ok: true, row: found.row, group: g.group, machine };
}

/** start / stop: the instance's new state next to the one it had. */
async function transition(c: Ctx, raw: string, action: "startInstance" | "stopInstance"): Promise<Response> {
  parseQuery(c, z.strictObject({}));
  const at = await locate(c, raw);
  if (!at.ok) return single(c, KIND, at.error);
  const identity = { uuid: at.machine.uuid, name: at.machine.name };
  const r = await groupStub(c, at.group.name)[action](commandContext(c, "kraftcloud", at.group.name), at.machine.id);
  if (!r.ok) return single(c, KIND, groupFailure(r, at.group.name, identity));
  return single(c, KIND, { ...briefJson(identity), state: kcState(r.instance), previous_state: kcState(at.machine) });
}

export const instances = new Hono<AppEnv>();

instances.post("/", jsonBody(createInstanceBody), async (c) => single(c, KIND, await create(c, c.req.valid("json"))));

instances.get("/", async (c) => {
  const details = wantDetails(c);
  const rows = await listInstances(c.env.DB, c.get("tenantId"));
  if (!details) return batch(c, KIND, rows.map(briefJson));
  const names = [...new Set(rows.map((r) => r.groupName))];
  const groups = new Map(await Promise.all(names.map(async (n) => [n, await groupStub(c, n).getGroup()] as const)));
  const items: Item[] = [];
  for (const row of rows) {
    const g = groups.get(row.groupName);
    const m = g?.ok ? g.machines.find((x) => x.uuid === row.uuid) : undefined;
    // A registry row the group no longer backs (deleted meanwhile) is left out.
    if (g?.ok && m) items.push(instanceJson(m, groupIdentity(g.group), row.createdAt));
  }
  return batch(c, KIND, items);
});

instances.get("/:uuid", async (c) => {
  const details = wantDetails(c);
  const at = await locate(c, c.req.param("uuid"));
  if (!at.ok) return single(c, KIND, at.error);
  return single(c, KIND, details ? instanceJson(at.machine, groupIdentity(at.group), at.row.createdAt) : briefJson(at.machine));
});

instances.delete("/:uuid", async (c) => {
  const at = await locate(c, c.req.param("uuid"));
  if (!at.ok) return single(c, KIND, at.error);
  const identity = { uuid: at.machine.uuid, name: at.machine.name };
  const r = await groupStub(c, at.group.name).deleteInstance(commandContext(c, "kraftcloud", at.group.name), at.machine.id);
  if (!r.ok) return single(c, KIND, groupFailure(r, at.group.name, identity));
  return single(c, KIND, { ...briefJson(identity), previous_state: kcState(at.machine) });
});

instances.put("/:uuid/start", (c) => transition(c, c.req.param("uuid"), "startInstance"));
instances.put("/:uuid/stop", (c) => transition(c, c.req.param("uuid"), "stopInstance"));

// Known paths with a method they do not support: 405, not 404.
const methods: Record<string, string> = { "/": "GET, POST", "/:uuid": "GET, DELETE", "/:uuid/start": "PUT", "/:uuid/stop": "PUT" };
allowOnly(instances, methods);
