// `PUT /v1/instances/{uuid}/start` (and the batch start) on an instance that is stopping, or on its
// way to standby, is accepted: the group remembers the wanted start and the lifecycle step that
// ends the stop starts it again. A stop in between calls the start off; a deleted instance is not
// started; a group at its max size refuses (29). Frozen clock: only passTime moves machines.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { freezeClock, passTime, releaseClock } from "./clock";
import { BOOT_MS, DELAYS, addInstance, expectItemError, expectItems, expectNoChange, groupState, ledger, members, service, type Svc } from "./kraftcloud-autoscale-support";

beforeEach(() => void freezeClock());
afterEach(() => releaseClock());

const STOP_MS = DELAYS.terminateDelayMs;
const path = (s: Svc, i = 0) => `/v1/instances/${s.instances[i].uuid}`;
const state = async (s: Svc, i = 0) => (await members(s)).find((m) => m.id === s.instances[i].id);

/** A service whose first instance runs, then is stopped (stopping until STOP_MS passes). */
async function stopping(prefix: string): Promise<Svc> {
  const s = await service(prefix);
  await passTime(s.stub, BOOT_MS);
  expect(expectItems(await s.api.put(`${path(s)}/stop`), "instances")[0]).toMatchObject({ state: "stopping", previous_state: "running" });
  return s;
}

describe("start while stopping", () => {
  it("is accepted (200, still stopping); once stopped the instance starts again and runs", async () => {
    const s = await stopping("sws");
    const [item] = expectItems(await s.api.put(`${path(s)}/start`), "instances");
    expect(item).toEqual({ status: "success", uuid: s.instances[0].uuid, name: s.instances[0].name, state: "stopping", previous_state: "stopping" });
    expect(await state(s)).toMatchObject({ machineState: "TERMINATING", startWhenStopped: true });
    expect((await groupState(s)).desiredSize).toBe(0);
    await passTime(s.stub, STOP_MS);
    expect(await state(s)).toMatchObject({ machineState: "REQUESTED", startWhenStopped: false });
    expect((await groupState(s)).desiredSize).toBe(1);
    await passTime(s.stub, BOOT_MS);
    expect(expectItems(await s.api.get(path(s)), "instances")[0].state).toBe("running");
    const starts = (await ledger(s)).filter((r) => r.type === "instance.start").map((r) => r.result);
    expect(starts).toEqual([expect.objectContaining({ whenStopped: true }), expect.objectContaining({ uuid: s.instances[0].uuid, wasStandby: false })]);
  });

  it("a second start while stopping changes nothing more; the batch route does the same", async () => {
    const s = await stopping("sws2");
    expectItems(await s.api.put(`${path(s)}/start`), "instances");
    await expectNoChange(s, () => s.api.put(`${path(s)}/start`));
    const [item] = expectItems(await expectNoChange(s, () => s.api.put("/v1/instances/start", [{ name: s.instances[0].name }])), "instances");
    expect(item).toMatchObject({ state: "stopping", previous_state: "stopping" });
    await passTime(s.stub, STOP_MS + BOOT_MS);
    expect((await state(s))?.machineState).toBe("RUNNING");
  });

  it("a stop after it calls the start off: the instance stays stopped", async () => {
    const s = await stopping("sws3");
    expectItems(await s.api.put(`${path(s)}/start`), "instances");
    expect(expectItems(await s.api.put(`${path(s)}/stop`), "instances")[0]).toMatchObject({ state: "stopping", previous_state: "stopping" });
    expect((await state(s))?.startWhenStopped).toBe(false);
    await passTime(s.stub, STOP_MS + BOOT_MS);
    expect(await state(s)).toMatchObject({ machineState: "TERMINATED" });
    expect(expectItems(await s.api.get(path(s)), "instances")[0].state).toBe("stopped");
  });

  it("an instance deleted meanwhile is not started", async () => {
    const s = await stopping("sws4");
    expectItems(await s.api.put(`${path(s)}/start`), "instances");
    expectItems(await s.api.del(path(s)), "instances");
    await passTime(s.stub, STOP_MS + BOOT_MS);
    expect(await members(s)).toEqual([]);
    expect((await groupState(s)).desiredSize).toBe(0);
    expectItemError(await s.api.get(path(s)), "instances", 200, 8);
  });

  it("a group at its max size refuses it (29), nothing changed", async () => {
    const s = await stopping("sws5");
    // Another instance takes the only place of a group capped at 1 (autoscale max_size 1).
    await addInstance(s, `${s.name}-other`);
    expectItems(await s.api.post(s.base, { create_args: { template: { name: `${s.name}-other` } }, min_size: 1, max_size: 1 }), "service_groups");
    expectItemError(await expectNoChange(s, () => s.api.put(`${path(s)}/start`)), "instances", 200, 29, "max size");
  });

  it("an instance going to standby (scale-to-zero) is started too: state standby → stopping, then it runs", async () => {
    const s = await service("sws6", 0);
    const created = expectItems(
      await s.api.post("/v1/instances", { name: `${s.name}-z`, image: "user/app:latest", service_group: { uuid: s.uuid }, scale_to_zero: { policy: "on", cooldown_time_ms: 1000 } }),
      "instances",
    )[0];
    await passTime(s.stub, BOOT_MS + 1000);
    const sleeping = (await members(s))[0];
    expect(sleeping).toMatchObject({ machineState: "TERMINATING", standby: true });
    const [item] = expectItems(await s.api.put(`/v1/instances/${created.uuid}/start`), "instances");
    expect(item).toMatchObject({ state: "stopping", previous_state: "standby" });
    await passTime(s.stub, STOP_MS + BOOT_MS);
    expect((await members(s))[0]).toMatchObject({ machineState: "RUNNING", standby: false, startWhenStopped: false });
  });
});
