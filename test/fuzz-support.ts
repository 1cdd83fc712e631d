// Raw requests (any method, bytes, framing) and the shared generators and checks of the fuzz
// suites (test/fuzz-<dialect>.test.ts) and the http-* regression suites. docs/security.md.
import { SELF, createExecutionContext, env, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import fc from "fast-check";
import { expect, inject } from "vitest";
import { app } from "../src/app";
import { readAnswer, type Call } from "./helpers";

declare module "vitest" {
  export interface ProvidedContext {
    /** `npm run fuzz` (scripts/fuzz.mjs → vitest.config.ts `provide`): the seed and runs of a longer run. */
    fuzz: { seed?: number; runs?: number };
  }
}

const BASE = "http://scalegate.test";

export type Framing = "length" | "chunked" | "none";

export interface RawRequest {
  method: string;
  /** Path and query, sent as is (percent-encoding included). */
  path: string;
  headers?: Record<string, string>;
  body?: Uint8Array | string | null;
  /** `length`: a fixed body (Content-Length); `chunked`: a stream in two chunks (no length); `none`: no body. */
  framing?: Framing;
}

const bytesOf = (b: Uint8Array | string) => (typeof b === "string" ? new TextEncoder().encode(b) : b);

function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  const cut = bytes.length >> 1;
  return new ReadableStream({
    start(ctl) {
      if (cut > 0) ctl.enqueue(bytes.slice(0, cut));
      ctl.enqueue(bytes.slice(cut));
      ctl.close();
    },
  });
}

/**
 * Sends a request as a client would put it on the wire. Through the Worker's fetch (SELF), except
 * a GET or HEAD with a body: the runtime's `Request` refuses to build one, so it is a POST request
 * that says it is a GET, handed to the app's fetch (what the app sees when such a request arrives
 * over HTTP, as with `curl -X GET --data-binary`).
 */
export async function send(r: RawRequest): Promise<Call> {
  const framing: Framing = r.body === undefined || r.body === null ? "none" : (r.framing ?? "length");
  const headers: Record<string, string> = { ...(r.headers ?? {}) };
  const bytes = framing === "none" ? null : bytesOf(r.body!);
  const body = bytes === null ? undefined : framing === "chunked" ? streamOf(bytes) : bytes;
  const method = r.method.toUpperCase();
  if ((method === "GET" || method === "HEAD") && body !== undefined) {
    if (framing === "length") headers["Content-Length"] = String(bytes!.length);
    const post = new Request(BASE + r.path, { method: "POST", headers, body });
    const asGet = new Proxy(post, {
      get: (target, prop) => {
        if (prop === "method") return method;
        const v = Reflect.get(target, prop, target);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    const ctx = createExecutionContext();
    const res = await app.fetch(asGet, env, ctx);
    await waitOnExecutionContext(ctx);
    return readAnswer(res);
  }
  return readAnswer(await SELF.fetch(BASE + r.path, { method, headers, body }));
}

// ------------------------------------------------------------------ dialect error shapes

export type Dialect = "elastisys" | "kraftcloud" | "quilt" | "hooks" | "providers" | "generic";

export function dialectOf(path: string): Dialect {
  // As the router sees it: dot segments resolved, query dropped.
  const p = new URL(path, BASE).pathname;
  const under = (prefix: string) => p === prefix || p.startsWith(prefix + "/");
  // The pool API is also served at the root to pool-scoped tokens (src/surfaces/elastisys/root.ts).
  if (under("/cloudpools") || under("/pool") || under("/config")) return "elastisys";
  if (under("/v1")) return "kraftcloud";
  if (under("/api/elasticity")) return "quilt";
  if (under("/hooks")) return "hooks";
  if (under("/providers")) return "providers";
  return "generic";
}

const isStr = (v: unknown) => typeof v === "string" && v.length > 0;

/**
 * Asserts the documented error body of the dialect of `path` (docs/security.md, "Error shapes").
 * A /v1 answer of 200/207-like envelopes with item errors is checked by the KraftCloud suites.
 */
export function expectDialectError(path: string, r: Call, what = ""): void {
  const ctx = `${what} → ${r.status} ${r.text.slice(0, 300)}`;
  expect(r.headers.get("Content-Type") ?? "", ctx).toMatch(/^application\/json/);
  expect(r.body, ctx).toBeTypeOf("object");
  expect(r.body, ctx).not.toBeNull();
  const b = r.body;
  switch (dialectOf(path)) {
    case "elastisys":
      expect(Object.keys(b).sort(), ctx).toEqual(["detail", "message"]);
      expect(isStr(b.message) && typeof b.detail === "string", ctx).toBe(true);
      return;
    case "kraftcloud":
      if (b.status === "error" && Array.isArray(b.errors)) {
        expect(Object.keys(b).sort(), ctx).toEqual(["errors", "message", "status"]);
        expect(isStr(b.message), ctx).toBe(true);
        expect(b.errors, ctx).toEqual([{ status: r.status }]);
      } else {
        // A per-item answer: the envelope with every item an error.
        expect(b.status, ctx).toBe("error");
        expect(b.data, ctx).toBeTypeOf("object");
        for (const items of Object.values(b.data as Record<string, any[]>)) for (const it of items) expect(it.status, ctx).toBe("error");
      }
      return;
    case "quilt":
      expect(isStr(b.error) && isStr(b.error_code), ctx).toBe(true);
      expect("request_id" in b, ctx).toBe(true);
      return;
    case "hooks":
    case "generic":
      expect(isStr(b.error) && isStr(b.message), ctx).toBe(true);
      return;
    case "providers":
      expect(isStr(b.error) && isStr(b.message), ctx).toBe(true);
      expect("request_id" in b, ctx).toBe(true);
      return;
  }
}

// ------------------------------------------------------------------ seeds and sizes

/** `FUZZ_SEED`/`FUZZ_RUNS` from `npm run fuzz` (vitest.fuzz.config.ts provides them); fixed in `npm test`. */
export function fuzzParams(defaultRuns: number): { seed: number; numRuns: number } {
  let seed = 9;
  let numRuns = defaultRuns;
  const given = inject("fuzz");
  if (given?.seed !== undefined) seed = given.seed;
  if (given?.runs !== undefined) numRuns = given.runs;
  return { seed, numRuns };
}

// ------------------------------------------------------------------ generators

/** JSON values of the wrong type for any field, and numbers at and beyond every bound. */
export const hostileNumber = fc.constantFrom<unknown>(
  0, -0, 1, -1, 0.5, -0.5, 1e-7, 2 ** 31 - 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 32, 2 ** 53 - 1, 2 ** 53 + 1, -(2 ** 53) - 1, Number.MAX_VALUE, 1e308,
  "NaN", "Infinity", "-Infinity", "1e309", "0x10", "1_000", " 1", "1 ", "", "null", "true", "-0",
);
export const wrongType = fc.oneof(
  hostileNumber,
  fc.constantFrom<unknown>(null, true, false, [], {}, [1], { a: 1 }, "x".repeat(300), "\u0000", "\u00a0", "☃", "𝔘", "\ud800"),
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.double(),
);

/** A JSON text with numbers written the way JSON.stringify cannot (1e309, -0, 2^53+1 as digits). */
export const numberLiteral = fc.constantFrom("1e309", "-1e309", "-0", "9007199254740993", "-9007199254740993", "1.0", "1E2", "0.0000001", "123456789012345678901234567890", "-0.0");

type Path = (string | number)[];

/** Every path to a value inside `v` (object keys and array indexes, at any depth). */
function pathsOf(v: unknown, at: Path = []): Path[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => [[...at, i], ...pathsOf(x, [...at, i])]);
  if (v && typeof v === "object") return Object.entries(v).flatMap(([k, x]) => [[...at, k], ...pathsOf(x, [...at, k])]);
  return [];
}

/** A deep copy of `v` with the value at `path` replaced (`remove`: deleted). */
function setAt(v: unknown, path: Path, value: unknown, remove = false): unknown {
  if (path.length === 0) return value;
  const copy: any = Array.isArray(v) ? [...v] : { ...(v as object) };
  const [head, ...rest] = path;
  if (rest.length === 0 && remove) {
    if (Array.isArray(copy)) copy.splice(head as number, 1);
    else delete copy[head];
  } else {
    // defineProperty: a `__proto__` key becomes an own property (JSON.stringify sends it), not the prototype.
    Object.defineProperty(copy, head, { value: setAt(copy[head], rest, value, remove), enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

/** Mutates one field of a valid body, at any depth: a wrong type, a removed key, an unknown key. */
export function mutated(valid: Record<string, unknown> | unknown[]): fc.Arbitrary<unknown> {
  const paths = pathsOf(valid);
  if (paths.length === 0) return wrongType.map((v) => (Array.isArray(valid) ? [v] : { x: v }));
  const objects: Path[] = [[], ...paths.filter((p) => { const x = p.reduce<any>((o, k) => o?.[k], valid); return x && typeof x === "object" && !Array.isArray(x); })];
  const withField = fc.tuple(fc.constantFrom(...paths), wrongType).map(([p, v]) => setAt(valid, p, v));
  const without = fc.constantFrom(...paths).map((p) => setAt(valid, p, undefined, true));
  const unknown = fc.tuple(fc.constantFrom(...objects), fc.constantFrom("zz", "__proto__", "constructor", "", "Name", " name"), wrongType).map(([p, k, v]) => setAt(valid, [...p, k], v));
  return fc.oneof({ weight: 4, arbitrary: withField }, { weight: 1, arbitrary: without }, { weight: 1, arbitrary: unknown });
}

/** Raw bodies that are not (or not quite) JSON. */
export const hostileRaw = fc.oneof(
  fc.constantFrom<string | Uint8Array>(
    "",
    " \n\t\r",
    "\u00a0",
    "\u2028",
    "\u3000",
    "\ufeff",
    "\ufeff{}",
    "{}\u00a0",
    "null",
    "[]",
    "{",
    '{"a":1,"a":2}',
    '{"__proto__":{"x":1}}',
    "[".repeat(5000) + "]".repeat(5000),
    '{"a":'.repeat(3000) + "1" + "}".repeat(3000),
    new Uint8Array([0xff, 0xfe, 0x7b, 0x7d]),
    new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]),
    new Uint8Array([0xef, 0xbb, 0xbf]),
    "x".repeat(64 * 1024 + 1),
  ),
  fc.string({ maxLength: 40 }),
  fc.uint8Array({ maxLength: 40 }),
);

/** Path parameters: long, unicode, percent-encoded slashes and dots, empty. */
export const hostileSegment = fc.oneof(
  fc.constantFrom("", "%2F", "a%2Fb", "..", "%2e%2e", "a%00b", "%", "%zz", "x".repeat(300), "%E2%98%83", "☃", "ÄÖ", "a b", "a%20b", "-", ".", "A", "autoscale", "%F0%9F%94%A5", "00000000-0000-0000-0000-000000000000"),
  fc.string({ minLength: 1, maxLength: 12 }).map(encodeURIComponent),
);

export const anyMethod = fc.constantFrom("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");
export const anyFraming = fc.constantFrom<Framing>("length", "chunked");
export const anyContentType = fc.constantFrom<string | undefined>(undefined, "application/json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=utf-16", "application/octet-stream", "", "*/*");

/** Query strings that no route takes, or takes with a bad value. */
export const hostileQuery = fc.constantFrom("", "?", "?zz=1", "?zz", "?=1", "?limit=1&limit=2", "?details=maybe", "?format=xml", "?%00=1", "?a=%zz", "?__proto__=1", "?limit=1e309", "?details=true&zz=1");

/** Some request as JSON bytes (for the valid-looking path). */
export const json = (v: unknown) => JSON.stringify(v);

// ------------------------------------------------------------------ one fuzz case

/**
 * What a refused request must leave alone, read cheaply and whatever the schema: every table of
 * each Durable Object in `stubs` (rows as sorted JSON), and every D1 row of `tenants` in each
 * table with a `tenant_id` column.
 */
export async function stateOf(stubs: DurableObjectStub[], tenants: string[]): Promise<unknown> {
  const objects = await Promise.all(
    stubs.map((stub) =>
      runInDurableObject(stub, async (instance, state) => {
        // What an earlier accepted request queued leaves D1_GATHER_MS after its answer
        // (src/objects/push-lane.ts): hand it over first, or a refusal seems to change the outbox.
        await (instance as { k?: { flush(): Promise<void> } }).k?.flush();
        const sql = state.storage.sql;
        const tables = sql.exec<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' ORDER BY name`).toArray();
        return Object.fromEntries(tables.map(({ name }) => [name, sql.exec(`SELECT * FROM "${name}"`).toArray().map((r) => JSON.stringify(r)).sort()]));
      }),
    ),
  );
  const tables = (await env.DB.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name <> 'd1_migrations' ORDER BY name`).all<{ name: string; sql: string }>()).results.filter((t) => /\btenant_id\b/.test(t.sql));
  const marks = tenants.map(() => "?").join(",");
  const d1 = await env.DB.batch(tables.map((t) => env.DB.prepare(`SELECT * FROM "${t.name}" WHERE tenant_id IN (${marks})`).bind(...tenants)));
  // Every row counts, name claims included: a refused creation drops its claim (src/db/names.ts).
  return { objects, d1: Object.fromEntries(tables.map((t, i) => [t.name, d1[i].results.map((r) => JSON.stringify(r)).sort()])) };
}

/** A short, replayable description of a request (in every failure message). */
export function describeRequest(r: RawRequest): string {
  const body = r.body === undefined || r.body === null ? "" : typeof r.body === "string" ? JSON.stringify(r.body.length > 120 ? r.body.slice(0, 120) + `…(${r.body.length})` : r.body) : `bytes[${Array.from(r.body.slice(0, 24)).join(",")}${r.body.length > 24 ? `…(${r.body.length})` : ""}]`;
  const headers = Object.entries(r.headers ?? {})
    .map(([k, v]) => `${k}: ${v.length > 40 ? v.slice(0, 40) + "…" : v}`)
    .join("; ");
  return `${r.method} ${r.path.length > 200 ? r.path.slice(0, 200) + "…" : r.path} [${r.framing ?? "length"}] {${headers}} ${body}`;
}

/**
 * Sends one generated request and asserts the rules of every request: never a 5xx; a refusal
 * (4xx, or a /v1 envelope whose items all failed) in the dialect's documented shape; and a
 * refusal changes nothing in `snapshot`. An accepted request may change things; the next case
 * starts from the state it left.
 */
export async function checkCase(req: RawRequest, snapshot: () => Promise<unknown>): Promise<Call> {
  const what = describeRequest(req);
  const before = await snapshot();
  const r = await send(req);
  statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
  expect(r.status, `${what} → ${r.status} ${r.text.slice(0, 300)}`).toBeLessThan(500);
  const itemsFailed = dialectOf(req.path) === "kraftcloud" && r.status < 300 && r.body?.status === "error";
  const refused = r.status >= 400 || itemsFailed;
  if (r.status >= 400 && req.method.toUpperCase() !== "HEAD") expectDialectError(req.path, r, what);
  if (refused) {
    const after = await snapshot();
    expect(after, `${what} → ${r.status} ${r.text.slice(0, 300)} changed state`).toEqual(before);
  }
  return r;
}

const statuses = new Map<number, number>();

/** How many answers of each status the cases so far got (printed after a suite, to see what it reached). */
export function statusSummary(): string {
  return [...statuses.entries()].sort(([a], [b]) => a - b).map(([k, v]) => `${k}×${v}`).join(" ");
}

/** A test's time limit: 2 minutes, or more for a long `npm run fuzz` (about 1 s a run at worst). */
export function fuzzTimeout(defaultRuns: number): number {
  return Math.max(120_000, fuzzParams(defaultRuns).numRuns * 1000);
}

/** fast-check parameters of a suite: the seed (printed), the runs, no shrinking (each run is a request). */
export function fuzzOptions(defaultRuns: number, file: string): fc.Parameters<unknown> {
  const { seed, numRuns } = fuzzParams(defaultRuns);
  console.log(`[fuzz] ${file}: seed ${seed}, ${numRuns} runs (replay: FUZZ_SEED=${seed} FUZZ_RUNS=${numRuns} npm run fuzz -- ${file})`);
  return { seed, numRuns, endOnFailure: true };
}

/** Header sets for every kind of credential a request can carry. */
export interface Credentials {
  own: string;
  other: string;
  revoked: string;
  hookSecret?: string;
}

export function credentialHeaders(c: Credentials, style: "bearer" | "api-key" = "bearer"): fc.Arbitrary<Record<string, string>> {
  const bearer = (t: string): Record<string, string> => (style === "api-key" ? { "X-Api-Key": t } : { Authorization: `Bearer ${t}` });
  const H = (...hs: Record<string, string>[]) => fc.constantFrom(...hs);
  return fc.oneof(
    { weight: 12, arbitrary: H(bearer(c.own)) },
    { weight: 1, arbitrary: H({}) },
    { weight: 1, arbitrary: H(bearer(c.other)) },
    { weight: 1, arbitrary: H(bearer(c.revoked)) },
    { weight: 1, arbitrary: H({ Authorization: `Basic ${btoa("admin:" + c.own)}` }) },
    { weight: 1, arbitrary: H({ Authorization: "Bearer test-admin-token" }) },
    { weight: 1, arbitrary: H(bearer(c.hookSecret ?? "whsec_x")) },
    { weight: 1, arbitrary: H({ Authorization: "Bearer" }, { Authorization: "Bearer sg_x_y" }, { Authorization: `Bearer ${c.own}x` }, { Authorization: `bearer  ${c.own}  ` }, { Authorization: "Bearer " + "a".repeat(5000) }, { Authorization: "Bearer ☃" }) },
  );
}

/**
 * A body for a route with a documented valid body: mostly valid-looking (one field wrong, numbers
 * at bounds), sometimes raw garbage, sometimes none.
 */
export function bodyFor(valid: Record<string, unknown> | unknown[] | null): fc.Arbitrary<string | Uint8Array | null> {
  const validText = valid === null ? "{}" : json(valid);
  const arr = fc.oneof(
    { weight: 2, arbitrary: fc.constant<string | Uint8Array | null>(validText) },
    { weight: 5, arbitrary: (valid !== null ? mutated(valid) : wrongType).map((v) => json(v) ?? "null") },
    { weight: 3, arbitrary: hostileRaw },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: numberLiteral.map((n) => (valid && !Array.isArray(valid) && Object.keys(valid).length ? validText.replace(/:(-?\d+(\.\d+)?)/, `:${n}`) : n)) },
    { weight: 1, arbitrary: fc.constant(valid && !Array.isArray(valid) && Object.keys(valid).length ? validText.replace(/^\{"(\w+)":/, '{"$1":null,"$1":') : '{"a":1,"a":1}') },
    { weight: 1, arbitrary: fc.constant("\ufeff" + validText) },
    { weight: 1, arbitrary: deepField(valid) },
  );
  return arr;
}

/** A valid body with one field replaced by arrays or objects nested thousands deep. */
function deepField(valid: Record<string, unknown> | unknown[] | null): fc.Arbitrary<string> {
  const keys = valid && !Array.isArray(valid) ? Object.keys(valid) : [];
  return fc.tuple(fc.constantFrom(...(keys.length ? keys : ["x"])), fc.constantFrom(100, 5000, 20000), fc.boolean()).map(([k, n, arrays]) => {
    const deep = arrays ? "[".repeat(n) + "]".repeat(n) : '{"a":'.repeat(n) + "1" + "}".repeat(n);
    return json({ ...(keys.length ? (valid as Record<string, unknown>) : {}), [k]: "__DEEP__" }).replace('"__DEEP__"', deep);
  });
}

/** The request of a route template, mutated in every way the suite knows. */
export interface RouteTemplate {
  method: string;
  /** Path with `{name}` placeholders, filled from `params` or hostile segments. */
  path: string;
  /** A valid-looking body (null: the route takes none). */
  body: Record<string, unknown> | unknown[] | null;
  /** Extra headers the route needs to be valid (Quilt control writes). */
  headers?: Record<string, string>;
}

export function requestFor(t: RouteTemplate, params: Record<string, string[]>, creds: fc.Arbitrary<Record<string, string>>): fc.Arbitrary<RawRequest> {
  const names = [...t.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
  const paramArb = fc.tuple(...names.map((n) => fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...(params[n] ?? ["x"])) }, { weight: 1, arbitrary: hostileSegment })));
  return fc
    .record({
      method: fc.oneof({ weight: 8, arbitrary: fc.constant(t.method) }, { weight: 1, arbitrary: anyMethod }),
      values: names.length ? paramArb : fc.constant([] as string[]),
      query: fc.oneof({ weight: 8, arbitrary: fc.constant("") }, { weight: 1, arbitrary: hostileQuery }),
      body: t.body === null ? fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: hostileRaw }) : bodyFor(t.body),
      framing: anyFraming,
      contentType: fc.oneof({ weight: 6, arbitrary: fc.constant<string | undefined>("application/json") }, { weight: 1, arbitrary: anyContentType }),
      auth: creds,
      dropHeader: fc.oneof({ weight: 6, arbitrary: fc.constant<string | null>(null) }, { weight: 1, arbitrary: fc.constantFrom(...Object.keys(t.headers ?? { none: "" })) }),
      // `{uniq}` in a header value (an Idempotency-Key): mostly fresh, sometimes one seen before.
      uniq: fc.oneof({ weight: 3, arbitrary: fc.uuid() }, { weight: 1, arbitrary: fc.constantFrom("k1", "k2") }),
    })
    .map(({ method, values, query, body, framing, contentType, auth, dropHeader, uniq }) => {
      let i = 0;
      const path = t.path.replace(/\{(\w+)\}/g, () => values[i++]) + query;
      const headers: Record<string, string> = { ...Object.fromEntries(Object.entries(t.headers ?? {}).map(([k, v]) => [k, v.replace("{uniq}", uniq)])), ...auth };
      if (dropHeader) delete headers[dropHeader];
      if (contentType !== undefined && body !== null) headers["Content-Type"] = contentType;
      return { method, path, headers, body, framing };
    });
}
