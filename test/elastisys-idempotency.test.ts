// `Idempotency-Key` on the elastisys writes, through the Worker's fetch: a retry with the same key
// and the same request replays the first answer (200, `Idempotent-Replayed: true`) and acts once;
// the same key with a different request is 422 `{message, detail}` and changes nothing.
import { describe, expect, it } from "vitest";
import { BOOT_MS, expectError, expectNoChange, fixture, ledger, listing, size, storedMachines, withMachines, type Fixture } from "./elastisys-support";
import { advance } from "./helpers";

const key = (k: string) => ({ "Idempotency-Key": k });

async function send(f: Fixture, path: string, body: unknown, k: string) {
  return f.api.post(`${f.base}${path}`, body, key(k));
}

function expectFirst(r: { status: number; text: string; headers: Headers }) {
  expect(r.status, r.text).toBe(200);
  expect(r.headers.get("Idempotent-Replayed")).toBeNull();
}

function expectReplay(r: { status: number; text: string; headers: Headers }) {
  expect(r.status, r.text).toBe(200);
  expect(r.headers.get("Idempotent-Replayed")).toBe("true");
}

describe("replays", () => {
  it("terminate: a retry replays and acts once (one record, one decrement)", async () => {
    const f = await fixture("idem-term");
    const [a] = await withMachines(f, 3, true);
    expectFirst(await send(f, `/pool/${a}/terminate`, { decrementDesiredSize: true }, "term-1"));
    const r = await expectNoChange(f, () => send(f, `/pool/${a}/terminate`, { decrementDesiredSize: true }, "term-1"));
    expectReplay(r);
    expect(r.text).toBe("");
    expect(await size(f)).toEqual({ desiredSize: 2, allocated: 2, outOfService: 0 });
    const rows = (await ledger(f.tenant, f.pool)).filter((x) => x.type === "machine.terminate");
    expect(rows).toHaveLength(1);
    expect(rows[0].idempotency_key).toBe("term-1");
  });

  it("terminate without decrement: a retry does not launch a second replacement", async () => {
    const f = await fixture("idem-term-keep");
    const [a] = await withMachines(f, 2, true);
    expectFirst(await send(f, `/pool/${a}/terminate`, { decrementDesiredSize: false }, "k"));
    expectReplay(await expectNoChange(f, () => send(f, `/pool/${a}/terminate`, { decrementDesiredSize: false }, "k")));
    expect(await listing(f)).toHaveLength(3);
    expect((await ledger(f.tenant, f.pool)).filter((x) => x.type === "machine.replaced")).toHaveLength(1);
  });

  it("detach: a retry replays, the machine is detached once and desired decremented once", async () => {
    const f = await fixture("idem-det");
    const [a] = await withMachines(f, 3, true);
    expectFirst(await send(f, `/pool/${a}/detach`, { decrementDesiredSize: true }, "det-1"));
    expectReplay(await expectNoChange(f, () => send(f, `/pool/${a}/detach`, { decrementDesiredSize: true }, "det-1")));
    expect(await size(f)).toEqual({ desiredSize: 2, allocated: 2, outOfService: 0 });
    expect((await ledger(f.tenant, f.pool)).filter((x) => x.type === "machine.detach")).toHaveLength(1);
  });

  it("attach: a retry replays even after the machine was detached again — it is not attached a second time", async () => {
    const f = await fixture("idem-att");
    const [a] = await withMachines(f, 2, true);
    const d = await f.api.post(`${f.base}/pool/${a}/detach`, { decrementDesiredSize: true });
    expect(d.status, d.text).toBe(200);
    expectFirst(await send(f, `/pool/${a}/attach`, {}, "att-1"));
    expect(await size(f)).toEqual({ desiredSize: 2, allocated: 2, outOfService: 0 });
    const d2 = await f.api.post(`${f.base}/pool/${a}/detach`, { decrementDesiredSize: true });
    expect(d2.status, d2.text).toBe(200);
    expectReplay(await expectNoChange(f, () => send(f, `/pool/${a}/attach`, {}, "att-1")));
    expect((await listing(f)).map((m) => m.id)).not.toContain(a);
    expect(await size(f)).toEqual({ desiredSize: 1, allocated: 1, outOfService: 0 });
    expect((await ledger(f.tenant, f.pool)).filter((x) => x.type === "machine.attach")).toHaveLength(1);
  });

  it("attach: an empty body and `{}` are the same request", async () => {
    const f = await fixture("idem-att-empty");
    const [a] = await withMachines(f, 2, true);
    expect((await f.api.post(`${f.base}/pool/${a}/detach`, { decrementDesiredSize: true })).status).toBe(200);
    expectFirst(await f.api.postRaw(`${f.base}/pool/${a}/attach`, "", key("att-e")));
    expectReplay(await expectNoChange(f, () => send(f, `/pool/${a}/attach`, {}, "att-e")));
  });

  it("serviceState: a retry replays, one replacement only", async () => {
    const f = await fixture("idem-svc");
    const [a] = await withMachines(f, 1, true);
    expectFirst(await send(f, `/pool/${a}/serviceState`, { serviceState: "OUT_OF_SERVICE" }, "svc-1"));
    expectReplay(await expectNoChange(f, () => send(f, `/pool/${a}/serviceState`, { serviceState: "OUT_OF_SERVICE" }, "svc-1")));
    expect(await size(f)).toEqual({ desiredSize: 1, allocated: 2, outOfService: 1 });
  });

  it("pool/size: a retry after another change replays and does not undo it", async () => {
    const f = await fixture("idem-size");
    expectFirst(await send(f, "/pool/size", { desiredSize: 3 }, "size-1"));
    expect((await f.api.post(`${f.base}/pool/size`, { desiredSize: 5 })).status).toBe(200);
    expectReplay(await expectNoChange(f, () => send(f, "/pool/size", { desiredSize: 3 }, "size-1")));
    expect((await size(f)).desiredSize).toBe(5);
    expect((await ledger(f.tenant, f.pool)).filter((x) => x.type === "pool.set_desired_size")).toHaveLength(2);
  });

  it("config: a retry replays the stored answer with its body", async () => {
    const f = await fixture("idem-cfg", null);
    const first = await send(f, "/config", { victimSelectionPolicy: "NEWEST_INSTANCE" }, "cfg-1");
    expectFirst(first);
    const again = await expectNoChange(f, () => send(f, "/config", { victimSelectionPolicy: "NEWEST_INSTANCE" }, "cfg-1"));
    expectReplay(again);
    expect(again.body).toEqual(first.body);
    expect((await ledger(f.tenant, f.pool)).filter((x) => x.type === "pool.configure")).toHaveLength(1);
  });

  it("DELETE: a retry after the pool is gone replays the deletion (200, same body) instead of a 404", async () => {
    const f = await fixture("idem-del");
    await withMachines(f, 2);
    const first = await f.api.del(f.base, key("del-1"));
    expectFirst(first);
    const again = await expectNoChange(f, () => f.api.del(f.base, key("del-1")));
    expectReplay(again);
    expect(again.body).toEqual(first.body);
    expectError(await f.api.del(f.base, key("del-2")), 404, f.pool);
  });

  it("two concurrent requests with the same key act once: one answers, the other replays", async () => {
    const f = await fixture("idem-race");
    const [a] = await withMachines(f, 3, true);
    const rs = await Promise.all([1, 2, 3].map(() => send(f, `/pool/${a}/terminate`, { decrementDesiredSize: true }, "race")));
    for (const r of rs) expect(r.status, r.text).toBe(200);
    expect(rs.map((r) => r.headers.get("Idempotent-Replayed")).sort()).toEqual([null, "true", "true"].sort());
    expect(await size(f)).toEqual({ desiredSize: 2, allocated: 2, outOfService: 0 });
    expect((await ledger(f.tenant, f.pool)).filter((x) => x.type === "machine.terminate")).toHaveLength(1);
  });

  it("a replay keeps working while time passes and machines move on", async () => {
    const f = await fixture("idem-time");
    const [a] = await withMachines(f, 2, true);
    expectFirst(await send(f, `/pool/${a}/terminate`, { decrementDesiredSize: false }, "t"));
    await advance(f.stub, BOOT_MS);
    expectReplay(await expectNoChange(f, () => send(f, `/pool/${a}/terminate`, { decrementDesiredSize: false }, "t")));
    expect(await size(f)).toEqual({ desiredSize: 2, allocated: 2, outOfService: 0 });
  });
});

describe("conflicts and scope", () => {
  it("the same key with a different body → 422 {message, detail} naming the key, nothing changed", async () => {
    const f = await fixture("idem-422");
    const [a, b] = await withMachines(f, 3, true);
    expectFirst(await send(f, `/pool/${a}/terminate`, { decrementDesiredSize: true }, "k-422"));
    for (const [path, body] of [
      [`/pool/${a}/terminate`, { decrementDesiredSize: false }],
      [`/pool/${b}/terminate`, { decrementDesiredSize: true }],
    ] as const) {
      const r = await expectNoChange(f, () => send(f, path, body, "k-422"));
      expectError(r, 422, "k-422");
      expect(r.headers.get("Idempotent-Replayed")).toBeNull();
    }
    expect((await listing(f)).find((m) => m.id === b).machineState).toBe("RUNNING");
  });

  it("pool/size with the same key and another size → 422, desired unchanged", async () => {
    const f = await fixture("idem-422-size");
    expectFirst(await send(f, "/pool/size", { desiredSize: 2 }, "s"));
    const r = await expectNoChange(f, () => send(f, "/pool/size", { desiredSize: 4 }, "s"));
    expectError(r, 422, "s");
    expect((await size(f)).desiredSize).toBe(2);
  });

  it("a key is scoped to its operation and pool: the same key on another route or pool acts", async () => {
    const f = await fixture("idem-scope");
    const [a, b] = await withMachines(f, 3, true);
    expectFirst(await send(f, `/pool/${a}/terminate`, { decrementDesiredSize: true }, "shared"));
    expectFirst(await send(f, `/pool/${b}/detach`, { decrementDesiredSize: true }, "shared"));
    expect(await size(f)).toEqual({ desiredSize: 1, allocated: 1, outOfService: 0 });
    const other = `/cloudpools/${f.pool}-2`;
    expect((await f.api.post(`${other}/config`, {})).status).toBe(200);
    const r = await f.api.post(`${other}/pool/size`, { desiredSize: 1 }, key("shared"));
    expectFirst(r);
    expect((await f.api.get(`${other}/pool/size`)).body.desiredSize).toBe(1);
  });

  it("a failed request is not remembered: the same key acts once the request can succeed", async () => {
    const f = await fixture("idem-fail");
    const [a] = await withMachines(f, 2, true);
    expect((await f.api.post(`${f.base}/pool/${a}/detach`, { decrementDesiredSize: true })).status).toBe(200);
    // Not a member: 404, and nothing stored under the key.
    expectError(await send(f, `/pool/${a}/terminate`, { decrementDesiredSize: true }, "retry-me"), 404, a);
    expect((await f.api.post(`${f.base}/pool/${a}/attach`, {})).status).toBe(200);
    expectFirst(await send(f, `/pool/${a}/terminate`, { decrementDesiredSize: true }, "retry-me"));
    expect((await storedMachines(f.stub)).find((m) => m.id === a).machineState).toBe("TERMINATING");
  });

  it("without a key, a repeated request acts again", async () => {
    const f = await fixture("idem-none");
    const [a, b] = await withMachines(f, 3, true);
    expect((await f.api.post(`${f.base}/pool/${a}/detach`, { decrementDesiredSize: true })).status).toBe(200);
    expect((await f.api.post(`${f.base}/pool/${b}/detach`, { decrementDesiredSize: true })).status).toBe(200);
    expect(await size(f)).toEqual({ desiredSize: 1, allocated: 1, outOfService: 0 });
  });
});
