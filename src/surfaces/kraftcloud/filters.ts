// The query filters of the /v1 list routes (`GET /v1/services`, `/v1/instances`,
// `/v1/services/autoscale`), as the `@unikraft/cloud` SDK and the kraft CLI send them:
// `?uuid=` and `?name=` (repeatable, or comma-separated), `details`, and the SDK's paging pair
// `count` + `from` (the uuid of the last item of the previous page). docs/kraftcloud.md, "Lists".
// A malformed value is a whole-request 400 naming the parameter; a well-formed uuid or name that
// names nothing is an item error 8 in its place in the answer, like the body form of the batch
// reads (the SDKs treat code 8 as "absent").
import { z } from "zod";
import { badRequest } from "../../http/errors";
import { GROUP_NAME_RE } from "../groups";
import { KC, itemError, type Item } from "./envelope";
import { UUID_RE } from "./names";
import { MAX_ITEMS } from "./refs";

/** One value or a repeated parameter, each value possibly a comma-separated list. */
const listOf = (item: z.ZodString) =>
  z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((x) => x.split(",")))
    .pipe(z.array(item).max(MAX_ITEMS, `at most ${MAX_ITEMS} values`));

const uuid = z.string().regex(UUID_RE, "not a UUID");
const name = z.string().min(1, "empty name").max(255).regex(GROUP_NAME_RE, "not a name");

/** `?details=true|false` (default true), given once. */
export const details = z.enum(["true", "false"]).optional();

/** The filters of a list route. */
export const listQuery = z.strictObject({
  uuid: listOf(uuid).optional(),
  name: listOf(name).optional(),
  details,
  count: z
    .string()
    .regex(/^[0-9]{1,7}$/, "not a positive integer")
    .transform(Number)
    .pipe(z.int().min(1, "at least 1"))
    .optional(),
  from: uuid.optional(),
});
export type ListQuery = z.output<typeof listQuery>;

export type Ref = { uuid: string } | { name: string };

/** The references a list query names, in order, each once; null when it names none. */
export function refsOf(q: ListQuery): Ref[] | null {
  if (q.uuid === undefined && q.name === undefined) return null;
  const uuids = [...new Set((q.uuid ?? []).map((u) => u.toLowerCase()))];
  const names = [...new Set(q.name ?? [])];
  return [...uuids.map((u) => ({ uuid: u })), ...names.map((n) => ({ name: n }))];
}

export type Picked<T> = { ok: true; row: T } | { ok: false; item: Item };

/**
 * The rows a list query selects, in answer order: every row (list order) without uuid/name
 * filters, else one entry per reference (an item error 8 for one that names nothing); then the
 * page after `from` and at most `count` entries.
 */
export function pick<T extends { uuid: string; name: string }>(rows: T[], q: ListQuery, what: string): Picked<T>[] {
  const refs = refsOf(q);
  let out: Picked<T>[] = refs
    ? refs.map((ref): Picked<T> => {
        const row = "uuid" in ref ? rows.find((r) => r.uuid === ref.uuid) : rows.find((r) => r.name === ref.name);
        const shown = "uuid" in ref ? `'${ref.uuid}'` : `'${ref.name}'`;
        return row ? { ok: true, row } : { ok: false, item: itemError(KC.NOT_FOUND, `${what} ${shown} not found`, ref) };
      })
    : rows.map((row) => ({ ok: true, row }));
  if (q.from !== undefined) {
    const from = q.from.toLowerCase();
    const at = out.findIndex((p) => p.ok && p.row.uuid === from);
    if (at < 0) throw badRequest(`invalid query parameter 'from': no ${what} '${from}' in this list`, "from is the uuid of the last item of the previous page", "from");
    out = out.slice(at + 1);
  }
  return q.count !== undefined ? out.slice(0, q.count) : out;
}
