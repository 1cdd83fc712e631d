// How a target object tells the console something changed (src/objects/feed.ts): called by the
// kernel when a push of its records reached D1 (what the console's views read; a command's push is
// dispatched as soon as it commits, and under load one push carries many commands) and after the
// alarm's timers committed (a machine step changes state without a record). Fire-and-forget: the
// caller never awaits it, and nothing it does can fail the command (the console re-reads what it
// shows; a lost event only delays a view until the next one).
import type { OutboxEntry } from "../db/push";
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

/** The kernel's own timers change nothing a console shows (their records are published when pushed). */
const QUIET_TIMERS: ReadonlySet<string> = new Set(["idempotency-expiry", "outbox-flush", "delivery"]);

/** What an alarm's timers did, for the feed: the kinds that may have changed what a console shows. */
export const timerTypes = (kinds: string[]): string[] => [...new Set(kinds.filter((k) => !QUIET_TIMERS.has(k)).map((k) => `timer:${k}`))];

/** What a push to D1 carried: its records' types, and the registry rows as `registry:<kind>`. */
export const pushedTypes = (entries: { entry: OutboxEntry }[]): string[] => [
  ...new Set(entries.map(({ entry: e }) => (e.kind === "operation" ? e.record.type : `registry:${e.kind}`))),
];

/** Sends the commit's event to the tenant's feed, if the Worker has one; never throws, never awaited. */
export function publishChange(env: Env, store: GroupStore, types: string[], fallback?: Owner): void {
  if (types.length === 0) return;
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

/**
 * An object's change events, at most one per PUBLISH_INTERVAL_MS: the first change is sent at once,
 * the ones after it within the interval are merged into one event sent when it ends (their types
 * together, the state as it is then). Under load a group's pushes come every few milliseconds, and
 * one event each cost the object a call to the feed and the feed a write per push (issue 10,
 * docs/benchmarks.md run H); a console re-reads a view at most every 150 ms anyway.
 */
export const PUBLISH_INTERVAL_MS = 250;

export class ChangePublisher {
  #lastAt = 0;
  #waiting: Set<string> | null = null;

  constructor(
    private readonly env: Env,
    private readonly store: GroupStore,
  ) {}

  note(types: string[]): void {
    if (types.length === 0) return;
    if (this.#waiting) {
      for (const t of types) this.#waiting.add(t);
      return;
    }
    const now = Date.now();
    const due = this.#lastAt + PUBLISH_INTERVAL_MS;
    // A clock that went back (a test's fake one) counts as the interval having passed.
    if (now >= due || now < this.#lastAt) {
      this.#lastAt = now;
      publishChange(this.env, this.store, types);
      return;
    }
    this.#waiting = new Set(types);
    setTimeout(() => {
      const merged = [...(this.#waiting ?? [])];
      this.#waiting = null;
      this.#lastAt = Date.now();
      publishChange(this.env, this.store, merged);
    }, Math.min(PUBLISH_INTERVAL_MS, due - now));
  }
}
