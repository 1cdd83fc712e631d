// KraftCloud autoscale under /v1: configurations (batch and by service UUID), step policies, and
// the documented extensions `metrics` (push a sample, get the decision) and `evaluate` (what-if).
// docs/kraftcloud.md, "Autoscale". Whole-request errors (bad JSON, unknown or ill-typed fields)
// are thrown by the body validators; everything else is a per-item error in the envelope.
import { Hono, type Context } from "hono";
import { listGroups } from "../../db/ledger";
import { INT32_LIMIT, type StepPolicyInput } from "../../domain/autoscale";
import { allowOnly } from "../../http/errors";
import { jsonBody } from "../../http/body";
import type { AppEnv } from "../../http/types";
import { commandContext, groupStub } from "../groups";
import { configJson, decisionJson, policyJson, type Identity } from "./autoscale-format";
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
import { groupByRef, groupByUuid, refBody } from "./refs";

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

const toPolicyInput = (p: PolicyBody): StepPolicyInput => defined({ ...p, steps: p.steps?.map(defined) });

// ------------------------------------------------------------------------------ configurations

async function configure(c: C, group: string, identity: Identity, body: ConfigBody, index: number | null): Promise<Item> {
  const { master, template, policies, ...sizes } = body;
  if (master && template) return itemError(KC.INVALID, "master and template name the same instance in two API generations: send one of them", identity);
  const ref = master ?? template;
  if (!ref) return itemError(KC.INVALID, "master is required: the instance autoscale clones, as {uuid} or {name}", identity);
  if ((ref.uuid === undefined) === (ref.name === undefined)) return itemError(KC.INVALID, "name the master by exactly one of uuid or name", identity);
  for (const field of ["warmup_time_ms", "cooldown_time_ms"] as const) {
    const v = sizes[field];
    if (v !== undefined && (v < 1 || v > INT32_LIMIT)) return itemError(KC.INVALID, `${field} ${v} must be between 1 and ${INT32_LIMIT}`, identity);
  }
  const input = defined({ ...sizes, master: defined(ref) as { uuid: string } | { name: string }, policies: policies?.map(toPolicyInput) });
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
  if (items !== null) return batch(c, "service_groups", await eachGroup(c, items, (group, identity) => read(c, group, identity)));
  // No body: every group of the tenant (unconfigured ones say so).
  const rows = await listGroups(c.env.DB, c.get("tenantId"));
  const out = await Promise.all(rows.map((r) => read(c, r.name, { uuid: r.uuid ?? undefined, name: r.name })));
  return batch(c, "service_groups", out.filter((i) => i.status !== "error"));
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
    const r = await stub.addPolicy(ctxOf(c, g.group, many ? i : null), toPolicyInput(p));
    out.push(r.ok ? { status: "success", name: r.name } : fromFailure(r, policyIdentity(p.name)));
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
