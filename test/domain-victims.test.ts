// Scale-in victim selection and the instance-hour rule (src/domain/victims.ts), called directly
// with a fixed clock.
import { describe, expect, it } from "vitest";
import { msToNextInstanceHour, rankVictims, terminationTime } from "../src/domain/victims";
import { HOUR, MINUTE, NOW, ids, machine, shuffled } from "./fixtures";

describe("msToNextInstanceHour", () => {
  it("counts what is left of the current (started) instance hour from the launch time", () => {
    expect(msToNextInstanceHour(machine("a", { launchtime: NOW }), NOW)).toBe(HOUR);
    expect(msToNextInstanceHour(machine("a", { launchtime: NOW - 1 }), NOW)).toBe(HOUR - 1);
    expect(msToNextInstanceHour(machine("a", { launchtime: NOW - 10 * MINUTE }), NOW)).toBe(50 * MINUTE);
    expect(msToNextInstanceHour(machine("a", { launchtime: NOW - 59 * MINUTE }), NOW)).toBe(MINUTE);
    // Second and later hours: only the position inside the current hour matters.
    expect(msToNextInstanceHour(machine("a", { launchtime: NOW - 61 * MINUTE }), NOW)).toBe(59 * MINUTE);
    expect(msToNextInstanceHour(machine("a", { launchtime: NOW - 5 * HOUR - 45 * MINUTE }), NOW)).toBe(15 * MINUTE);
    // On the boundary a new hour has just started: a whole hour is left.
    expect(msToNextInstanceHour(machine("a", { launchtime: NOW - 2 * HOUR }), NOW)).toBe(HOUR);
  });

  it("falls back to the request time when the machine has no launch time yet", () => {
    expect(msToNextInstanceHour(machine("a", { launchtime: null, requestedAt: NOW - 20 * MINUTE }), NOW)).toBe(40 * MINUTE);
  });

  it("treats a launch time in the future (clock skew) as just launched", () => {
    expect(msToNextInstanceHour(machine("a", { launchtime: NOW + 5 * MINUTE }), NOW)).toBe(HOUR);
  });
});

describe("rankVictims", () => {
  const a = machine("a", { launchtime: NOW - 3 * HOUR - 10 * MINUTE }); // 50 min left in its hour
  const b = machine("b", { launchtime: NOW - 55 * MINUTE }); // 5 min left
  const c = machine("c", { launchtime: NOW - 30 * MINUTE }); // 30 min left
  const all = [c, a, b];

  it("OLDEST_INSTANCE: earliest launch first", () => {
    expect(ids(rankVictims(all, "OLDEST_INSTANCE", NOW))).toEqual(["a", "b", "c"]);
  });

  it("NEWEST_INSTANCE: latest launch first", () => {
    expect(ids(rankVictims(all, "NEWEST_INSTANCE", NOW))).toEqual(["c", "b", "a"]);
  });

  it("CLOSEST_TO_INSTANCE_HOUR: least time left in the paid hour first", () => {
    expect(ids(rankVictims(all, "CLOSEST_TO_INSTANCE_HOUR", NOW))).toEqual(["b", "c", "a"]);
  });

  it("uses the request time of a machine not launched yet", () => {
    const early = machine("early", { launchtime: null, requestedAt: NOW - 10 * HOUR });
    expect(ids(rankVictims([a, early], "OLDEST_INSTANCE", NOW))).toEqual(["early", "a"]);
  });

  it("breaks ties by id, whatever the input order, for every policy", () => {
    const t = NOW - 20 * MINUTE;
    const tied = ["m-3", "m-1", "m-2", "m-0"].map((id) => machine(id, { launchtime: t }));
    for (const policy of ["OLDEST_INSTANCE", "NEWEST_INSTANCE", "CLOSEST_TO_INSTANCE_HOUR"] as const) {
      for (const seed of [1, 2, 3]) {
        expect(ids(rankVictims(shuffled(tied, seed), policy, NOW)), policy).toEqual(["m-0", "m-1", "m-2", "m-3"]);
      }
    }
    // Machines a whole number of hours apart are tied under CLOSEST_TO_INSTANCE_HOUR too.
    const x = machine("x", { launchtime: NOW - 2 * HOUR - 40 * MINUTE });
    const w = machine("w", { launchtime: NOW - 40 * MINUTE });
    expect(ids(rankVictims([x, w], "CLOSEST_TO_INSTANCE_HOUR", NOW))).toEqual(["w", "x"]);
  });

  it("does not reorder its input", () => {
    const input = [c, a, b];
    rankVictims(input, "OLDEST_INSTANCE", NOW);
    expect(ids(input)).toEqual(["c", "a", "b"]);
  });
});

describe("terminationTime", () => {
  it("is now without a margin", () => {
    expect(terminationTime(machine("a", { launchtime: NOW - 10 * MINUTE }), NOW, 0)).toBe(NOW);
  });

  it("is `margin` seconds before the next instance hour with a margin", () => {
    const m = machine("a", { launchtime: NOW - 10 * MINUTE });
    expect(terminationTime(m, NOW, 60)).toBe(NOW + 50 * MINUTE - 60_000);
    expect(terminationTime(m, NOW, 300)).toBe(NOW + 45 * MINUTE);
    // In a later hour of the machine's life: relative to that hour's end.
    const old = machine("b", { launchtime: NOW - 4 * HOUR - 20 * MINUTE });
    expect(terminationTime(old, NOW, 120)).toBe(NOW + 40 * MINUTE - 120_000);
  });

  it("is now once the victim is inside the margin (or exactly at it)", () => {
    expect(terminationTime(machine("a", { launchtime: NOW - 59 * MINUTE - 30_000 }), NOW, 60)).toBe(NOW);
    expect(terminationTime(machine("a", { launchtime: NOW - 59 * MINUTE }), NOW, 60)).toBe(NOW);
    expect(terminationTime(machine("a", { launchtime: NOW - 59 * MINUTE + 1 }), NOW, 60)).toBe(NOW + 1);
  });

  it("is never in the past", () => {
    for (let into = 0; into < HOUR; into += 7 * MINUTE + 13_000) {
      for (const margin of [0, 1, 59, 600, 3599]) {
        expect(terminationTime(machine("a", { launchtime: NOW - into }), NOW, margin)).toBeGreaterThanOrEqual(NOW);
      }
    }
  });
});
