// Issue 10, read-your-writes without a call per write: an object keeps the records it wrote under a
// Quilt action (src/objects/action-records.ts) and tells the action's object once, with its first
// record of that action, before that write is answered. Later writes under the same action make no
// call to the action's object — not after a restart either — and the action still lists and rolls
// back every answered write, gathered from the objects that hold them.
import { describe, expect, it } from "vitest";
import { hangCalls, kernelTenant, killAll } from "./kernel-support";

const TENANT = "kal-tenant";
const { stubOf, ctx } = kernelTenant(TENANT);

const resize = (id: string, action: string, mb: number) =>
  stubOf("container", id).resizeContainer(ctx("container", id, { actionId: action }), { memory_limit_mb: mb, cpu_limit_percent: 50 });

describe("an action's records stay with the objects that wrote them", () => {
  it("the first write under an action links its object; later ones (also after a restart) call no action object; the action lists them all, oldest first", async () => {
    const action = "act-links";
    const first = await resize("c-a", action, 128);
    const other = await stubOf("workload", "w-a").bindFunction(ctx("workload", "w-a", { actionId: action }), "fn-1");
    expect(first.ok && other.ok).toBe(true);

    // From now on every call from the container to an action object would hang.
    const gate = await hangCalls(stubOf("container", "c-a"), "ACTIONS");
    const second = await resize("c-a", action, 256);
    expect(second.ok).toBe(true);
    expect(gate.reached).toBe(false);
    gate.hang = false; // the isolate's env is shared by its objects and this file: let the rest through

    // A restart loses what the object knew in memory; its storage still says it holds the action.
    await killAll();
    const gate2 = await hangCalls(stubOf("container", "c-a"), "ACTIONS");
    const third = await resize("c-a", action, 512);
    expect(third.ok).toBe(true);
    expect(gate2.reached).toBe(false);
    gate2.hang = false;

    const listed = await stubOf("action", action).listOperations();
    const ids = [first, other, second, third].map((r) => (r.ok ? r.operation.id : ""));
    expect(listed.ok && listed.operations.map((o) => o.id)).toEqual(ids);
    expect(listed.ok && listed.operations.map((o) => o.type)).toEqual([
      "elasticity.resize_container",
      "elasticity.workload_function_binding",
      "elasticity.resize_container",
      "elasticity.resize_container",
    ]);
  });

  it("a rollback right after the writes undoes every one, newest first, and its own record is listed under its action", async () => {
    const action = "act-rb-links";
    expect((await resize("c-b", action, 128)).ok).toBe(true);
    expect((await resize("c-b", action, 256)).ok).toBe(true);
    const rb = await stubOf("action", action).rollbackAction(ctx("action", action, { actionId: "act-rb-links-undo" }), { target_action_id: action, force: true });
    expect(rb.ok, JSON.stringify(rb)).toBe(true);
    const undone = rb.ok ? ((rb.operation.result ? JSON.parse(rb.operation.result) : {}) as { undone: { status: string }[] }).undone : [];
    expect(undone).toHaveLength(2);
    const container = await stubOf("container", "c-b").getContainer();
    // Both undone, newest first: back to the state before the first write (none: the limits it replaced were none).
    expect(container.ok && container.state.memory_limit_mb).not.toBe(256);
    const undoList = await stubOf("action", "act-rb-links-undo").listOperations();
    expect(undoList.ok && undoList.operations.map((o) => o.type)).toEqual(expect.arrayContaining(["elasticity.rollback_action"]));
  });

  it("another tenant's object is not answered: an object's records of an action are filtered by tenant", async () => {
    const action = "act-tenant";
    expect((await resize("c-t", action, 128)).ok).toBe(true);
    const asked = await stubOf("container", "c-t").actionOperations("someone-else", action);
    expect(asked).toEqual({ ok: true, operations: [] });
    const mine = await stubOf("container", "c-t").actionOperations(TENANT, action);
    expect(mine.ok && mine.operations).toHaveLength(1);
  });
});
