// Query strings: one rule for every route of every dialect (docs/security.md, "Input rules").
//
//   - A route declares the parameters it takes with `query(schema)` (a zod strict object); any
//     other parameter, a repeated one the schema wants once, or a bad value is a 400 naming the
//     parameter, rendered in the route's dialect by renderError.
//   - A route that declares nothing takes no parameter at all: `strictQuery` (app-wide, in
//     src/app.ts) refuses any query parameter on a request whose matched routes carry no
//     declaration, so a route that forgets one cannot silently ignore `?zz=1`.
//
// Values are the decoded strings of the URL; a key given twice becomes an array of its values,
// so a schema wanting one string refuses `?limit=1&limit=2` instead of picking either.
import type { Context, MiddlewareHandler } from "hono";
import type { z } from "zod";
import { declare, routeDeclares, routeMatched } from "./declared";
import { badRequest, type ApiError } from "./errors";
import type { AppEnv } from "./types";

/** Marks the middleware returned by `query()`, so that `strictQuery` can see a route declares one. */
const DECLARES_QUERY = Symbol("scalegate.query");

export type QueryValues = Record<string, string | string[]>;

/** The query string of a request: `key → value`, or `key → [values]` when the key repeats. */
export function queryValues(url: string): QueryValues {
  // A null-prototype object: a `__proto__` parameter is a key like any other (and refused as unknown).
  const out: QueryValues = Object.create(null);
  for (const [key, value] of new URL(url).searchParams) {
    const seen = out[key];
    if (seen === undefined) out[key] = value;
    else out[key] = Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return out;
}

export interface QueryOptions {
  /** What the caller can do about a bad value (Quilt renders it as `hint`). */
  hint?: string;
}

function queryError(error: z.ZodError, options: QueryOptions): ApiError {
  const issue = error.issues[0];
  let e: ApiError;
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0];
    e = badRequest(`unknown query parameter '${key}'`, `this route takes no query parameter '${key}'`, key);
  } else {
    const name = issue.path.length ? String(issue.path[0]) : "query";
    e = badRequest(`invalid query parameter '${name}': ${issue.message}`, issue.message, name);
  }
  return options.hint ? e.with({ hint: options.hint }) : e;
}

/** Checks a request's query string against `schema` (a strict object); throws the 400. */
export function checkQuery<S extends z.ZodType>(c: Context<AppEnv>, schema: S, options: QueryOptions = {}): z.output<S> {
  const values = queryValues(c.req.url);
  // zod's strict objects do not see a `__proto__` key: refused here as the unknown parameter it is.
  if (Object.hasOwn(values, "__proto__")) throw badRequest("unknown query parameter '__proto__'", "this route takes no query parameter '__proto__'", "__proto__");
  const parsed = schema.safeParse(values);
  if (!parsed.success) throw queryError(parsed.error, options);
  return parsed.data;
}

/**
 * The route's query parameters: validated before the handler, then read with
 * `c.req.valid("query")`. The schema should be a `z.strictObject` of optional fields.
 */
export function query<S extends z.ZodType>(
  schema: S,
  options: QueryOptions = {},
): MiddlewareHandler<AppEnv, string, { in: { query: z.input<S> }; out: { query: z.output<S> } }> {
  const mw: MiddlewareHandler<AppEnv> = async (c, next) => {
    c.req.addValidatedData("query", checkQuery(c, schema, options) as object);
    await next();
  };
  return declare(mw, DECLARES_QUERY) as never;
}

/** True when one of the routes matched for this request declares its query parameters. */
export const routeDeclaresQuery = (c: Context<AppEnv>): boolean => routeDeclares(c, DECLARES_QUERY);

/**
 * App-wide: a request with a query parameter is refused (400, the first parameter named) unless a
 * matched route declares parameters with `query()`, which then checks them. Runs before the
 * dialects' authentication, like the body limit: it needs no credential and changes nothing. A
 * request no route of its method matches is left to the 405/404 answer.
 */
export const strictQuery: MiddlewareHandler<AppEnv> = async (c, next) => {
  const url = c.req.url;
  const q = url.indexOf("?");
  if (q !== -1 && q < url.length - 1 && routeMatched(c) && !routeDeclaresQuery(c)) {
    const [first] = Object.keys(queryValues(url));
    if (first !== undefined) throw badRequest(`unknown query parameter '${first}'`, "this route takes no query parameters", first);
  }
  await next();
};
