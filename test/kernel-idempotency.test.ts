// The one idempotency mechanism on a rollback (issue 10): a Quilt action's rollback awaits other
// objects before its own command, so it begins its request itself. While it runs, the same key is
// IN_FLIGHT; an object killed in the middle leaves nothing behind (in flight was in memory only),
// so the same key then runs; once completed, it replays, and a different request is a conflict.
import { describe, expect, it } from "vitest";
import { hangCalls, kernelTenant, killAll, until } from "./kernel-support";

const TENANT = "ki-tenant";
const { stubOf, ctx } = kernelTenant(TENANT);

describe("a rollback killed in the middle", () => {
  it("the same key is IN_FLIGHT while it runs, runs again after the kill, then replays; another request with it is a conflict", async () => {
    const action = "act-rb";
    const resized = await stubOf("container", "c-rb").resizeContainer(ctx("container", "c-rb", { actionId: action }), { memory_limit_mb: 256, cpu_limit_percent: 50 });
    expect(resized.ok).toBe(true);
    const input = { target_action_id: action, force: false };

    // The container's call to its same-named group hangs: the rollback waits in its call to the
    // container (undoOperation looks up the container's provider first).
    const gate = await hangCalls(stubOf("container", "c-rb"), "GROUPS");
    const first = stubOf("action", action).rollbackAction(ctx("action", action, { idempotencyKey: "rb-1" }), input).catch((err: unknown) => ({ ok: false as const, err }));
    await until(async () => gate.reached);
    expect(await stubOf("action", action).rollbackAction(ctx("action", action, { idempotencyKey: "rb-1" }), input)).toMatchObject({ ok: false, code: "IN_FLIGHT" });

    await killAll();
    expect(await first).toMatchObject({ ok: false });
    gate.hang = false;

    const again = await stubOf("action", action).rollbackAction(ctx("action", action, { idempotencyKey: "rb-1" }), input);
    expect(again, JSON.stringify(again)).toMatchObject({ ok: true, replayed: false });
    const replay = await stubOf("action", action).rollbackAction(ctx("action", action, { idempotencyKey: "rb-1" }), input);
    expect(replay).toMatchObject({ ok: true, replayed: true });
    if (again.ok && replay.ok) expect(replay.operation.id).toBe(again.operation.id);
    expect(await stubOf("action", action).rollbackAction(ctx("action", action, { idempotencyKey: "rb-1" }), { ...input, force: true })).toMatchObject({ ok: false, code: "IDEMPOTENCY_CONFLICT" });
  });
});
