// Support for the KraftCloud (/v1) HTTP suites: a client that checks EVERY response it receives
// against the project's KraftCloud OpenAPI document (./kraftcloud-spec.ts), fresh tenants, the shapes of the envelope and
// its errors, and a snapshot of everything a tenant's request could change (D1 rows, the Durable
// Object storage of its groups) for "nothing changed" assertions.
import { env, runInDurableObject } from "cloudflare:test";
import { expect } from "vitest";
import { call, groupStub, settle, tenantToken, type Call } from "./helpers";
import { conformance, type Deviation } from "./kraftcloud-spec";

let counter = 0;
/** A name no other test of the file uses (storage is shared by the tests of one file); KraftCloud-valid. */
export const uniq = (prefix: string) => `${prefix}-${++counter}`;

/** Every response a suite received, with what the conformance check said (for the conformance suite). */
export const seen: { method: string; path: string; status: number; operation: string | null; deviations: Deviation[] }[] = [];

/** Asserts that a /v1 response validates against the spec's schema of its operation and status. */
export function expectConformant(method: string, path: string, r: Call): void {
  expect(r.headers.get("Content-Type") ?? "", `${method} ${path}: ${r.text}`).toMatch(/^application\/json/);
  const result = conformance(method, path, r.status, r.body);
  expect(result.errors, `${method} ${path} → ${r.status} does not conform to the spec: ${r.text}`).toEqual([]);
  seen.push({ method, path, status: r.status, operation: result.operation ? `${result.operation.operationId} ${result.operation.code}` : null, deviations: result.deviations });
}

export type KcApi = ReturnType<typeof kcClient>;

/** A client bound to one token; every answer is checked against the spec before it is returned. */
export function kcClient(token: string | null, extraHeaders: Record<string, string> = {}) {
  const send = async (method: string, path: string, opts: { body?: unknown; raw?: string; headers?: Record<string, string> } = {}) => {
    const headers = { ...extraHeaders, ...(opts.headers ?? {}) };
    if (opts.raw !== undefined) headers["Content-Type"] ??= "application/json";
    const r = await call(method, path, { token: token ?? undefined, body: opts.body, raw: opts.raw, headers });
    expectConformant(method, path, r);
    return r;
  };
  return {
    get: (path: string, headers?: Record<string, string>) => send("GET", path, { headers }),
    post: (path: string, body?: unknown, headers?: Record<string, string>) => send("POST", path, { body, headers }),
    put: (path: string, headers?: Record<string, string>) => send("PUT", path, { headers }),
    del: (path: string, body?: unknown, headers?: Record<string, string>) => send("DELETE", path, { body, headers }),
    /** A raw body (none when undefined). */
    raw: (method: string, path: string, raw: string | undefined, headers?: Record<string, string>) => send(method, path, { raw, headers }),
  };
}

export interface Tenant {
  tenant: string;
  token: string;
  api: KcApi;
}

export async function newTenant(prefix: string): Promise<Tenant> {
  const tenant = uniq(`${prefix}-t`);
  const { token } = await tenantToken(tenant);
  return { tenant, token, api: kcClient(token) };
}

/**
 * Machines that move only when a test lets time pass (`advance`): set on a group through the
 * elastisys config route (the same group), so nothing moves between two requests of a test.
 */
export const SLOW = {
  provider: { type: "simulated", requestDelayMs: 60_000, bootDelayMs: 60_000, terminateDelayMs: 60_000 },
  updatePeriodSeconds: 3600,
} as const;
/** REQUESTED → PENDING → RUNNING with SLOW delays. */
export const BOOT_MS = 120_000;
export const STOP_MS = 60_000;

/** A service group created through /v1 with SLOW machines; returns its uuid. */
export async function slowService(t: Tenant, name: string, body: object = { services: [] }): Promise<string> {
  const r = await t.api.post("/v1/services", { name, ...body });
  expect(r.status, r.text).toBe(200);
  expect(r.body.data.service_groups[0].status, r.text).toBe("success");
  const cfg = await call("POST", `/cloudpools/${name}/config`, { token: t.token, body: SLOW });
  expect(cfg.status, cfg.text).toBe(200);
  return r.body.data.service_groups[0].uuid;
}

/** Creates an instance in a group; returns its JSON. */
export async function newInstance(t: Tenant, group: string, body: object = {}): Promise<any> {
  const r = await t.api.post("/v1/instances", { image: "user/app:latest", service_group: { name: group }, ...body });
  expect(r.status, r.text).toBe(200);
  expect(r.body.data.instances[0].status, r.text).toBe("success");
  return r.body.data.instances[0];
}

export const stub = (t: Tenant, group: string) => groupStub(t.tenant, group);

/** A whole-request error: the status and exactly `{status: "error", message, errors: [{status}]}`. */
export function expectKcError(r: Call, status: number, mentions?: string | RegExp): void {
  expect(r.status, r.text).toBe(status);
  expect(Object.keys(r.body).sort(), r.text).toEqual(["errors", "message", "status"]);
  expect(r.body.status).toBe("error");
  expect(r.body.errors).toEqual([{ status }]);
  expect(r.body.message).toBeTypeOf("string");
  if (typeof mentions === "string") expect(r.body.message).toContain(mentions);
  else if (mentions) expect(r.body.message).toMatch(mentions);
}

/** An envelope item error: status "error", the KraftCloud code, a message. */
export function expectItemError(item: any, code: number, mentions?: string | RegExp): void {
  expect(item.status, JSON.stringify(item)).toBe("error");
  expect(item.error, JSON.stringify(item)).toBe(code);
  expect(item.message).toBeTypeOf("string");
  if (typeof mentions === "string") expect(item.message).toContain(mentions);
  else if (mentions) expect(item.message).toMatch(mentions);
}

/**
 * A single-target route's item error: HTTP 200 (per-item failures are not HTTP errors), top
 * status `error`, a top-level message repeating the item's, and the one item with its code.
 */
export function expectSingleError(r: Call, kind: string, code: number, mentions?: string | RegExp): any {
  expect(r.status, r.text).toBe(200);
  expect(r.body.status).toBe("error");
  expect(r.body.errors).toBeUndefined();
  expect(r.body.data[kind]).toHaveLength(1);
  expectItemError(r.body.data[kind][0], code, mentions);
  expect(r.body.message).toBe(r.body.data[kind][0].message);
  return r.body.data[kind][0];
}

/** A batch answer: HTTP 200, the top status, and its items. */
export function expectBatch(r: Call, kind: string, status: "success" | "partial_success" | "error"): any[] {
  expect(r.status, r.text).toBe(200);
  expect(r.body.status, r.text).toBe(status);
  expect(Object.keys(r.body.data)).toEqual([kind]);
  expect(r.body.op_time_us).toBeTypeOf("number");
  return r.body.data[kind];
}

/** Everything about a tenant a request could change: its D1 rows and the storage of the named groups. */
export async function snapshot(t: Tenant, groups: string[]) {
  for (const g of groups) await settle(groupStub(t.tenant, g));
  const d1 = async (table: string) => (await env.DB.prepare(`SELECT * FROM ${table} WHERE tenant_id = ? ORDER BY 1`).bind(t.tenant).all()).results;
  const objects: Record<string, unknown> = {};
  for (const g of groups) {
    objects[g] = await runInDurableObject(groupStub(t.tenant, g), (_i, state) => {
      const tables = state.storage.sql
        .exec<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf%' ESCAPE '\\' AND name NOT LIKE 'sqlite%' ORDER BY name`)
        .toArray()
        .map((x) => x.name);
      return Object.fromEntries(tables.map((name) => [name, state.storage.sql.exec(`SELECT * FROM "${name}" ORDER BY 1`).toArray()]));
    });
  }
  return { operations: await d1("operations"), groups: await d1("groups"), instances: await d1("instances"), objects };
}

/** Runs `request` and asserts that it changed nothing of the tenant. */
export async function expectNoChange(t: Tenant, groups: string[], request: () => Promise<Call>): Promise<Call> {
  const before = await snapshot(t, groups);
  const r = await request();
  expect(await snapshot(t, groups)).toEqual(before);
  return r;
}
