// Quilt test helpers: requests to any origin (the contract follows the origin called) and the Quilt
// error shape.
import { expect } from "vitest";
import { call, type Call } from "./helpers";

export const Q = "/api/elasticity";

export function quiltCall(
  method: string,
  path: string,
  opts: { origin?: string; headers?: Record<string, string>; body?: string; cf?: Record<string, unknown> } = {},
): Promise<Call> {
  return call(method, path, { origin: opts.origin, headers: opts.headers, raw: opts.body, cf: opts.cf });
}

/** Credentials and tenant header for a token: `via` picks X-Api-Key or Authorization: Bearer. */
export const creds = (token: string, tenant: string, via: "api-key" | "bearer" = "api-key"): Record<string, string> => ({
  ...(via === "api-key" ? { "X-Api-Key": token } : { Authorization: `Bearer ${token}` }),
  "X-Tenant-Id": tenant,
});

/** Asserts the Quilt error shape; `control` adds the reason_* and retryable fields. */
export function expectQuiltError(r: Call, status: number, errorCode: string, opts: { control?: boolean; retryable?: boolean } = {}) {
  expect(r.status, r.text).toBe(status);
  expect(r.headers.get("Content-Type")).toMatch(/^application\/json/);
  expect(r.body.error_code).toBe(errorCode);
  expect(typeof r.body.error).toBe("string");
  expect(r.body.error.length).toBeGreaterThan(0);
  expect(r.body.request_id).toBe(r.headers.get("X-Request-Id"));
  const allowed = ["error", "error_code", "request_id", "details", "hint"];
  if (opts.control) {
    allowed.push("reason_code", "reason_message", "retryable");
    expect(r.body.reason_code).toBe(errorCode);
    expect(r.body.reason_message).toBe(r.body.error);
    expect(r.body.retryable).toBe(opts.retryable ?? false);
  }
  expect(Object.keys(r.body).filter((k) => !allowed.includes(k))).toEqual([]);
  if (!opts.control) expect(r.body).not.toHaveProperty("reason_code");
}
