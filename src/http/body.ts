// Request bodies: the one reader and the one JSON parser of every route (docs/security.md,
// "Input rules"). Strict about what the dialect docs leave sloppy:
//
//   - The body is read once, as bytes, at most MAX_BODY_BYTES (413 beyond), whatever the method
//     or framing (Content-Length, chunked, none). The request is never rebuilt: a GET cannot carry
//     a body in a `Request`, so re-wrapping one (hono/body-limit did) threw a 500.
//   - A route declares that it takes a body (jsonBody, or bytesBody for raw bytes). A route that
//     declares none refuses a body that is not empty (400), whatever the method.
//   - "No body" is 0 bytes or JSON whitespace (space, tab, CR, LF) only. Other Unicode whitespace
//     (U+00A0, U+2028, U+3000…) is content, and not JSON: 400, never an absent body.
//   - UTF-8 only, decoded fatally: invalid bytes are a 400. One leading UTF-8 BOM is skipped
//     (RFC 8259 §8.1 allows it); a body that is only a BOM holds no JSON value and is a 400.
//   - Malformed JSON, nesting deeper than 64, a duplicate key anywhere, a `__proto__` key, wrong
//     types and unknown fields are 400s naming the field, before anything reaches a Durable Object.
import type { Context, MiddlewareHandler } from "hono";
import type { z } from "zod";
import { declare, routeDeclares, routeMatched } from "./declared";
import { ApiError, badRequest } from "./errors";
import type { AppEnv } from "./types";

/** Largest request body accepted by any route. */
export const MAX_BODY_BYTES = 64 * 1024;

const DECLARES_BODY = Symbol("scalegate.body");

const tooLarge = (limit = MAX_BODY_BYTES) => new ApiError(413, "PAYLOAD_TOO_LARGE", `request body larger than ${limit} bytes`);

/** Routes that take more than MAX_BODY_BYTES (the replay's traces): method, path pattern, limit. */
const LARGE_BODIES: { method: string; path: RegExp; bytes: number }[] = [];

/** Lets one route read a body of up to `bytes` (it declares so where it is defined). */
export function allowLargeBody(method: string, path: RegExp, bytes: number): void {
  LARGE_BODIES.push({ method, path, bytes });
}

const limitOf = (c: Context<AppEnv>) => LARGE_BODIES.find((l) => l.method === c.req.method && l.path.test(c.req.path))?.bytes ?? MAX_BODY_BYTES;

/** The bytes of each request, read once (keyed by the runtime's Request). */
const bodies = new WeakMap<Request, Promise<Uint8Array>>();

async function readLimited(c: Context<AppEnv>): Promise<Uint8Array> {
  const raw = c.req.raw;
  const limit = limitOf(c);
  const length = raw.headers.get("content-length")?.trim() ?? null;
  const declared = length !== null && /^\d+$/.test(length) ? Number(length) : null;
  if (declared !== null && declared > limit) throw tooLarge(limit);
  if (raw.body === null) return new Uint8Array(0);
  // Something read it through Hono already (c.req.text() and friends): take Hono's cached copy.
  if (raw.bodyUsed) return new Uint8Array(await c.req.arrayBuffer());
  // A declared length within the limit (the runtime holds the body to it): one read, not a loop
  // over chunks, which costs more CPU on every small API body (docs/benchmarks.md run H).
  if (declared !== null) {
    const bytes = new Uint8Array(await raw.arrayBuffer());
    if (bytes.byteLength > limit) throw tooLarge(limit);
    (c.req.bodyCache as Record<string, unknown>).arrayBuffer = Promise.resolve(bytes.buffer);
    return bytes;
  }
  const reader = raw.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  // Later c.req.text()/json()/arrayBuffer() calls are served from these bytes instead of a used stream.
  (c.req.bodyCache as Record<string, unknown>).arrayBuffer = Promise.resolve(bytes.buffer);
  return bytes;
}

/** The request body's bytes (read once; 413 beyond MAX_BODY_BYTES, or the route's allowLargeBody limit). */
export function readBody(c: Context<AppEnv>): Promise<Uint8Array> {
  let p = bodies.get(c.req.raw);
  if (!p) {
    p = readLimited(c);
    bodies.set(c.req.raw, p);
  }
  return p;
}

const JSON_WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** 0 bytes, or JSON whitespace only: what counts as "no body". */
export function isBlank(bytes: Uint8Array): boolean {
  for (const b of bytes) if (!JSON_WS.has(b)) return false;
  return true;
}

export type JsonParse = { ok: true; empty: boolean; value: unknown } | { ok: false; field: string; message: string; detail: string };

const fail = (message: string, detail: string, field = "body"): JsonParse => ({ ok: false, field, message, detail });

/**
 * The first key that appears twice in one object of a (valid) JSON text, as a dotted path
 * (`provider.type`, `1.min_size`); null when there is none. JSON.parse keeps the last silently.
 */
export function duplicateKey(text: string): string | null {
  type Frame = { keys: Set<string> | null; path: string; key: string; index: number; expectKey: boolean };
  const stack: Frame[] = [];
  const join = (path: string, key: string) => (path ? `${path}.${key}` : key);
  const childPath = (parent: Frame | undefined) => (!parent ? "" : join(parent.path, parent.keys ? parent.key : String(parent.index)));
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x22 /* " */) {
      let j = i + 1;
      while (text.charCodeAt(j) !== 0x22) j += text.charCodeAt(j) === 0x5c /* \ */ ? 2 : 1;
      const top = stack[stack.length - 1];
      if (top?.keys && top.expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.keys.has(key)) return join(top.path, key);
        top.keys.add(key);
        top.key = key;
        top.expectKey = false;
      }
      i = j;
    } else if (ch === 0x7b /* { */ || ch === 0x5b /* [ */) {
      stack.push({ keys: ch === 0x7b ? new Set() : null, path: childPath(stack[stack.length - 1]), key: "", index: 0, expectKey: true });
    } else if (ch === 0x7d /* } */ || ch === 0x5d /* ] */) {
      stack.pop();
    } else if (ch === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top.keys) top.expectKey = true;
      else top.index++;
    }
  }
  return null;
}

/** Deepest nesting of arrays and objects in a body (no API body needs more; JSON.parse and zod recurse). */
export const MAX_JSON_DEPTH = 64;

/** How deep arrays and objects nest in a JSON-ish text (strings skipped), stopping once past `limit`. */
export function nestingDepth(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x22 /* " */) {
      i++;
      while (i < text.length && text.charCodeAt(i) !== 0x22) i += text.charCodeAt(i) === 0x5c /* \ */ ? 2 : 1;
    } else if (ch === 0x7b || ch === 0x5b) {
      if (++depth > max) max = depth;
      if (max > limit) return max;
    } else if (ch === 0x7d || ch === 0x5d) depth--;
  }
  return max;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * A body's bytes as JSON. `optional`: the route documents that the body may be absent, and an
 * empty body (0 bytes or JSON whitespace) yields `{empty: true}`; otherwise it is a 400.
 */
export function parseJson(bytes: Uint8Array, options: { optional?: boolean } = {}): JsonParse {
  if (isBlank(bytes)) return options.optional ? { ok: true, empty: true, value: undefined } : fail("request body is empty", "a JSON value is required");
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return fail("request body is not valid UTF-8", "send the JSON text encoded as UTF-8");
  }
  if (text.charCodeAt(0) === 0xfeff) {
    text = text.slice(1);
    if (/^[ \t\r\n]*$/.test(text)) return fail("request body holds only a byte order mark", "a JSON value is required after the UTF-8 BOM");
  }
  if (nestingDepth(text) > MAX_JSON_DEPTH) return fail(`request body nested deeper than ${MAX_JSON_DEPTH} levels`, "arrays and objects may nest at most 64 deep");
  let value: unknown;
  // zod's strict objects do not see a `__proto__` key, so it is refused here as the unknown field it is.
  let protoKey = false;
  try {
    value = JSON.parse(text, (key, v) => {
      if (key === "__proto__") protoKey = true;
      return v;
    });
  } catch (err) {
    return fail("malformed JSON in request body", err instanceof Error ? err.message : String(err));
  }
  if (protoKey) return fail("unknown field '__proto__'", 'Unrecognized key: "__proto__"', "__proto__");
  const dup = duplicateKey(text);
  if (dup !== null) return fail(`duplicate field '${dup}'`, "each key may appear once per object", dup);
  return { ok: true, empty: false, value };
}

/** Names the first offending field of a zod error, e.g. `provider.bootDelayMs`. */
export function describeIssue(error: z.ZodError): { field: string; message: string } {
  const issue = error.issues[0];
  const path = issue.path.map(String).join(".");
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0];
    const field = path ? `${path}.${key}` : key;
    return { field, message: `unknown field '${field}'` };
  }
  const field = path || "body";
  return { field, message: `invalid field '${field}': ${issue.message}` };
}

/** The request body as JSON (read through readBody); a 400 naming the fault otherwise. */
export async function readJson(c: Context<AppEnv>, options: { optional?: boolean } = {}): Promise<{ empty: boolean; value: unknown }> {
  const r = parseJson(await readBody(c), options);
  if (!r.ok) throw badRequest(r.message, r.detail, r.field);
  return r;
}

/** Marks a middleware that reads the body itself (through readBody/readJson). */
export const declaresBody = <M extends MiddlewareHandler<any, any, any>>(mw: M): M => declare(mw, DECLARES_BODY);

/** A route that takes its body as raw bytes (then `await readBody(c)`). */
export const bytesBody: MiddlewareHandler<AppEnv> = declaresBody(async (c, next) => {
  await readBody(c);
  await next();
});

export interface BodyOptions {
  /** An empty body stands for this value (routes whose body is optional, such as attach). */
  emptyAs?: unknown;
}

export function jsonBody<S extends z.ZodType>(
  schema: S,
  options: BodyOptions = {},
): MiddlewareHandler<AppEnv, string, { in: { json: z.input<S> }; out: { json: z.output<S> } }> {
  return declaresBody(async (c, next) => {
    const body = await readJson(c, { optional: options.emptyAs !== undefined });
    const parsed = schema.safeParse(body.empty ? options.emptyAs : body.value);
    if (!parsed.success) {
      const { field, message } = describeIssue(parsed.error);
      throw badRequest(message, parsed.error.issues[0].message, field);
    }
    c.req.addValidatedData("json", parsed.data as object);
    await next();
  });
}

/**
 * App-wide, before authentication: reads every body (the size limit, 413), and refuses a body
 * that is not empty on a route that declares none (400), whatever the method. A request no route
 * of its method matches is left to the 405/404 answer.
 */
export const strictBody: MiddlewareHandler<AppEnv> = async (c, next) => {
  const bytes = await readBody(c);
  if (!isBlank(bytes) && routeMatched(c) && !routeDeclares(c, DECLARES_BODY)) {
    throw badRequest("this route takes no request body", `send no body with ${c.req.method} ${new URL(c.req.url).pathname}`, "body");
  }
  await next();
};
