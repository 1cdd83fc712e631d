// Scale-in victim selection (elastisys victimSelectionPolicy) and the instance-hour rule.
import type { Machine, VictimSelectionPolicy } from "./model";

const HOUR_MS = 3_600_000;

const startOf = (m: Machine) => m.launchtime ?? m.requestedAt;

/** Milliseconds left in the machine's current (started) instance hour. */
export function msToNextInstanceHour(m: Machine, now: number): number {
  const up = Math.max(0, now - startOf(m));
  const into = up % HOUR_MS;
  return HOUR_MS - into;
}

/** Candidates ordered best victim first; ties fall back to the id so the choice is deterministic. */
export function rankVictims(candidates: Machine[], policy: VictimSelectionPolicy, now: number): Machine[] {
  const byId = (a: Machine, b: Machine) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const sorted = [...candidates];
  switch (policy) {
    case "OLDEST_INSTANCE":
      return sorted.sort((a, b) => startOf(a) - startOf(b) || byId(a, b));
    case "NEWEST_INSTANCE":
      return sorted.sort((a, b) => startOf(b) - startOf(a) || byId(a, b));
    case "CLOSEST_TO_INSTANCE_HOUR":
      return sorted.sort((a, b) => msToNextInstanceHour(a, now) - msToNextInstanceHour(b, now) || byId(a, b));
  }
}

/**
 * When a victim chosen under CLOSEST_TO_INSTANCE_HOUR should really be terminated: `marginSeconds`
 * before its next instance hour starts, or now when that point has already passed.
 */
export function terminationTime(m: Machine, now: number, marginSeconds: number): number {
  if (marginSeconds <= 0) return now;
  const at = now + msToNextInstanceHour(m, now) - marginSeconds * 1000;
  return at <= now ? now : at;
}
