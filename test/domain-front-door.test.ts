// The front door's rules (src/domain/front-door.ts) on plain machines and a fixed clock: members
// and ports, the least-in-flight pick, the bounded hold queue (admission, timeouts, release order
// under the concurrency limit, failing all at once), the wake plan and the request metrics.
import { describe, expect, it } from "vitest";
import {
  FRONT_DOOR_DEFAULTS,
  MARK_MS,
  REPORT_TTL_MS,
  RETRY_AFTER_S,
  admit,
  checkFrontDoorConfig,
  settingsOf,
  destinationPort,
  expire,
  failAll,
  frontDoorMembers,
  pickMember,
  planWake,
  release,
  requestMetrics,
  viewOf,
  wakeFailed,
  type FrontDoorSettings,
  type Held,
  type MemberLoad,
  type TrafficReport,
} from "../src/domain/front-door";
import type { Machine } from "../src/domain/model";
import { NOW, autoscaleState, frozen, group, machine } from "./fixtures";

const webhookMember = (id: string, over: Partial<Machine> = {}) => machine(id, { metadata: { provider: "webhook" }, publicIps: [`203.0.113.${id.length}`], privateIps: ["10.0.0.9"], ...over });
const settings = (over: Partial<FrontDoorSettings> = {}): FrontDoorSettings => ({ ...FRONT_DOOR_DEFAULTS, ...over });
const loads = (...xs: [string, number, number?][]): MemberLoad[] => xs.map(([id, inflight, markedUntil]) => ({ id, inflight, markedUntil: markedUntil ?? 0 }));

/** Holds `n` requests one millisecond apart from NOW. */
function queueOf(n: number, s = settings()): Held[] {
  let q: Held[] = [];
  for (let i = 0; i < n; i++) {
    const a = admit(q, s, `r${i}`, NOW + i);
    if (a.kind !== "hold") throw new Error("full");
    q = a.queue;
  }
  return q;
}

describe("members and ports", () => {
  it("running, in-pool, not draining, not out of service; warming members included; sorted by id", () => {
    const all = [
      webhookMember("b"),
      webhookMember("a", { launchtime: NOW }), // in warmup: takes traffic (KraftCloud meaning)
      webhookMember("pending", { machineState: "PENDING" }),
      webhookMember("draining", { terminateAt: NOW + 1000 }),
      webhookMember("oos", { serviceState: "OUT_OF_SERVICE" }),
      webhookMember("detached", { member: false }),
      webhookMember("stopping", { machineState: "TERMINATING" }),
    ];
    const input = frozen(all);
    expect(frontDoorMembers(all).map((m) => m.id)).toEqual(["a", "b"]);
    expect(all).toEqual(input);
  });

  it("the address is the first public IP, else the first private one; a webhook member with none is left out; simulated members have none", () => {
    const [pub, priv] = frontDoorMembers([webhookMember("p"), webhookMember("q", { publicIps: [], privateIps: ["127.0.0.1", "10.1.1.1"] })]);
    expect(pub.address).toBe("203.0.113.1");
    expect(priv.address).toBe("127.0.0.1");
    expect(frontDoorMembers([webhookMember("x", { publicIps: [], privateIps: [] })])).toEqual([]);
    const [sim] = frontDoorMembers([machine("s", { metadata: { provider: "simulated" }, publicIps: ["198.51.100.7"] })]);
    expect(sim).toEqual({ id: "s", uuid: sim.uuid, name: "s", address: null, simulated: true });
  });

  it("the destination port follows the scheme's published port (443 https, 80 http), else the first; null without any", () => {
    const g = { service: { services: [{ port: 8443, destination_port: 9000, handlers: ["tls"] }, { port: 443, destination_port: 8080, handlers: ["tls", "http"] }, { port: 80, destination_port: 8081, handlers: ["http", "redirect"] }], domains: [], softLimit: 1, hardLimit: 10 } };
    expect(destinationPort(g, "https")).toBe(8080);
    expect(destinationPort(g, "http")).toBe(8081);
    const only = { service: { ...g.service, services: [{ port: 8443, destination_port: 9000, handlers: ["tls"] }] } };
    expect(destinationPort(only, "http")).toBe(9000);
    expect(destinationPort({ service: null }, "https")).toBeNull();
    expect(viewOf({ ...group(1), ...g }, [webhookMember("a")], settings()).ports).toEqual({ http: 8081, https: 8080 });
  });
});

describe("pickMember", () => {
  it("the fewest in flight; ties rotate with the turn", () => {
    expect(pickMember(loads(["a", 3], ["b", 1], ["c", 2]), null, NOW)).toBe("b");
    const ties = loads(["a", 0], ["b", 0]);
    expect([0, 1, 2, 3].map((t) => pickMember(ties, null, NOW, t))).toEqual(["a", "b", "a", "b"]);
  });

  it("never above the concurrency limit; null when every member is at it or there is none", () => {
    expect(pickMember(loads(["a", 2], ["b", 1]), 2, NOW)).toBe("b");
    expect(pickMember(loads(["a", 2], ["b", 2]), 2, NOW)).toBeNull();
    expect(pickMember([], null, NOW)).toBeNull();
  });

  it("a marked member is skipped while marked (until exactly its mark ends); with only marked ones the earliest marked is tried", () => {
    const ls = loads(["a", 0, NOW + MARK_MS], ["b", 5]);
    expect(pickMember(ls, null, NOW)).toBe("b");
    expect(pickMember(ls, null, NOW + MARK_MS)).toBe("a");
    expect(pickMember(loads(["a", 0, NOW + 500], ["b", 0, NOW + 100]), null, NOW)).toBe("b");
  });
});

describe("the hold queue", () => {
  it("admits up to max_pending in arrival order, each with its deadline; beyond it 503 with Retry-After", () => {
    const s = settings({ maxPending: 3, holdTimeoutMs: 1000 });
    const q = queueOf(3, s);
    expect(q.map((h) => [h.id, h.deadline])).toEqual([["r0", NOW + 1000], ["r1", NOW + 1001], ["r2", NOW + 1002]]);
    const input = frozen(q);
    const refused = admit(q, s, "r3", NOW + 5);
    expect(refused).toMatchObject({ kind: "reject", status: 503, retryAfterS: RETRY_AFTER_S });
    expect(refused.kind === "reject" && refused.reason).toContain("max_pending 3");
    expect(q).toEqual(input);
    expect(admit([], settings({ maxPending: 0 }), "x", NOW).kind).toBe("reject");
  });

  it("the defaults: 100 pending, 30 s hold, no concurrency limit, 30 s upstream timeout", () => {
    expect(FRONT_DOOR_DEFAULTS).toEqual({ maxPending: 100, holdTimeoutMs: 30_000, maxConcurrency: null, upstreamTimeoutMs: 30_000 });
    expect(queueOf(100).length).toBe(100);
    expect(admit(queueOf(100), settings(), "x", NOW).kind).toBe("reject");
  });

  it("a held request expires exactly at its deadline (504), the next deadline is the earliest left", () => {
    const q = queueOf(3, settings({ holdTimeoutMs: 1000 }));
    expect(expire(q, NOW + 999)).toEqual({ queue: q, expired: [], nextDeadline: NOW + 1000 });
    const e = expire(q, NOW + 1001);
    expect(e.expired.map((h) => h.id)).toEqual(["r0", "r1"]);
    expect(e.queue.map((h) => h.id)).toEqual(["r2"]);
    expect(e.nextDeadline).toBe(NOW + 1002);
    expect(expire(q, NOW + 5000).nextDeadline).toBeNull();
  });

  it("releases in arrival order to the least loaded member; never more on a member than the concurrency limit", () => {
    const q = queueOf(5);
    const r = release(q, loads(["a", 1], ["b", 0]), settings({ maxConcurrency: 2 }), NOW);
    expect(r.released.map((x) => [x.held.id, x.member])).toEqual([["r0", "b"], ["r1", "b"], ["r2", "a"]]);
    expect(r.queue.map((h) => h.id)).toEqual(["r3", "r4"]);
    expect(r.loads).toEqual(loads(["a", 2], ["b", 2]));
    // Without a limit everything goes at once, spread evenly.
    const all = release(q, loads(["a", 0], ["b", 0]), settings(), NOW);
    expect(all.queue).toEqual([]);
    expect(all.released.map((x) => x.member)).toEqual(["a", "b", "a", "b", "a"]);
    // No member: nothing released.
    expect(release(q, [], settings(), NOW)).toEqual({ queue: q, released: [], loads: [] });
  });

  it("a failed wake answers every held request 503 at once, with the reason", () => {
    const q = queueOf(3);
    const f = failAll(q, "the provider rejected instance web-1");
    expect(f.queue).toEqual([]);
    expect(f.failed.map((x) => [x.held.id, x.status, x.reason])).toEqual([
      ["r0", 503, "the provider rejected instance web-1"],
      ["r1", 503, "the provider rejected instance web-1"],
      ["r2", 503, "the provider rejected instance web-1"],
    ]);
  });
});

describe("planWake and wakeFailed", () => {
  const master = (over: Partial<Machine> = {}) => webhookMember("m", { origin: "instance", retained: true, ...over });

  it("serve when a member runs; wait while one is on its way", () => {
    const g = group(1);
    expect(planWake(g, [webhookMember("a")], frontDoorMembers([webhookMember("a")]))).toEqual({ kind: "serve" });
    expect(planWake(g, [webhookMember("a", { machineState: "REQUESTED" })], [])).toEqual({ kind: "wait", waiting: ["a"] });
  });

  it("a sleeping master is woken (stopped or still stopping into standby); standby instances too", () => {
    const g = { ...group(0), autoscale: autoscaleState({ min_size: 0, master: "m" }) };
    expect(planWake(g, [master({ machineState: "TERMINATED", standby: true })], [])).toEqual({ kind: "wake", waking: ["m"] });
    expect(planWake(g, [master({ machineState: "TERMINATING", standby: true })], [])).toEqual({ kind: "wake", waking: ["m"] });
    const sleepers = [webhookMember("s1", { retained: true, standby: true, machineState: "TERMINATED" }), webhookMember("s2", { retained: true, machineState: "TERMINATED" })];
    expect(planWake(group(0), sleepers, [])).toEqual({ kind: "wake", waking: ["s1"] });
  });

  it("nothing to wake: none, with the reason (explicitly stopped instances stay stopped)", () => {
    const stopped = planWake(group(0), [webhookMember("s", { retained: true, machineState: "TERMINATED" })], []);
    expect(stopped.kind).toBe("none");
    expect(stopped.kind === "none" && stopped.reason).toMatch(/no running instance/);
    const noAddress = planWake(group(1), [webhookMember("a", { publicIps: [], privateIps: [] })], []);
    expect(noAddress.kind === "none" && noAddress.reason).toMatch(/no reported address/);
  });

  it("the wake failed once what was woken ended without running: rejected, or stopped and out of standby", () => {
    expect(wakeFailed([webhookMember("m", { machineState: "REQUESTED" })], ["m"])).toBeNull();
    expect(wakeFailed([webhookMember("m", { machineState: "TERMINATING", standby: true })], ["m"])).toBeNull();
    expect(wakeFailed([webhookMember("m", { machineState: "REJECTED", name: "web-1" })], ["m"])).toBe("the provider rejected instance web-1");
    expect(wakeFailed([webhookMember("m", { machineState: "TERMINATED" })], ["m"])).toMatch(/stopped before it ran/);
    expect(wakeFailed([], [])).toBeNull();
    expect(wakeFailed([webhookMember("a", { machineState: "REJECTED" }), webhookMember("b", { machineState: "PENDING" })], ["a", "b"])).toBeNull();
  });
});

describe("requestMetrics", () => {
  it("per member: requests per second summed over isolates, in flight summed, the mean over counted members", () => {
    const reports: TrafficReport[] = [
      { at: NOW, intervalMs: 1000, members: { a: { requests: 10, inflight: 2 }, b: { requests: 4, inflight: 0 } } },
      { at: NOW - 500, intervalMs: 2000, members: { a: { requests: 10, inflight: 1 }, w: { requests: 100, inflight: 9 } } },
    ];
    // a: 10 + 5 = 15 r/s, 3 in flight; b: 4 r/s, 0; w is warming (not counted).
    expect(requestMetrics(reports, ["a", "b"], NOW)).toEqual({ reqs_per_sec: 9.5, inflight_reqs: 1.5 });
    // A counted member no isolate reported on counts as idle.
    expect(requestMetrics(reports, ["a", "b", "c"], NOW)).toEqual({ reqs_per_sec: 6.333, inflight_reqs: 1 });
  });

  it("reports older than REPORT_TTL_MS no longer count; no counted member → null", () => {
    const old: TrafficReport[] = [{ at: NOW - REPORT_TTL_MS - 1, intervalMs: 1000, members: { a: { requests: 50, inflight: 5 } } }];
    expect(requestMetrics(old, ["a"], NOW)).toEqual({ reqs_per_sec: 0, inflight_reqs: 0 });
    expect(requestMetrics([{ ...old[0], at: NOW - REPORT_TTL_MS }], ["a"], NOW)).toEqual({ reqs_per_sec: 50, inflight_reqs: 5 });
    expect(requestMetrics(old, [], NOW)).toBeNull();
  });
});

describe("settings", () => {
  it("a group's settings are its autoscale configuration's, the defaults for what is unset or without autoscale", () => {
    expect(settingsOf(null)).toEqual(FRONT_DOOR_DEFAULTS);
    expect(settingsOf(autoscaleState())).toEqual(FRONT_DOOR_DEFAULTS);
    expect(settingsOf(autoscaleState({ front_door: { max_pending: 5, max_concurrency: 2 } }))).toEqual({ ...FRONT_DOOR_DEFAULTS, maxPending: 5, maxConcurrency: 2 });
  });

  it("ranges, both ends included; the message names the field", () => {
    expect(checkFrontDoorConfig({ max_pending: 0, hold_timeout_ms: 100, max_concurrency: 1, upstream_timeout_ms: 300_000 })).toBeNull();
    expect(checkFrontDoorConfig({ max_pending: 10_001 })).toBe("max_pending 10001 must be an integer between 0 and 10000");
    expect(checkFrontDoorConfig({ hold_timeout_ms: 99 })).toMatch(/^hold_timeout_ms 99/);
    expect(checkFrontDoorConfig({ max_concurrency: 0 })).toMatch(/^max_concurrency 0/);
    expect(checkFrontDoorConfig({ upstream_timeout_ms: 300_001 })).toMatch(/^upstream_timeout_ms/);
    expect(checkFrontDoorConfig({ max_pending: 1.5 })).toMatch(/^max_pending 1.5/);
  });
});
