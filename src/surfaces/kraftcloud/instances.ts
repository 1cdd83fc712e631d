// KraftCloud instances, the part autoscale needs: `POST/GET/DELETE /v1/instances`,
// `PUT /v1/instances/start|stop` (batches of `{uuid}` | `{name}`), `GET/DELETE
// /v1/instances/{uuid}`, `PUT /v1/instances/{uuid}/start|stop`. An instance always lives in a
// service group (its Durable Object); the D1 instance registry says which group holds a UUID.
import { Hono, type Context } from "hono";
import { z } from "zod";
import { claimInstanceName, dropRefusedClaim, releaseInstanceName } from "../../db/names";
import { listInstances } from "../../db/registry";
import { groupUuid, type GroupState, type Machine, type ScaleToZero } from "../../domain/model";
import { jsonBody } from "../../http/body";
import { allowOnly } from "../../http/errors";
import type { AppEnv } from "../../http/types";
import { commandContext, groupStub } from "../groups";
import { KC, batch, itemError, single, type Item } from "./envelope";
import { DEFAULT_VCPUS, briefJson, groupIdentity, instanceJson, kcState } from "./format";
import { generateInstanceName, isNewName } from "./names";
import { listQuery, pick, refsOf } from "./filters";
import { groupByRef, groupFailure, instanceByRef, instanceByUuid, instanceNotFound, parseQuery, wantDetails, type Instance, type InstanceRow, type ItemFailure, type Ref } from "./refs";
import {
  DEFAULT_COOLDOWN_MS,
  DEFAULT_MEMORY_MB,
  createInstanceBody,
  deleteInstancesBody,
  deleteOptions,
  startInstancesBody,
  startOptions,
  stopInstancesBody,
  stopOptions,
  type CreateInstanceBody,
} from "./schemas";

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
  // Names are unique per tenant, across groups: claimed in one atomic D1 step before the group
  // creates the instance (src/db/names.ts), released if the group refuses it.
  const uuid = crypto.randomUUID();
  const claim = { tenantId: c.get("tenantId"), name, uuid, groupName: group.name, now: Date.now() };
  if (!(await claimInstanceName(c.env.DB, claim))) return itemError(KC.ALREADY_EXISTS, `instance '${name}' already exists`, { name }, 409);
  let r: Awaited<ReturnType<ReturnType<typeof groupStub>["createInstance"]>>;
  try {
    r = await groupStub(c, group.name).createInstance(commandContext(c, "kraftcloud", group.name), {
      uuid,
      name,
      spec: { image: b.image, memoryMb: b.memory_mb ?? DEFAULT_MEMORY_MB, vcpus: b.vcpus ?? DEFAULT_VCPUS },
      autostart: b.autostart ?? true,
      scaleToZero: scaleToZero.value,
    });
  } catch (err) {
    await releaseInstanceName(c.env.DB, uuid, Date.now());
    throw err;
  }
  if (!r.ok) {
    await dropRefusedClaim(c.env.DB, uuid);
    return groupFailure(r, group.name, { name });
  }
  return instanceJson(r.instance, { uuid: await groupUuid(c.get("tenantId"), group.name), name: group.name }, r.instance.requestedAt);
}

type Located = { ok: true; row: InstanceRow; group: GroupState; machine: Machine } | { ok: false; error: ItemFailure };

/** The instance of a registry lookup: its group's view of it. */
async function locate(c: Ctx, found: Instance): Promise<Located> {
  if (!found.ok) return found;
  const g = await groupStub(c, found.row.groupName).getGroup();
  const machine = g.ok ? g.machines.find((m) => m.uuid === found.row.uuid) : undefined;
  if (!g.ok || !machine) return { ok: false, error: instanceNotFound(found.row.uuid) };
  return { ok: true, row: found.row, group: g.group, machine };
}

/**
 * The command context of one item. Items of a batch share its Idempotency-Key, so item `i` gets
 * `<key>#<i>`: two items are two commands, and a retried batch replays item by item.
 */
function ctxOf(c: Ctx, group: string, index: number | null) {
  const ctx = commandContext(c, "kraftcloud", group);
  if (index !== null && ctx.idempotencyKey) ctx.idempotencyKey = `${ctx.idempotencyKey}#${index}`;
  return ctx;
}

type Action = "startInstance" | "stopInstance" | "deleteInstance";

/** start / stop / delete of one instance: its new state next to the one it had. */
async function act(c: Ctx, found: Instance, action: Action, index: number | null): Promise<Item> {
  const at = await locate(c, found);
  if (!at.ok) return at.error;
  const identity = { uuid: at.machine.uuid, name: at.machine.name };
  const ctx = ctxOf(c, at.group.name, index);
  const stub = groupStub(c, at.group.name);
  if (action === "deleteInstance") {
    const r = await stub.deleteInstance(ctx, at.machine.id);
    if (!r.ok) return groupFailure(r, at.group.name, identity);
    // The name is free at once (the registry row's deletion, pushed by the group, frees it too).
    await releaseInstanceName(c.env.DB, at.machine.uuid, Date.now());
    return { ...briefJson(identity), previous_state: kcState(at.machine) };
  }
  const r = await stub[action](ctx, at.machine.id);
  if (!r.ok) return groupFailure(r, at.group.name, identity);
  return { ...briefJson(identity), state: kcState(r.instance), previous_state: kcState(at.machine) };
}

/** A batch route: each `{uuid}` | `{name}` item on its own, in order (one instance may be named twice). */
async function each(c: Ctx, refs: Ref[], action: Action): Promise<Item[]> {
  const out: Item[] = [];
  for (const [i, ref] of refs.entries()) out.push(await act(c, await instanceByRef(c, { uuid: ref.uuid, name: ref.name }), action, i));
  return out;
}

export const instances = new Hono<AppEnv>();

instances.post("/", jsonBody(createInstanceBody), async (c) => single(c, KIND, await create(c, c.req.valid("json"))));

instances.get("/", async (c) => {
  const q = parseQuery(c, listQuery);
  const rows = await listInstances(c.env.DB, c.get("tenantId"));
  const picked = pick(rows, q, "instance");
  const filtered = refsOf(q) !== null;
  if (q.details === "false") return batch(c, KIND, picked.map((p) => (p.ok ? briefJson(p.row) : p.item)));
  const names = [...new Set(picked.flatMap((p) => (p.ok ? [p.row.groupName] : [])))];
  const groups = new Map(await Promise.all(names.map(async (n) => [n, await groupStub(c, n).getGroup()] as const)));
  const items: Item[] = [];
  for (const p of picked) {
    if (!p.ok) {
      items.push(p.item);
      continue;
    }
    const g = groups.get(p.row.groupName);
    const m = g?.ok ? g.machines.find((x) => x.uuid === p.row.uuid) : undefined;
    if (g?.ok && m) items.push(instanceJson(m, groupIdentity(g.group), p.row.createdAt));
    // A registry row the group no longer backs (deleted meanwhile) is left out, or is error 8 when named.
    else if (filtered) items.push(instanceNotFound(p.row.uuid));
  }
  return batch(c, KIND, items);
});

// The batch routes come before `/:uuid`: `PUT /instances/start` is not the instance "start".
instances.put("/start", jsonBody(startInstancesBody), async (c) => batch(c, KIND, await each(c, c.req.valid("json"), "startInstance")));
instances.put("/stop", jsonBody(stopInstancesBody), async (c) => batch(c, KIND, await each(c, c.req.valid("json"), "stopInstance")));
instances.delete("/", jsonBody(deleteInstancesBody), async (c) => batch(c, KIND, await each(c, c.req.valid("json"), "deleteInstance")));
// Their other methods are 405 here, before `GET/DELETE /:uuid` could take "start" for a uuid.
allowOnly(instances, { "/start": "PUT", "/stop": "PUT" });

instances.get("/:uuid", async (c) => {
  const details = wantDetails(c);
  const at = await locate(c, await instanceByUuid(c, c.req.param("uuid")));
  if (!at.ok) return single(c, KIND, at.error);
  return single(c, KIND, details ? instanceJson(at.machine, groupIdentity(at.group), at.row.createdAt) : briefJson(at.machine));
});

// The per-uuid routes take the SDK's options as an optional body (what they mean here: ./schemas.ts).
const optionsBody = (shape: Record<string, z.ZodType>) => jsonBody(z.strictObject(shape), { emptyAs: {} });

instances.delete("/:uuid", optionsBody(deleteOptions), async (c) => single(c, KIND, await act(c, await instanceByUuid(c, c.req.param("uuid")), "deleteInstance", null)));
instances.put("/:uuid/start", optionsBody(startOptions), async (c) => single(c, KIND, await act(c, await instanceByUuid(c, c.req.param("uuid")), "startInstance", null)));
instances.put("/:uuid/stop", optionsBody(stopOptions), async (c) => single(c, KIND, await act(c, await instanceByUuid(c, c.req.param("uuid")), "stopInstance", null)));

// Known paths with a method they do not support: 405, not 404.
const methods: Record<string, string> = {
  "/": "GET, POST, DELETE",
  "/:uuid": "GET, DELETE",
  "/:uuid/start": "PUT",
  "/:uuid/stop": "PUT",
};
allowOnly(instances, methods);
