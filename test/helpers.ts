// Shared test helpers: tenants and tokens through the admin API, a client for the Worker's
// fetch, and time travel for a group's timers.
import { SELF, env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import type { TargetKind } from "../src/domain/operations";
import type { ActionObject } from "../src/objects/action";
import type { GroupObject } from "../src/objects/group";
import type { HookObject } from "../src/objects/hook";
import type { TargetObject } from "../src/objects/target";
import { timerRows } from "./clock";
import { settle } from "./settle";

export { settle } from "./settle";
import { expectContract } from "./contract";

export const ADMIN_TOKEN = "test-admin-token";
const BASE = "http://scalegate.test";

export interface Call {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
  /** The origin the request is made to (default http://scalegate.test). */
  origin?: string;
  /** A `request.cf` object, as the edge would attach. */
  cf?: Record<string, unknown>;
}

/** An answer as the tests read it: status, headers, text, and the body parsed when it is JSON. */
export async function readAnswer(res: Response): Promise<Call> {
  const text = await res.text();
  let body: any = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  return { status: res.status, headers: res.headers, text, body };
}

export async function call(method: string, path: string, opts: CallOptions = {}): Promise<Call> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  let payload: string | undefined = opts.raw;
  if (opts.body !== undefined) {
    payload = JSON.stringify(opts.body);
    headers["Content-Type"] ??= "application/json";
  }
  const init: RequestInit & { cf?: Record<string, unknown> } = { method, headers, body: payload };
  if (opts.cf) init.cf = opts.cf;
  const answer = await readAnswer(await SELF.fetch((opts.origin ?? BASE) + path, init as RequestInit));
  // Every answer a test receives must match the project's OpenAPI documents (./contract.ts).
  expectContract(method, path, answer);
  return answer;
}

/** Issues a token for `tenant` through the admin API. */
export async function tenantToken(tenant: string): Promise<{ token: string; tokenId: string }> {
  const r = await call("POST", `/admin/tenants/${tenant}/tokens`, { token: ADMIN_TOKEN });
  if (r.status !== 201) throw new Error(`token for ${tenant}: ${r.status} ${r.text}`);
  return { token: r.body.token, tokenId: r.body.token_id };
}

/** A client bound to one token. */
export function client(token: string) {
  return {
    get: (path: string, headers?: Record<string, string>) => call("GET", path, { token, headers }),
    post: (path: string, body?: unknown, headers?: Record<string, string>) => call("POST", path, { token, body, headers }),
    postRaw: (path: string, raw: string, headers?: Record<string, string>) => call("POST", path, { token, raw, headers: { "Content-Type": "application/json", ...headers } }),
    put: (path: string, body?: unknown, headers?: Record<string, string>) => call("PUT", path, { token, body, headers }),
    del: (path: string, headers?: Record<string, string>) => call("DELETE", path, { token, headers }),
  };
}

export function groupStub(tenant: string, group: string) {
  return env.GROUPS.get(env.GROUPS.idFromName(`${tenant}:group:${group}`));
}

/**
 * Waits (at most `ms`, real time) until the object has pushed every record to D1: it pushes one
 * batch at a time, so what it answered while a push was in flight lands with the next batch.
 */
export async function drained(stub: { pendingOperations(): Promise<unknown[]> }, ms = 2000): Promise<boolean> {
  // Counted, not timed by Date.now: a test may have frozen the clock.
  for (let waited = 0; ; waited += 5) {
    if ((await stub.pendingOperations()).length === 0) return true;
    if (waited >= ms) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The stub of an object of kind K: each kind has its class (src/objects/{group,target,action,hook}.ts). */
export type StubOf<K extends TargetKind> = K extends "container" | "workload"
  ? DurableObjectStub<TargetObject>
  : K extends "action"
    ? DurableObjectStub<ActionObject>
    : K extends "hook"
      ? DurableObjectStub<HookObject>
      : DurableObjectStub<GroupObject>;

/** The object of a tenant's target (kind, id), in the namespace of its class. */
export function objectStub<K extends TargetKind>(tenant: string, kind: K, id: string): StubOf<K> {
  const ns = kind === "container" || kind === "workload" ? env.TARGETS : kind === "action" ? env.ACTIONS : kind === "hook" ? env.HOOKS : env.GROUPS;
  const any = ns as unknown as DurableObjectNamespace<GroupObject>;
  return any.get(any.idFromName(`${tenant}:${kind}:${id}`)) as unknown as StubOf<K>;
}

/**
 * Lets `ms` of time pass for the group's timers: repeatedly brings the earliest timer due, runs
 * the alarm, and goes on with what is left of the window (so chains of timers such as
 * REQUESTED → PENDING → RUNNING complete as they would in real time).
 */
export async function advance(stub: DurableObjectStub, ms: number): Promise<void> {
  let left = ms;
  for (let guard = 0; guard < 1000; guard++) {
    const next = await runInDurableObject(stub, (_i, state) =>
      state.storage.sql.exec<{ due: number | null }>(`SELECT MIN(due_ms) AS due FROM timers`).one().due,
    );
    if (next === null) return;
    const wait = Math.max(0, next - Date.now());
    const step = Math.min(wait, left);
    await runInDurableObject(stub, (_i, state) => {
      state.storage.sql.exec(`UPDATE timers SET due_ms = due_ms - ?`, step);
    });
    left -= step;
    if (wait > step) return; // the earliest timer lies beyond the window
    await runDurableObjectAlarm(stub);
  }
  throw new Error("advance: timers kept coming due (a handler re-arms at once?)");
}

/** The object's timers as `{ name, due_ms }` (name: the kind, or `kind:key` for a per-machine timer; ./clock.ts timerRows). */
export async function timers(stub: DurableObjectStub): Promise<{ name: string; due_ms: number }[]> {
  return (await timerRows(stub)).map((t) => ({ name: t.name, due_ms: t.due_ms }));
}

/**
 * Everything a request could change outside the answer: the object's tables and the tenant's D1
 * ledger and registry rows (bad-input suites compare this before and after a refused request),
 * once the object's pushes settled.
 */
export async function storageAndLedger(stub: DurableObjectStub, tenant: string) {
  await settle(stub);
  const storage = await runInDurableObject(stub, (_i, state) => {
    const all = (sql: string) => state.storage.sql.exec(sql).toArray();
    return {
      kv: all(`SELECT * FROM kv ORDER BY key`),
      machines: all(`SELECT * FROM machines ORDER BY id`),
      timers: all(`SELECT * FROM timers ORDER BY kind, key`),
      idempotency: all(`SELECT scope, fingerprint FROM idempotency ORDER BY scope`),
      outbox: all(`SELECT kind, key, rev FROM outbox ORDER BY kind, key`),
    };
  });
  const d1 = {
    operations: (await env.DB.prepare(`SELECT * FROM operations WHERE tenant_id = ? ORDER BY seq`).bind(tenant).all()).results,
    groups: (await env.DB.prepare(`SELECT * FROM groups WHERE tenant_id = ? ORDER BY name`).bind(tenant).all()).results,
  };
  return { storage, d1 };
}
