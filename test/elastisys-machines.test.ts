// Machine-level semantics of the elastisys dialect through the Worker's fetch: scale-out in one
// provider call, scale-in (REQUESTED machines cancelled first, then victims by policy), terminate,
// detach, attach and service states — each checked in the pool's listing, its size and the D1 ledger.
import { describe, expect, it } from "vitest";
import { advance } from "./helpers";
import { BOOT_MS, SLOW, expectError, expectNoChange, fixture, ledger, listing, size, sleep, storedMachines, types, withMachines, type Fixture } from "./elastisys-support";

const byId = (machines: any[]) => Object.fromEntries(machines.map((m) => [m.id, m]));
const states = async (f: Fixture) => Object.fromEntries((await listing(f)).map((m) => [m.id, m.machineState]));

async function setSize(f: Fixture, desiredSize: number) {
  const r = await f.api.post(`${f.base}/pool/size`, { desiredSize });
  expect(r.status, r.text).toBe(200);
}

/** Grows the pool one machine at a time, each running before the next, so launch times differ. */
async function staggered(f: Fixture, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 1; i <= n; i++) {
    await setSize(f, i);
    await advance(f.stub, BOOT_MS);
    ids.push((await listing(f)).find((m) => !ids.includes(m.id)).id);
    await sleep(5);
  }
  const launch = byId(await listing(f));
  for (let i = 1; i < n; i++) expect(Date.parse(launch[ids[i]].launchtime)).toBeGreaterThan(Date.parse(launch[ids[i - 1]].launchtime));
  return ids;
}

async function post(f: Fixture, path: string, body: unknown, status = 200) {
  const r = await f.api.post(`${f.base}${path}`, body);
  expect(r.status, r.text).toBe(status);
  return r;
}

describe("scale-out", () => {
  it("launches all missing machines in one provider call: one machine.launched row with every id", async () => {
    const f = await fixture("out");
    await setSize(f, 5);
    const ids = (await listing(f)).map((m) => m.id);
    expect(ids).toHaveLength(5);
    expect(new Set(ids).size).toBe(5);
    let launched = (await ledger(f.tenant, f.pool)).filter((x) => x.type === "machine.launched");
    expect(launched).toHaveLength(1);
    expect(launched[0].result.count).toBe(5);
    expect([...launched[0].result.machineIds].sort()).toEqual([...ids].sort());

    await setSize(f, 7);
    launched = (await ledger(f.tenant, f.pool)).filter((x) => x.type === "machine.launched");
    expect(launched).toHaveLength(2);
    expect(launched[1].result.count).toBe(2);
    const now = (await listing(f)).map((m) => m.id);
    expect([...launched[1].result.machineIds].sort()).toEqual(now.filter((id) => !ids.includes(id)).sort());
    expect(await size(f)).toEqual({ desiredSize: 7, allocated: 7, outOfService: 0 });
    const sets = (await ledger(f.tenant, f.pool)).filter((x) => x.type === "pool.set_desired_size");
    expect(sets.map((x) => x.result)).toEqual([{ before: 0, after: 5 }, { before: 5, after: 7 }]);
  });

  it("setting the same size again launches nothing", async () => {
    const f = await fixture("same");
    await setSize(f, 2);
    await setSize(f, 2);
    expect((await ledger(f.tenant, f.pool)).filter((x) => x.type === "machine.launched")).toHaveLength(1);
    expect(await listing(f)).toHaveLength(2);
  });
});

describe("scale-in", () => {
  it("cancels REQUESTED machines first: running machines are kept", async () => {
    const f = await fixture("in-req");
    const running = await withMachines(f, 2, true);
    await setSize(f, 4);
    const requested = (await listing(f)).map((m) => m.id).filter((id) => !running.includes(id));
    expect(requested).toHaveLength(2);
    await setSize(f, 2);
    const s = await states(f);
    for (const id of running) expect(s[id]).toBe("RUNNING");
    // A withdrawn request ends at once: nothing was started.
    for (const id of requested) expect(s[id]).toBe("TERMINATED");
    expect(await size(f)).toEqual({ desiredSize: 2, allocated: 2, outOfService: 0 });
    const terminated = (await ledger(f.tenant, f.pool)).filter((x) => x.type === "machine.terminated");
    expect(terminated.map((x) => x.result.machineId).sort()).toEqual([...requested].sort());
    expect(terminated.every((x) => x.result.machineState === "REQUESTED")).toBe(true);
  });

  it("cancels the REQUESTED machine, then terminates a running victim for the rest", async () => {
    const f = await fixture("in-mixed");
    const ids = await staggered(f, 2);
    await setSize(f, 3);
    const req = (await listing(f)).find((m) => !ids.includes(m.id)).id;
    await setSize(f, 1);
    expect(await states(f)).toEqual({ [ids[0]]: "TERMINATING", [ids[1]]: "RUNNING", [req]: "TERMINATED" });
  });

  it("OLDEST_INSTANCE terminates the oldest machines", async () => {
    const f = await fixture("oldest", { ...SLOW, victimSelectionPolicy: "OLDEST_INSTANCE" });
    const [a, b, c] = await staggered(f, 3);
    await setSize(f, 1);
    expect(await states(f)).toEqual({ [a]: "TERMINATING", [b]: "TERMINATING", [c]: "RUNNING" });
    expect(await size(f)).toEqual({ desiredSize: 1, allocated: 1, outOfService: 0 });
    const last = (await ledger(f.tenant, f.pool)).filter((x) => x.type === "machine.terminated");
    expect(last.map((x) => x.result.machineId).sort()).toEqual([a, b].sort());
    await advance(f.stub, 60_000);
    expect(await states(f)).toEqual({ [a]: "TERMINATED", [b]: "TERMINATED", [c]: "RUNNING" });
  });

  it("NEWEST_INSTANCE terminates the newest machines", async () => {
    const f = await fixture("newest", { ...SLOW, victimSelectionPolicy: "NEWEST_INSTANCE" });
    const [a, b, c] = await staggered(f, 3);
    await setSize(f, 1);
    expect(await states(f)).toEqual({ [a]: "RUNNING", [b]: "TERMINATING", [c]: "TERMINATING" });
  });

  it("a policy changed by reconfiguration applies to the next scale-in", async () => {
    const f = await fixture("policy-change");
    const [a, b] = await staggered(f, 2);
    await post(f, "/config", { victimSelectionPolicy: "NEWEST_INSTANCE" });
    await setSize(f, 1);
    expect(await states(f)).toEqual({ [a]: "RUNNING", [b]: "TERMINATING" });
  });

  it("to 0 terminates everything", async () => {
    const f = await fixture("zero");
    const ids = await withMachines(f, 3, true);
    await setSize(f, 0);
    expect(Object.values(await states(f))).toEqual(["TERMINATING", "TERMINATING", "TERMINATING"]);
    expect(await size(f)).toEqual({ desiredSize: 0, allocated: 0, outOfService: 0 });
    expect(ids).toHaveLength(3);
  });
});

describe("concurrent changes", () => {
  it("size changes racing each other end with exactly the last accepted size allocated", async () => {
    const f = await fixture("race");
    await withMachines(f, 2, true);
    const rs = await Promise.all([3, 7, 1, 5, 0, 4].map((n) => f.api.post(`${f.base}/pool/size`, { desiredSize: n })));
    for (const r of rs) expect(r.status, r.text).toBe(200);
    const rows = (await ledger(f.tenant, f.pool)).filter((x) => x.type === "pool.set_desired_size");
    const last = rows.at(-1)!.result.after;
    expect(await size(f)).toEqual({ desiredSize: last, allocated: last, outOfService: 0 });
    // Each change saw the one before it.
    for (let i = 1; i < rows.length; i++) expect(rows[i].result.before).toBe(rows[i - 1].result.after);
  });
});

describe("POST /pool/{machineId}/terminate", () => {
  it("without decrementDesiredSize: the machine goes, desired stays, a replacement is launched", async () => {
    const f = await fixture("term-keep");
    const [a, b] = await withMachines(f, 2, true);
    const r = await post(f, `/pool/${a}/terminate`, { decrementDesiredSize: false });
    expect(r.text).toBe("");
    expect(r.headers.get("Idempotent-Replayed")).toBeNull();
    const l = await listing(f);
    expect(l).toHaveLength(3);
    const repl = l.find((m) => m.id !== a && m.id !== b);
    expect(byId(l)[a].machineState).toBe("TERMINATING");
    expect(byId(l)[b].machineState).toBe("RUNNING");
    expect(repl.machineState).toBe("REQUESTED");
    expect(await size(f)).toEqual({ desiredSize: 2, allocated: 2, outOfService: 0 });
    const rows = await ledger(f.tenant, f.pool);
    expect(types(rows).slice(-2)).toEqual(["machine.terminate", "machine.replaced"]);
    expect(rows.at(-2)!.result).toEqual({ machineId: a, desiredSize: { before: 2, after: 2 } });
    expect(rows.at(-1)!.result).toEqual({ count: 1, machineIds: [repl.id] });
  });

  it("with decrementDesiredSize: desired drops by one, nothing is launched", async () => {
    const f = await fixture("term-dec");
    const [a, b] = await withMachines(f, 2, true);
    await post(f, `/pool/${a}/terminate`, { decrementDesiredSize: true });
    expect(await states(f)).toEqual({ [a]: "TERMINATING", [b]: "RUNNING" });
    expect(await size(f)).toEqual({ desiredSize: 1, allocated: 1, outOfService: 0 });
    const rows = await ledger(f.tenant, f.pool);
    expect(types(rows).at(-1)).toBe("machine.terminate");
    expect(rows.at(-1)!.result).toEqual({ machineId: a, desiredSize: { before: 2, after: 1 } });
  });

  it("a REQUESTED machine is cancelled outright", async () => {
    const f = await fixture("term-req");
    const [a] = await withMachines(f, 1);
    await post(f, `/pool/${a}/terminate`, { decrementDesiredSize: true });
    expect(await states(f)).toEqual({ [a]: "TERMINATED" });
    expect(await size(f)).toEqual({ desiredSize: 0, allocated: 0, outOfService: 0 });
  });

  it("terminating a machine already on its way out changes nothing (no second decrement, no record)", async () => {
    const f = await fixture("term-twice");
    const [a] = await withMachines(f, 2, true);
    await post(f, `/pool/${a}/terminate`, { decrementDesiredSize: true });
    const r = await expectNoChange(f, () => f.api.post(`${f.base}/pool/${a}/terminate`, { decrementDesiredSize: true }));
    expect(r.status, r.text).toBe(200);
    expect(await size(f)).toEqual({ desiredSize: 1, allocated: 1, outOfService: 0 });
  });

  it("decrementDesiredSize never takes desired below 0", async () => {
    const f = await fixture("term-floor");
    const [a] = await withMachines(f, 1, true);
    // An out-of-service machine is kept when desired drops to 0 (it is never a victim).
    await post(f, `/pool/${a}/serviceState`, { serviceState: "OUT_OF_SERVICE" });
    await setSize(f, 0);
    expect(await size(f)).toEqual({ desiredSize: 0, allocated: 1, outOfService: 1 });
    await post(f, `/pool/${a}/terminate`, { decrementDesiredSize: true });
    expect(await size(f)).toEqual({ desiredSize: 0, allocated: 0, outOfService: 0 });
    const rows = await ledger(f.tenant, f.pool);
    expect(rows.at(-1)!).toMatchObject({ type: "machine.terminate", result: { machineId: a, desiredSize: { before: 0, after: 0 } } });
  });

  it("an unknown machine, a detached one, or one of another pool → 404 {message, detail} naming it, nothing changed", async () => {
    const f = await fixture("term-404");
    const [a, b] = await withMachines(f, 2, true);
    const other = await fixture("term-404-other");
    const [x] = await withMachines(other, 1);
    await post(f, `/pool/${b}/detach`, { decrementDesiredSize: true });
    for (const id of ["i-00000000000000000", b, x, "no-such-machine"]) {
      for (const decrementDesiredSize of [true, false]) {
        const r = await expectNoChange(f, () => f.api.post(`${f.base}/pool/${id}/terminate`, { decrementDesiredSize }));
        expectError(r, 404, id);
      }
    }
    expect((await listing(other)).map((m) => [m.id, m.machineState])).toEqual([[x, "REQUESTED"]]);
    expect(await states(f)).toEqual({ [a]: "RUNNING" });
  });
});

describe("POST /pool/{machineId}/detach", () => {
  it("without decrementDesiredSize: the machine leaves the listing, keeps running, and is replaced", async () => {
    const f = await fixture("det-keep");
    const [a, b] = await withMachines(f, 2, true);
    const r = await post(f, `/pool/${a}/detach`, { decrementDesiredSize: false });
    expect(r.text).toBe("");
    const l = await listing(f);
    expect(l.map((m) => m.id)).not.toContain(a);
    expect(l).toHaveLength(2);
    const repl = l.find((m) => m.id !== b);
    expect(repl.machineState).toBe("REQUESTED");
    expect(await size(f)).toEqual({ desiredSize: 2, allocated: 2, outOfService: 0 });
    await advance(f.stub, BOOT_MS);
    const stored = byId(await storedMachines(f.stub));
    expect(stored[a]).toMatchObject({ member: false, machineState: "RUNNING" });
    const rows = await ledger(f.tenant, f.pool);
    expect(types(rows).slice(-2)).toEqual(["machine.detach", "machine.replaced"]);
    expect(rows.at(-2)!.result).toEqual({ machineId: a, desiredSize: { before: 2, after: 2 } });
    // No machine.terminated for the detached machine.
    expect(rows.filter((x) => x.type === "machine.terminated")).toEqual([]);
  });

  it("with decrementDesiredSize: desired drops by one, nothing is launched, the machine still runs", async () => {
    const f = await fixture("det-dec");
    const [a, b] = await withMachines(f, 2, true);
    await post(f, `/pool/${a}/detach`, { decrementDesiredSize: true });
    expect((await listing(f)).map((m) => m.id)).toEqual([b]);
    expect(await size(f)).toEqual({ desiredSize: 1, allocated: 1, outOfService: 0 });
    expect(byId(await storedMachines(f.stub))[a]).toMatchObject({ member: false, machineState: "RUNNING" });
    expect(types(await ledger(f.tenant, f.pool)).at(-1)).toBe("machine.detach");
  });

  it("decrementDesiredSize never takes desired below 0", async () => {
    const f = await fixture("det-floor");
    const [a] = await withMachines(f, 1, true);
    await post(f, `/pool/${a}/serviceState`, { serviceState: "OUT_OF_SERVICE" });
    await setSize(f, 0);
    await post(f, `/pool/${a}/detach`, { decrementDesiredSize: true });
    expect(await size(f)).toEqual({ desiredSize: 0, allocated: 0, outOfService: 0 });
  });

  it("an unknown id, an already detached machine, or a terminating one → 404 naming it, nothing changed", async () => {
    const f = await fixture("det-404");
    const [a, b] = await withMachines(f, 3, true);
    await post(f, `/pool/${a}/detach`, { decrementDesiredSize: true });
    await post(f, `/pool/${b}/terminate`, { decrementDesiredSize: true });
    for (const id of ["i-00000000000000000", a, b]) {
      const r = await expectNoChange(f, () => f.api.post(`${f.base}/pool/${id}/detach`, { decrementDesiredSize: false }));
      expectError(r, 404, id);
    }
  });
});

describe("POST /pool/{machineId}/attach", () => {
  it("a detached machine rejoins: listed again, desired +1, nothing launched or terminated", async () => {
    const f = await fixture("att");
    const [a, b] = await withMachines(f, 2, true);
    await post(f, `/pool/${a}/detach`, { decrementDesiredSize: true });
    expect(await size(f)).toEqual({ desiredSize: 1, allocated: 1, outOfService: 0 });
    const before = (await ledger(f.tenant, f.pool)).length;
    const r = await post(f, `/pool/${a}/attach`, undefined);
    expect(r.text).toBe("");
    expect(await states(f)).toEqual({ [a]: "RUNNING", [b]: "RUNNING" });
    expect(await size(f)).toEqual({ desiredSize: 2, allocated: 2, outOfService: 0 });
    const rows = (await ledger(f.tenant, f.pool)).slice(before);
    expect(types(rows)).toEqual(["machine.attach"]);
    expect(rows[0].result).toEqual({ machineId: a, desiredSize: { before: 1, after: 2 } });
  });

  it("accepts `{}` as its body", async () => {
    const f = await fixture("att-obj");
    const [a] = await withMachines(f, 1, true);
    await post(f, `/pool/${a}/detach`, { decrementDesiredSize: true });
    await post(f, `/pool/${a}/attach`, {});
    expect(await size(f)).toEqual({ desiredSize: 1, allocated: 1, outOfService: 0 });
  });

  it("after a detach that was replaced, attaching adds one to desired and keeps both", async () => {
    const f = await fixture("att-repl");
    const [a] = await withMachines(f, 2, true);
    await post(f, `/pool/${a}/detach`, { decrementDesiredSize: false });
    await post(f, `/pool/${a}/attach`, {});
    expect(await size(f)).toEqual({ desiredSize: 3, allocated: 3, outOfService: 0 });
    expect(await listing(f)).toHaveLength(3);
  });

  it("attaching a member changes nothing", async () => {
    const f = await fixture("att-member");
    const [a] = await withMachines(f, 2, true);
    const r = await expectNoChange(f, () => f.api.post(`${f.base}/pool/${a}/attach`, {}));
    expect(r.status, r.text).toBe(200);
    expect(await size(f)).toEqual({ desiredSize: 2, allocated: 2, outOfService: 0 });
  });

  it("an id no provider knows (unknown, another pool's, a terminated one) → 404 naming it, nothing changed", async () => {
    const f = await fixture("att-404");
    const [a] = await withMachines(f, 2, true);
    const other = await fixture("att-404-other");
    const [x] = await withMachines(other, 1, true);
    await post(f, `/pool/${a}/terminate`, { decrementDesiredSize: true });
    await advance(f.stub, 60_000);
    expect((await states(f))[a]).toBe("TERMINATED");
    for (const id of ["i-00000000000000000", x, a]) {
      const r = await expectNoChange(f, () => f.api.post(`${f.base}/pool/${id}/attach`, {}));
      expectError(r, 404, id);
    }
    expect(byId(await storedMachines(other.stub))[x]).toMatchObject({ member: true, machineState: "RUNNING" });
  });
});

describe("POST /pool/{machineId}/serviceState", () => {
  it("OUT_OF_SERVICE: stays listed, counts in allocated and outOfService, gets a replacement, is never a victim", async () => {
    const f = await fixture("oos");
    const [a, b] = await staggered(f, 2);
    const r = await post(f, `/pool/${a}/serviceState`, { serviceState: "OUT_OF_SERVICE" });
    expect(r.text).toBe("");
    let l = byId(await listing(f));
    expect(l[a]).toMatchObject({ machineState: "RUNNING", serviceState: "OUT_OF_SERVICE" });
    const repl = Object.keys(l).find((id) => id !== a && id !== b)!;
    expect(l[repl].machineState).toBe("REQUESTED");
    expect(await size(f)).toEqual({ desiredSize: 2, allocated: 3, outOfService: 1 });
    const rows = await ledger(f.tenant, f.pool);
    expect(types(rows).slice(-2)).toEqual(["machine.set_service_state", "machine.replaced"]);
    expect(rows.at(-2)!.result).toEqual({ machineId: a, before: "UNKNOWN", after: "OUT_OF_SERVICE" });

    // Setting it again launches nothing more.
    await post(f, `/pool/${a}/serviceState`, { serviceState: "OUT_OF_SERVICE" });
    expect(await size(f)).toEqual({ desiredSize: 2, allocated: 3, outOfService: 1 });

    // Scale-in under OLDEST_INSTANCE skips `a`, the oldest: `b` goes, then the replacement.
    await advance(f.stub, BOOT_MS);
    await setSize(f, 1);
    l = byId(await listing(f));
    expect([l[a].machineState, l[b].machineState, l[repl].machineState]).toEqual(["RUNNING", "TERMINATING", "RUNNING"]);
    expect(await size(f)).toEqual({ desiredSize: 1, allocated: 2, outOfService: 1 });
    await setSize(f, 0);
    l = byId(await listing(f));
    expect([l[a].machineState, l[repl].machineState]).toEqual(["RUNNING", "TERMINATING"]);
    expect(l[a].serviceState).toBe("OUT_OF_SERVICE");
    expect(await size(f)).toEqual({ desiredSize: 0, allocated: 1, outOfService: 1 });
  });

  it("IN_SERVICE takes it back: the extra machine, still REQUESTED, is cancelled", async () => {
    const f = await fixture("back-req");
    const [a] = await withMachines(f, 1, true);
    await post(f, `/pool/${a}/serviceState`, { serviceState: "OUT_OF_SERVICE" });
    const repl = (await listing(f)).find((m) => m.id !== a).id;
    await post(f, `/pool/${a}/serviceState`, { serviceState: "IN_SERVICE" });
    const l = byId(await listing(f));
    expect(l[a]).toMatchObject({ machineState: "RUNNING", serviceState: "IN_SERVICE" });
    expect(l[repl].machineState).toBe("TERMINATED");
    expect(await size(f)).toEqual({ desiredSize: 1, allocated: 1, outOfService: 0 });
  });

  it("IN_SERVICE takes it back: with the extra machine running, the policy's victim is scaled in (NEWEST_INSTANCE)", async () => {
    const f = await fixture("back-run", { ...SLOW, victimSelectionPolicy: "NEWEST_INSTANCE" });
    const [a] = await withMachines(f, 1, true);
    await sleep(5);
    await post(f, `/pool/${a}/serviceState`, { serviceState: "OUT_OF_SERVICE" });
    const repl = (await listing(f)).find((m) => m.id !== a).id;
    await advance(f.stub, BOOT_MS);
    expect(await size(f)).toEqual({ desiredSize: 1, allocated: 2, outOfService: 1 });
    await post(f, `/pool/${a}/serviceState`, { serviceState: "IN_SERVICE" });
    expect(await states(f)).toEqual({ [a]: "RUNNING", [repl]: "TERMINATING" });
    expect(await size(f)).toEqual({ desiredSize: 1, allocated: 1, outOfService: 0 });
  });

  it("terminating or detaching an out-of-service machine without decrement launches no second replacement", async () => {
    const f = await fixture("oos-gone");
    const [a, b] = await withMachines(f, 3, true);
    await post(f, `/pool/${a}/serviceState`, { serviceState: "OUT_OF_SERVICE" });
    await post(f, `/pool/${b}/serviceState`, { serviceState: "OUT_OF_SERVICE" });
    expect(await size(f)).toEqual({ desiredSize: 3, allocated: 5, outOfService: 2 });
    const replaced = async () => (await ledger(f.tenant, f.pool)).filter((x) => x.type === "machine.replaced").length;
    expect(await replaced()).toBe(2);
    await post(f, `/pool/${a}/terminate`, { decrementDesiredSize: false });
    await post(f, `/pool/${b}/detach`, { decrementDesiredSize: false });
    expect(await replaced()).toBe(2);
    expect(await size(f)).toEqual({ desiredSize: 3, allocated: 3, outOfService: 0 });
  });

  it("any other service state also takes a machine back into service", async () => {
    const f = await fixture("back-other");
    const [a] = await withMachines(f, 1, true);
    await post(f, `/pool/${a}/serviceState`, { serviceState: "OUT_OF_SERVICE" });
    await post(f, `/pool/${a}/serviceState`, { serviceState: "UNHEALTHY" });
    expect(await size(f)).toEqual({ desiredSize: 1, allocated: 1, outOfService: 0 });
    expect((await listing(f)).find((m) => m.id === a).serviceState).toBe("UNHEALTHY");
  });

  it("every service state of the spec is accepted and listed; in-service states launch nothing", async () => {
    const f = await fixture("svc-all");
    const [a] = await withMachines(f, 1, true);
    for (const s of ["BOOTING", "IN_SERVICE", "UNHEALTHY", "UNKNOWN"]) {
      await post(f, `/pool/${a}/serviceState`, { serviceState: s });
      expect((await listing(f)).map((m) => [m.id, m.serviceState])).toEqual([[a, s]]);
    }
    expect((await ledger(f.tenant, f.pool)).filter((x) => x.type === "machine.launched" || x.type === "machine.replaced")).toHaveLength(1);
    expect(await size(f)).toEqual({ desiredSize: 1, allocated: 1, outOfService: 0 });
  });

  it("an unknown or detached machine → 404 naming it, nothing changed", async () => {
    const f = await fixture("svc-404");
    const [a] = await withMachines(f, 2, true);
    await post(f, `/pool/${a}/detach`, { decrementDesiredSize: true });
    for (const id of ["i-00000000000000000", a]) {
      const r = await expectNoChange(f, () => f.api.post(`${f.base}/pool/${id}/serviceState`, { serviceState: "OUT_OF_SERVICE" }));
      expectError(r, 404, id);
    }
  });
});
