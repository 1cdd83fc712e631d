// The tenant's console feed object (src/objects/feed.ts): binding FEEDS, one object per tenant.
// Optional: a Worker configured without the binding serves the console without live updates.
import type { Env } from "../env";
import type { ConsoleFeed } from "../objects/feed";

export function feedOf(env: Env, tenantId: string): DurableObjectStub<ConsoleFeed> | null {
  const ns = (env as Env & { FEEDS?: DurableObjectNamespace<ConsoleFeed> }).FEEDS;
  return ns ? ns.get(ns.idFromName(tenantId)) : null;
}
