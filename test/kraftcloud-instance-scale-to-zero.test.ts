// The instance shortcut of scale-to-zero (`scale_to_zero` on an instance, no autoscale): after its
// cooldown without reported traffic the instance goes to standby; `{"requests": n}` on the metrics
// route wakes it and the requests held meanwhile are released once it runs; a start call wakes it
// too; idle time counts from when the instance runs; without a sleeping instance the route still needs
// autoscale (27).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { freezeClock, passTime, releaseClock } from "./clock";
import { BOOT_MS, DELAYS, ctxOf, expectItemError, expectItems, groupState, ledger, members, serviceIn, tenant, type Svc } from "./kraftcloud-autoscale-support";

beforeEach(() => void freezeClock());
afterEach(() => releaseClock());

const push = async (s: Svc, body: object) => expectItems(await s.api.post(`${s.base}/metrics`, body), "service_groups")[0];

async function sleeper(prefix: string, cooldownTimeMs = 2000) {
  const s = await serviceIn(prefix, await tenant(prefix), 0);
  const r = await s.stub.createInstance(ctxOf(s.tenant, s.name), {
    uuid: crypto.randomUUID(),
    name: `${s.name}-s2z`,
    spec: { image: "user/app:latest", memoryMb: 128 },
    autostart: true,
    scaleToZero: { policy: "on", cooldownTimeMs },
  });
  if (!r.ok) throw new Error(r.message);
  await passTime(s.stub, BOOT_MS);
  expect((await members(s))[0].machineState).toBe("RUNNING");
  return { s, id: r.instance.id, uuid: r.instance.uuid };
}

describe("instance scale-to-zero", () => {
  it("idle → standby; traffic wakes it; held requests are released once it runs", async () => {
    const { s, uuid } = await sleeper("iszz");
    await passTime(s.stub, 1500);
    expect(await push(s, { requests: 1 })).toMatchObject({ woke: false });
    await passTime(s.stub, 1999);
    expect((await members(s))[0].machineState).toBe("RUNNING");
    await passTime(s.stub, 1 + DELAYS.terminateDelayMs);
    expect((await members(s))[0]).toMatchObject({ machineState: "TERMINATED", standby: true });
    expect((await groupState(s)).desiredSize).toBe(0);
    expect((await ledger(s)).find((r) => r.type === "scale_to_zero.sleep")?.result).toMatchObject({ instance: uuid, idleForMs: 2000 });

    expect(await push(s, { requests: 5 })).toMatchObject({ woke: true });
    expect(await push(s, { requests: 2 })).toMatchObject({ woke: false });
    expect((await members(s))[0]).toMatchObject({ standby: false, machineState: "REQUESTED" });
    await passTime(s.stub, BOOT_MS);
    expect((await members(s))[0].machineState).toBe("RUNNING");
    expect((await groupState(s)).desiredSize).toBe(1);
    const released = (await ledger(s)).filter((r) => r.type === "scale_to_zero.released").map((r) => r.result);
    expect(released).toEqual([{ instance: uuid, name: `${s.name}-s2z`, requests: 7 }]);
  });

  it("a start call wakes a standby instance, and it is not put back to sleep at once", async () => {
    const { s, id } = await sleeper("iszs", 3000);
    await passTime(s.stub, 3000 + DELAYS.terminateDelayMs);
    expect((await members(s))[0]).toMatchObject({ standby: true });
    const started = await s.stub.startInstance(ctxOf(s.tenant, s.name), id);
    expect(started.ok).toBe(true);
    await passTime(s.stub, BOOT_MS);
    expect((await members(s))[0]).toMatchObject({ machineState: "RUNNING", standby: false });
    // Its idle time counts from when it runs again.
    await passTime(s.stub, 2999);
    expect((await members(s))[0].machineState).toBe("RUNNING");
    await passTime(s.stub, 1 + DELAYS.terminateDelayMs);
    expect((await members(s))[0]).toMatchObject({ standby: true });
  });

  it("without a sleeping instance or autoscale the metrics route is error 27, and changes nothing", async () => {
    const s = await serviceIn("isz27", await tenant("isz27"), 1);
    expectItemError(await s.api.post(`${s.base}/metrics`, { requests: 3 }), "service_groups", 200, 27);
    expect((await ledger(s)).some((r) => r.type.startsWith("scale_to_zero"))).toBe(false);
  });
});
