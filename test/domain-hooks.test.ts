// Inbound trigger rules (src/domain/hooks.ts): dedup keys, min_interval_seconds, per-alert action
// selection and the plan of one delivery, on a fixed clock.
import { describe, expect, it } from "vitest";
import {
  actionForAlert,
  alertDedupKey,
  alertKey,
  lastActionAfterActing,
  nextActionAt,
  planDelivery,
  suppressedAt,
  type AlertRef,
  type DeliveryPlanInput,
  type DeliveryResult,
  type HookAction,
  type HookEvent,
} from "../src/domain/hooks";
import { NOW, frozen } from "./fixtures";

const up: HookAction = { type: "change", value: 1 };
const down: HookAction = { type: "change", value: -1 };
const alert = (fingerprint: string, status: AlertRef["status"] = "firing", startsAt = "2026-04-20T11:00:00Z"): AlertRef => ({ name: "HighCPU", fingerprint, startsAt, status });
const ev = (a: AlertRef | null, action: HookAction | null = up): HookEvent => ({ alert: a, action, source: "configured" });

/** A deterministic id source. */
function ids() {
  let n = 0;
  return () => `op-${++n}`;
}

const plan = (over: Partial<DeliveryPlanInput>) => planDelivery({ events: [], priors: new Map(), lastActionAt: null, minIntervalSeconds: 0, now: NOW, newOperationId: ids(), ...over });

describe("dedup keys", () => {
  it("an alert is fingerprint + startsAt + status", () => {
    expect(alertKey(alert("fp"))).toBe("fp|2026-04-20T11:00:00Z|firing");
    expect(alertDedupKey(alert("fp"))).toBe("a:fp|2026-04-20T11:00:00Z|firing");
  });

  it("the same alert resolved, or firing again from a new start, is another key; the name does not matter", () => {
    const k = alertDedupKey(alert("fp"));
    expect(alertDedupKey(alert("fp", "resolved"))).not.toBe(k);
    expect(alertDedupKey(alert("fp", "firing", "2026-04-20T11:05:00Z"))).not.toBe(k);
    expect(alertDedupKey({ ...alert("fp"), name: "Other" })).toBe(k);
    expect(alertDedupKey(alert("fp2"))).not.toBe(k);
  });
});

describe("actionForAlert", () => {
  it("firing → the hook's action; resolved → its resolved action, or none", () => {
    expect(actionForAlert({ action: up, resolved: down }, "firing")).toEqual({ action: up, source: "configured" });
    expect(actionForAlert({ action: up, resolved: down }, "resolved")).toEqual({ action: down, source: "resolved" });
    expect(actionForAlert({ action: up, resolved: null }, "resolved")).toEqual({ action: null, source: "resolved" });
  });
});

describe("min_interval_seconds", () => {
  it("suppresses an action until exactly last + interval", () => {
    expect(nextActionAt(NOW - 1000, 60)).toBe(NOW + 59_000);
    expect(suppressedAt(NOW, 60, NOW + 59_999)).toBe(true);
    expect(suppressedAt(NOW, 60, NOW + 60_000)).toBe(false);
    expect(suppressedAt(NOW, 60, NOW)).toBe(true);
  });

  it("never suppresses with no interval or no earlier action", () => {
    expect(nextActionAt(NOW, 0)).toBeNull();
    expect(nextActionAt(null, 60)).toBeNull();
    expect(suppressedAt(NOW, 0, NOW)).toBe(false);
    expect(suppressedAt(null, 60, NOW)).toBe(false);
  });
});

describe("planDelivery", () => {
  it("an empty delivery plans nothing", () => {
    expect(plan({ lastActionAt: 5 })).toEqual({ results: [], acts: [], remember: [], lastActionAt: 5 });
  });

  it("a generic event acts with a fresh operation id and moves the last action time; nothing is remembered", () => {
    const p = plan({ events: [ev(null)] });
    expect(p.results).toEqual([{ alert: null, outcome: "acted", operation_id: "op-1", action: up }]);
    expect(p.acts).toEqual([{ index: 0, event: ev(null), result: p.results[0], key: null }]);
    expect(p.acts[0].result).toBe(p.results[0]); // the applier fills in the same object
    expect(p.remember).toEqual([]);
    expect(p.lastActionAt).toBe(NOW);
  });

  it("an alert seen in an earlier delivery answers its first result, marked duplicate, and does not act", () => {
    const first: DeliveryResult = { alert: alert("fp"), outcome: "acted", operation_id: "op-0", action: up, desired_size: 3 };
    const p = plan({ events: [ev(alert("fp"))], priors: new Map([[alertDedupKey(alert("fp")), first]]) });
    expect(p.results).toEqual([{ ...first, duplicate: true }]);
    expect(p.acts).toEqual([]);
    expect(p.remember).toEqual([]);
    expect(p.lastActionAt).toBeNull();
  });

  it("the same alert twice in one delivery acts once; the second is the first's planned result, duplicate", () => {
    const p = plan({ events: [ev(alert("fp")), ev(alert("fp"))] });
    expect(p.acts.map((a) => a.index)).toEqual([0]);
    expect(p.results[1]).toEqual({ ...p.results[0], duplicate: true });
    expect(p.remember).toEqual([{ key: alertDedupKey(alert("fp")), result: p.results[0] }]);
    // What the applier adds to the acting result later does not leak into the duplicate.
    p.acts[0].result.desired_size = 4;
    expect(p.results[1].desired_size).toBeUndefined();
  });

  it("an event without an action is ignored, remembered, and does not move the last action time", () => {
    const p = plan({ events: [ev(alert("fp", "resolved"), null)] });
    expect(p.results[0]).toMatchObject({ outcome: "ignored", operation_id: null, action: null, reason: "resolved alert, and no 'resolved' action is configured" });
    expect(p.remember.map((r) => r.key)).toEqual([alertDedupKey(alert("fp", "resolved"))]);
    expect(p.lastActionAt).toBeNull();
  });

  it("min interval: suppressed before the boundary (remembered, reason says when), acts exactly at it", () => {
    const last = NOW - 30_000;
    const p = plan({ events: [ev(alert("fp"))], lastActionAt: last, minIntervalSeconds: 60, now: NOW });
    expect(p.results[0]).toEqual({ alert: alert("fp"), outcome: "suppressed", operation_id: null, action: up, reason: `min_interval_seconds 60: next action allowed at ${new Date(NOW + 30_000).toISOString()}` });
    expect(p.acts).toEqual([]);
    expect(p.remember).toHaveLength(1);
    expect(p.lastActionAt).toBe(last);
    const q = plan({ events: [ev(alert("fp"))], lastActionAt: NOW - 60_000, minIntervalSeconds: 60, now: NOW });
    expect(q.results[0].outcome).toBe("acted");
    expect(q.lastActionAt).toBe(NOW);
  });

  it("an action earlier in the same delivery starts the interval for the later events", () => {
    const p = plan({ events: [ev(alert("a")), ev(alert("b")), ev(alert("c", "resolved"), null)], minIntervalSeconds: 10 });
    expect(p.results.map((r) => r.outcome)).toEqual(["acted", "suppressed", "ignored"]);
    // Without an interval every distinct alert acts, each with its own operation id.
    const q = plan({ events: [ev(alert("a")), ev(alert("b"))] });
    expect(q.results.map((r) => [r.outcome, r.operation_id])).toEqual([["acted", "op-1"], ["acted", "op-2"]]);
  });

  it("the input is not modified", () => {
    const priors = new Map([[alertDedupKey(alert("old")), { alert: alert("old"), outcome: "acted", operation_id: "x", action: up } as DeliveryResult]]);
    const events = [ev(alert("old")), ev(alert("new")), ev(null)];
    const before = frozen({ events, priors: [...priors] });
    const p = plan({ events, priors, minIntervalSeconds: 0 });
    p.acts.forEach((a) => (a.result.desired_size = 9));
    expect(frozen({ events, priors: [...priors] })).toEqual(before);
    expect(priors.size).toBe(1);
  });
});

describe("lastActionAfterActing", () => {
  it("goes back when something was planned to act and nothing did", () => {
    expect(lastActionAfterActing(NOW - 5000, NOW, 2, 0, NOW)).toBe(NOW - 5000);
    expect(lastActionAfterActing(null, NOW, 1, 0, NOW)).toBeNull();
  });
  it("stays when one acted, nothing was planned, or another delivery has moved it since", () => {
    expect(lastActionAfterActing(NOW - 5000, NOW, 2, 1, NOW)).toBe(NOW);
    expect(lastActionAfterActing(NOW - 5000, NOW - 5000, 0, 0, NOW)).toBe(NOW - 5000);
    expect(lastActionAfterActing(NOW - 5000, NOW + 7, 1, 0, NOW)).toBe(NOW + 7);
  });
});
