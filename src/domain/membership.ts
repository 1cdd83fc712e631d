// elastisys' later cloud pool API describes a machine's place in the pool with
// `membershipStatus {active, evictable}` (active: counts toward the desired size; evictable: may
// be chosen for termination). Scalegate keeps the 2.0 model (service state, attach/detach) and
// derives the later field from it, so clients of either API read the same machine.
import type { Machine } from "./model";

export interface MembershipStatus {
  active: boolean;
  evictable: boolean;
}

export function membershipStatus(m: Pick<Machine, "member" | "serviceState" | "terminateAt">): MembershipStatus {
  // Detached: no longer the pool's, neither counted nor terminated by it.
  if (!m.member) return { active: false, evictable: false };
  // Out of service: elastisys' "awaiting service" — replaced in the count, but kept (not evicted).
  if (m.serviceState === "OUT_OF_SERVICE") return { active: false, evictable: false };
  // Chosen for scale-in, waiting for its instance hour: no longer counted, on its way out.
  if (m.terminateAt !== null) return { active: false, evictable: true };
  return { active: true, evictable: true };
}
