// GET /pool without copying an unchanged pool over RPC (issue 10, src/surfaces/elastisys/pool-view.ts):
// GroupObject.getPool(known) answers no machines while the caller's revision is current, and a new
// revision after any change to the group or a machine (commands and timers); over HTTP the answer is
// the same JSON whether the isolate's view was reused or rendered afresh, and a change is seen at once.
// A large list is streamed from the held bytes (a fixed-length stream of three chunks), a small one
// copied: both give the same JSON, and the held bytes survive any number of answers.
import { describe, expect, it } from "vitest";
import { poolBody, STREAM_FROM_BYTES } from "../src/surfaces/elastisys/pool-view";
import { advance, call, groupStub, tenantToken } from "./helpers";

const TENANT = "pv-tenant";

describe("GroupObject.getPool(known)", () => {
  it("no machines while the revision is current; a new one after a command, a timer, or in another life", async () => {
    const { token } = await tenantToken(TENANT);
    expect((await call("POST", "/cloudpools/pv/config", { token, body: {} })).status).toBe(200);
    expect((await call("POST", "/cloudpools/pv/pool/size", { token, body: { desiredSize: 2 } })).status).toBe(200);
    const stub = groupStub(TENANT, "pv");
    const full = await stub.getPool();
    if (!full.ok) throw new Error(full.message);
    expect(full.machines).toHaveLength(2);
    const same = await stub.getPool(full.revision);
    expect(same).toMatchObject({ ok: true, revision: full.revision, machines: null });
    // A timer moves the machines (REQUESTED → PENDING → RUNNING): a new revision, the machines again.
    await advance(stub, 120_000);
    const moved = await stub.getPool(full.revision);
    if (!moved.ok) throw new Error(moved.message);
    expect(moved.revision).not.toBe(full.revision);
    expect(moved.machines?.map((m) => m.machineState)).toEqual(["RUNNING", "RUNNING"]);
    // A command (even one that changes only the group) gives a new revision too.
    expect((await call("POST", "/cloudpools/pv/pool/size", { token, body: { desiredSize: 2 } })).status).toBe(200);
    const after = await stub.getPool(moved.revision);
    expect(after.ok && after.machines).toHaveLength(2);
    // An unknown revision (another life of the object, a forged one) gets the machines.
    const other = await stub.getPool("not-a-revision");
    expect(other.ok && other.machines).toHaveLength(2);
  });

  it("over HTTP: reused and fresh views answer the same JSON; a change shows at once", async () => {
    const { token } = await tenantToken(`${TENANT}-http`);
    expect((await call("POST", "/cloudpools/pv/config", { token, body: {} })).status).toBe(200);
    expect((await call("POST", "/cloudpools/pv/pool/size", { token, body: { desiredSize: 3 } })).status).toBe(200);
    const a = await call("GET", "/cloudpools/pv/pool", { token });
    const b = await call("GET", "/cloudpools/pv/pool", { token });
    expect(a.status).toBe(200);
    expect(a.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(b.body.machines).toEqual(a.body.machines);
    expect(a.body.machines).toHaveLength(3);
    expect(typeof b.body.timestamp).toBe("string");
    const victim = a.body.machines[0].id;
    expect((await call("POST", `/cloudpools/pv/pool/${victim}/terminate`, { token, body: { decrementDesiredSize: true } })).status).toBe(200);
    const c = await call("GET", "/cloudpools/pv/pool", { token });
    expect(["TERMINATING", "TERMINATED"]).toContain(c.body.machines.find((m: { id: string }) => m.id === victim).machineState);
    // Another tenant's pool of the same name is another view.
    const other = await tenantToken(`${TENANT}-other`);
    expect((await call("POST", "/cloudpools/pv/config", { token: other.token, body: {} })).status).toBe(200);
    expect((await call("GET", "/cloudpools/pv/pool", { token: other.token })).body.machines).toEqual([]);
  });
});

describe("the answer's body: a small list copied, a large one streamed from the held bytes", () => {
  const text = async (b: Uint8Array | ReadableStream) => (b instanceof Uint8Array ? new TextDecoder().decode(b) : await new Response(b).text());

  it("both are exactly the JSON; the held list is neither detached nor changed by the answers it went into", async () => {
    const small = new TextEncoder().encode(JSON.stringify([{ id: "i-1" }]));
    const smallBody = poolBody("2027-01-02T03:04:05.678Z", small);
    expect(smallBody).toBeInstanceOf(Uint8Array);
    expect(JSON.parse(await text(smallBody))).toEqual({ timestamp: "2027-01-02T03:04:05.678Z", machines: [{ id: "i-1" }] });

    const items = Array.from({ length: 3_000 }, (_, i) => ({ id: `i-${i}`, machineState: "RUNNING" }));
    const large = new TextEncoder().encode(JSON.stringify(items));
    expect(large.length).toBeGreaterThanOrEqual(STREAM_FROM_BYTES);
    const copy = large.slice();
    const bodies = ["2027-01-02T03:04:05.678Z", "2027-01-02T03:04:06.000Z", "+010000-01-01T00:00:00.000Z"].map((t) => [t, poolBody(t, large)] as const);
    for (const [t, b] of bodies) {
      expect(b).toBeInstanceOf(ReadableStream);
      expect(JSON.parse(await text(b))).toEqual({ timestamp: t, machines: items });
    }
    expect(large).toEqual(copy);
  });

  it("over HTTP, a pool whose list is past the streaming size: the same JSON from a fresh and a held view, its own timestamp each", async () => {
    const { token } = await tenantToken(`${TENANT}-large`);
    const provider = { type: "simulated", requestDelayMs: 0, bootDelayMs: 0, terminateDelayMs: 0 };
    expect((await call("POST", "/cloudpools/pv/config", { token, body: { provider } })).status).toBe(200);
    expect((await call("POST", "/cloudpools/pv/pool/size", { token, body: { desiredSize: 250 } })).status).toBe(200);
    await advance(groupStub(`${TENANT}-large`, "pv"), 10_000);
    const a = await call("GET", "/cloudpools/pv/pool", { token });
    await new Promise((r) => setTimeout(r, 2));
    const b = await call("GET", "/cloudpools/pv/pool", { token });
    expect(a.status).toBe(200);
    expect(JSON.stringify(a.body.machines).length).toBeGreaterThanOrEqual(STREAM_FROM_BYTES);
    expect(a.body.machines).toHaveLength(250);
    expect(b.body.machines).toEqual(a.body.machines);
    expect(Date.parse(b.body.timestamp)).toBeGreaterThanOrEqual(Date.parse(a.body.timestamp));
    // A change renders a new list: the terminated machine shows at once.
    const victim = a.body.machines[0].id;
    expect((await call("POST", `/cloudpools/pv/pool/${victim}/terminate`, { token, body: { decrementDesiredSize: true } })).status).toBe(200);
    const c = await call("GET", "/cloudpools/pv/pool", { token });
    expect(["TERMINATING", "TERMINATED"]).toContain(c.body.machines.find((m: { id: string }) => m.id === victim).machineState);
  });
});
