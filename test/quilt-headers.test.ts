// Quilt header rules and the Quilt error shape: credentials (Bearer or X-Api-Key) and X-Tenant-Id
// on every route but health/help/examples (401 / 400 / 403, in the Quilt shape with hints),
// unknown routes 404, request_id = X-Request-Id, and the renderer's code mapping under /control.
import { SELF } from "cloudflare:test";
import { Hono } from "hono";
import { describe, expect, it, vi } from "vitest";
import { ApiError, renderError } from "../src/http/errors";
import type { AppEnv } from "../src/http/types";
import { ADMIN_TOKEN, tenantToken } from "./helpers";
import { Q, creds, expectQuiltError, quiltCall } from "./quilt-support";

/** The authenticated info routes, and whether they sit under /control (reason_* fields). */
const PROTECTED: [string, boolean][] = [
  [`${Q}/node/status`, false],
  [`${Q}/control/contract`, true],
];

const forge = (token: string) => token.replace(/_[A-Za-z0-9_-]{43}$/, (s) => "_" + (s[1] === "B" ? "C" : "B") + s.slice(2));

describe("credentials", () => {
  it.each(PROTECTED)("%s: no credentials, forged, unknown, admin or malformed → 401 UNAUTHORIZED with a hint", async (path, control) => {
    const { token } = await tenantToken("qh-401");
    const cases: Record<string, string>[] = [
      { "X-Tenant-Id": "qh-401" },
      {},
      { "X-Api-Key": forge(token), "X-Tenant-Id": "qh-401" },
      { Authorization: `Bearer ${forge(token)}`, "X-Tenant-Id": "qh-401" },
      { "X-Api-Key": `sg_0123456789abcdef_${"A".repeat(43)}`, "X-Tenant-Id": "qh-401" },
      { Authorization: `Bearer ${ADMIN_TOKEN}`, "X-Tenant-Id": "qh-401" },
      { "X-Api-Key": "not-a-token", "X-Tenant-Id": "qh-401" },
      { Authorization: `Basic ${token}`, "X-Tenant-Id": "qh-401" },
    ];
    for (const headers of cases) {
      const r = await quiltCall("GET", path, { headers });
      expectQuiltError(r, 401, "UNAUTHORIZED", { control });
      expect(r.body.hint).toMatch(/X-Api-Key: <token>.*Authorization: Bearer <token>/);
    }
  });

  it.each(PROTECTED)("%s: X-Api-Key and Authorization: Bearer are both accepted", async (path) => {
    const { token } = await tenantToken("qh-ok");
    for (const via of ["api-key", "bearer"] as const) {
      const r = await quiltCall("GET", path, { headers: creds(token, "qh-ok", via) });
      expect(r.status, `${via}: ${r.text}`).toBe(200);
    }
  });

  it("a revoked token → 401 at once", async () => {
    const { token, tokenId } = await tenantToken("qh-revoked");
    expect((await quiltCall("GET", `${Q}/node/status`, { headers: creds(token, "qh-revoked") })).status).toBe(200);
    const del = await SELF.fetch(`http://scalegate.test/admin/tenants/qh-revoked/tokens/${tokenId}`, { method: "DELETE", headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(del.status).toBe(204);
    expectQuiltError(await quiltCall("GET", `${Q}/node/status`, { headers: creds(token, "qh-revoked") }), 401, "UNAUTHORIZED");
  });
});

describe("X-Tenant-Id", () => {
  it.each(PROTECTED)("%s: missing or blank → 400 ELASTICITY_INVALID_ARGUMENT naming the header, with a hint", async (path, control) => {
    const { token } = await tenantToken("qh-400");
    const cases: Record<string, string>[] = [{ "X-Api-Key": token }, { Authorization: `Bearer ${token}` }, { "X-Api-Key": token, "X-Tenant-Id": "" }, { "X-Api-Key": token, "X-Tenant-Id": "  " }];
    for (const headers of cases) {
      const r = await quiltCall("GET", path, { headers });
      expectQuiltError(r, 400, "ELASTICITY_INVALID_ARGUMENT", { control });
      expect(r.body.error).toContain("X-Tenant-Id");
      expect(r.body.details.field).toBe("X-Tenant-Id");
      expect(r.body.hint).toBe("send X-Tenant-Id: <your tenant>");
    }
  });

  it.each(PROTECTED)("%s: another tenant (even one that exists) → 403 FORBIDDEN", async (path, control) => {
    const { token } = await tenantToken("qh-403a");
    await tenantToken("qh-403b");
    for (const tenant of ["qh-403b", "nobody", "QH-403A"]) {
      const r = await quiltCall("GET", path, { headers: creds(token, tenant) });
      expectQuiltError(r, 403, "FORBIDDEN", { control });
      expect(r.body.hint).toContain("X-Tenant-Id");
    }
  });

  it("credentials are checked first: no credentials and no X-Tenant-Id → 401", async () => {
    expectQuiltError(await quiltCall("GET", `${Q}/node/status`), 401, "UNAUTHORIZED");
  });

  it("health, help and examples need neither credentials nor X-Tenant-Id, and ignore bad ones", async () => {
    for (const path of [`${Q}/health`, `${Q}/help`, `${Q}/examples`, `${Q}/help?format=markdown`, `${Q}/examples?format=markdown`]) {
      for (const headers of [{}, { "X-Api-Key": "not-a-token", "X-Tenant-Id": "whoever" }, { Authorization: "Bearer nope" }] as Record<string, string>[]) {
        const r = await quiltCall("GET", path, { headers });
        expect(r.status, `${path} ${JSON.stringify(headers)}`).toBe(200);
      }
    }
  });
});

describe("unknown routes and the error shape", () => {
  it("an unknown route → 404 ELASTICITY_ROUTE_NOT_FOUND pointing at /help (after the credential check)", async () => {
    const { token } = await tenantToken("qh-404");
    for (const path of [`${Q}/nope`, `${Q}/control/nope`, `${Q}/node`, `${Q}/health/extra`, Q]) {
      const r = await quiltCall("GET", path, { headers: creds(token, "qh-404") });
      expectQuiltError(r, 404, "ELASTICITY_ROUTE_NOT_FOUND", { control: path.startsWith(`${Q}/control/`) });
      expect(r.body.hint).toContain("/api/elasticity/help");
    }
    expectQuiltError(await quiltCall("GET", `${Q}/nope`), 401, "UNAUTHORIZED");
  });

  it("request_id equals X-Request-Id: generated, or the one the caller sent", async () => {
    const gen = await quiltCall("GET", `${Q}/node/status`);
    expect(gen.body.request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(gen.headers.get("X-Request-Id")).toBe(gen.body.request_id);
    const mine = await quiltCall("GET", `${Q}/control/contract`, { headers: { "X-Request-Id": "orch-req-42" } });
    expect(mine.body.request_id).toBe("orch-req-42");
    expect(mine.headers.get("X-Request-Id")).toBe("orch-req-42");
  });

  it("another method on a protected route → 405 with Allow; a body over 64 KiB → 413, both in the Quilt shape", async () => {
    const { token } = await tenantToken("qh-405");
    const r = await quiltCall("DELETE", `${Q}/control/contract`, { headers: creds(token, "qh-405") });
    expectQuiltError(r, 405, "METHOD_NOT_ALLOWED", { control: true });
    expect(r.headers.get("Allow")).toBe("GET");
    expect(r.body.hint).toBe("use GET");
    const big = await quiltCall("POST", `${Q}/control/contract`, { headers: { ...creds(token, "qh-405"), "Content-Type": "application/json" }, body: JSON.stringify({ pad: "x".repeat(70_000) }) });
    expectQuiltError(big, 413, "PAYLOAD_TOO_LARGE", { control: true });
  });

  it("the other dialects keep their own shapes", async () => {
    const r = await quiltCall("GET", "/cloudpools/web/pool");
    expect(r.status).toBe(401);
    expect(Object.keys(r.body).sort()).toEqual(["detail", "message"]);
  });
});

describe("the renderer's code mapping (a probe app with the app's error handler)", () => {
  const probe = new Hono<AppEnv>();
  probe.use("*", async (c, next) => {
    c.set("requestId", "probe-1");
    await next();
    c.res.headers.set("X-Request-Id", "probe-1");
  });
  const errors: Record<string, () => Error> = {
    invalid: () => new ApiError(400, "INVALID_ARGUMENT", "invalid field 'delta_units'", "must not be 0", "delta_units"),
    notfound: () => new ApiError(404, "NOT_FOUND", "node group 'web': not found", "GROUP_NOT_FOUND"),
    conflict: () => new ApiError(409, "CONFLICT", "busy", "CONFLICT"),
    inflight: () => new ApiError(409, "CONFLICT", "still executing", "IN_FLIGHT"),
    specific: () => new ApiError(409, "CONFLICT", "rollback conflict").with({ dialectCode: "ELASTICITY_INVALID_ARGUMENT", details: { target: "web" } }),
    idem: () => new ApiError(422, "IDEMPOTENCY_CONFLICT", "same key, different request"),
    crash: () => new Error("boom"),
  };
  for (const [name, make] of Object.entries(errors)) {
    probe.post(`/api/elasticity/control/${name}`, (c) => {
      if (name === "inflight") c.header("Retry-After", "1");
      throw make();
    });
    probe.post(`/api/elasticity/${name}`, () => {
      throw make();
    });
  }
  probe.onError((err, c) => renderError(c, err));
  const run = async (path: string) => {
    const quiet = vi.spyOn(console, "error").mockImplementation(() => {}); // the crash case logs
    const res = await Promise.resolve(probe.request(path, { method: "POST" })).finally(() => quiet.mockRestore());
    return { status: res.status, headers: res.headers, text: "", body: await res.json<any>() };
  };

  it.each([
    ["invalid", 400, "ELASTICITY_INVALID_ARGUMENT", false],
    ["notfound", 404, "ELASTICITY_TARGET_NOT_FOUND", false],
    ["conflict", 409, "ELASTICITY_OPERATION_FAILED", false],
    ["inflight", 409, "IDEMPOTENCY_IN_FLIGHT", true],
    ["specific", 409, "ELASTICITY_INVALID_ARGUMENT", false],
    ["idem", 422, "IDEMPOTENCY_CONFLICT", false],
    ["crash", 500, "ELASTICITY_INTERNAL_ERROR", true],
  ] as const)("%s → %i %s (retryable %s under /control)", async (name, status, code, retryable) => {
    const control = await run(`/api/elasticity/control/${name}`);
    expectQuiltError(control, status, code, { control: true, retryable });
    expect(control.body.request_id).toBe("probe-1");
    const direct = await run(`/api/elasticity/${name}`);
    expectQuiltError(direct, status, code);
    if (name === "inflight") expect(control.headers.get("Retry-After")).toBe("1");
    if (name === "invalid") expect(control.body.details).toEqual({ field: "delta_units", detail: "must not be 0" });
    if (name === "notfound") expect(control.body.details).toEqual({ detail: "GROUP_NOT_FOUND" });
    if (name === "specific") expect(control.body.details).toEqual({ target: "web" });
  });
});
