// What a route declares about its input (query parameters, a body), seen by the app-wide rules
// before the route runs. The declaring middleware carries a mark; the app-wide middleware looks
// for it among the handlers Hono matched for the request (sub-app routes included).
import type { Context, MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";

/** Where Hono keeps the original handler of a sub-app route it wrapped (hono/utils/constants). */
const COMPOSED_HANDLER = "__COMPOSED_HANDLER";

type Marked = { [key: symbol]: unknown; [COMPOSED_HANDLER]?: Marked };

const has = (h: Marked | undefined, mark: symbol): boolean => !!h && (h[mark] === true || has(h[COMPOSED_HANDLER], mark));

/** Marks a middleware as a declaration; returns it. */
export function declare<M extends MiddlewareHandler<any, any, any>>(mw: M, mark: symbol): M {
  Object.defineProperty(mw, mark, { value: true });
  return mw;
}

/** True when a handler matched for this request carries `mark`. */
export const routeDeclares = (c: Context, mark: symbol): boolean => matchedRoutes(c).some((r) => has(r.handler as unknown as Marked, mark));

/**
 * True when a route registered for the request's method matched (HEAD is routed as GET). When
 * none did, the answer is a 405 or a 404 (handlers registered with `all`, or notFound), and the
 * input rules leave the request to them: a wrong method or path is said before a wrong input.
 */
export function routeMatched(c: Context): boolean {
  const method = c.req.method === "HEAD" ? "GET" : c.req.method;
  return matchedRoutes(c).some((r) => r.method === method);
}
