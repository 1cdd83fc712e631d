// The console's live feed (src/objects/feed.ts, src/console/publish.ts): a WebSocket per console
// tab to the tenant's ConsoleFeed object. A command's commit and a timer's commit (a machine
// step) reach the socket as a change event within a second; another tenant's socket hears
// nothing; the feed keeps a group's counts for the chart (only when they change); the socket is
// refused without a session, without Upgrade and from another origin.
import { SELF, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { advance, call, groupStub } from "./helpers";
import { newTenant, signIn, uniq, withCookie, type Session } from "./console-support";

interface Socket {
  ws: WebSocket;
  messages: any[];
  /** The next message matching `pred` within `ms` (and how long it took). */
  next(pred: (m: any) => boolean, ms?: number): Promise<{ message: any; waitedMs: number }>;
}

async function openFeed(s: Session): Promise<Socket> {
  const res = await SELF.fetch("http://scalegate.test/console/api/feed", { headers: { Upgrade: "websocket", Cookie: s.cookie } });
  expect(res.status).toBe(101);
  const ws = res.webSocket!;
  ws.accept();
  const messages: any[] = [];
  // A block, not an expression: an event handler that returns a value draws a runtime warning.
  ws.addEventListener("message", (e) => {
    messages.push(typeof e.data === "string" && e.data.startsWith("{") ? JSON.parse(e.data) : e.data);
  });
  return {
    ws,
    messages,
    async next(pred, ms = 1000) {
      const start = Date.now();
      let seen = 0;
      for (;;) {
        const found = messages.slice(seen).find(pred);
        if (found) {
          messages.splice(messages.indexOf(found), 1);
          return { message: found, waitedMs: Date.now() - start };
        }
        seen = 0;
        if (Date.now() - start > ms) throw new Error(`no matching message within ${ms} ms; got ${JSON.stringify(messages)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}

const feedStub = (tenant: string) => env.FEEDS.get(env.FEEDS.idFromName(tenant));

describe("the live feed", () => {
  it("a command on a group reaches the tenant's socket within a second, with the group's counts; another tenant hears nothing", async () => {
    const a = await newTenant("feed");
    const b = await newTenant("feed");
    const sa = await signIn(a.token);
    const sockA = await openFeed(sa);
    const sockB = await openFeed(await signIn(b.token));
    await sockA.next((m) => m.type === "hello");
    const pool = uniq("pool");
    const go = withCookie(sa);
    expect((await go("POST", `/cloudpools/${pool}/config`, { body: {}, csrf: true })).status).toBe(200);
    const t0 = Date.now();
    expect((await go("POST", `/cloudpools/${pool}/pool/size`, { body: { desiredSize: 2 }, csrf: true })).status).toBe(200);
    const { message } = await sockA.next((m) => m.type === "change" && m.types.includes("pool.set_desired_size"));
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(message).toMatchObject({ target: { kind: "group", id: pool }, counts: { desired: 2, running: 0, starting: 2, draining: 0 } });
    // A machine step on the group's timers (no request) is published too.
    await advance(groupStub(a.tenant, pool), 5_000);
    const stepped = await sockA.next((m) => m.type === "change" && m.counts?.running === 2, 2000);
    expect(stepped.message.target).toEqual({ kind: "group", id: pool });
    await new Promise((r) => setTimeout(r, 200));
    expect(sockB.messages.filter((m) => m.type === "change")).toEqual([]);
    sockA.ws.close();
    sockB.ws.close();
  });

  it("Quilt and hook objects publish too; the feed stores a group's counts only when they change", async () => {
    const a = await newTenant("feed");
    const s = await signIn(a.token);
    const sock = await openFeed(s);
    const go = withCookie(s);
    const pool = uniq("pool");
    expect((await go("POST", `/cloudpools/${pool}/config`, { body: {}, csrf: true })).status).toBe(200);
    const ctr = uniq("ctr");
    const r = await go("POST", `/api/elasticity/control/containers/${ctr}/resize`, {
      body: { memory_limit_mb: 256, cpu_limit_percent: 50 },
      csrf: true,
      headers: { "X-Tenant-Id": a.tenant, "Idempotency-Key": uniq("k"), "X-Orch-Action-Id": uniq("act") },
    });
    expect(r.status, r.text).toBe(200);
    const q = await sock.next((m) => m.type === "change" && m.target.kind === "container");
    expect(q.message).toMatchObject({ target: { kind: "container", id: ctr }, types: ["elasticity.resize_container"] });
    expect(q.message.counts).toBeUndefined();
    const hook = await go("POST", "/hooks", { body: { name: "h", group: pool, format: "generic", action: { type: "change", value: 1 } }, csrf: true });
    expect(hook.status).toBe(201);
    await sock.next((m) => m.type === "change" && m.target.kind === "hook");

    // Direct: what the feed stored for the group (configure → size 0; unchanged publishes add nothing).
    const feed = feedStub(a.tenant);
    const before = (await feed.series(pool, 0)).points;
    expect(before.length).toBeGreaterThanOrEqual(1);
    const last = before[before.length - 1];
    await feed.publish({ target: { kind: "group", id: pool }, at: Date.now(), types: [], counts: { desired: last.desired, running: last.running, starting: last.starting, draining: last.draining }, cpu: last.cpu });
    expect((await feed.series(pool, 0)).points).toHaveLength(before.length);
    const published = await feed.publish({ target: { kind: "group", id: pool }, at: Date.now() + 1, types: ["x"], counts: { desired: 9, running: 1, starting: 8, draining: 0 }, cpu: 120 });
    expect(published).toEqual({ ok: true, delivered: 1 });
    const after = (await feed.series(pool, 0)).points;
    expect(after).toHaveLength(before.length + 1);
    expect(after[after.length - 1]).toMatchObject({ desired: 9, running: 1, starting: 8, draining: 0, cpu: 120 });
    await sock.next((m) => m.type === "change" && m.types[0] === "x");
    // The group view's chart reads them.
    const detail = await go("GET", `/console/api/groups/${pool}`);
    expect(detail.body.series.desired).toContain(9);
    sock.ws.close();
  });

  it("changes close together are merged: at most one event per object per 250 ms, the last one naming every change and the state after them", async () => {
    const a = await newTenant("feed");
    const s = await signIn(a.token);
    const sock = await openFeed(s);
    await sock.next((m) => m.type === "hello");
    const pool = uniq("pool");
    const go = withCookie(s);
    expect((await go("POST", `/cloudpools/${pool}/config`, { body: {}, csrf: true })).status).toBe(200);
    const t0 = Date.now();
    for (const size of [1, 2, 3, 4]) expect((await go("POST", `/cloudpools/${pool}/pool/size`, { body: { desiredSize: size }, csrf: true })).status).toBe(200);
    const elapsed = Date.now() - t0;
    // The last write's change arrives (in the trailing event of its interval) with the state after it.
    const { message: last } = await sock.next((m) => m.type === "change" && m.target?.id === pool && m.counts?.desired === 4, 2000);
    expect(last.types).toContain("pool.set_desired_size");
    await new Promise((r) => setTimeout(r, 300));
    const events = [last, ...sock.messages.filter((m) => m.type === "change" && m.target?.id === pool)];
    // Five commands (config and four sizes) in `elapsed` ms: one event at once, then at most one per 250 ms.
    expect(events.length).toBeLessThanOrEqual(2 + Math.ceil(elapsed / 250));
    sock.ws.close();
  });

  it("answers ping with pong (the runtime's auto-response: a hibernating feed is not woken), other messages with an error", async () => {
    const a = await newTenant("feed");
    const sock = await openFeed(await signIn(a.token));
    sock.ws.send("ping");
    await sock.next((m) => m === "pong");
    sock.ws.send("hello?");
    const e = await sock.next((m) => m.type === "error");
    expect(e.message.message).toMatch(/only sends/);
    expect((await feedStub(a.tenant).sockets()).open).toBe(1);
    sock.ws.close();
  });

  it("closes a socket when its session ends: at once when the token is revoked, at the next event once it expired (close 4001)", async () => {
    const a = await newTenant("feed");
    const revoked = await openFeed(await signIn(a.token));
    const closed = new Promise<CloseEvent>((resolve) => revoked.ws.addEventListener("close", resolve));
    expect((await call("DELETE", `/admin/tenants/${a.tenant}/tokens/${a.tokenId}`, { token: "test-admin-token" })).status).toBe(204);
    const ev = await closed;
    expect(ev.code).toBe(4001);
    expect(ev.reason).toMatch(/revoked/);

    // A bearer-token client's socket ends with its token too.
    const c = await newTenant("feed");
    const bearer = await SELF.fetch("http://scalegate.test/console/api/feed", { headers: { Upgrade: "websocket", Authorization: `Bearer ${c.token}` } });
    expect(bearer.status).toBe(101);
    bearer.webSocket!.accept();
    const bearerClosed = new Promise<CloseEvent>((resolve) => bearer.webSocket!.addEventListener("close", resolve));
    expect((await call("DELETE", `/admin/tenants/${c.tenant}/tokens/${c.tokenId}`, { token: "test-admin-token" })).status).toBe(204);
    expect((await bearerClosed).code).toBe(4001);

    const b = await newTenant("feed");
    const s = await signIn(b.token);
    await env.DB.prepare("UPDATE console_sessions SET expires_at = ?1 WHERE token_id = ?2").bind(Date.now() + 300, b.tokenId).run();
    const expiring = await openFeed(s);
    const other = await openFeed(await signIn(b.token)); // another session of the token, not expiring
    const ended = new Promise<CloseEvent>((resolve) => expiring.ws.addEventListener("close", resolve));
    await new Promise((r) => setTimeout(r, 350));
    await feedStub(b.tenant).publish({ target: { kind: "group", id: "g" }, at: Date.now(), types: ["x"] });
    expect((await ended).code).toBe(4001);
    await other.next((m) => m.type === "change" && m.types[0] === "x");
    expect(expiring.messages.filter((m) => m.type === "change")).toEqual([]);
    other.ws.close();
  });

  it("refuses a socket without a session (401), without Upgrade (426), from another origin (403), with a pool-scoped token (403)", async () => {
    const a = await newTenant("feed");
    const s = await signIn(a.token);
    const none = await SELF.fetch("http://scalegate.test/console/api/feed", { headers: { Upgrade: "websocket" } });
    expect(none.status).toBe(401);
    const plain = await withCookie(s)("GET", "/console/api/feed");
    expect(plain.status).toBe(426);
    expect(plain.body.message).toMatch(/WebSocket/);
    const foreign = await SELF.fetch("http://scalegate.test/console/api/feed", { headers: { Upgrade: "websocket", Cookie: s.cookie, Origin: "https://evil.example" } });
    expect(foreign.status).toBe(403);
    const same = await SELF.fetch("http://scalegate.test/console/api/feed", { headers: { Upgrade: "websocket", Cookie: s.cookie, Origin: "http://scalegate.test" } });
    expect(same.status).toBe(101);
    same.webSocket!.accept();
    same.webSocket!.close();
    const scoped = await call("POST", `/admin/tenants/${a.tenant}/tokens`, { token: "test-admin-token", body: { pool: "p" } });
    const pool = await SELF.fetch("http://scalegate.test/console/api/feed", { headers: { Upgrade: "websocket", Authorization: `Bearer ${scoped.body.token}` } });
    expect(pool.status).toBe(403);
  });
});
