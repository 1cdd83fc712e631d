// Support for the elastisys / auth / admin HTTP suites: fresh tenants and pools, the state of a
// pool as seen through every channel (HTTP, the Durable Object's storage, the D1 ledger), and the
// shape of an elastisys error.
import { env, runInDurableObject } from "cloudflare:test";
import { expect } from "vitest";
import type { GroupObject } from "../src/objects/group";
import { advance, client, drained, groupStub, settle, storageAndLedger, tenantToken, type Call } from "./helpers";

let counter = 0;
/** A name no other test of the file uses (storage is shared by the tests of one file). */
export const uniq = (prefix: string) => `${prefix}-${++counter}`;

/**
 * Machines that move only when a test lets time pass (`advance`): the real alarm is far away, so
 * nothing changes under a test's feet between two requests.
 */
export const SLOW = {
  provider: { type: "simulated", requestDelayMs: 60_000, bootDelayMs: 60_000, terminateDelayMs: 60_000 },
  updatePeriodSeconds: 3600,
} as const;

/** How long until machines requested with SLOW are RUNNING. */
export const BOOT_MS = 120_000;

export type Api = ReturnType<typeof client>;

export interface Fixture {
  tenant: string;
  pool: string;
  token: string;
  tokenId: string;
  api: Api;
  stub: DurableObjectStub;
  /** `/cloudpools/<pool>` */
  base: string;
}

/** A new tenant with a token, and (unless `config` is null) a configured pool. */
export async function fixture(prefix: string, config: object | null = SLOW): Promise<Fixture> {
  const tenant = uniq(`${prefix}-t`);
  const pool = uniq(`${prefix}-p`);
  const { token, tokenId } = await tenantToken(tenant);
  const api = client(token);
  if (config !== null) {
    const r = await api.post(`/cloudpools/${pool}/config`, config);
    expect(r.status, r.text).toBe(200);
  }
  return { tenant, pool, token, tokenId, api, stub: groupStub(tenant, pool), base: `/cloudpools/${pool}` };
}

/** A pool with `n` members; with `running`, time passes until they run. Returns their ids. */
export async function withMachines(f: Fixture, n: number, running = false): Promise<string[]> {
  const r = await f.api.post(`${f.base}/pool/size`, { desiredSize: n });
  expect(r.status, r.text).toBe(200);
  if (running) await advance(f.stub, BOOT_MS);
  const pool = await (f.stub as DurableObjectStub<GroupObject>).getPool();
  if (!pool.ok) throw new Error(pool.message);
  return (pool.machines ?? []).map((m) => m.id); // never null without a known revision
}

export async function listing(f: Fixture): Promise<any[]> {
  const r = await f.api.get(`${f.base}/pool`);
  expect(r.status, r.text).toBe(200);
  return r.body.machines;
}

/** The 2.0 fields of `GET .../pool/size` (the later API's `timestamp` and `active` are checked where they are the subject). */
export async function size(f: Fixture): Promise<{ desiredSize: number; allocated: number; outOfService: number }> {
  const r = await f.api.get(`${f.base}/pool/size`);
  expect(r.status, r.text).toBe(200);
  const { desiredSize, allocated, outOfService } = r.body;
  return { desiredSize, allocated, outOfService };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface LedgerRow {
  id: string;
  tenant_id: string;
  target_id: string;
  dialect: string;
  type: string;
  status: string;
  idempotency_key: string | null;
  request: any;
  result: any;
  cause: string | null;
  seq: number;
}

/** The pool's rows in the D1 ledger, oldest first, with request/result parsed. */
export async function ledger(tenant: string, pool: string): Promise<LedgerRow[]> {
  // The pool pushes one batch at a time (a group commit, issue 10): records answered while a push
  // was in flight reach D1 with the next one. Wait for that (briefly: D1 may be down on purpose).
  await drained(groupStub(tenant, pool));
  const rows = await env.DB.prepare(`SELECT * FROM operations WHERE tenant_id = ? AND target_kind = 'group' AND target_id = ? ORDER BY seq`)
    .bind(tenant, pool)
    .all<any>();
  return rows.results.map((r) => ({ ...r, request: r.request === null ? null : JSON.parse(r.request), result: r.result === null ? null : JSON.parse(r.result) }));
}

export const types = (rows: LedgerRow[]) => rows.map((r) => r.type);

/** Every machine the pool's provider knows (detached ones included), straight from DO storage. */
export async function storedMachines(stub: DurableObjectStub): Promise<any[]> {
  return runInDurableObject(stub, (_i, state) =>
    state.storage.sql
      .exec<{ data: string }>(`SELECT data FROM machines ORDER BY id`)
      .toArray()
      .map((r) => JSON.parse(r.data)),
  );
}

/**
 * Everything a request could change about a pool: the group's own view (config, size, members,
 * unflushed ledger records), its Durable Object's tables (group, sequence, machines, timers,
 * idempotency records, outbox) and the tenant's rows in the D1 ledger and registry. Read through
 * RPC, storage and D1 rather than HTTP: under vitest-pool-workers every SELF.fetch makes the next
 * one slower (cloudflare/workers-sdk#15446), so the suites spend their requests on the routes
 * under test.
 */
export async function snapshot(f: Fixture) {
  const stub = f.stub as DurableObjectStub<GroupObject>;
  await settle(f.stub); // what an earlier request queued has left (D1_GATHER_MS after its answer)
  const [config, size, pool, pending] = await Promise.all([stub.getConfig(), stub.getSize(), stub.getPool(), stub.pendingOperations()]);
  const { storage, d1 } = await storageAndLedger(f.stub, f.tenant);
  return { config, size, pool: pool.ok ? { ...pool, timestamp: 0, revision: "" } : pool, pending, storage, d1 };
}

/** Asserts an elastisys error: the status, a JSON body of exactly `{message, detail}` (strings), `message` naming `mentions`. */
export function expectError(r: Call, status: number, mentions?: string | RegExp): void {
  expect(r.status, r.text).toBe(status);
  expect(r.headers.get("Content-Type") ?? "").toMatch(/^application\/json/);
  expect(r.body, r.text).toBeTypeOf("object");
  expect(Object.keys(r.body).sort()).toEqual(["detail", "message"]);
  expect(r.body.message).toBeTypeOf("string");
  expect(r.body.detail).toBeTypeOf("string");
  expect(r.body.message.length).toBeGreaterThan(0);
  if (typeof mentions === "string") expect(r.body.message).toContain(mentions);
  else if (mentions) expect(r.body.message).toMatch(mentions);
}

/** Runs `request` and asserts that it changed nothing at all about the pool. */
export async function expectNoChange(f: Fixture, request: () => Promise<Call>): Promise<Call> {
  const before = await snapshot(f);
  const r = await request();
  const after = await snapshot(f);
  expect(after).toEqual(before);
  return r;
}

/** Raw request bodies that are not a valid JSON object for any route: [case, raw body, what the message names]. */
export const NOT_AN_OBJECT: [string, string, string][] = [
  ["malformed JSON", "{bad", "malformed JSON"],
  ["truncated JSON", '{"desiredSize": 1', "malformed JSON"],
  ["trailing garbage", '{"desiredSize": 1} x', "malformed JSON"],
  ["empty body", "", "body"],
  ["whitespace body", "  \n ", "body"],
  ["JSON null", "null", "body"],
  ["JSON array", "[]", "body"],
  ["JSON string", '"hello"', "body"],
  ["JSON number", "3", "body"],
];

/** POSTs a raw body to a path of the fixture's pool. */
export function postRaw(f: Fixture, path: string, raw: string) {
  return f.api.postRaw(`${f.base}${path}`, raw);
}
