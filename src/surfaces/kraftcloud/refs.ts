// Which service group or instance a /v1 request names: `{uuid}` or `{name}` in bodies (exactly
// one), a UUID in paths. A malformed reference is item error 7, an unknown one 8; the identity
// echoed in an error item is only ever a well-formed one (the spec's uuid format).
import type { Context } from "hono";
import { z } from "zod";
import { findGroupByUuid, findInstance } from "../../db/registry";
import type { Failure } from "../../domain/operations";
import { checkQuery } from "../../http/query";
import type { AppEnv } from "../../http/types";
import { GROUP_NAME_RE, checkPoolScope } from "../groups";
import { KC, fromFailure, itemError, type ItemError } from "./envelope";
import { UUID_RE } from "./names";

type Ctx = Context<AppEnv>;
export type ItemFailure = ItemError & { http: 400 | 404 | 409 };

/** The spec's `maxItems` of every list. */
export const MAX_ITEMS = 253;

/** `{uuid}` or `{name}`: types are checked here, which one and its format per item. */
export const refBody = z.strictObject({ uuid: z.string().max(255).optional(), name: z.string().max(255).optional() });
export type Ref = z.output<typeof refBody>;

/**
 * A body of one object or an array of 1 to 253 of them, normalized to an array. A bad field is
 * named as `services.0.port` in an object and `1.services.0.port` in an array.
 */
export function oneOrMany<S extends z.ZodType>(item: S) {
  const many = z.array(item).min(1).max(MAX_ITEMS);
  return z.unknown().transform((value, ctx): z.output<S>[] => {
    const r = (Array.isArray(value) ? many : item).safeParse(value);
    if (!r.success) {
      for (const issue of r.error.issues) ctx.addIssue({ ...issue });
      return z.NEVER;
    }
    return Array.isArray(value) ? (r.data as z.output<S>[]) : [r.data as z.output<S>];
  });
}

/**
 * A query string checked like a body: unknown parameters and bad values are a 400 naming them
 * (the one rule of src/http/query.ts). Which parameters each /v1 route takes is declared once, in
 * ./queries.ts, which runs this before any handler; a handler calls it again with the same schema
 * to read the values.
 */
export const parseQuery = <S extends z.ZodType>(c: Ctx, schema: S): z.output<S> => checkQuery(c, schema);

/** `?details=true|false` (default true) of the GET routes of one item. */
export const detailsQuery = z.strictObject({ details: z.enum(["true", "false"]).optional() });
export const wantDetails = (c: Ctx) => parseQuery(c, detailsQuery).details !== "false";

export const invalidUuid = (raw: string): ItemFailure => itemError(KC.INVALID, `Invalid uuid '${raw}'`, {}, 400) as ItemFailure;
const notFound = (what: string, identity: Record<string, string>): ItemFailure => itemError(KC.NOT_FOUND, `${what} not found`, identity, 404) as ItemFailure;

export type Group = { ok: true; name: string; identity: { uuid?: string; name?: string } } | { ok: false; error: ItemFailure };

/**
 * The isolate's memory of group uuids the registry answered: a group's uuid is derived from its
 * tenant and name (src/domain/model.ts `groupUuid`), so the mapping never changes and needs no
 * expiry. Only found groups are remembered (a group created later is found at once). A group
 * deleted since is still answered 8: its own object, the source of truth, says it is gone when
 * the route reaches it. Bounded; the oldest entries go first.
 */
const UUID_CACHE_MAX = 10_000;
const groupNames = new Map<string, string>();

/** For tests: whether the isolate remembers this tenant's group uuid. */
export const cachedGroupName = (tenantId: string, uuid: string) => groupNames.get(`${tenantId}/${uuid}`) ?? null;

async function groupNameOf(c: Ctx, uuid: string): Promise<string | null> {
  const key = `${c.get("tenantId")}/${uuid}`;
  const known = groupNames.get(key);
  if (known !== undefined) return known;
  const row = await findGroupByUuid(c.env.DB, c.get("tenantId"), uuid);
  if (!row) return null;
  groupNames.set(key, row.name);
  if (groupNames.size > UUID_CACHE_MAX) groupNames.delete(groupNames.keys().next().value as string);
  return row.name;
}

/** A group by UUID (path or body): its name, from the tenant's group registry (cached). */
export async function groupByUuid(c: Ctx, raw: string): Promise<Group> {
  if (!UUID_RE.test(raw)) return { ok: false, error: invalidUuid(raw) };
  const uuid = raw.toLowerCase();
  const name = await groupNameOf(c, uuid);
  // A pool-scoped token: another group is a 403 before anything about it is answered.
  if (name !== null) checkPoolScope(c, "group", name);
  return name !== null ? { ok: true, name, identity: { uuid } } : { ok: false, error: notFound(`service group '${uuid}'`, { uuid }) };
}

/**
 * A group named in a body. A name is any group name (GROUP_NAME_RE), so groups created through
 * another dialect can be named; whether it exists is the group's own answer (8 from the DO).
 */
export async function groupByRef(c: Ctx, ref: Ref): Promise<Group> {
  if ((ref.uuid === undefined) === (ref.name === undefined)) {
    return { ok: false, error: itemError(KC.INVALID, "name the service group by exactly one of 'uuid' or 'name'", {}, 400) as ItemFailure };
  }
  if (ref.uuid !== undefined) return groupByUuid(c, ref.uuid);
  const name = ref.name!;
  if (!GROUP_NAME_RE.test(name)) return { ok: false, error: itemError(KC.INVALID, `Invalid name '${name}'`, {}, 400) as ItemFailure };
  checkPoolScope(c, "group", name);
  return { ok: true, name, identity: { name } };
}

export type InstanceRow = NonNullable<Awaited<ReturnType<typeof findInstance>>>;
export type Instance = { ok: true; row: InstanceRow } | { ok: false; error: ItemFailure };

/** An instance by the UUID of a path: its registry row (which group holds it). */
export async function instanceByUuid(c: Ctx, raw: string): Promise<Instance> {
  if (!UUID_RE.test(raw)) return { ok: false, error: invalidUuid(raw) };
  const uuid = raw.toLowerCase();
  const row = await findInstance(c.env.DB, c.get("tenantId"), { uuid });
  if (row) checkPoolScope(c, "group", row.groupName);
  return row ? { ok: true, row } : { ok: false, error: notFound(`instance '${uuid}'`, { uuid }) };
}

/** An instance named in a body, `{uuid}` or `{name}` (exactly one): its registry row. */
export async function instanceByRef(c: Ctx, ref: Ref): Promise<Instance> {
  if ((ref.uuid === undefined) === (ref.name === undefined)) {
    return { ok: false, error: itemError(KC.INVALID, "name the instance by exactly one of 'uuid' or 'name'", {}, 400) as ItemFailure };
  }
  if (ref.uuid !== undefined) return instanceByUuid(c, ref.uuid);
  const name = ref.name!;
  if (!GROUP_NAME_RE.test(name)) return { ok: false, error: itemError(KC.INVALID, `Invalid name '${name}'`, {}, 400) as ItemFailure };
  const row = await findInstance(c.env.DB, c.get("tenantId"), { name });
  if (row) checkPoolScope(c, "group", row.groupName);
  return row ? { ok: true, row } : { ok: false, error: notFound(`instance '${name}'`, { name }) };
}

export const instanceNotFound = (uuid: string) => notFound(`instance '${uuid}'`, { uuid });

/** A group's failure as an item; a missing group is named (the group itself only says it is not configured). */
export const groupFailure = (f: Failure, name: string, identity: Record<string, string> = {}) =>
  fromFailure(f.code === "GROUP_NOT_FOUND" ? { ...f, message: `service group '${name}' not found` } : f, identity);
