// The group Durable Object's timers, driven through the HTTP API with a frozen, test-controlled
// clock (test/clock.ts): the simulated machine lifecycle with per-pool delays, at-least-once
// alarms, periodic reconcile of drift made outside Scalegate, CLOSEST_TO_INSTANCE_HOUR with a
// margin, idempotency expiry, and the alarm always re-armed to the earliest timer.
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { client, groupStub, tenantToken } from "./helpers";
import {
  HOUR,
  MINUTE,
  SECOND,
  alarmAt,
  expectArmed,
  freezeClock,
  ledger,
  outboxRows,
  passTime,
  releaseClock,
  storedMachines,
  timerNames,
  timerRows,
  type TimerRow,
} from "./clock";
import { Timers, terminateTimer, type TimerKind } from "../src/objects/timers";

const TENANT = "gt-timers";
let api: ReturnType<typeof client>;

beforeAll(async () => {
  api = client((await tenantToken(TENANT)).token);
});
beforeEach(() => {
  freezeClock();
});
afterEach(() => {
  releaseClock();
});

const stubOf = (pool: string) => groupStub(TENANT, pool);

async function configure(pool: string, body: Record<string, unknown>) {
  const r = await api.post(`/cloudpools/${pool}/config`, body);
  expect(r.status, r.text).toBe(200);
  return r.body;
}

async function setSize(pool: string, desiredSize: number, headers?: Record<string, string>) {
  const r = await api.post(`/cloudpools/${pool}/pool/size`, { desiredSize }, headers);
  expect(r.status, r.text).toBe(200);
  return r;
}

async function machines(pool: string): Promise<any[]> {
  const r = await api.get(`/cloudpools/${pool}/pool`);
  expect(r.status, r.text).toBe(200);
  return r.body.machines;
}

const states = async (pool: string) => (await machines(pool)).map((m) => m.machineState);

/** The 2.0 fields of the size summary (its `timestamp` and `active` are not what these tests watch). */
async function size(pool: string) {
  const r = await api.get(`/cloudpools/${pool}/pool/size`);
  expect(r.status, r.text).toBe(200);
  const { desiredSize, allocated, outOfService } = r.body;
  return { desiredSize, allocated, outOfService };
}

/** Everything a repeated timer could wrongly change: machines, timers, ledger, outbox. */
async function snapshot(pool: string) {
  const stub = stubOf(pool);
  return {
    machines: [...(await storedMachines(stub)).values()].sort((a, b) => (a.id < b.id ? -1 : 1)),
    timers: await timerRows(stub),
    ledger: await ledger(TENANT, pool),
    outbox: await outboxRows(stub),
  };
}

describe("simulated machine lifecycle on the group's timers", () => {
  it("REQUESTED → PENDING after requestDelayMs (launch time, IPs) → RUNNING after bootDelayMs, with the pool's own delays", async () => {
    const pool = "life";
    const stub = stubOf(pool);
    const cfg = await configure(pool, { provider: { type: "simulated", requestDelayMs: 300, bootDelayMs: 2000, terminateDelayMs: 700 }, updatePeriodSeconds: 3600 });
    expect(cfg.provider).toEqual({ type: "simulated", requestDelayMs: 300, bootDelayMs: 2000, terminateDelayMs: 700 });
    const t0 = Date.now();
    await setSize(pool, 2);

    let ms = await machines(pool);
    expect(ms.map((m) => m.machineState)).toEqual(["REQUESTED", "REQUESTED"]);
    for (const m of ms) expect(m).toMatchObject({ launchtime: null, publicIps: [], privateIps: [] });
    const ids = ms.map((m) => m.id);
    const rows = await timerRows(stub);
    for (const id of ids) expect(rows.find((t) => t.name === `machine-step:${id}`)?.due_ms).toBe(t0 + 300);
    await expectArmed(stub);
    expect(await alarmAt(stub)).toBe(t0 + 300);

    await passTime(stub, 299);
    expect(await states(pool)).toEqual(["REQUESTED", "REQUESTED"]);
    await passTime(stub, 1);
    ms = await machines(pool);
    expect(ms.map((m) => m.machineState)).toEqual(["PENDING", "PENDING"]);
    for (const m of ms) {
      expect(m.launchtime).toBe(new Date(t0 + 300).toISOString());
      expect(m.privateIps).toHaveLength(1);
      expect(m.privateIps[0]).toMatch(/^10\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/);
      expect(m.publicIps).toHaveLength(1);
      expect(m.publicIps[0]).toMatch(/^198\.51\.100\.(\d{1,3})$/);
    }
    expect((await timerRows(stub)).filter((t) => t.name.startsWith("machine-step:")).map((t) => t.due_ms)).toEqual([t0 + 2300, t0 + 2300]);

    await passTime(stub, 1999);
    expect(await states(pool)).toEqual(["PENDING", "PENDING"]);
    await passTime(stub, 1);
    const running = await machines(pool);
    expect(running.map((m) => m.machineState)).toEqual(["RUNNING", "RUNNING"]);
    // Booting does not change the launch time or the addresses.
    expect(running.map((m) => [m.launchtime, m.privateIps, m.publicIps])).toEqual(ms.map((m) => [m.launchtime, m.privateIps, m.publicIps]));
    expect((await timerNames(stub)).filter((n) => n.startsWith("machine-step:"))).toEqual([]);
    expect(await size(pool)).toEqual({ desiredSize: 2, allocated: 2, outOfService: 0 });
  });

  it("terminate → TERMINATING → TERMINATED after terminateDelayMs; the ended machine is listed for a while, then forgotten", async () => {
    const pool = "life-term";
    const stub = stubOf(pool);
    await configure(pool, { provider: { type: "simulated", requestDelayMs: 100, bootDelayMs: 100, terminateDelayMs: 700 }, updatePeriodSeconds: 120 });
    await setSize(pool, 2);
    await passTime(stub, 200);
    const [victim, keeper] = (await machines(pool)).map((m) => m.id);

    const r = await api.post(`/cloudpools/${pool}/pool/${victim}/terminate`, { decrementDesiredSize: true });
    expect(r.status, r.text).toBe(200);
    expect(await states(pool)).toEqual(["TERMINATING", "RUNNING"]);
    expect(await size(pool)).toEqual({ desiredSize: 1, allocated: 1, outOfService: 0 });
    expect((await timerRows(stub)).find((t) => t.name === `machine-step:${victim}`)?.due_ms).toBe(Date.now() + 700);

    await passTime(stub, 699);
    expect(await states(pool)).toEqual(["TERMINATING", "RUNNING"]);
    await passTime(stub, 1);
    expect(await states(pool)).toEqual(["TERMINATED", "RUNNING"]);
    expect(await size(pool)).toEqual({ desiredSize: 1, allocated: 1, outOfService: 0 });
    // Nothing was launched to replace it: desired was decremented.
    expect((await ledger(TENANT, pool)).map((x) => x.type)).toEqual(["pool.configure", "pool.set_desired_size", "machine.launched", "machine.terminate"]);

    // Listed for ENDED_MACHINE_RETENTION_MS (60 s), then the next periodic reconcile forgets it.
    await passTime(stub, 2 * 120 * SECOND);
    expect((await machines(pool)).map((m) => m.id)).toEqual([keeper]);
    expect((await storedMachines(stub)).has(victim)).toBe(false);
  });

  it("reconfiguring one delay keeps the others; new launches use the new delays", async () => {
    const pool = "life-reconf";
    const stub = stubOf(pool);
    await configure(pool, { provider: { type: "simulated", requestDelayMs: 300, bootDelayMs: 2000, terminateDelayMs: 700 }, updatePeriodSeconds: 3600 });
    const cfg = await configure(pool, { provider: { type: "simulated", requestDelayMs: 50 } });
    expect(cfg.provider).toEqual({ type: "simulated", requestDelayMs: 50, bootDelayMs: 2000, terminateDelayMs: 700 });
    expect((await api.get(`/cloudpools/${pool}/config`)).body.provider).toEqual(cfg.provider);
    await setSize(pool, 1);
    await passTime(stub, 50);
    expect(await states(pool)).toEqual(["PENDING"]);
    await passTime(stub, 2000);
    expect(await states(pool)).toEqual(["RUNNING"]);
  });

  it("a step whose successor is due the same millisecond (a zero delay) still completes the lifecycle", async () => {
    const pool = "life-zero";
    const stub = stubOf(pool);
    await configure(pool, { provider: { type: "simulated", requestDelayMs: 200, bootDelayMs: 0, terminateDelayMs: 0 }, updatePeriodSeconds: 3600 });
    await setSize(pool, 1);
    // The alarm runs exactly when the REQUESTED step is due; the boot step it arms is due at that
    // very millisecond, and must not be taken for the timer that just ran.
    await passTime(stub, 200);
    expect(await states(pool)).toEqual(["RUNNING"]);
    const [m] = await machines(pool);
    expect(m.launchtime).toBe(new Date(Date.now()).toISOString());
    expect(await timerNames(stub)).toEqual(["reconcile"]);
  });

  it("the lifecycle survives the object being evicted mid-way (timers and state are durable)", async () => {
    const pool = "life-evict";
    const stub = stubOf(pool);
    await configure(pool, { updatePeriodSeconds: 3600 });
    await setSize(pool, 1);
    await evictDurableObject(stub);
    await passTime(stub, 200);
    expect(await states(pool)).toEqual(["PENDING"]);
    await evictDurableObject(stub);
    await passTime(stub, 1000);
    expect(await states(pool)).toEqual(["RUNNING"]);
  });
});

describe("alarms are at-least-once: running a timer twice changes nothing the second time", () => {
  it("the alarm run twice in a row", async () => {
    const pool = "twice";
    const stub = stubOf(pool);
    await configure(pool, { updatePeriodSeconds: 3600 });
    await setSize(pool, 2);
    await passTime(stub, 200); // both PENDING
    const before = await snapshot(pool);
    expect(before.machines.map((m) => m.machineState)).toEqual(["PENDING", "PENDING"]);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await snapshot(pool)).toEqual(before);
    await expectArmed(stub);
  });

  it("a lifecycle step timer delivered again with its old payload is a no-op (no early boot, no re-randomised IPs, no ledger row)", async () => {
    const pool = "stale-step";
    const stub = stubOf(pool);
    await configure(pool, { updatePeriodSeconds: 3600 });
    const t0 = Date.now();
    await setSize(pool, 1);
    const [requestStep] = (await timerRows(stub)).filter((t) => t.name.startsWith("machine-step:"));
    expect(JSON.parse(requestStep.payload!)).toEqual({ from: "REQUESTED" });
    await passTime(stub, 200);
    const [bootStep] = (await timerRows(stub)).filter((t) => t.name.startsWith("machine-step:"));
    expect(JSON.parse(bootStep.payload!)).toEqual({ from: "PENDING" });
    const deliver = (t: TimerRow, due: number) =>
      runInDurableObject(stub, (_i, s) => {
        new Timers(s.storage).set({ kind: t.kind as TimerKind, key: t.key }, due, t.payload === null ? undefined : JSON.parse(t.payload));
        return s.storage.setAlarm(due);
      });

    // While PENDING: the REQUESTED step arrives again. The machine neither boots early nor gets new IPs.
    const pending = await snapshot(pool);
    await deliver(requestStep, Date.now());
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await snapshot(pool)).toEqual({ ...pending, timers: pending.timers.filter((t) => t.name !== bootStep.name) });
    // The genuine boot step (which the stale one displaced in this test) still boots it on time.
    await deliver(bootStep, bootStep.due_ms);
    await passTime(stub, t0 + 1200 - 1 - Date.now());
    expect(await states(pool)).toEqual(["PENDING"]);
    await passTime(stub, 1);
    const before = await snapshot(pool);
    expect(before.machines[0].machineState).toBe("RUNNING");
    expect(before.machines[0].privateIps).toEqual(pending.machines[0].privateIps);

    // Once RUNNING: both old steps delivered again, due now.
    for (const old of [requestStep, bootStep]) {
      await deliver(old, Date.now());
      expect(await runDurableObjectAlarm(stub)).toBe(true);
      // The stale timer is consumed; nothing else moved.
      expect(await snapshot(pool)).toEqual(before);
    }
  });

  it("a reconcile timer run twice launches a replacement once", async () => {
    const pool = "twice-reconcile";
    const stub = stubOf(pool);
    await configure(pool, { updatePeriodSeconds: 30 });
    await setSize(pool, 2);
    await passTime(stub, 1200);
    const [crashed] = (await machines(pool)).map((m) => m.id);
    expect((await api.post(`/cloudpools/${pool}/simulator/events`, { type: "machine.crashed", machineId: crashed })).status).toBe(200);
    // Bring the periodic reconcile due now and run it.
    const due = async () =>
      runInDurableObject(stub, (_i, s) => {
        s.storage.sql.exec(`UPDATE timers SET due_ms = ? WHERE kind = 'reconcile'`, Date.now());
      });
    await due();
    await runDurableObjectAlarm(stub);
    const after = await snapshot(pool);
    expect(after.ledger.filter((x) => x.type === "machine.replaced")).toHaveLength(1);
    expect(after.machines.filter((m) => m.machineState === "REQUESTED")).toHaveLength(1);
    await due();
    await runDurableObjectAlarm(stub);
    const again = await snapshot(pool);
    expect(again.machines).toEqual(after.machines);
    expect(again.ledger).toEqual(after.ledger);
    expect(again.outbox).toEqual([]);
  });
});

describe("periodic reconcile corrects drift made outside Scalegate", () => {
  it("a crashed machine is replaced at the next reconcile, not before", async () => {
    const pool = "drift-crash";
    const stub = stubOf(pool);
    await configure(pool, { updatePeriodSeconds: 20 });
    await setSize(pool, 2);
    await passTime(stub, 1200);
    const [crashed, survivor] = (await machines(pool)).map((m) => m.id);

    const r = await api.post(`/cloudpools/${pool}/simulator/events`, { type: "machine.crashed", machineId: crashed });
    expect(r.status, r.text).toBe(200);
    expect(r.body.machine).toMatchObject({ id: crashed, machineState: "TERMINATED" });
    expect(await size(pool)).toEqual({ desiredSize: 2, allocated: 1, outOfService: 0 });
    expect((await machines(pool)).find((m) => m.id === crashed)?.machineState).toBe("TERMINATED");

    // The next periodic reconcile is at most updatePeriodSeconds away.
    const next = (await timerRows(stub)).find((t) => t.name === "reconcile")!.due_ms;
    expect(next - Date.now()).toBeLessThanOrEqual(20 * SECOND);
    await passTime(stub, next - Date.now() - 1);
    expect(await size(pool)).toEqual({ desiredSize: 2, allocated: 1, outOfService: 0 });
    await passTime(stub, 1);
    expect(await size(pool)).toEqual({ desiredSize: 2, allocated: 2, outOfService: 0 });
    const replaced = (await ledger(TENANT, pool)).filter((x) => x.type === "machine.replaced");
    expect(replaced).toHaveLength(1);
    expect(replaced[0]).toMatchObject({ dialect: "system", cause: "periodic reconcile" });
    const newId = JSON.parse(replaced[0].result!).machineIds[0];
    await passTime(stub, 1200);
    const ms = await machines(pool);
    expect(ms.filter((m) => m.machineState === "RUNNING").map((m) => m.id).sort()).toEqual([survivor, newId].sort());
  });

  it("a machine that appeared is scaled in at the next reconcile", async () => {
    const pool = "drift-appear";
    const stub = stubOf(pool);
    await configure(pool, { updatePeriodSeconds: 20, victimSelectionPolicy: "NEWEST_INSTANCE" });
    await setSize(pool, 2);
    await passTime(stub, 1200);
    const r = await api.post(`/cloudpools/${pool}/simulator/events`, { type: "machine.appeared" });
    expect(r.status, r.text).toBe(200);
    const stranger = r.body.machine.id;
    expect(r.body.machine).toMatchObject({ machineState: "RUNNING", metadata: { origin: "external" } });
    expect(await size(pool)).toEqual({ desiredSize: 2, allocated: 3, outOfService: 0 });

    await passTime(stub, 20 * SECOND);
    expect(await size(pool)).toEqual({ desiredSize: 2, allocated: 2, outOfService: 0 });
    const terminated = (await ledger(TENANT, pool)).filter((x) => x.type === "machine.terminated");
    expect(terminated).toHaveLength(1);
    // NEWEST_INSTANCE: the machine that just appeared is the newest.
    expect(JSON.parse(terminated[0].result!).machineId).toBe(stranger);
    expect(terminated[0].cause).toBe("periodic reconcile");
    await passTime(stub, 1000);
    expect((await machines(pool)).find((m) => m.id === stranger)?.machineState).toBe("TERMINATED");
  });

  it("a request the cloud rejected (REJECTED) is replaced at the next reconcile", async () => {
    const pool = "drift-reject";
    const stub = stubOf(pool);
    await configure(pool, { provider: { type: "simulated", requestDelayMs: 600_000 }, updatePeriodSeconds: 20 });
    await setSize(pool, 1);
    const [rejected] = (await machines(pool)).map((m) => m.id);
    const r = await api.post(`/cloudpools/${pool}/simulator/events`, { type: "machine.rejected", machineId: rejected });
    expect(r.status, r.text).toBe(200);
    expect(await states(pool)).toEqual(["REJECTED"]);
    expect(await size(pool)).toEqual({ desiredSize: 1, allocated: 0, outOfService: 0 });
    expect(await timerNames(stub)).not.toContain(`machine-step:${rejected}`);

    await passTime(stub, 20 * SECOND);
    expect(await size(pool)).toEqual({ desiredSize: 1, allocated: 1, outOfService: 0 });
    const ms = await machines(pool);
    expect(ms.map((m) => m.machineState)).toEqual(["REJECTED", "REQUESTED"]);
    expect((await ledger(TENANT, pool)).filter((x) => x.type === "machine.replaced")).toHaveLength(1);
  });
});

describe("CLOSEST_TO_INSTANCE_HOUR with instanceHourMarginSeconds", () => {
  const config = { victimSelectionPolicy: "CLOSEST_TO_INSTANCE_HOUR", instanceHourMarginSeconds: 60, updatePeriodSeconds: 600 };

  it("schedules the termination just before the victim's next instance hour and executes it then", async () => {
    const pool = "hour";
    const stub = stubOf(pool);
    await configure(pool, config);
    await setSize(pool, 2);
    await passTime(stub, 1200);
    await passTime(stub, 10 * MINUTE);
    const launched = Date.parse((await machines(pool))[0].launchtime);

    await setSize(pool, 1);
    const stored = [...(await storedMachines(stub)).values()];
    const victim = stored.find((m) => m.terminateAt !== null)!;
    expect(victim).toBeDefined();
    const at = launched + HOUR - 60 * SECOND;
    expect(victim.terminateAt).toBe(at);
    expect(await states(pool)).toEqual(["RUNNING", "RUNNING"]);
    expect((await timerRows(stub)).find((t) => t.name === `terminate:${victim.id}`)?.due_ms).toBe(at);
    expect((await ledger(TENANT, pool)).map((x) => x.type).slice(-2)).toEqual(["pool.set_desired_size", "machine.termination_scheduled"]);
    await expectArmed(stub);

    // Periodic reconciles in between leave it alone.
    await passTime(stub, at - Date.now() - 1);
    expect(await states(pool)).toEqual(["RUNNING", "RUNNING"]);
    expect(await timerNames(stub)).toContain(`terminate:${victim.id}`);

    await passTime(stub, 1);
    expect((await machines(pool)).find((m) => m.id === victim.id)?.machineState).toBe("TERMINATING");
    expect(await timerNames(stub)).not.toContain(`terminate:${victim.id}`);
    const done = (await ledger(TENANT, pool)).filter((x) => x.type === "machine.terminated");
    expect(done).toHaveLength(1);
    expect(JSON.parse(done[0].result!).machineId).toBe(victim.id);
    expect(done[0].cause).toBe(`instance hour of ${victim.id} reached`);
    await passTime(stub, 500);
    expect(await size(pool)).toEqual({ desiredSize: 1, allocated: 1, outOfService: 0 });
    expect((await machines(pool)).find((m) => m.id === victim.id)?.machineState).toBe("TERMINATED");

    // The terminate timer delivered again: nothing happens twice.
    const before = await snapshot(pool);
    await runInDurableObject(stub, (_i, s) => new Timers(s.storage).set(terminateTimer(victim.id), Date.now()));
    await runDurableObjectAlarm(stub);
    expect(await snapshot(pool)).toEqual(before);
  });

  it("raising desired before then cancels the scheduled termination instead of launching", async () => {
    const pool = "hour-cancel";
    const stub = stubOf(pool);
    await configure(pool, config);
    await setSize(pool, 2);
    await passTime(stub, 1200);
    await setSize(pool, 1);
    const victim = [...(await storedMachines(stub)).values()].find((m) => m.terminateAt !== null)!;
    const at = victim.terminateAt!;
    await passTime(stub, 20 * MINUTE);

    await setSize(pool, 2);
    const after = await storedMachines(stub);
    expect(after.size).toBe(2);
    expect(after.get(victim.id)).toMatchObject({ machineState: "RUNNING", terminateAt: null });
    expect(await timerNames(stub)).not.toContain(`terminate:${victim.id}`);
    const types = (await ledger(TENANT, pool)).map((x) => x.type);
    expect(types.slice(-2)).toEqual(["pool.set_desired_size", "machine.termination_cancelled"]);
    expect(types.filter((t) => t === "machine.launched")).toHaveLength(1); // only the first scale-out

    // Past the original termination time, the machine still runs.
    await passTime(stub, at - Date.now() + MINUTE);
    expect(await states(pool)).toEqual(["RUNNING", "RUNNING"]);
    expect(await size(pool)).toEqual({ desiredSize: 2, allocated: 2, outOfService: 0 });
  });
  it("a victim taken out of service before its termination is due is kept (OUT_OF_SERVICE is never a victim)", async () => {
    const pool = "hour-oos";
    const stub = stubOf(pool);
    await configure(pool, config);
    await setSize(pool, 2);
    await passTime(stub, 1200);
    await setSize(pool, 1);
    const victim = [...(await storedMachines(stub)).values()].find((m) => m.terminateAt !== null)!;
    const at = victim.terminateAt!;

    const r = await api.post(`/cloudpools/${pool}/pool/${victim.id}/serviceState`, { serviceState: "OUT_OF_SERVICE" });
    expect(r.status, r.text).toBe(200);
    expect((await storedMachines(stub)).get(victim.id)).toMatchObject({ serviceState: "OUT_OF_SERVICE", terminateAt: null });
    expect(await timerNames(stub)).not.toContain(`terminate:${victim.id}`);

    await passTime(stub, at - Date.now() + MINUTE);
    const ms = await machines(pool);
    expect(ms.find((m) => m.id === victim.id)).toMatchObject({ machineState: "RUNNING", serviceState: "OUT_OF_SERVICE" });
    // The other member serves the desired size alone: nothing to launch, nothing to terminate.
    expect(ms.map((m) => m.machineState)).toEqual(["RUNNING", "RUNNING"]);
    expect(await size(pool)).toEqual({ desiredSize: 1, allocated: 2, outOfService: 1 });
    expect((await ledger(TENANT, pool)).filter((x) => x.type === "machine.terminated")).toEqual([]);
  });
});

describe("idempotency records expire after 24 h on the idempotency-expiry timer", () => {
  it("replays within 24 h, forgets after, and the same key then acts again", async () => {
    const pool = "idem";
    const stub = stubOf(pool);
    await configure(pool, { updatePeriodSeconds: 3600 });
    const t0 = Date.now();
    const k1 = { "Idempotency-Key": "k-one" };
    let r = await setSize(pool, 1, k1);
    expect(r.headers.get("Idempotent-Replayed")).toBeNull();
    expect((await timerRows(stub)).find((t) => t.name === "idempotency-expiry")?.due_ms).toBe(t0 + 24 * HOUR);

    await passTime(stub, HOUR);
    await setSize(pool, 0, { "Idempotency-Key": "k-two" }); // expires an hour after k-one
    await setSize(pool, 3);
    r = await setSize(pool, 1, k1);
    expect(r.headers.get("Idempotent-Replayed")).toBe("true");
    expect((await size(pool)).desiredSize).toBe(3);

    await passTime(stub, t0 + 24 * HOUR - 1 - Date.now());
    r = await setSize(pool, 1, k1);
    expect(r.headers.get("Idempotent-Replayed")).toBe("true");
    expect((await size(pool)).desiredSize).toBe(3);

    await passTime(stub, 1);
    // k-one is gone from storage; the timer now waits for k-two.
    const left = await runInDurableObject(stub, (_i, s) => s.storage.sql.exec<{ scope: string }>(`SELECT scope FROM idempotency`).toArray());
    expect(left.map((x) => JSON.parse(x.scope)[2])).toEqual(["k-two"]);
    expect((await timerRows(stub)).find((t) => t.name === "idempotency-expiry")?.due_ms).toBe(t0 + 25 * HOUR);

    r = await setSize(pool, 1, k1);
    expect(r.headers.get("Idempotent-Replayed")).toBeNull();
    expect((await size(pool)).desiredSize).toBe(1);

    // After every record expired, the timer is gone until a new key arrives.
    await runInDurableObject(stub, (_i, s) => s.storage.sql.exec(`DELETE FROM idempotency WHERE scope LIKE '%k-one%'`));
    await passTime(stub, HOUR);
    expect(await runInDurableObject(stub, (_i, s) => s.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM idempotency`).one().n)).toBe(0);
    expect(await timerNames(stub)).not.toContain("idempotency-expiry");
    await expectArmed(stub);
  });
});

describe("the alarm is always re-armed to the earliest timer, never in the past", () => {
  it("follows the earliest timer through a whole scale-out and scale-in", async () => {
    const pool = "rearm";
    const stub = stubOf(pool);
    await configure(pool, { provider: { type: "simulated", requestDelayMs: 5000, bootDelayMs: 7000, terminateDelayMs: 3000 }, updatePeriodSeconds: 11 });
    await expectArmed(stub);
    expect(await alarmAt(stub)).toBe(Date.now() + 11 * SECOND); // only the reconcile timer
    await setSize(pool, 3);
    await expectArmed(stub);
    expect(await alarmAt(stub)).toBe(Date.now() + 5000);
    // passTime checks the invariant at every stop.
    await passTime(stub, 30 * SECOND);
    await setSize(pool, 0);
    await expectArmed(stub);
    await passTime(stub, 30 * SECOND);
    expect(await timerNames(stub)).toEqual(["reconcile"]);
  });

  it("clamps to just after now when the earliest timer is already overdue", async () => {
    const pool = "rearm-past";
    const stub = stubOf(pool);
    await configure(pool, { updatePeriodSeconds: 3600 });
    // A timer that is overdue (e.g. its alarm was lost): the next re-arm must not aim in the past.
    await runInDurableObject(stub, (_i, s) => {
      s.storage.sql.exec(`UPDATE timers SET due_ms = ? WHERE kind = 'reconcile'`, Date.now() - 10 * MINUTE);
    });
    await setSize(pool, 0);
    expect(await alarmAt(stub)).toBe(Date.now() + 1);
    await expectArmed(stub);
    await runDurableObjectAlarm(stub);
    expect((await timerRows(stub)).find((t) => t.name === "reconcile")?.due_ms).toBe(Date.now() + HOUR);
    expect(await alarmAt(stub)).toBe(Date.now() + HOUR);
  });

  it("no timers left → no alarm", async () => {
    const pool = "rearm-none";
    const stub = stubOf(pool);
    await configure(pool, { updatePeriodSeconds: 3600 });
    await setSize(pool, 1);
    const r = await api.del(`/cloudpools/${pool}`);
    expect(r.status, r.text).toBe(200);
    expect(await timerNames(stub)).toEqual([]);
    expect(await alarmAt(stub)).toBeNull();
  });
});
