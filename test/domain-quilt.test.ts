// Quilt target rules (src/domain/quilt.ts): rotation, cutover, the timer of a restored binding,
// the node-group scale range; on a fixed clock.
import { describe, expect, it } from "vitest";
import { bound, planCutover, planNodeGroupScale, planRotation, rotationTimerFor, type Binding } from "../src/domain/quilt";
import { NOW, frozen } from "./fixtures";

const SEC = NOW / 1000; // NOW is a whole second

describe("planRotation", () => {
  it("a future cutover is pending: current kept, next and cutover set, timer at the cutover", () => {
    expect(planRotation(bound("f1"), "f2", SEC + 60, NOW)).toEqual({ binding: { current_function_id: "f1", next_function_id: "f2", cutover_at: SEC + 60 }, due: false, timerAt: NOW + 60_000 });
  });

  it("a cutover now (the boundary) or past swaps at once, no timer", () => {
    for (const at of [SEC, SEC - 1]) expect(planRotation(bound("f1"), "f2", at, NOW)).toEqual({ binding: bound("f2"), due: true, timerAt: null });
  });

  it("a workload never bound rotates from nothing; a second rotation replaces a pending one", () => {
    expect(planRotation(null, "f2", SEC + 1, NOW).binding).toEqual({ current_function_id: null, next_function_id: "f2", cutover_at: SEC + 1 });
    const pending: Binding = { current_function_id: "f1", next_function_id: "f2", cutover_at: SEC + 60 };
    expect(planRotation(pending, "f3", SEC + 5, NOW).binding).toEqual({ current_function_id: "f1", next_function_id: "f3", cutover_at: SEC + 5 });
  });
});

describe("planCutover", () => {
  const pending: Binding = { current_function_id: "f1", next_function_id: "f2", cutover_at: SEC + 60 };
  it("swaps exactly at the cutover, not a millisecond before", () => {
    expect(planCutover(pending, NOW + 59_999)).toBeNull();
    expect(planCutover(pending, NOW + 60_000)).toEqual(bound("f2"));
    expect(planCutover(pending, NOW + 90_000)).toEqual(bound("f2"));
  });

  it("nothing pending: nothing to swap (a second run of the timer does nothing)", () => {
    expect(planCutover(bound("f2"), NOW + 90_000)).toBeNull();
    expect(planCutover(null, NOW)).toBeNull();
    expect(planCutover(undefined, NOW)).toBeNull();
    expect(planCutover({ current_function_id: "f1", next_function_id: "f2", cutover_at: null }, NOW)).toBeNull();
  });
});

describe("rotationTimerFor (a restored binding)", () => {
  it("a pending rotation gets its timer back at the cutover, at once when it is past", () => {
    expect(rotationTimerFor({ current_function_id: "f1", next_function_id: "f2", cutover_at: SEC + 5 }, NOW)).toEqual({ at: NOW + 5000, next: "f2" });
    expect(rotationTimerFor({ current_function_id: "f1", next_function_id: "f2", cutover_at: SEC - 5 }, NOW)).toEqual({ at: NOW, next: "f2" });
  });
  it("no pending rotation: no timer", () => {
    expect(rotationTimerFor(bound("f1"), NOW)).toBeNull();
    expect(rotationTimerFor(null, NOW)).toBeNull();
  });
});

describe("planNodeGroupScale", () => {
  const g = { name: "ng", desiredSize: 3, minSize: 1, maxSize: 5 };
  it("within [min, max], both ends included", () => {
    expect(planNodeGroupScale(g, 2)).toEqual({ ok: true, desired: 5 });
    expect(planNodeGroupScale(g, -2)).toEqual({ ok: true, desired: 1 });
    expect(planNodeGroupScale(g, 0)).toEqual({ ok: true, desired: 3 });
  });
  it("outside: refused, naming the move and the range", () => {
    expect(planNodeGroupScale(g, 3)).toEqual({ ok: false, code: "OUT_OF_RANGE", message: "delta_units 3 would take node group 'ng' from 3 to 6, outside [1, 5]" });
    expect(planNodeGroupScale(g, -3)).toMatchObject({ ok: false, code: "OUT_OF_RANGE" });
  });
});

it("no planner modifies its input", () => {
  const b: Binding = { current_function_id: "f1", next_function_id: "f2", cutover_at: SEC };
  const g = { name: "ng", desiredSize: 3, minSize: 1, maxSize: 5 };
  const before = frozen({ b, g });
  planRotation(b, "f3", SEC + 1, NOW);
  planCutover(b, NOW);
  rotationTimerFor(b, NOW);
  planNodeGroupScale(g, 1);
  expect(frozen({ b, g })).toEqual(before);
});
