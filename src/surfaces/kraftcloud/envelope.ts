// The KraftCloud v1 response envelope: `{status, data: {<kind>: [items]}, op_time_us}`, one key in
// `data`, always an array, each item with its own status. Per-item errors carry a message and the
// numeric error code of the KraftCloud SDKs (docs/kraftcloud.md, "Error codes").
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Failure, FailureCode } from "../../domain/operations";
import type { AppEnv } from "../../http/types";

/** KraftCloud SDK error codes. */
export const KC = { INVALID: 7, NOT_FOUND: 8, ALREADY_EXISTS: 23, AUTOSCALE_CONFIGURED: 26, AUTOSCALE_NOT_CONFIGURED: 27, SIZE_OUT_OF_RANGE: 29 } as const;

const CODE_OF: Record<FailureCode, [number, ContentfulStatusCode]> = {
  INVALID: [KC.INVALID, 400],
  CONFLICT: [KC.INVALID, 409],
  IDEMPOTENCY_CONFLICT: [KC.INVALID, 422],
  GROUP_NOT_FOUND: [KC.NOT_FOUND, 404],
  // Objects KraftCloud routes never reach (Quilt targets, actions, hooks); mapped for completeness.
  TARGET_NOT_FOUND: [KC.NOT_FOUND, 404],
  ACTION_NOT_FOUND: [KC.NOT_FOUND, 404],
  HOOK_NOT_FOUND: [KC.NOT_FOUND, 404],
  MACHINE_NOT_FOUND: [KC.NOT_FOUND, 404],
  POLICY_NOT_FOUND: [KC.NOT_FOUND, 404],
  ALREADY_EXISTS: [KC.ALREADY_EXISTS, 409],
  AUTOSCALE_CONFIGURED: [KC.AUTOSCALE_CONFIGURED, 409],
  AUTOSCALE_NOT_CONFIGURED: [KC.AUTOSCALE_NOT_CONFIGURED, 409],
  OUT_OF_RANGE: [KC.SIZE_OUT_OF_RANGE, 400],
  IN_FLIGHT: [KC.INVALID, 409],
  UNAVAILABLE: [KC.INVALID, 503],
};

export type Item = { status: string } & Record<string, unknown>;

export interface ItemError extends Item {
  status: "error";
  message: string;
  error: number;
}

/** A per-item error; `http` is what a single-target route answers with it. */
export function itemError(code: number, message: string, identity: Record<string, unknown> = {}, http: ContentfulStatusCode = 400): ItemError & { http: ContentfulStatusCode } {
  return { status: "error", ...identity, message, error: code, http };
}

export function fromFailure(f: Failure, identity: Record<string, unknown> = {}) {
  const [code, http] = CODE_OF[f.code];
  return itemError(code, f.message, identity, http);
}

/** Microseconds since the request started (the envelope's `op_time_us`). */
export const opTimeUs = (c: Context<AppEnv>) => Math.max(0, Math.round((Date.now() - c.get("startedAt")) * 1000));

const strip = (item: Item) => {
  const { http: _http, ...rest } = item as Item & { http?: number };
  return rest;
};

/**
 * Batch routes process each item on its own and answer 200: top status `success` when all
 * succeeded, `partial_success` when some failed, `error` when all failed.
 */
export function batch(c: Context<AppEnv>, kind: string, items: Item[]) {
  const failed = items.filter((i) => i.status === "error").length;
  const status = failed === 0 ? "success" : failed === items.length ? "error" : "partial_success";
  return c.json({ status, data: { [kind]: items.map(strip) }, op_time_us: opTimeUs(c) }, 200);
}

/**
 * Single-target routes (`/{uuid}` paths): one item, answered like a batch of one. A per-item
 * failure is HTTP 200 with top-level `status: "error"` and the item's numeric `error`, as the real
 * API answers (the SDKs map code 8 to "not found" themselves); the top-level `message` repeats the
 * item's. Only failures of the whole request are non-2xx: an Idempotency-Key reused for another
 * request (422) and an unavailable group (503) keep their status.
 */
export function single(c: Context<AppEnv>, kind: string, item: Item) {
  if (item.status !== "error") return c.json({ status: "success", data: { [kind]: [strip(item)] }, op_time_us: opTimeUs(c) }, 200);
  const http = (item as { http?: ContentfulStatusCode }).http ?? 200;
  if (WHOLE_REQUEST.has(http)) return c.json({ status: "error", message: item.message, errors: [{ status: http }] }, http);
  return c.json({ status: "error", message: item.message, data: { [kind]: [strip(item)] }, op_time_us: opTimeUs(c) }, 200);
}

/** HTTP statuses of failures that are about the whole request, not the item it names. */
const WHOLE_REQUEST = new Set<number>([422, 503]);
