// Scale-to-zero rules (src/domain/scale-to-zero.ts) on plain machines and a fixed clock.
import { describe, expect, it } from "vitest";
import type { AutoscaleState } from "../src/domain/autoscale/state";
import type { Machine } from "../src/domain/model";
import {
  DEFAULT_INSTANCE_COOLDOWN_MS,
  groupTrafficAfter,
  groupWakes,
  initialTraffic,
  instanceCooldown,
  instanceIdleCheckAt,
  instanceTrafficAfter,
  instancesToWake,
  planGroupIdle,
  planGroupRelease,
  planInstanceIdle,
  planInstanceRelease,
  sleepers,
} from "../src/domain/scale-to-zero";
import { NOW, autoscaleState, frozen, ids, machine } from "./fixtures";

/** A retained instance with its own scale-to-zero policy (cooldown in ms). */
const sleeper = (id: string, cooldownTimeMs: number | undefined, over: Partial<Machine> = {}) =>
  machine(id, { origin: "instance", retained: true, scaleToZero: { policy: "on", ...(cooldownTimeMs !== undefined ? { cooldownTimeMs } : {}) } as Machine["scaleToZero"], ...over });

const standby = (id: string, over: Partial<Machine> = {}) => sleeper(id, 1000, { machineState: "TERMINATED", standby: true, member: true, ...over });

/** Scale-to-zero on (min_size 0), a 5 s cooldown. */
const autoscale = (over: Partial<AutoscaleState> = {}): AutoscaleState => autoscaleState({ min_size: 0, cooldown_time_ms: 5000, ...over });


describe("sleepers", () => {
  it("are retained members with a policy other than off, never the autoscale master", () => {
    const all = [
      sleeper("a", 1000),
      sleeper("off", 1000, { scaleToZero: { policy: "off" } as Machine["scaleToZero"] }),
      machine("plain", { retained: true }),
      sleeper("clone", 1000, { retained: false }),
      sleeper("gone", 1000, { member: false }),
      sleeper("m", 1000),
    ];
    expect(ids(sleepers(all, "m"))).toEqual(["a"]);
    expect(ids(sleepers(all, null))).toEqual(["a", "m"]);
    expect(sleepers([], "m")).toEqual([]);
  });

  it("default to a 1 s cooldown", () => {
    expect(instanceCooldown(sleeper("a", undefined))).toBe(DEFAULT_INSTANCE_COOLDOWN_MS);
    expect(DEFAULT_INSTANCE_COOLDOWN_MS).toBe(1000);
    expect(instanceCooldown(sleeper("a", 250))).toBe(250);
  });
});

describe("instance idle check", () => {
  it("is armed for the running sleeper with the shortest cooldown, from the last traffic", () => {
    const t = { lastAt: NOW - 100, held: 0 };
    expect(instanceIdleCheckAt(t, [sleeper("a", 3000), sleeper("b", 2000), standby("c", { scaleToZero: { policy: "on", cooldownTimeMs: 10 } as Machine["scaleToZero"] })], NOW)).toBe(NOW + 1900);
  });

  it("is never in the past, and is cleared (null) when no sleeper runs", () => {
    expect(instanceIdleCheckAt({ lastAt: NOW - 10_000, held: 0 }, [sleeper("a", 1000)], NOW)).toBe(NOW);
    expect(instanceIdleCheckAt({ lastAt: NOW, held: 0 }, [standby("a")], NOW)).toBeNull();
    expect(instanceIdleCheckAt({ lastAt: NOW, held: 0 }, [], NOW)).toBeNull();
  });

  it("puts to standby every running sleeper idle for its cooldown, the boundary included", () => {
    const t = { lastAt: NOW - 2000, held: 0 };
    const all = [sleeper("exact", 2000), sleeper("longer", 2001), sleeper("shorter", 1999), standby("asleep")];
    expect(planInstanceIdle(t, all, NOW)).toEqual([{ id: "exact", idleForMs: 2000 }, { id: "shorter", idleForMs: 2000 }]);
    // One millisecond earlier only the shorter cooldown has passed.
    expect(ids(planInstanceIdle(t, all, NOW - 1))).toEqual(["shorter"]);
  });

  it("puts nothing to standby while requests are held", () => {
    expect(planInstanceIdle({ lastAt: NOW - 60_000, held: 1 }, [sleeper("a", 1000)], NOW)).toEqual([]);
    expect(planInstanceIdle({ lastAt: NOW - 60_000, held: 0 }, [], NOW)).toEqual([]);
  });

  it("counts idle time from the group's creation before any traffic", () => {
    expect(initialTraffic(NOW - 5000)).toEqual({ lastAt: NOW - 5000, held: 0 });
    expect(ids(planInstanceIdle(initialTraffic(NOW - 5000), [sleeper("a", 5000)], NOW))).toEqual(["a"]);
  });
});

describe("instance traffic", () => {
  it("wakes standby sleepers that are stopped or still stopping, not explicitly stopped ones nor running ones", () => {
    const all = [
      standby("stopped"),
      standby("stopping", { machineState: "TERMINATING" }),
      sleeper("explicit", 1000, { machineState: "TERMINATED", standby: false }),
      sleeper("running", 1000),
    ];
    expect(ids(instancesToWake(all))).toEqual(["stopped", "stopping"]);
    expect(instancesToWake([])).toEqual([]);
  });

  it("holds the requests while a sleeper does not run, and always moves the last traffic to now", () => {
    const t = { lastAt: NOW - 9000, held: 2 };
    expect(instanceTrafficAfter(t, [sleeper("a", 1000), sleeper("b", 1000, { machineState: "REQUESTED" })], 5, NOW)).toEqual({ lastAt: NOW, held: 7 });
    expect(instanceTrafficAfter(t, [sleeper("a", 1000)], 5, NOW)).toEqual({ lastAt: NOW, held: 2 });
    expect(instanceTrafficAfter(t, [sleeper("a", 1000, { machineState: "PENDING" })], 0, NOW)).toEqual({ lastAt: NOW, held: 2 });
  });

  it("releases the held requests when a sleeper comes to run; nothing for others", () => {
    const t = { lastAt: NOW - 9000, held: 4 };
    const all = [sleeper("a", 1000), sleeper("b", 1000, { machineState: "PENDING" })];
    expect(planInstanceRelease(t, all, "a", NOW)).toEqual({ released: 4, traffic: { lastAt: NOW, held: 0 } });
    expect(planInstanceRelease({ lastAt: NOW - 1, held: 0 }, all, "a", NOW)).toEqual({ released: 0, traffic: { lastAt: NOW, held: 0 } });
    expect(planInstanceRelease(t, all, "b", NOW)).toBeNull(); // not running yet
    expect(planInstanceRelease(t, all, "other", NOW)).toBeNull(); // not a sleeper
  });
});

describe("a group under autoscale with min_size 0", () => {
  it("wakes on traffic when the master is in standby and not still stopping", () => {
    expect(groupWakes(machine("m", { standby: true, machineState: "TERMINATED" }))).toBe(true);
    expect(groupWakes(machine("m", { standby: true, machineState: "TERMINATING" }))).toBe(false);
    expect(groupWakes(machine("m"))).toBe(false);
    expect(groupWakes(undefined)).toBe(false);
  });

  it("holds traffic while the master does not run; the idle check moves a full cooldown ahead", () => {
    const a = autoscale({ heldRequests: 1 });
    expect(groupTrafficAfter(a, 1, machine("m", { machineState: "REQUESTED" }), 3, NOW)).toEqual({ autoscale: { ...a, lastTrafficAt: NOW, heldRequests: 4 }, idleCheckAt: NOW + 5000 });
    expect(groupTrafficAfter(a, 1, machine("m"), 3, NOW).autoscale.heldRequests).toBe(1);
    expect(groupTrafficAfter(a, 1, undefined, 3, NOW).autoscale.heldRequests).toBe(1);
    // Scale-to-zero off (min_size > 0): traffic is recorded, no idle check.
    expect(groupTrafficAfter(autoscale({ min_size: 1 }), 0, machine("m"), 3, NOW).idleCheckAt).toBeNull();
  });

  it("sleeps once idle for exactly the cooldown, counted from the last traffic", () => {
    const a = autoscale({ lastTrafficAt: NOW - 5000 });
    expect(planGroupIdle(a, machine("m"), NOW)).toEqual({ kind: "sleep", master: "m", idleForMs: 5000 });
    expect(planGroupIdle(a, machine("m"), NOW - 1)).toEqual({ kind: "rearm", at: NOW });
  });

  it("counts from autoscale's creation before any traffic", () => {
    const a = autoscale({ createdAt: NOW - 6000 });
    expect(planGroupIdle(a, machine("m"), NOW)).toEqual({ kind: "sleep", master: "m", idleForMs: 6000 });
  });

  it("is not idle while requests are held: checked again a full cooldown later", () => {
    expect(planGroupIdle(autoscale({ lastTrafficAt: NOW - 60_000, heldRequests: 2 }), machine("m"), NOW)).toEqual({ kind: "rearm", at: NOW + 5000 });
  });

  it("does nothing when scale-to-zero is off, autoscale is gone, or the master does not run", () => {
    expect(planGroupIdle(autoscale({ min_size: 1, lastTrafficAt: NOW - 60_000 }), machine("m"), NOW)).toEqual({ kind: "none" });
    expect(planGroupIdle(null, machine("m"), NOW)).toEqual({ kind: "none" });
    expect(planGroupIdle(autoscale({ lastTrafficAt: NOW - 60_000 }), undefined, NOW)).toEqual({ kind: "none" });
    expect(planGroupIdle(autoscale({ lastTrafficAt: NOW - 60_000 }), machine("m", { standby: true, machineState: "TERMINATED" }), NOW)).toEqual({ kind: "none" });
  });

  it("releases the held requests when the master runs again, and restarts the idle time", () => {
    const a = autoscale({ heldRequests: 3, lastTrafficAt: NOW - 100 });
    expect(planGroupRelease(a, machine("m"), NOW)).toEqual({ kind: "release", requests: 3, autoscale: { ...a, heldRequests: 0, lastTrafficAt: NOW }, idleCheckAt: NOW + 5000 });
  });

  it("starts a master that reached standby while requests were held", () => {
    expect(planGroupRelease(autoscale({ heldRequests: 2 }), machine("m", { standby: true, machineState: "TERMINATED" }), NOW)).toEqual({ kind: "wake", heldRequests: 2 });
  });

  it("ignores other machines, nothing held, a master on its way, and no autoscale", () => {
    expect(planGroupRelease(autoscale({ heldRequests: 2 }), machine("x"), NOW)).toEqual({ kind: "none" });
    expect(planGroupRelease(autoscale({ heldRequests: 0 }), machine("m"), NOW)).toEqual({ kind: "none" });
    expect(planGroupRelease(autoscale({ heldRequests: 2 }), machine("m", { machineState: "PENDING" }), NOW)).toEqual({ kind: "none" });
    expect(planGroupRelease(null, machine("m"), NOW)).toEqual({ kind: "none" });
    expect(planGroupRelease(autoscale({ heldRequests: 2 }), undefined, NOW)).toEqual({ kind: "none" });
  });
});

it("no planner modifies its input", () => {
  const all = [sleeper("a", 1000), standby("b"), sleeper("c", 1000, { machineState: "PENDING" })];
  const t = { lastAt: NOW - 5000, held: 2 };
  const a = autoscale({ heldRequests: 2, lastTrafficAt: NOW - 9000 });
  const before = frozen({ all, t, a });
  sleepers(all, "m");
  instanceIdleCheckAt(t, all, NOW);
  instancesToWake(all);
  instanceTrafficAfter(t, all, 3, NOW);
  planInstanceIdle({ ...t, held: 0 }, all, NOW);
  planInstanceRelease(t, all, "a", NOW);
  groupTrafficAfter(a, 2, all[0], 3, NOW);
  planGroupIdle(a, all[0], NOW);
  planGroupRelease(a, { ...all[0], id: "m" }, NOW);
  expect(frozen({ all, t, a })).toEqual(before);
});
