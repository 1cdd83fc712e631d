// src/domain/console.ts: a group's counts (running, starting, draining, members only), machine and
// record views, the merge of D1 and outbox records, actions grouped from the ledger (rollbacks
// linked both ways), policy bands, and the chart series (sorted, merged by time, live point last).
import { describe, expect, it } from "vitest";
import { buildSeries, groupActions, groupCounts, machineView, mergeRecords, orderDialects, policyBands, recordView } from "../src/domain/console";
import { DEFAULT_CONFIG, newGroup, type Machine } from "../src/domain/model";
import type { OperationRecord } from "../src/domain/operations";

const machine = (id: string, over: Partial<Machine> = {}): Machine => ({
  id, uuid: id, name: id, origin: "pool", spec: null, retained: false, standby: false, scaleToZero: null,
  machineState: "RUNNING", serviceState: "IN_SERVICE", member: true, requestedAt: 1000, launchtime: 2000,
  publicIps: [], privateIps: [], metadata: {}, terminateAt: null, endedAt: null, ...over,
} as Machine);

let seq = 0;
const rec = (over: Partial<OperationRecord>): OperationRecord => ({
  id: `op-${++seq}`, tenantId: "t", targetKind: "group", targetId: "g", dialect: "elastisys", type: "pool.set_desired_size", status: "succeeded",
  idempotencyKey: null, actionId: null, request: null, result: null, cause: null, reasonCode: null, reasonMessage: null,
  createdAt: 1000, updatedAt: 1000, completedAt: 1000, seq, version: 1, ...over,
});

describe("groupCounts", () => {
  it("counts members only: running, starting (REQUESTED/PENDING), draining (TERMINATING or scheduled)", () => {
    const g = { ...newGroup("t", "g", "u", DEFAULT_CONFIG, 0), desiredSize: 5 };
    const ms = [
      machine("a"),
      machine("b", { machineState: "REQUESTED" }),
      machine("c", { machineState: "PENDING" }),
      machine("d", { machineState: "TERMINATING" }),
      machine("e", { terminateAt: 9999 }),
      machine("f", { member: false }),
      machine("g", { machineState: "TERMINATED" }),
      machine("h", { machineState: "REJECTED" }),
    ];
    expect(groupCounts(g, ms)).toEqual({ desired: 5, running: 1, starting: 2, draining: 2 });
    expect(groupCounts(g, [])).toEqual({ desired: 5, running: 0, starting: 0, draining: 0 });
  });
});

describe("views", () => {
  it("orders dialects and leaves out system", () => {
    expect(orderDialects(["quilt", "system", "elastisys", "hooks"])).toEqual(["elastisys", "quilt", "hooks"]);
  });

  it("a machine: one address (public first), age from launch or request, ISO times", () => {
    expect(machineView(machine("a", { publicIps: ["198.51.100.1"], privateIps: ["10.0.0.1"] }), 62_000)).toMatchObject({ address: "198.51.100.1", age_seconds: 60, launched_at: "1970-01-01T00:00:02.000Z" });
    expect(machineView(machine("b", { privateIps: ["10.0.0.2"], launchtime: null }), 11_000)).toMatchObject({ address: "10.0.0.2", age_seconds: 10, launched_at: null });
    expect(machineView(machine("c", { launchtime: 5000 }), 1000).age_seconds).toBe(0); // never negative
  });

  it("a record: JSON parsed (text kept when it is not JSON), ISO times", () => {
    const v = recordView(rec({ request: '{"a":1}', result: "not json", createdAt: 0, completedAt: null }));
    expect(v).toMatchObject({ request: { a: 1 }, result: "not json", created_at: "1970-01-01T00:00:00.000Z", completed_at: null });
  });

  it("merges D1 and outbox records: one per id, the higher version, newest first, limited", () => {
    const a = rec({ id: "a", createdAt: 1, version: 1 });
    const a2 = { ...a, version: 2, status: "failed" as const };
    const b = rec({ id: "b", createdAt: 2 });
    const c = rec({ id: "c", createdAt: 2 });
    expect(mergeRecords([a2, b], [a, c], 10).map((r) => [r.id, r.version])).toEqual([["c", 1], ["b", 1], ["a", 2]]);
    expect(mergeRecords([a], [a2], 10)[0].status).toBe("failed");
    expect(mergeRecords([a, b, c], [], 2)).toHaveLength(2);
  });
});

describe("groupActions", () => {
  it("groups by action id, operations oldest first, newest action first; links a rollback both ways; limited", () => {
    const ops = [
      rec({ actionId: "x", type: "elasticity.scale_node_group", createdAt: 10, targetId: "web" }),
      rec({ actionId: "x", type: "elasticity.resize_container", createdAt: 5, targetKind: "container", targetId: "c1" }),
      rec({ actionId: null, createdAt: 11 }),
      rec({ actionId: "y", type: "elasticity.rollback_action", targetKind: "action", targetId: "x", request: JSON.stringify({ target_action_id: "x", force: false }), createdAt: 20 }),
    ];
    const actions = groupActions(ops, 10);
    expect(actions.map((a) => a.action_id)).toEqual(["y", "x"]);
    const x = actions[1];
    expect(x.operations.map((o) => o.type)).toEqual(["elasticity.resize_container", "elasticity.scale_node_group"]);
    expect(x.targets).toEqual(["container:c1", "group:web"]);
    expect(x).toMatchObject({ rollback_of: null, rolled_back_by: ["y"], first_at: new Date(5).toISOString(), last_at: new Date(10).toISOString() });
    expect(actions[0]).toMatchObject({ rollback_of: "x", rolled_back_by: [] });
    expect(groupActions(ops, 1).map((a) => a.action_id)).toEqual(["y"]);
    expect(groupActions([], 5)).toEqual([]);
  });
});

describe("policyBands and buildSeries", () => {
  it("bands are the enabled cpu policies' steps", () => {
    const steps = [{ lower_bound: null, upper_bound: 200, adjustment: -1 }, { lower_bound: 800, upper_bound: null, adjustment: 50 }];
    expect(
      policyBands([
        { name: "in", type: "step", metric: "cpu", adjustment_type: "change", steps: steps.slice(0, 1) },
        { name: "out", type: "step", metric: "cpu", adjustment_type: "percent", steps: steps.slice(1) },
        { name: "rps", type: "step", metric: "reqs_per_sec", adjustment_type: "change", steps },
        { name: "off", type: "step", metric: "cpu", adjustment_type: "change", steps, enabled: false },
      ]),
    ).toEqual([
      { policy: "in", adjustment_type: "change", lower: null, upper: 200, adjustment: -1 },
      { policy: "out", adjustment_type: "percent", lower: 800, upper: null, adjustment: 50 },
    ]);
  });

  it("series: samples and decisions by time in seconds, same-millisecond points merged, the live point last", () => {
    const samples = [
      { at: 3000, desired: 2, running: 1, starting: 1, draining: 0, cpu: null },
      { at: 1000, desired: 1, running: 1, starting: 0, draining: 0, cpu: 100 },
    ];
    const decisions = [rec({ type: "autoscale.decision", createdAt: 3000, request: JSON.stringify({ cpu: 900 }) }), rec({ type: "autoscale.decision", createdAt: 2000, request: "{}" })];
    const s = buildSeries(samples, decisions, { desired: 2, running: 2, starting: 0, draining: 0, cpu: 900 }, 5000);
    expect(s).toEqual({ t: [1, 3, 5], desired: [1, 2, 2], running: [1, 1, 2], cpu: [100, 900, 900] });
    expect(buildSeries([], [], null, 0)).toEqual({ t: [], desired: [], running: [], cpu: [] });
  });
});

describe("front door", () => {
  it("frontDoorLive: null without domains; the last sample's request metrics and the held count", async () => {
    const { frontDoorLive } = await import("../src/domain/console");
    const g = newGroup("t", "g", "u", DEFAULT_CONFIG, 0);
    expect(frontDoorLive(g)).toBeNull();
    const svc = { ...g, service: { services: [], domains: [{ fqdn: "a.example" }], softLimit: 1, hardLimit: 2 } };
    expect(frontDoorLive(svc)).toEqual({ reqs_per_sec: null, inflight_reqs: null, held: 0, sampled_at: null });
    const auto = { ...svc, autoscale: { heldRequests: 3, lastSample: { cpu: null, at: 0, metrics: { reqs_per_sec: 12.5, inflight_reqs: 2 } } } as any };
    expect(frontDoorLive(auto)).toEqual({ reqs_per_sec: 12.5, inflight_reqs: 2, held: 3, sampled_at: "1970-01-01T00:00:00.000Z" });
  });

  it("coldStarts: each wake paired with the first release after it, newest first; still waking is null", async () => {
    const { coldStarts } = await import("../src/domain/console");
    const wake = (at: number) => rec({ type: "frontdoor.wake", createdAt: at, request: JSON.stringify({ method: "GET", host: "a.example", path: "/x" }) });
    const released = (at: number) => rec({ type: "scale_to_zero.released", createdAt: at });
    expect(coldStarts([released(50), wake(100), rec({ createdAt: 120 }), released(400), wake(1000)])).toEqual([
      { at: new Date(1000).toISOString(), request: "GET a.example/x", waited_ms: null },
      { at: new Date(100).toISOString(), request: "GET a.example/x", waited_ms: 300 },
    ]);
    expect(coldStarts([])).toEqual([]);
  });
});
