// The one idempotency mechanism on a rollback (issue 10): a Quilt action's rollback awaits other
// objects before its own command, so it begins its request itself. While it runs, the same key is
// IN_FLIGHT; an object killed in the middle leaves nothing behind (in flight was in memory only),
// so the same key then runs; once completed, it replays, and a different request is a conflict.
// A command claims its key from memory and writes the record only where none is stored: a key
// stored before the object's restart is still replayed (or a conflict) and changes nothing, and
// a record past its retention that the expiry timer has not deleted yet lets the key run again.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { PROVIDER_CACHE_MS } from "../src/objects/target";
import { freezeClock, releaseClock, setClock } from "./clock";
import { settle, storageAndLedger } from "./helpers";
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
    // container (undoOperation looks up the container's provider first). The container keeps the
    // provider its resize asked for (src/objects/target.ts): a notice makes it ask again.
    await stubOf("container", "c-rb").forgetProvider();
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

describe("a keyed command whose record this life of the object does not know", () => {
  // A command claims its key from memory and stores the record only if none is live (one
  // statement, src/objects/idempotency.ts `claim`); a stored key it did not know rolls the
  // attempt back and is answered from storage.
  it("replays the stored answer after a restart; a different request with the key is a conflict; neither changes anything", async () => {
    const c = "c-new-life";
    const g = "g-new-life";
    const resize = { memory_limit_mb: 256, cpu_limit_percent: 50 };
    const first = await stubOf("container", c).resizeContainer(ctx("container", c, { idempotencyKey: "nl-1", actionId: "act-nl" }), resize);
    expect(first.ok).toBe(true);
    expect((await stubOf("group", g).configure(ctx("group", g), { updatePeriodSeconds: 3600 })).ok).toBe(true);
    const sized = await stubOf("group", g).setDesiredSize(ctx("group", g, { idempotencyKey: "nl-2" }), 3);
    expect(sized).toMatchObject({ ok: true, replayed: false });
    await killAll();

    // Both objects' pushes first: each snapshot reads the tenant's whole D1 ledger.
    const both = async () => {
      await Promise.all([settle(stubOf("container", c)), settle(stubOf("group", g))]);
      return { c: await storageAndLedger(stubOf("container", c), TENANT), g: await storageAndLedger(stubOf("group", g), TENANT) };
    };
    const before = await both();
    const again = await stubOf("container", c).resizeContainer(ctx("container", c, { idempotencyKey: "nl-1", actionId: "act-nl" }), resize);
    expect(again).toMatchObject({ ok: true, replayed: true });
    if (first.ok && again.ok) expect(again.operation.id).toBe(first.operation.id);
    expect(await stubOf("group", g).setDesiredSize(ctx("group", g, { idempotencyKey: "nl-2" }), 3)).toMatchObject({ ok: true, replayed: true, desiredSize: 3 });
    expect(await stubOf("container", c).resizeContainer(ctx("container", c, { idempotencyKey: "nl-1", actionId: "act-nl" }), { ...resize, memory_limit_mb: 512 })).toMatchObject({ ok: false, code: "IDEMPOTENCY_CONFLICT" });
    expect(await stubOf("group", g).setDesiredSize(ctx("group", g, { idempotencyKey: "nl-2" }), 4)).toMatchObject({ ok: false, code: "IDEMPOTENCY_CONFLICT" });
    await killAll(); // the attempts' rollbacks left nothing in memory either
    expect(await both()).toEqual(before);
    expect(await stubOf("group", g).getSize()).toMatchObject({ ok: true, desiredSize: 3 });
  });
});

describe("a key past its retention whose record is not deleted yet", () => {
  it("runs as a new request (the expired record is replaced), then replays", async () => {
    const c = "c-expired";
    const key = { idempotencyKey: "ex-1", actionId: "act-ex" };
    expect(await stubOf("container", c).resizeContainer(ctx("container", c, key), { memory_limit_mb: 256, cpu_limit_percent: 50 })).toMatchObject({ ok: true, replayed: false });
    await killAll();
    // The expiry timer has not run yet (src/objects/kernel.ts "idempotency-expiry"); the row says it expired.
    await runInDurableObject(stubOf("container", c), (_i, s) => s.storage.sql.exec(`UPDATE idempotency SET expires_at = ?`, Date.now() - 1));
    const fresh = await stubOf("container", c).resizeContainer(ctx("container", c, key), { memory_limit_mb: 512, cpu_limit_percent: 50 });
    expect(fresh).toMatchObject({ ok: true, replayed: false });
    if (fresh.ok) expect(fresh.state.memory_limit_mb).toBe(512);
    const replay = await stubOf("container", c).resizeContainer(ctx("container", c, key), { memory_limit_mb: 512, cpu_limit_percent: 50 });
    expect(replay).toMatchObject({ ok: true, replayed: true });
    if (fresh.ok && replay.ok) expect(replay.operation.id).toBe(fresh.operation.id);
    await killAll();
    expect(await stubOf("container", c).resizeContainer(ctx("container", c, key), { memory_limit_mb: 512, cpu_limit_percent: 50 })).toMatchObject({ ok: true, replayed: true });
  });
});

describe("expiry of idempotency records", () => {
  it("deletes every expired record in rowid order, past several steps of the walk, and answers the first live one's expiry", async () => {
    const c = stubOf("container", "c-expiry-walk");
    const out = await runInDurableObject(c, (instance, s) => {
      const sql = s.storage.sql;
      const now = 1_000_000;
      for (let i = 0; i < 600; i++) sql.exec(`INSERT INTO idempotency (scope, fingerprint, response, expires_at) VALUES (?, '', '{}', ?)`, `old-${i}`, now - 600 + i);
      for (let i = 0; i < 3; i++) sql.exec(`INSERT INTO idempotency (scope, fingerprint, response, expires_at) VALUES (?, '', '{}', ?)`, `live-${i}`, now + 10 + i);
      const k = (instance as unknown as { k: { idempotency: { expire(now: number): number | null } } }).k;
      const next = k.idempotency.expire(now);
      const left = sql.exec<{ scope: string }>(`SELECT scope FROM idempotency ORDER BY rowid`).toArray().map((r) => r.scope);
      const none = (k.idempotency.expire(now + 100), sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM idempotency`).one().n);
      return { next, left, none, last: k.idempotency.expire(now + 100) };
    });
    expect(out).toEqual({ next: 1_000_010, left: ["live-0", "live-1", "live-2"], none: 0, last: null });
  });
});

describe("a group's provider change and its container", () => {
  it("calls no container that has not asked for the provider lately (none is created for it)", async () => {
    const g = "g-no-container";
    const group = stubOf("group", g);
    freezeClock();
    expect((await group.configure(ctx("group", g), { updatePeriodSeconds: 3600 })).ok).toBe(true);
    // Past twice the container's keep (src/objects/target.ts): a container that asked this group's
    // earlier life would have dropped what it kept. Calls to container objects hang (the env is
    // shared: released below whatever happens).
    setClock(Date.now() + 2 * PROVIDER_CACHE_MS + 1);
    const gate = await hangCalls(group, "TARGETS");
    try {
      const changed = await group.configure(ctx("group", g), { provider: { type: "webhook", url: "http://127.0.0.1:9/x", secret: "s".repeat(32) } });
      expect(changed.ok).toBe(true);
      expect(gate.reached).toBe(false);
    } finally {
      gate.hang = false;
      releaseClock();
    }
  });
});
