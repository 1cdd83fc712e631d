// Reconcile planning (src/domain/reconcile.ts): what a group does so that its effective member
// count equals the desired size. Pure: the clock is an argument.
import { describe, expect, it } from "vitest";
import { ENDED_MACHINE_RETENTION_MS } from "../src/domain/model";
import { emptyPlan, isEmptyPlan, planReconcile } from "../src/domain/reconcile";
import { HOUR, MINUTE, NOW, group, machine, requested, shuffled } from "./fixtures";

describe("planReconcile: scale-out", () => {
  it("launches the whole difference in one plan", () => {
    expect(planReconcile(group(3), [], NOW)).toEqual({ ...emptyPlan(), launch: 3 });
    const pool = [machine("r"), machine("p", { machineState: "PENDING", serviceState: "BOOTING" }), requested("q", NOW - 100)];
    expect(planReconcile(group(5), pool, NOW)).toEqual({ ...emptyPlan(), launch: 2 });
  });

  it("does nothing in the steady state (REQUESTED, PENDING and RUNNING members all count)", () => {
    const pool = [machine("r"), machine("p", { machineState: "PENDING" }), requested("q", NOW - 100)];
    const plan = planReconcile(group(3), pool, NOW);
    expect(isEmptyPlan(plan)).toBe(true);
  });

  it("does not count REJECTED, TERMINATED, TERMINATING or detached machines", () => {
    const pool = [
      machine("rej", { machineState: "REJECTED", endedAt: NOW - 1000 }),
      machine("ter", { machineState: "TERMINATED", endedAt: NOW - 1000 }),
      machine("ing", { machineState: "TERMINATING" }),
      machine("det", { member: false }),
      machine("run"),
    ];
    const plan = planReconcile(group(2), pool, NOW);
    expect(plan.launch).toBe(1);
    expect(plan.cancel).toEqual([]);
    expect(plan.terminate).toEqual([]);
  });

  it("replaces OUT_OF_SERVICE members (which stay, and are never victims)", () => {
    const oos = machine("oos", { serviceState: "OUT_OF_SERVICE", launchtime: NOW - 5 * HOUR });
    const plan = planReconcile(group(2), [oos, machine("b")], NOW);
    expect(plan).toEqual({ ...emptyPlan(), launch: 1 });
  });
});

describe("planReconcile: scale-in", () => {
  const running = machine("run", { launchtime: NOW - 2 * HOUR });

  it("cancels REQUESTED members first, newest request first, before choosing any victim", () => {
    const q1 = requested("q1", NOW - 3000);
    const q2 = requested("q2", NOW - 2000);
    const q3 = requested("q3", NOW - 1000);
    const pool = [q1, running, q3, q2];
    expect(planReconcile(group(3), pool, NOW)).toEqual({ ...emptyPlan(), cancel: ["q3"] });
    expect(planReconcile(group(1), pool, NOW)).toEqual({ ...emptyPlan(), cancel: ["q3", "q2", "q1"] });
    // Only when every request is cancelled does a running machine become a victim.
    expect(planReconcile(group(0), pool, NOW)).toEqual({ ...emptyPlan(), cancel: ["q3", "q2", "q1"], terminate: ["run"] });
  });

  it("chooses the same requests whatever the order of the machines (ties included)", () => {
    const pool = [requested("qa", NOW - 1000), requested("qb", NOW - 1000), requested("qc", NOW - 1000), requested("old", NOW - 9000), running];
    const first = planReconcile(group(3), pool, NOW);
    expect(first.cancel).toHaveLength(2);
    expect(first.cancel).not.toContain("old");
    for (const seed of [1, 2, 3, 4]) expect(planReconcile(group(3), shuffled(pool, seed), NOW)).toEqual(first);
  });

  it("picks victims by the pool's policy", () => {
    const a = machine("a", { launchtime: NOW - 3 * HOUR - 10 * MINUTE }); // oldest, 50 min left
    const b = machine("b", { launchtime: NOW - 55 * MINUTE }); // 5 min left
    const c = machine("c", { launchtime: NOW - 30 * MINUTE }); // newest, 30 min left
    const pool = [a, b, c];
    expect(planReconcile(group(2, { victimSelectionPolicy: "OLDEST_INSTANCE" }), pool, NOW).terminate).toEqual(["a"]);
    expect(planReconcile(group(2, { victimSelectionPolicy: "NEWEST_INSTANCE" }), pool, NOW).terminate).toEqual(["c"]);
    expect(planReconcile(group(2, { victimSelectionPolicy: "CLOSEST_TO_INSTANCE_HOUR" }), pool, NOW).terminate).toEqual(["b"]);
    expect(planReconcile(group(1, { victimSelectionPolicy: "OLDEST_INSTANCE" }), pool, NOW).terminate).toEqual(["a", "b"]);
  });

  it("never chooses an OUT_OF_SERVICE member, even when it is the policy's first pick", () => {
    const oos = machine("oos", { serviceState: "OUT_OF_SERVICE", launchtime: NOW - 9 * HOUR });
    const b = machine("b", { launchtime: NOW - 2 * HOUR });
    const c = machine("c", { launchtime: NOW - HOUR });
    const pool = [oos, b, c];
    // The out-of-service machine does not count: two effective members for desired 2.
    expect(isEmptyPlan(planReconcile(group(2), pool, NOW))).toBe(true);
    expect(planReconcile(group(1), pool, NOW)).toEqual({ ...emptyPlan(), terminate: ["b"] });
    expect(planReconcile(group(0), pool, NOW)).toEqual({ ...emptyPlan(), terminate: ["b", "c"] });
  });

  it("CLOSEST_TO_INSTANCE_HOUR with a margin schedules the termination just before the victim's next hour", () => {
    const b = machine("b", { launchtime: NOW - 10 * MINUTE });
    const c = machine("c", { launchtime: NOW - 20 * MINUTE });
    const g = group(1, { victimSelectionPolicy: "CLOSEST_TO_INSTANCE_HOUR", instanceHourMarginSeconds: 60 });
    expect(planReconcile(g, [b, c], NOW)).toEqual({ ...emptyPlan(), schedule: [{ id: "c", at: NOW + 40 * MINUTE - 60_000 }] });
    // Without a margin, or inside the margin, the victim goes at once.
    expect(planReconcile({ ...g, config: { ...g.config, instanceHourMarginSeconds: 0 } }, [b, c], NOW)).toEqual({ ...emptyPlan(), terminate: ["c"] });
    const late = machine("late", { launchtime: NOW - 59 * MINUTE - 30_000 });
    expect(planReconcile(g, [b, late], NOW)).toEqual({ ...emptyPlan(), terminate: ["late"] });
  });

  it("the margin only applies to CLOSEST_TO_INSTANCE_HOUR", () => {
    const g = group(1, { victimSelectionPolicy: "OLDEST_INSTANCE", instanceHourMarginSeconds: 600 });
    expect(planReconcile(g, [machine("a", { launchtime: NOW - 10 * MINUTE }), machine("b", { launchtime: NOW - 5 * MINUTE })], NOW)).toEqual({ ...emptyPlan(), terminate: ["a"] });
  });

  it("a member with a scheduled termination no longer counts and is not chosen twice", () => {
    const a = machine("a");
    const s = machine("s", { terminateAt: NOW + 10 * MINUTE });
    expect(isEmptyPlan(planReconcile(group(1, { victimSelectionPolicy: "CLOSEST_TO_INSTANCE_HOUR", instanceHourMarginSeconds: 60 }), [a, s], NOW))).toBe(true);
  });
});

describe("planReconcile: scheduled terminations", () => {
  const a = machine("a");
  const b = machine("b");
  const soon = machine("soon", { terminateAt: NOW + 10 * MINUTE });
  const later = machine("later", { terminateAt: NOW + 20 * MINUTE });

  it("calls off scheduled terminations instead of launching when the pool grows again", () => {
    expect(planReconcile(group(3), [a, b, soon, later], NOW)).toEqual({ ...emptyPlan(), unschedule: ["later"] });
    expect(planReconcile(group(4), [a, b, soon, later], NOW)).toEqual({ ...emptyPlan(), unschedule: ["later", "soon"] });
    // Only what scheduled machines cannot cover is launched.
    expect(planReconcile(group(7), [a, b, soon, later], NOW)).toEqual({ ...emptyPlan(), unschedule: ["later", "soon"], launch: 3 });
  });

  it("executes terminations that have come due", () => {
    const due = machine("due", { terminateAt: NOW - 1 });
    const exactly = machine("exactly", { terminateAt: NOW });
    const plan = planReconcile(group(2), [a, b, due, exactly], NOW);
    expect(plan).toEqual({ ...emptyPlan(), terminate: ["due", "exactly"] });
  });

  it("a due termination of a machine already on its way out is not repeated", () => {
    const going = machine("going", { machineState: "TERMINATING", terminateAt: NOW - 1 });
    expect(isEmptyPlan(planReconcile(group(2), [a, b, going], NOW))).toBe(true);
  });
});

describe("planReconcile: a scheduled victim taken out of service", () => {
  it("calls its termination off (never a victim), due or not, without launching for it", () => {
    const a = machine("a");
    const oosLater = machine("oos-later", { serviceState: "OUT_OF_SERVICE", terminateAt: NOW + 10 * MINUTE });
    const oosDue = machine("oos-due", { serviceState: "OUT_OF_SERVICE", terminateAt: NOW - 1 });
    expect(planReconcile(group(1), [a, oosLater, oosDue], NOW)).toEqual({ ...emptyPlan(), unschedule: ["oos-later", "oos-due"] });
    // Growing the pool does not count them as scheduled capacity to take back: they stay out of service.
    expect(planReconcile(group(2), [a, oosLater], NOW)).toEqual({ ...emptyPlan(), unschedule: ["oos-later"], launch: 1 });
  });
});

describe("planReconcile: ended machines", () => {
  it("forgets TERMINATED and REJECTED machines once their listing retention has passed", () => {
    const pool = [
      machine("a"),
      machine("old-t", { machineState: "TERMINATED", endedAt: NOW - ENDED_MACHINE_RETENTION_MS }),
      machine("old-r", { machineState: "REJECTED", endedAt: NOW - ENDED_MACHINE_RETENTION_MS - 5000 }),
      machine("new-t", { machineState: "TERMINATED", endedAt: NOW - ENDED_MACHINE_RETENTION_MS + 1 }),
    ];
    expect(planReconcile(group(1), pool, NOW)).toEqual({ ...emptyPlan(), forget: ["old-t", "old-r"] });
  });
});

describe("planReconcile: purity", () => {
  it("does not modify the machines it is given", () => {
    const pool = [requested("q", NOW - 5), machine("a"), machine("s", { terminateAt: NOW - 1 })];
    const copy = structuredClone(pool);
    planReconcile(group(0), pool, NOW);
    expect(pool).toEqual(copy);
  });
});
