// GET /pool without copying an unchanged pool over RPC (issue 10, src/surfaces/elastisys/pool-view.ts):
// GroupObject.getPool(known) answers no machines while the caller's revision is current, and a new
// revision after any change to the group or a machine (commands and timers); over HTTP the answer is
// the same JSON whether the isolate's view was reused or rendered afresh, and a change is seen at once.
import { describe, expect, it } from "vitest";
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
