// Operation records: the ledger entry of every accepted mutation and every reconcile activity.
import { hex } from "./hex";

/** `hooks`: an inbound scale trigger (a webhook delivery, docs/webhooks.md). */
export type Dialect = "elastisys" | "kraftcloud" | "quilt" | "hooks" | "system";
export type OperationStatus = "accepted" | "running" | "succeeded" | "failed" | "cancelled" | "timed_out";

export interface OperationRecord {
  id: string;
  tenantId: string;
  targetKind: string;
  targetId: string;
  dialect: Dialect;
  type: string;
  status: OperationStatus;
  idempotencyKey: string | null;
  actionId: string | null;
  /** JSON text, as stored in the ledger. */
  request: string | null;
  /** JSON text, as stored in the ledger. */
  result: string | null;
  /** Why it happened: the operation or event that caused a reconcile activity. */
  cause: string | null;
  /** Why it failed (status failed/cancelled/timed_out): a code such as ELASTICITY_INVALID_ARGUMENT. */
  reasonCode: string | null;
  reasonMessage: string | null;
  createdAt: number;
  updatedAt: number;
  completedAt: number | null;
  seq: number;
  version: number;
}

/** Who asked, on whose behalf, in which dialect: passed with every command to a group. */
export interface CommandContext {
  tenantId: string;
  group: string;
  dialect: Dialect;
  requestId: string;
  idempotencyKey?: string | null;
  actionId?: string | null;
  /** What kind of target `group` names in the ledger: group (default), container, function, workload, action, hook. */
  targetKind?: TargetKind;
}

export type TargetKind = "group" | "container" | "function" | "workload" | "action" | "hook";

/** The Durable Object name of a target: one object per (tenant, kind, id). */
export const objectName = (tenantId: string, kind: TargetKind, id: string) => `${tenantId}:${kind}:${id}`;

/**
 * Which Durable Object holds a record: the namespace (g: groups and function pools, t: Quilt
 * containers and workloads, a: actions, h: hooks) and the object's id as hex. Operation ids start
 * with it (`g-<64 hex>-<32 hex>`), so a read by id asks that object first — it answers what D1 does
 * not hold yet (issue 10, read-your-writes without D1) — and D1 afterwards.
 */
export interface ObjectRef {
  binding: "g" | "t" | "a" | "h";
  hex: string;
}

export const operationIdPrefix = (ref: ObjectRef) => `${ref.binding}-${ref.hex}`;

const OPERATION_ID_RE = /^([gtah])-([0-9a-f]{64})-[0-9a-f]{32}$/;

/** The object an operation id names, or null for ids without one (older records: D1 only). */
export function objectOfOperation(id: string): ObjectRef | null {
  const m = OPERATION_ID_RE.exec(id);
  return m ? { binding: m[1] as ObjectRef["binding"], hex: m[2] } : null;
}

/** Idempotency records are kept this long (DESIGN.md, "Durable Object rules"). */
export const IDEMPOTENCY_RETENTION_MS = 24 * 3_600_000;

/** Canonical JSON: object keys sorted, so equal requests have equal fingerprints. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

/** Recent fingerprints by canonical text: a client retrying a request (a replay) hashes nothing again. */
const recentPrints = new Map<string, string>();
const RECENT_PRINTS_MAX = 256;

export async function fingerprint(value: unknown): Promise<string> {
  const text = canonicalJson(value);
  const known = recentPrints.get(text);
  if (known !== undefined) return known;
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  const print = hex(digest);
  if (recentPrints.size >= RECENT_PRINTS_MAX) recentPrints.delete(recentPrints.keys().next().value as string);
  recentPrints.set(text, print);
  return print;
}

export type Result<T> = ({ ok: true } & T) | Failure;
/** What a command answers: a replay of an idempotent request says so. */
export type CommandResult<T> = Result<T & { replayed: boolean }>;
export interface Failure {
  ok: false;
  code: FailureCode;
  message: string;
}
export type FailureCode =
  | "GROUP_NOT_FOUND"
  /** A Quilt container or workload that was never written (TargetObject). */
  | "TARGET_NOT_FOUND"
  /** An action with no operations to roll back (ActionObject). */
  | "ACTION_NOT_FOUND"
  /** A hook that does not exist or was deleted (HookObject). */
  | "HOOK_NOT_FOUND"
  | "MACHINE_NOT_FOUND"
  | "POLICY_NOT_FOUND"
  | "INVALID"
  | "CONFLICT"
  | "IDEMPOTENCY_CONFLICT"
  | "ALREADY_EXISTS"
  | "AUTOSCALE_CONFIGURED"
  | "AUTOSCALE_NOT_CONFIGURED"
  | "OUT_OF_RANGE"
  /** The same idempotency key is still executing (Quilt: 409 with Retry-After). */
  | "IN_FLIGHT"
  /** A dependency (the D1 ledger) is unreachable: retry later. */
  | "UNAVAILABLE";

export const fail = (code: FailureCode, message: string): Failure => ({ ok: false, code, message });
