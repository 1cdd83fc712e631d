// The tenant's console feed object (src/objects/feed.ts): binding FEEDS, one object per tenant.
// A Worker configured without the binding (an older wrangler.toml) serves the console without
// live updates or chart history rather than failing.
import type { Env } from "../env";
import type { ConsoleFeed } from "../objects/feed";

export function feedOf(env: Env, tenantId: string): DurableObjectStub<ConsoleFeed> | null {
  const ns = env.FEEDS as Env["FEEDS"] | undefined;
  return ns ? ns.get(ns.idFromName(tenantId)) : null;
}

/** Closes the tenant's console sockets opened with this token's sessions (a revocation). Never throws. */
export async function endFeedSessions(env: Env, tenantId: string, tokenId: string): Promise<void> {
  try {
    await feedOf(env, tenantId)?.endSessions(tokenId);
  } catch (err) {
    console.warn("console feed: could not close the revoked token's sockets", String(err));
  }
}
