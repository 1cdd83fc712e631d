// KraftCloud autoscale under /v1: configurations (batch and by service UUID), step policies, and
// the documented extensions `metrics` (push a sample, get the decision) and `evaluate` (what-if).
// docs/kraftcloud.md, "Autoscale". Whole-request errors (bad JSON, unknown or ill-typed fields)
// are thrown by the body validators; everything else is a per-item error in the envelope.
import { Hono, type Context } from "hono";
import { listGroups } from "../../db/registry";
import { groupUuid } from "../../domain/model";
import { INT32_LIMIT, type StepPolicyInput } from "../../domain/autoscale";
import { checkFrontDoorConfig } from "../../domain/front-door";
import { allowOnly, badRequest } from "../../http/errors";
import { jsonBody } from "../../http/body";
import type { AppEnv } from "../../http/types";
import { commandContext, groupStub } from "../groups";
import { configJson, decisionJson, policyJson, policyUuid, type Identity } from "./autoscale-format";
import {
  configBody,
  configItemBody,
  evaluateBody,
  metricsBody,
  oneOrMany,
  policyBody,
  type ConfigBody,
  type PolicyBody,
} from "./autoscale-schemas";
import { KC, batch, fromFailure, itemError, single, type Item } from "./envelope";
import { listQuery, pick, refsOf } from "./filters";
import { groupByRef, groupByUuid, parseQuery, refBody } from "./refs";

type C = Context<AppEnv>;

export const autoscale = new Hono<AppEnv>();

/**
 * The command context of one item. Items of one request share its Idempotency-Key, so each
 * item of an array gets `<key>#<index>`: two items on one group are two commands, not a replay.
 */
function ctxOf(c: C, group: string, index: number | null) {
  const ctx = commandContext(c, "kraftcloud", group);
  if (index !== null && ctx.idempotencyKey) ctx.idempotencyKey = `${ctx.idempotencyKey}#${index}`;
  return ctx;
}

/** Leaves out what was not sent: the Durable Object fills in the defaults. */
const defined = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

const POLICY_NAME_RE = /^[A-Za-z0-9._-]{1,255}$/;
/** A policy's name as an item's identity, when it is a well-formed one. */
const policyIdentity = (name: unknown) => (typeof name === "string" && POLICY_NAME_RE.test(name) ? { name } : {});

type PolicyInput = { ok: true; input: StepPolicyInput } | { ok: false; message: string };

/**
 * The flat or the nested form as one domain input. A flat policy without `type` is a step policy
 * (the newer generation's AutoscalePolicy has no `type`: step is the only kind).
 */
export function toPolicyInput(p: PolicyBody): PolicyInput {
  const { type, ...flat } = p;
  let input: StepPolicyInput;
  if (type !== undefined && typeof type === "object") {
    const beside = (["enabled", "metric", "adjustment_type", "steps"] as const).filter((k) => flat[k] !== undefined);
    if (beside.length > 0) return { ok: false, message: `the nested form carries ${beside.join(", ")} inside type, not beside it` };
    const { name: kind, ...rest } = type;
    if (kind !== undefined && kind !== "step" && kind !== p.name) {
      return { ok: false, message: `type.name '${kind}' is neither the policy's name ${JSON.stringify(p.name ?? null)} nor the kind 'step'` };
    }
    input = { name: p.name, type: "step", ...rest };
  } else input = { ...flat, type: type ?? "step" };
  return { ok: true, input: defined({ ...input, steps: input.steps?.map(defined) }) };
}

// ------------------------------------------------------------------------------ configurations

async function configure(c: C, group: string, identity: Identity, body: ConfigBody, index: number | null): Promise<Item> {
  const { uuid, master, template, create_args, policies, max_pending, hold_timeout_ms, max_concurrency, upstream_timeout_ms, ...sizes } = body;
  // The SDK repeats the path's uuid in the body of the per-uuid form.
  if (uuid !== undefined && uuid.toLowerCase() !== identity.uuid) {
    return itemError(KC.INVALID, `uuid '${uuid}' in the body is not the service group of the path${identity.uuid ? ` ('${identity.uuid}')` : ""}`, identity);
  }
  const given = [master, template, create_args?.template].filter((r) => r !== undefined);
  if (given.length > 1) return itemError(KC.INVALID, "master, template and create_args.template name the same instance in different API generations: send one of them", identity);
  const ref = given[0];
  if (!ref) return itemError(KC.INVALID, "master is required: the instance autoscale clones, as create_args.template (or template, or master) {uuid} or {name}", identity);
  if ((ref.uuid === undefined) === (ref.name === undefined)) return itemError(KC.INVALID, "name the template by exactly one of uuid or name", identity);
  for (const field of ["warmup_time_ms", "cooldown_time_ms"] as const) {
    const v = sizes[field];
    if (v !== undefined && (v < 1 || v > INT32_LIMIT)) return itemError(KC.INVALID, `${field} ${v} must be between 1 and ${INT32_LIMIT}`, identity);
  }
  const frontDoor = defined({ max_pending, hold_timeout_ms, max_concurrency, upstream_timeout_ms });
  const badSetting = checkFrontDoorConfig(frontDoor);
  if (badSetting) return itemError(KC.INVALID, badSetting, identity);
  const inputs: StepPolicyInput[] = [];
  for (const [i, p] of (policies ?? []).entries()) {
    const r = toPolicyInput(p);
    if (!r.ok) return itemError(KC.INVALID, `policies[${i}]: ${r.message}`, identity);
    inputs.push(r.input);
  }
  const input = defined({ ...sizes, master: defined(ref) as { uuid: string } | { name: string }, policies: policies ? inputs : undefined, front_door: Object.keys(frontDoor).length ? frontDoor : undefined });
  const stub = groupStub(c, group);
  const r = await stub.configureAutoscale(ctxOf(c, group, index), input);
  if (!r.ok) return fromFailure(r, identity);
  const g = await stub.getGroup();
  return g.ok ? configJson(g.group, g.machines) : fromFailure(g, identity);
}

async function read(c: C, group: string, identity: Identity): Promise<Item> {
  const g = await groupStub(c, group).getGroup();
  return g.ok ? configJson(g.group, g.machines) : fromFailure(g, identity);
}

async function unconfigure(c: C, group: string, identity: Identity, index: number | null): Promise<Item> {
  const r = await groupStub(c, group).deleteAutoscale(ctxOf(c, group, index));
  if (!r.ok) return fromFailure(r, identity);
  const uuid = identity.uuid ?? (await groupStub(c, group).getGroup().then((g) => (g.ok ? g.group.uuid : undefined)));
  return { status: "success", ...(uuid ? { uuid } : {}), name: group, draining: r.draining };
}

/** Runs `fn` on every item of a batch body, one after the other (items may name one group twice). */
async function eachGroup<T extends { uuid?: string; name?: string }>(c: C, items: T[], fn: (group: string, identity: Identity, item: T, index: number) => Promise<Item>) {
  const out: Item[] = [];
  for (const [i, item] of items.entries()) {
    const g = await groupByRef(c, { uuid: item.uuid, name: item.name });
    out.push(g.ok ? await fn(g.name, g.identity, item, i) : g.error);
  }
  return out;
}

autoscale.post("/services/autoscale", oneOrMany(configItemBody), async (c) => {
  const { items } = c.req.valid("json");
  const out = await eachGroup(c, items!, (group, identity, { uuid: _u, name: _n, ...body }, i) => configure(c, group, identity, body, i));
  return batch(c, "service_groups", out);
});

autoscale.get("/services/autoscale", oneOrMany(refBody, { optional: true }), async (c) => {
  const { items } = c.req.valid("json");
  const q = parseQuery(c, listQuery);
  const refs = refsOf(q);
  if (items !== null && (refs !== null || q.count !== undefined || q.from !== undefined)) {
    throw badRequest("name the service groups in the query or in the body, not both", undefined, "body");
  }
  const brief = (i: Item): Item => (q.details === "false" && i.status !== "error" ? { status: i.status, uuid: i.uuid, name: i.name, enabled: i.enabled } : i);
  if (items !== null) return batch(c, "service_groups", (await eachGroup(c, items, (group, identity) => read(c, group, identity))).map(brief));
  // Every group of the tenant (unconfigured ones say so), or those the query names.
  const tenant = c.get("tenantId");
  const rows = await Promise.all((await listGroups(c.env.DB, tenant)).map(async (r) => ({ uuid: r.uuid ?? (await groupUuid(tenant, r.name)), name: r.name })));
  const out = await Promise.all(pick(rows, q, "service group").map((p) => (p.ok ? read(c, p.row.name, p.row) : p.item)));
  return batch(c, "service_groups", (refs ? out : out.filter((i) => i.status !== "error")).map(brief));
});

autoscale.delete("/services/autoscale", oneOrMany(refBody), async (c) => {
  const { items } = c.req.valid("json");
  return batch(c, "service_groups", await eachGroup(c, items!, (group, identity, _item, i) => unconfigure(c, group, identity, i)));
});

/** The path's service group: its name and `{uuid, name}`, or the answer to give (7 or 8). */
async function pathGroup(c: C, kind: string): Promise<{ group: string; identity: Identity } | Response> {
  const g = await groupByUuid(c, c.req.param("uuid")!);
  if (!g.ok) return single(c, kind, g.error);
  return { group: g.name, identity: { ...g.identity, name: g.name } };
}

autoscale.post("/services/:uuid/autoscale", jsonBody(configBody), async (c) => {
  const g = await pathGroup(c, "service_groups");
  if (g instanceof Response) return g;
  return single(c, "service_groups", await configure(c, g.group, g.identity, c.req.valid("json"), null));
});

autoscale.get("/services/:uuid/autoscale", async (c) => {
  const g = await pathGroup(c, "service_groups");
  if (g instanceof Response) return g;
  return single(c, "service_groups", await read(c, g.group, g.identity));
});

autoscale.delete("/services/:uuid/autoscale", async (c) => {
  const g = await pathGroup(c, "service_groups");
  if (g instanceof Response) return g;
  return single(c, "service_groups", await unconfigure(c, g.group, g.identity, null));
});

// ------------------------------------------------------------------------------ policies

autoscale.post("/services/:uuid/autoscale/policies", oneOrMany(policyBody), async (c) => {
  const { items, many } = c.req.valid("json");
  const g = await pathGroup(c, "policies");
  if (g instanceof Response) return g;
  const stub = groupStub(c, g.group);
  const out: Item[] = [];
  for (const [i, p] of items!.entries()) {
    const input = toPolicyInput(p);
    if (!input.ok) {
      out.push(itemError(KC.INVALID, input.message, policyIdentity(p.name)));
      continue;
    }
    const r = await stub.addPolicy(ctxOf(c, g.group, many ? i : null), input.input);
    out.push(r.ok ? { status: "success", uuid: await policyUuid(g.identity.uuid!, r.name), name: r.name } : fromFailure(r, policyIdentity(p.name)));
  }
  return many ? batch(c, "policies", out) : single(c, "policies", out[0]);
});

autoscale.get("/services/:uuid/autoscale/policies", oneOrMany(refBody, { optional: true }), async (c) => {
  const { items, many } = c.req.valid("json");
  const g = await pathGroup(c, "policies");
  if (g instanceof Response) return g;
  const r = await groupStub(c, g.group).getGroup();
  if (!r.ok) return single(c, "policies", fromFailure(r, g.identity));
  const a = r.group.autoscale;
  if (!a) return single(c, "policies", itemError(KC.AUTOSCALE_NOT_CONFIGURED, `autoscale is not configured for service group '${g.group}'`, {}, 409));
  if (items === null) return batch(c, "policies", a.policies.map(policyJson));
  const out = items.map((ref): Item => {
    if (ref.uuid !== undefined || ref.name === undefined) return itemError(KC.INVALID, "policies are named: send {name}", {});
    const p = a.policies.find((x) => x.name === ref.name);
    return p ? policyJson(p) : itemError(KC.NOT_FOUND, `policy '${ref.name}' not found`, policyIdentity(ref.name), 404);
  });
  return many ? batch(c, "policies", out) : single(c, "policies", out[0]);
});

autoscale.delete("/services/:uuid/autoscale/policies", oneOrMany(refBody, { optional: true }), async (c) => {
  const { items, many } = c.req.valid("json");
  const g = await pathGroup(c, "policies");
  if (g instanceof Response) return g;
  const stub = groupStub(c, g.group);
  if (items === null) {
    const r = await stub.deletePolicies(ctxOf(c, g.group, null), null);
    if (!r.ok) return single(c, "policies", fromFailure(r));
    return batch(c, "policies", r.deleted.map((name) => ({ status: "success", name })));
  }
  const out: Item[] = [];
  for (const [i, ref] of items.entries()) {
    if (ref.uuid !== undefined || ref.name === undefined) {
      out.push(itemError(KC.INVALID, "policies are named: send {name}", {}));
      continue;
    }
    const r = await stub.deletePolicies(ctxOf(c, g.group, many ? i : null), [ref.name]);
    out.push(r.ok ? { status: "success", name: ref.name } : fromFailure(r, policyIdentity(ref.name)));
  }
  return many ? batch(c, "policies", out) : single(c, "policies", out[0]);
});

autoscale.get("/services/:uuid/autoscale/policies/:name", async (c) => {
  const g = await pathGroup(c, "policies");
  if (g instanceof Response) return g;
  const name = c.req.param("name");
  const r = await groupStub(c, g.group).getGroup();
  if (!r.ok) return single(c, "policies", fromFailure(r));
  const a = r.group.autoscale;
  if (!a) return single(c, "policies", itemError(KC.AUTOSCALE_NOT_CONFIGURED, `autoscale is not configured for service group '${g.group}'`, {}, 409));
  const p = a.policies.find((x) => x.name === name);
  return single(c, "policies", p ? policyJson(p) : itemError(KC.NOT_FOUND, `policy '${name}' not found`, policyIdentity(name), 404));
});

autoscale.delete("/services/:uuid/autoscale/policies/:name", async (c) => {
  const g = await pathGroup(c, "policies");
  if (g instanceof Response) return g;
  const name = c.req.param("name");
  const r = await groupStub(c, g.group).deletePolicies(ctxOf(c, g.group, null), [name]);
  return single(c, "policies", r.ok ? { status: "success", name } : fromFailure(r, policyIdentity(name)));
});

// ------------------------------------------------------------------------------ extensions

autoscale.post("/services/:uuid/autoscale/metrics", jsonBody(metricsBody), async (c) => {
  const g = await pathGroup(c, "service_groups");
  if (g instanceof Response) return g;
  const r = await groupStub(c, g.group).pushMetrics(ctxOf(c, g.group, null), defined(c.req.valid("json")));
  if (!r.ok) return single(c, "service_groups", fromFailure(r, g.identity));
  return single(c, "service_groups", {
    status: "success",
    ...g.identity,
    cpu: r.cpu,
    excluded: r.excluded,
    woke: r.woke,
    decision: r.outcome ? decisionJson(r.outcome) : null,
  });
});

autoscale.post("/services/:uuid/autoscale/evaluate", jsonBody(evaluateBody), async (c) => {
  const g = await pathGroup(c, "service_groups");
  if (g instanceof Response) return g;
  const r = await groupStub(c, g.group).whatIf(defined(c.req.valid("json")));
  if (!r.ok) return single(c, "service_groups", fromFailure(r, g.identity));
  return single(c, "service_groups", { status: "success", ...g.identity, capacity: r.capacity, decision: decisionJson(r.outcome, "would_apply") });
});

// Known paths with a method they do not support: 405 with Allow, not 404.
const methods: Record<string, string> = {
  "/services/autoscale": "GET, POST, DELETE",
  "/services/:uuid/autoscale": "GET, POST, DELETE",
  "/services/:uuid/autoscale/policies": "GET, POST, DELETE",
  "/services/:uuid/autoscale/policies/:name": "GET, DELETE",
  "/services/:uuid/autoscale/metrics": "POST",
  "/services/:uuid/autoscale/evaluate": "POST",
};
allowOnly(autoscale, methods);
