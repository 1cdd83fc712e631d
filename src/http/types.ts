// Hono's generic types, declared once for every sub-app.
import type { Env } from "../env";

export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    /** Date.now() when the request arrived (KraftCloud's op_time_us). */
    startedAt: number;
    /** The tenant of the presented credential (set by the tenant auth middleware). */
    tenantId: string;
    /** The one group a pool-scoped token may act on; null for a tenant-wide token. */
    tokenPool: string | null;
    /** The id of the presented token (or of the session's token). */
    tokenId?: string;
    /** Set when the credential is the console's session cookie (src/console/sessions.ts). */
    session?: { idHash: string; tenantId: string; tokenId: string; csrf: string; createdAt: number; expiresAt: number };
  };
}
