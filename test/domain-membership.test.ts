// src/domain/membership.ts: the later elastisys API's membershipStatus, derived from the 2.0 model.
import { describe, expect, it } from "vitest";
import { membershipStatus } from "../src/domain/membership";

const m = (over: Partial<{ member: boolean; serviceState: "UNKNOWN" | "BOOTING" | "IN_SERVICE" | "UNHEALTHY" | "OUT_OF_SERVICE"; terminateAt: number | null }> = {}) => ({
  member: true,
  serviceState: "UNKNOWN" as const,
  terminateAt: null,
  ...over,
});

describe("membershipStatus", () => {
  it("a member in any serving state is active and evictable (the default status)", () => {
    for (const serviceState of ["UNKNOWN", "BOOTING", "IN_SERVICE", "UNHEALTHY"] as const) expect(membershipStatus(m({ serviceState }))).toEqual({ active: true, evictable: true });
  });
  it("OUT_OF_SERVICE is 'awaiting service': not active (replaced in the count), not evictable (kept)", () => {
    expect(membershipStatus(m({ serviceState: "OUT_OF_SERVICE" }))).toEqual({ active: false, evictable: false });
  });
  it("a scale-in victim waiting for its instance hour: no longer active, evictable", () => {
    expect(membershipStatus(m({ terminateAt: 1_000 }))).toEqual({ active: false, evictable: true });
  });
  it("a detached machine is neither (out of the pool's hands), whatever its service state", () => {
    expect(membershipStatus(m({ member: false }))).toEqual({ active: false, evictable: false });
    expect(membershipStatus(m({ member: false, serviceState: "IN_SERVICE", terminateAt: 5 }))).toEqual({ active: false, evictable: false });
  });
  it("out of service wins over a pending scale-in (the machine is kept for service)", () => {
    expect(membershipStatus(m({ serviceState: "OUT_OF_SERVICE", terminateAt: 5 }))).toEqual({ active: false, evictable: false });
  });
});
