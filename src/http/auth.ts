// Authentication and tenancy (DESIGN.md, "Identity, auth, tenancy").
import { eq } from "drizzle-orm";
import { createMiddleware } from "hono/factory";
import { ledgerDb } from "../db/ledger";
import * as schema from "../db/schema";
import { sha256Hex, timingSafeEqualStrings, tokenIdOf } from "../auth/tokens";
import { ApiError } from "./errors";
import type { AppEnv } from "./types";

const unauthorized = (detail: string) => new ApiError(401, "UNAUTHORIZED", "missing or invalid credentials", detail);

function bearer(header: string | undefined): string | null {
  const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return m ? m[1] : null;
}

export interface TenantAuthOptions {
  /** Quilt routes also accept `X-Api-Key: <token>`. */
  allowApiKeyHeader?: boolean;
  /** Quilt routes require `X-Tenant-Id`: missing or blank → 400 (after the credential check). */
  requireTenantHeader?: boolean;
}

/** Resolves the credential's tenant; an `X-Tenant-Id` that disagrees with it is refused (403). */
export const tenantAuth = (options: TenantAuthOptions = {}) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const token = bearer(c.req.header("Authorization")) ?? (options.allowApiKeyHeader ? c.req.header("X-Api-Key")?.trim() || null : null);
    if (!token) throw unauthorized("send Authorization: Bearer <token>");
    const tokenId = tokenIdOf(token);
    if (!tokenId) throw unauthorized("malformed token");
    const [row] = await ledgerDb(c.env.DB).select().from(schema.tokens).where(eq(schema.tokens.id, tokenId)).limit(1);
    const presented = await sha256Hex(token);
    // Compare even when no row matched, so timing does not tell a known id from an unknown one.
    const matches = await timingSafeEqualStrings(presented, row?.tokenHash ?? "0".repeat(64));
    if (!row || !matches || row.revokedAt !== null) throw unauthorized("unknown or revoked token");
    const asserted = c.req.header("X-Tenant-Id");
    if (options.requireTenantHeader && !asserted?.trim()) {
      throw new ApiError(400, "INVALID_ARGUMENT", "missing X-Tenant-Id header", "X-Tenant-Id is required on this route", "X-Tenant-Id").with({
        hint: "send X-Tenant-Id: <your tenant>",
      });
    }
    if (asserted !== undefined && asserted !== row.tenantId) {
      throw new ApiError(403, "FORBIDDEN", "X-Tenant-Id does not match the credential's tenant", "FORBIDDEN");
    }
    c.set("tenantId", row.tenantId);
    await next();
  });

/** `/admin/...`: the ADMIN_TOKEN binding, compared in constant time. */
export const adminAuth = createMiddleware<AppEnv>(async (c, next) => {
  const configured = c.env.ADMIN_TOKEN;
  if (!configured) throw new ApiError(401, "UNAUTHORIZED", "admin API disabled: ADMIN_TOKEN is not configured");
  const token = bearer(c.req.header("Authorization"));
  if (!token || !(await timingSafeEqualStrings(token, configured))) throw unauthorized("admin token required");
  await next();
});
