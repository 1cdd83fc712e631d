// Fidelity (issue 13): a live group driven with the fake clock (samples pushed over HTTP, its
// timers run by passTime) and a replay of the same samples through POST …/autoscale/replay make
// identical decisions — same times, same inputs and capacities, same matched steps, same
// explanations — and, with scale-to-zero, sleep and wake at the same times.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { freezeClock, passTime, releaseClock } from "./clock";
import { BOOT_MS, configure, expectItems, ledger, service, type Svc } from "./kraftcloud-autoscale-support";

beforeEach(() => void freezeClock());
afterEach(() => releaseClock());

type Sample = { wait: number; cpu?: number; requests?: number };

/** Configures the group, pushes each sample after its wait (the timers run meanwhile), then lets `tail` ms pass. */
async function drive(s: Svc, config: Record<string, unknown>, samples: Sample[], tail: number) {
  await passTime(s.stub, BOOT_MS); // the master runs
  await configure(s, config);
  const trace: Record<string, unknown>[] = [];
  for (const x of samples) {
    if (x.wait) await passTime(s.stub, x.wait);
    const body = { ...(x.cpu !== undefined ? { cpu: x.cpu } : {}), ...(x.requests !== undefined ? { requests: x.requests } : {}) };
    expectItems(await s.api.post(`${s.base}/metrics`, body), "service_groups");
    trace.push({ timestamp: new Date(Date.now()).toISOString(), ...body });
  }
  await passTime(s.stub, tail);
  trace.push({ timestamp: new Date(Date.now()).toISOString(), requests: 0 });
  return trace;
}

async function replayOf(s: Svc, trace: unknown[]) {
  const [item] = expectItems(await s.api.post(`${s.base}/replay`, { trace, boot_delay_ms: BOOT_MS, initial_capacity: 1 }), "service_groups");
  return item.run;
}

const at = (ms: number) => new Date(ms).toISOString();

describe("a live group and the replay of its samples decide the same", () => {
  it("scale-outs (percent, clamped), warmup blocks and warmup-end re-evaluations, scale-ins, cooldown blocks", async () => {
    const s = await service("fid");
    const config = {
      min_size: 1, max_size: 5, warmup_time_ms: 12_000, cooldown_time_ms: 20_000,
      policies: [
        { name: "out", type: "step", adjustment_type: "percent", steps: [{ lower_bound: 600, upper_bound: 800, adjustment: 50 }, { lower_bound: 800, adjustment: 100 }] },
        { name: "in", type: "step", adjustment_type: "change", steps: [{ upper_bound: 200, adjustment: -1 }] },
        { name: "floor", type: "step", adjustment_type: "exact", steps: [{ upper_bound: 50, adjustment: 1 }] },
      ],
    };
    const cpus = [500, 700, 900, 950, 850, 700, 650, 400, 150, 150, 100, 180, 190, 40, 30, 300, 900, 900, 120, 100];
    const trace = await drive(s, config, cpus.map((cpu, i) => ({ wait: i === 0 ? 0 : 5000 + (i % 3) * 1000, cpu })), 60_000);
    const live = (await ledger(s)).filter((r) => r.type === "autoscale.decision");
    const run = await replayOf(s, trace);
    expect(live.length).toBeGreaterThan(10);
    expect(live.some((r) => r.request.trigger === "warmup ended")).toBe(true);
    expect(live.some((r) => r.result.blockedBy === "cooldown")).toBe(true);
    expect(run.decisions.map((d: any) => ({ at: d.at, result: d.decision }))).toEqual(live.map((r) => ({ at: at(r.created_at), result: r.result })));
    // The triggers read the same too (the live one names the cpu it evaluated).
    expect(run.decisions.map((d: any) => d.trigger)).toEqual(live.map((r) => r.request.trigger));
    // And the group's final desired size is the replay's.
    const g = await s.stub.getGroup();
    expect(g.ok && g.group.desiredSize).toBe(run.timeline.at(-1).desired);
  });

  it("scale-to-zero: sleep after the cooldown without traffic, wake on traffic, release when the master runs", async () => {
    const s = await service("fid-s2z");
    const config = { min_size: 0, max_size: 3, warmup_time_ms: 5000, cooldown_time_ms: 10_000, policies: [{ name: "out", type: "step", adjustment_type: "change", steps: [{ lower_bound: 800, adjustment: 1 }] }, { name: "in", type: "step", adjustment_type: "change", steps: [{ upper_bound: 200, adjustment: -1 }] }] };
    const samples: Sample[] = [
      { wait: 0, cpu: 500, requests: 3 },
      { wait: 4000, cpu: 900, requests: 9 },
      { wait: 4000, cpu: 900, requests: 9 },
      { wait: 3000, cpu: 100, requests: 1 },
      // No traffic for longer than the cooldown: the group sleeps.
      { wait: 30_000, requests: 4 },
      { wait: 700, requests: 2 },
      { wait: 3000, cpu: 850, requests: 7 },
      { wait: 40_000, requests: 1 },
    ];
    const trace = await drive(s, config, samples, 30_000);
    const rows = await ledger(s);
    const live = rows.filter((r) => r.type === "autoscale.decision");
    const run = await replayOf(s, trace);
    expect(run.decisions.map((d: any) => ({ at: d.at, result: d.decision }))).toEqual(live.map((r) => ({ at: at(r.created_at), result: r.result })));
    const liveEvents = rows.filter((r) => r.type.startsWith("scale_to_zero.")).map((r) => [r.type.slice("scale_to_zero.".length), at(r.created_at)]);
    // Every traffic after a sleep wakes the group, live and replay alike. (Before the fix in
    // planDecision — no decision while no member counts — a warmup ending while the master slept
    // re-evaluated the stale sample, scaled the sleeping group out to max_size, and the next traffic
    // could not start the master.)
    expect(liveEvents.map(([k]) => k)).toEqual(["sleep", "wake", "released", "sleep", "wake", "released", "sleep"]);
    expect(run.events.map((e: any) => [e.kind, e.at])).toEqual(liveEvents);
    expect(run.summary).toMatchObject({ cold_starts: 2, sleeps: 3, cold_start_wait_ms_max: BOOT_MS });
  });
});
