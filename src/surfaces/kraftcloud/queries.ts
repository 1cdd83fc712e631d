// The one rule for query strings under /v1: every route declares here the parameters it takes
// (most take none), and `checkQueries` refuses anything else with a 400 naming the parameter,
// before authentication reaches a handler. A request matching no row (unknown path, or a method
// the path does not have) passes on to the 404/405 answers. Handlers read values with
// parseQuery and the same schema.
import type { MiddlewareHandler } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../http/types";
import { listQuery } from "./filters";
import { detailsQuery, parseQuery } from "./refs";

const none = z.strictObject({});

/** [method, path under /v1 (a `:x` segment matches one path segment), the query it takes]. */
const ROUTES: [string, string, z.ZodType][] = [
  ["GET", "/services", listQuery],
  ["POST", "/services", none],
  ["DELETE", "/services", none],
  ["GET", "/services/autoscale", listQuery],
  ["POST", "/services/autoscale", none],
  ["DELETE", "/services/autoscale", none],
  ["GET", "/services/:uuid", detailsQuery],
  ["DELETE", "/services/:uuid", none],
  ["GET", "/services/:uuid/autoscale", none],
  ["POST", "/services/:uuid/autoscale", none],
  ["DELETE", "/services/:uuid/autoscale", none],
  ["GET", "/services/:uuid/autoscale/policies", none],
  ["POST", "/services/:uuid/autoscale/policies", none],
  ["DELETE", "/services/:uuid/autoscale/policies", none],
  ["GET", "/services/:uuid/autoscale/policies/:name", none],
  ["DELETE", "/services/:uuid/autoscale/policies/:name", none],
  ["POST", "/services/:uuid/autoscale/metrics", none],
  ["POST", "/services/:uuid/autoscale/evaluate", none],
  ["POST", "/services/:uuid/autoscale/replay", none],
  ["GET", "/instances", listQuery],
  ["POST", "/instances", none],
  ["DELETE", "/instances", none],
  ["PUT", "/instances/start", none],
  ["PUT", "/instances/stop", none],
  ["GET", "/instances/:uuid", detailsQuery],
  ["DELETE", "/instances/:uuid", none],
  ["PUT", "/instances/:uuid/start", none],
  ["PUT", "/instances/:uuid/stop", none],
];

const compiled = ROUTES.map(([method, path, schema]) => ({
  method,
  re: new RegExp(`^/v1${path.replace(/:[a-z]+/g, "[^/]+")}/?$`),
  schema,
}));

/** The declared query of a request's route, or null when no /v1 route has that method and path. */
export function declaredQuery(method: string, path: string): z.ZodType | null {
  const m = method === "HEAD" ? "GET" : method;
  // Literal paths are listed before the `:uuid` ones of the same shape, so the first match wins.
  return compiled.find((r) => r.method === m && r.re.test(path))?.schema ?? null;
}

export const checkQueries: MiddlewareHandler<AppEnv> = async (c, next) => {
  const schema = declaredQuery(c.req.method, c.req.path);
  if (schema) parseQuery(c, schema);
  await next();
};
