// Scale-in, cooldown, deleting a configuration, scale-to-zero and concurrent pushes, through the
// autoscale routes with a frozen clock: victims drain for cooldown_time_ms (RUNNING with a
// terminateAt) and are never the master; cooldown blocks a second scale-in until its timer
// re-evaluates; DELETE drains autoscale's clones, keeps the master and starts it when stopped;
// min_size 0 puts an idle master to standby, `{"requests": n}` wakes it and the held requests are
// released once it runs; many concurrent pushes and policy writes never break the limits.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { freezeClock, passTime, releaseClock } from "./clock";
import { BOOT_MS, DELAYS, IN, OUT, configure, expectItems, groupState, ledger, members, service, type Svc } from "./kraftcloud-autoscale-support";

beforeEach(() => void freezeClock());
afterEach(() => releaseClock());

const push = async (s: Svc, body: object) => expectItems(await s.api.post(`${s.base}/metrics`, body), "service_groups")[0];
const effective = (ms: Awaited<ReturnType<typeof members>>) => ms.filter((m) => ["REQUESTED", "PENDING", "RUNNING"].includes(m.machineState) && m.terminateAt === null);
const draining = (ms: Awaited<ReturnType<typeof members>>) => ms.filter((m) => m.machineState === "RUNNING" && m.terminateAt !== null);

/** A running master, autoscale configured, scaled out to `size` and past the warmup. */
async function scaledOut(prefix: string, size: number, cooldown = 3000) {
  const s = await service(prefix);
  await passTime(s.stub, BOOT_MS);
  await configure(s, { max_size: 4, warmup_time_ms: 1000, cooldown_time_ms: cooldown, policies: [OUT(800, size - 1), IN(200)] });
  expect((await push(s, { cpu: 900 })).decision).toMatchObject({ desired: size, applied: true });
  // A calm sample, so that the warmup's end (which re-evaluates the last one) changes nothing.
  expect((await push(s, { cpu: 500 })).decision).toMatchObject({ direction: "none" });
  await passTime(s.stub, BOOT_MS + 1000);
  expect(effective(await members(s)).filter((m) => m.machineState === "RUNNING").length).toBe(size);
  return s;
}

describe("scale-in and cooldown", () => {
  it("victims drain for cooldown_time_ms (RUNNING with terminateAt), the master never; cooldown blocks, its end re-evaluates", async () => {
    const s = await scaledOut("in", 4);
    const master = s.instances[0].id;
    const t0 = Date.now();
    expect((await push(s, { cpu: 100 })).decision).toMatchObject({ direction: "in", desired: 3, applied: true });
    let ms = await members(s);
    expect(draining(ms).map((m) => [m.origin, m.terminateAt])).toEqual([["autoscale", t0 + 3000]]);
    expect(effective(ms).length).toBe(3);
    // Cooldown: no second scale-in.
    const blocked = await push(s, { cpu: 100 });
    expect(blocked.decision).toMatchObject({ direction: "in", applied: false, blocked_by: "cooldown" });
    expect(draining(await members(s)).length).toBe(1);
    // Its end: the victim stops, and the last sample is evaluated again.
    await passTime(s.stub, 3000);
    ms = await members(s);
    expect(effective(ms).length).toBe(2);
    const rows = (await ledger(s)).filter((r) => r.type === "autoscale.decision");
    expect(rows.at(-1)!.request).toEqual({ trigger: "cooldown ended", cpu: 100 });
    // Down to min_size 1: the one left is the master (the oldest instance, first in line otherwise).
    await passTime(s.stub, 3000 + DELAYS.terminateDelayMs);
    await passTime(s.stub, 3000 + DELAYS.terminateDelayMs);
    ms = await members(s);
    expect(effective(ms).map((m) => m.id)).toEqual([master]);
    expect(ms.find((m) => m.id === master)!.terminateAt).toBeNull();
    expect((await groupState(s)).desiredSize).toBe(1);
  });
});

describe("DELETE of a configuration", () => {
  it("drains and removes autoscale's instances within cooldown_time_ms and keeps the master", async () => {
    const s = await scaledOut("del", 3, 2000);
    const clones = (await members(s)).filter((m) => m.origin === "autoscale");
    const [item] = expectItems(await s.api.del(s.base), "service_groups");
    expect(item.draining.sort()).toEqual(clones.map((m) => m.uuid).sort());
    expect(draining(await members(s)).map((m) => m.id).sort()).toEqual(clones.map((m) => m.id).sort());
    await passTime(s.stub, 2000 + DELAYS.terminateDelayMs);
    const ms = await members(s);
    for (const c of clones) expect(ms.find((m) => m.id === c.id)?.machineState ?? "TERMINATED").toBe("TERMINATED");
    expect(ms.find((m) => m.id === s.instances[0].id)).toMatchObject({ machineState: "RUNNING", terminateAt: null });
    expect(expectItems(await s.api.get(s.base), "service_groups")[0].status).toBe("unconfigured");
    const row = (await ledger(s)).find((r) => r.type === "autoscale.delete")!;
    expect(row.result.draining.sort()).toEqual(item.draining.sort());
    expect(row.result.masterStarted).toBe(false);
  });

  it("starts the master when it is stopped", async () => {
    const s = await service("stopped", 1, false);
    await configure(s, { min_size: 0 });
    expect((await members(s))[0].machineState).toBe("TERMINATED");
    expectItems(await s.api.del(s.base), "service_groups");
    await passTime(s.stub, BOOT_MS);
    expect((await members(s))[0]).toMatchObject({ id: s.instances[0].id, machineState: "RUNNING" });
    expect((await ledger(s)).find((r) => r.type === "autoscale.delete")?.result).toMatchObject({ draining: [], masterStarted: true });
  });
});

describe("scale-to-zero (min_size 0)", () => {
  it("idle for cooldown_time_ms → standby; traffic postpones it; {requests} wakes it and the held requests are released once it runs", async () => {
    const s = await service("stz");
    await passTime(s.stub, BOOT_MS);
    await configure(s, { min_size: 0, cooldown_time_ms: 2000 });
    await passTime(s.stub, 1500);
    expect(await push(s, { requests: 1 })).toMatchObject({ woke: false, decision: null });
    await passTime(s.stub, 1999);
    expect((await members(s))[0].machineState).toBe("RUNNING");
    await passTime(s.stub, 1 + DELAYS.terminateDelayMs);
    expect((await members(s))[0]).toMatchObject({ machineState: "TERMINATED", standby: true });
    expect((await groupState(s)).desiredSize).toBe(0);
    expect((await ledger(s)).find((r) => r.type === "scale_to_zero.sleep")?.result).toMatchObject({ idleForMs: 2000 });

    expect(await push(s, { requests: 5 })).toMatchObject({ woke: true });
    expect(await push(s, { requests: 3 })).toMatchObject({ woke: false });
    expect((await members(s))[0]).toMatchObject({ standby: false, machineState: "REQUESTED" });
    expect((await ledger(s)).some((r) => r.type === "scale_to_zero.released")).toBe(false);
    await passTime(s.stub, BOOT_MS);
    expect((await members(s))[0].machineState).toBe("RUNNING");
    const rows = await ledger(s);
    expect(rows.find((r) => r.type === "scale_to_zero.wake")?.result).toMatchObject({ master: s.instances[0].uuid, heldRequests: 5 });
    expect(rows.filter((r) => r.type === "scale_to_zero.released").map((r) => r.result)).toEqual([{ master: s.instances[0].uuid, requests: 8 }]);
    // Traffic to a running master is not held.
    await push(s, { requests: 4 });
    expect((await groupState(s)).autoscale!.heldRequests).toBe(0);
  });

  it("requests that arrive while the master is on its way to standby wake it once it has stopped, and are released", async () => {
    const s = await service("stz2");
    await passTime(s.stub, BOOT_MS);
    await configure(s, { min_size: 0, cooldown_time_ms: 1000 });
    await passTime(s.stub, 1000);
    expect((await members(s))[0]).toMatchObject({ machineState: "TERMINATING", standby: true });
    expect(await push(s, { requests: 2 })).toMatchObject({ woke: false });
    await passTime(s.stub, DELAYS.terminateDelayMs + BOOT_MS);
    expect((await members(s))[0]).toMatchObject({ machineState: "RUNNING", standby: false });
    expect((await ledger(s)).filter((r) => r.type === "scale_to_zero.released").map((r) => r.result.requests)).toEqual([2]);
  });

  it("a master that boots for longer than cooldown_time_ms is not put back to standby before it serves the held requests", async () => {
    const s = await service("stz3");
    await passTime(s.stub, BOOT_MS);
    await configure(s, { min_size: 0, cooldown_time_ms: 300 });
    await passTime(s.stub, 300 + DELAYS.terminateDelayMs);
    expect(await push(s, { requests: 1 })).toMatchObject({ woke: true });
    await passTime(s.stub, BOOT_MS); // 4 idle checks come and go meanwhile
    expect((await members(s))[0]).toMatchObject({ machineState: "RUNNING", standby: false });
    const types = (await ledger(s)).map((r) => r.type).filter((t) => t.startsWith("scale_to_zero"));
    expect(types).toEqual(["scale_to_zero.sleep", "scale_to_zero.wake", "scale_to_zero.released"]);
    // Idle again from the release on.
    await passTime(s.stub, 300);
    expect((await members(s))[0]).toMatchObject({ machineState: "TERMINATING", standby: true });
  });
});

describe("concurrency on one group", () => {
  it("many metric pushes and policy writes at once: all answered, limits never exceeded, every decision recorded", async () => {
    const s = await service("conc");
    await passTime(s.stub, BOOT_MS);
    await configure(s, { max_size: 4, warmup_time_ms: 1, cooldown_time_ms: 1, policies: [OUT(800, 3), IN(200)] });
    const extra = Array.from({ length: 6 }, (_, i) => ({ name: `x${i}`, type: "step", steps: [{ lower_bound: 5000 + i, adjustment: 1 }] }));
    const rs = await Promise.all([
      ...Array.from({ length: 16 }, (_, i) => s.api.post(`${s.base}/metrics`, { cpu: i % 2 ? 950 : 50 })),
      ...extra.map((p) => s.api.post(`${s.base}/policies`, p)),
    ]);
    for (const r of rs) expect(r.status, r.text).toBe(200);
    const pushes = rs.slice(0, 16).map((r) => r.body.data.service_groups[0]);
    const g = await groupState(s);
    expect(g.desiredSize).toBeGreaterThanOrEqual(1);
    expect(g.desiredSize).toBeLessThanOrEqual(4);
    expect(effective(await members(s)).length).toBeLessThanOrEqual(4);
    for (const p of pushes) if (p.decision) expect(p.decision.desired).toBeLessThanOrEqual(4);
    expect(g.autoscale!.policies.map((p) => p.name).sort()).toEqual(["in", "out", ...extra.map((p) => p.name)].sort());
    const recorded = (await ledger(s)).filter((r) => r.type === "autoscale.decision" && r.request.trigger.startsWith("metric sample")).length;
    expect(recorded).toBe(pushes.filter((p) => p.decision && (p.decision.applied || p.decision.blocked_by)).length);
  });
});
