// Helpers of the Quilt control suites: a client bound to one tenant's token that sends the control
// headers, readers of the D1 ledger and of the targets' Durable Objects, and the operation shape.
import { env } from "cloudflare:test";
import { expect } from "vitest";
import { objectName, type TargetKind } from "../src/domain/operations";
import { type Call, call, objectStub, tenantToken } from "./helpers";
import { Q, creds, quiltCall } from "./quilt-support";

export interface WriteOptions {
  /** Idempotency-Key; null sends none (default: a fresh key). */
  key?: string | null;
  /** X-Orch-Action-Id; null sends none (default: "act-default"). */
  action?: string | null;
  /** A raw body instead of JSON.stringify(body). */
  raw?: string;
  headers?: Record<string, string>;
}

export type QuiltClient = Awaited<ReturnType<typeof quiltTenant>>;

/** A tenant with a token, and a client that speaks Quilt for it. */
export async function quiltTenant(tenant: string) {
  const { token } = await tenantToken(tenant);
  const auth = creds(token, tenant);
  const write = (method: string, path: string, body: unknown, o: WriteOptions = {}): Promise<Call> => {
    const headers: Record<string, string> = { ...auth, "Content-Type": "application/json" };
    const key = o.key === undefined ? crypto.randomUUID() : o.key;
    const action = o.action === undefined ? "act-default" : o.action;
    if (key !== null) headers["Idempotency-Key"] = key;
    if (action !== null) headers["X-Orch-Action-Id"] = action;
    return quiltCall(method, Q + path, { headers: { ...headers, ...o.headers }, body: o.raw ?? (body === undefined ? undefined : JSON.stringify(body)) });
  };
  return {
    tenant,
    token,
    auth,
    get: (path: string, headers: Record<string, string> = {}) => quiltCall("GET", Q + path, { headers: { ...auth, ...headers } }),
    write,
    /** A control write: `ctl("POST", "/node-groups/web/scale", {delta_units: 1}, {key, action})`. */
    ctl: (method: string, path: string, body: unknown, o: WriteOptions = {}) => write(method, `/control${path}`, body, o),
    /** Creates (or merges) the node group `name` through the elastisys dialect, at `desired`. */
    nodeGroup: async (name: string, desired = 0) => {
      expect((await call("POST", `/cloudpools/${name}/config`, { token, body: {} })).status).toBe(200);
      if (desired > 0) expect((await call("POST", `/cloudpools/${name}/pool/size`, { token, body: { desiredSize: desired } })).status).toBe(200);
    },
    desiredSize: async (name: string): Promise<number> => (await call("GET", `/cloudpools/${name}/pool/size`, { token })).body.desiredSize,
  };
}

/** The Durable Object of a tenant's target, for reading its state over RPC. */
export const target = <K extends TargetKind>(tenant: string, kind: K, id: string) => objectStub(tenant, kind, id);

export interface LedgerRow {
  id: string;
  type: string;
  status: string;
  target_kind: string;
  target_id: string;
  action_id: string | null;
  idempotency_key: string | null;
  request: string | null;
  result: string | null;
}

/** D1 ledger rows of a tenant (optionally one action's), oldest first. */
export async function ledgerRows(tenant: string, actionId?: string): Promise<LedgerRow[]> {
  const sql = `SELECT id, type, status, target_kind, target_id, action_id, idempotency_key, request, result FROM operations WHERE tenant_id = ?${actionId ? " AND action_id = ?" : ""} ORDER BY created_at, seq`;
  const stmt = env.DB.prepare(sql);
  return (await (actionId ? stmt.bind(tenant, actionId) : stmt.bind(tenant)).all<LedgerRow>()).results;
}

/** Only the ledger rows a Quilt command wrote (not the reconciler's activities). */
export const elasticityRows = async (tenant: string, actionId?: string) => (await ledgerRows(tenant, actionId)).filter((r) => r.type.startsWith("elasticity."));

export const OPERATION_KEYS = ["action_id", "completed_at", "created_at", "operation_id", "operation_type", "reason_code", "reason_message", "request", "result", "status", "target", "tenant_id"];
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** Asserts the operation body: exactly its keys (+ `extra`), ISO times, and the expected fields. */
export function expectOperation(body: any, want: Record<string, unknown>, extra: string[] = []) {
  const keys = [...OPERATION_KEYS, ...extra, ...(["failed", "cancelled", "timed_out"].includes(body?.status) ? ["retryable"] : [])].sort();
  expect(Object.keys(body).sort()).toEqual(keys);
  expect(body.operation_id).toMatch(/^[gtah]-[0-9a-f]{64}-[0-9a-f]{32}$/); // names the object holding it (issue 10)
  expect(body.created_at).toMatch(ISO);
  expect(body.completed_at).toMatch(ISO);
  expect(body).toMatchObject(want);
}
