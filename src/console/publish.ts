// How a target object tells the console something changed (src/objects/feed.ts): called by the
// kernel after a command committed and after the alarm's timers committed. Fire-and-forget: the
// caller never awaits it, and nothing it does can fail the command (the console re-reads what it
// shows; a lost event only delays a view until the next one).
import { groupCounts } from "../domain/console";
import type { Env } from "../env";
import type { FeedEvent } from "../objects/feed";
import { feedOf } from "./feeds";
import type { GroupStore } from "../objects/store";

interface Owner {
  tenantId: string;
  kind: string;
  id: string;
}

/** The event of a commit on the object whose store this is; null when it owns nothing yet. */
export function changeEvent(store: GroupStore, types: string[], now: number, fallback?: Owner): { tenantId: string; event: FeedEvent } | null {
  const g = store.group;
  const owner = store.getDoc<Owner>("owner") ?? (g ? { tenantId: g.tenantId, kind: "group", id: g.name } : fallback ?? null);
  if (!owner) return null;
  const isGroup = owner.kind === "group";
  const event: FeedEvent = {
    target: { kind: owner.kind, id: owner.id },
    at: now,
    types,
    ...(isGroup && g ? { counts: groupCounts(g, store.machines.values()), cpu: g.autoscale?.lastSample?.cpu ?? null } : {}),
    ...(isGroup && !g ? { deleted: true } : {}),
  };
  return { tenantId: owner.tenantId, event };
}

/** Sends the commit's event to the tenant's feed, if the Worker has one; never throws, never awaited. */
export function publishChange(env: Env, store: GroupStore, types: string[], fallback?: Owner): void {
  try {
    const e = changeEvent(store, types, Date.now(), fallback);
    if (!e) return;
    const feed = feedOf(env, e.tenantId);
    if (!feed) return;
    feed
      .publish(e.event)
      .catch((err: unknown) => console.warn("console feed: publish failed", String(err)));
  } catch (err) {
    console.warn("console feed: publish failed", String(err));
  }
}
