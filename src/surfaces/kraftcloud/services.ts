// KraftCloud service groups: `POST/GET/DELETE /v1/services`, `GET/DELETE /v1/services/{uuid}`.
// A service group is a group of the one model: the elastisys pool `web` is the service group `web`
// (same Durable Object, same UUID). Batch routes answer each item on its own (./envelope.ts).
import { Hono, type Context, type Next } from "hono";
import { listGroups } from "../../db/registry";
import { groupUuid } from "../../domain/model";
import { jsonBody } from "../../http/body";
import { methodNotAllowed } from "../../http/errors";
import type { AppEnv } from "../../http/types";
import { commandContext, groupStub } from "../groups";
import { KC, batch, fromFailure, itemError, single, type Item } from "./envelope";
import { hostOf } from "../../frontdoor/routes";
import { claimDomains, freeDomains, unclaimDomains, unusableDomain } from "./domains";
import { briefJson, iso, serviceJson } from "./format";
import { isNewName, generateServiceName } from "./names";
import { listQuery, pick, refsOf } from "./filters";
import { groupByRef, groupByUuid, groupFailure, parseQuery, wantDetails, type Group, type Ref } from "./refs";
import { createServicesBody, refsBody, serviceSpec, type CreateServiceItem } from "./schemas";

type Ctx = Context<AppEnv>;
const KIND = "service_groups";

/**
 * The command context of one item. Items of a batch share its Idempotency-Key, so item `i` gets
 * `<key>#<i>`: two items on one group are two commands, and a retried batch replays item by item.
 */
function ctxOf(c: Ctx, group: string, index: number | null) {
  const ctx = commandContext(c, "kraftcloud", group);
  if (index !== null && ctx.idempotencyKey) ctx.idempotencyKey = `${ctx.idempotencyKey}#${index}`;
  return ctx;
}

/** One group as a `get-services` item, or the error item of a group that is gone. */
async function describe(c: Ctx, name: string, identity: Record<string, string>, details: boolean): Promise<Item> {
  const r = await groupStub(c, name).getGroup();
  if (!r.ok) return groupFailure(r, name, identity);
  return details ? serviceJson(r.group, r.machines) : briefJson(r.group);
}

async function create(c: Ctx, item: CreateServiceItem, index: number): Promise<Item> {
  const name = item.name ?? generateServiceName();
  if (!isNewName(name)) {
    return itemError(KC.INVALID, `Invalid name '${name}': 1 to 63 lowercase letters, digits or '-', starting and ending with a letter or digit`);
  }
  const spec = serviceSpec(item);
  if (!spec.ok) return itemError(KC.INVALID, spec.message, { name });
  const unusable = unusableDomain(spec.spec.domains.map((d) => d.fqdn), hostOf(c.req.raw));
  if (unusable) return itemError(KC.INVALID, unusable, { name });
  // Domains are unique across tenants: claimed before the group exists (./domains.ts), dropped if it is not created.
  const owner = { tenantId: c.get("tenantId"), groupName: name };
  const claims = await claimDomains(c.env.DB, spec.spec.domains.map((d) => d.fqdn), owner, { name });
  if (!claims.ok) return claims.error;
  let r: Awaited<ReturnType<ReturnType<typeof groupStub>["createService"]>>;
  try {
    r = await groupStub(c, name).createService(ctxOf(c, name, index), spec.spec, item.provider);
  } catch (err) {
    await unclaimDomains(c.env.DB, claims.claimed, owner);
    throw err;
  }
  if (!r.ok) {
    await unclaimDomains(c.env.DB, claims.claimed, owner);
    return fromFailure(r, { name });
  }
  return {
    status: "success",
    uuid: r.uuid,
    name,
    created_at: iso(r.createdAt),
    persistent: true,
    autoscale: false,
    soft_limit: spec.spec.softLimit,
    hard_limit: spec.spec.hardLimit,
    domains: spec.spec.domains.map((d) => ({ fqdn: d.fqdn })),
  };
}

async function remove(c: Ctx, group: Group, index: number | null): Promise<Item> {
  if (!group.ok) return group.error;
  const r = await groupStub(c, group.name).deleteService(ctxOf(c, group.name, index));
  if (!r.ok) return groupFailure(r, group.name, group.identity);
  await freeDomains(c.env.DB, { tenantId: c.get("tenantId"), groupName: group.name });
  return briefJson({ uuid: r.uuid, name: group.name });
}

/** `/services/autoscale` belongs to the autoscale router, mounted after this one. */
const byUuid =
  (handler: (c: Ctx, uuid: string) => Promise<Response>) =>
  async (c: Ctx, next: Next): Promise<Response | void> => {
    const uuid = c.req.param("uuid")!;
    if (uuid === "autoscale") return next();
    return handler(c, uuid);
  };

export const services = new Hono<AppEnv>();

services.post("/", jsonBody(createServicesBody), async (c) => {
  const items: Item[] = [];
  // In order, one at a time: two items of one name are created once, the second is error 23.
  for (const [i, item] of c.req.valid("json").entries()) items.push(await create(c, item, i));
  return batch(c, KIND, items);
});

services.get("/", async (c) => {
  const q = parseQuery(c, listQuery);
  const tenant = c.get("tenantId");
  const rows = await Promise.all((await listGroups(c.env.DB, tenant)).map(async (row) => ({ uuid: row.uuid ?? (await groupUuid(tenant, row.name)), name: row.name })));
  const items = await Promise.all(
    pick(rows, q, "service group").map((p) => (!p.ok ? p.item : q.details !== "false" ? describe(c, p.row.name, p.row, true) : briefJson(p.row))),
  );
  // Unfiltered, a group deleted since the registry was read is left out rather than listed as an
  // error; a group the filter names is answered, as error 8 if it is gone.
  return batch(c, KIND, refsOf(q) ? items : items.filter((i) => i.status !== "error"));
});

services.delete("/", jsonBody(refsBody), async (c) => {
  const items: Item[] = [];
  for (const [i, ref] of (c.req.valid("json") as Ref[]).entries()) items.push(await remove(c, await groupByRef(c, ref), i));
  return batch(c, KIND, items);
});

services.get(
  "/:uuid",
  byUuid(async (c, raw) => {
    const details = wantDetails(c);
    const group = await groupByUuid(c, raw);
    if (!group.ok) return single(c, KIND, group.error);
    return single(c, KIND, await describe(c, group.name, group.identity, details));
  }),
);

services.delete(
  "/:uuid",
  byUuid(async (c, raw) => single(c, KIND, await remove(c, await groupByUuid(c, raw), null))),
);

// Known paths with a method they do not support: 405, not 404.
const methods: Record<string, string> = { "/": "GET, POST, DELETE", "/:uuid": "GET, DELETE" };
for (const [path, allow] of Object.entries(methods)) {
  // `/services/autoscale` belongs to the autoscale router, mounted after this one.
  services.all(path, async (c, next) => (path === "/:uuid" && c.req.param("uuid") === "autoscale" ? next() : methodNotAllowed(allow)(c)));
}
