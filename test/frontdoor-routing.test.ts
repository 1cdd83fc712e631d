// The front door in the Workers runtime (issue 11), on the simulated provider's embedded app:
// Host routing (a service domain reaches the service on every path, with no credential; any
// other Host reaches the API as before), balancing over running members, the cold path (held,
// woken, answered with Scalegate-Cold-Start, recorded), the bounds (max_pending → 503 with
// Retry-After, hold_timeout_ms → 504), nothing to wake → 503, and a domain whose group is gone.
import { afterEach, describe, expect, it } from "vitest";
import { resetIsolate } from "../src/frontdoor/isolate";
import { SELF } from "cloudflare:test";
import { call, readAnswer } from "./helpers";
import { FAST, autoscale, door, env, instance, machines, records, running, serviceWithDomain, uniq, until } from "./frontdoor-support";

afterEach(() => resetIsolate());

describe("routing by Host", () => {
  it("a service domain reaches the service on every path, API paths included, with no credential", async () => {
    const s = await serviceWithDomain("rt", { provider: FAST });
    const inst = await instance(s, `${s.name}-a`);
    await until("running", async () => (await running(s)).length === 1);
    for (const path of ["/", "/v1/services", "/healthz", "/admin/tenants/x/tokens", "/cloudpools/x/pool?y=1"]) {
      const r = await door(s.domain, path);
      expect(r.status, `${path}: ${r.text}`).toBe(200);
      expect(r.body).toMatchObject({ app: "scalegate simulated instance", service_group: s.name, instance: { uuid: inst.uuid, name: `${s.name}-a` }, method: "GET", path: path.split("?")[0] });
    }
    const post = await door(s.domain, "/form?a=b", { method: "POST", body: "x".repeat(100_000) });
    expect(post.body).toMatchObject({ method: "POST", path: "/form", query: "?a=b", body_bytes: 100_000 });
    // The Host's case, a port and a trailing dot do not matter.
    expect((await door(`${s.domain.toUpperCase()}.:8787`, "/p")).body.service_group).toBe(s.name);
  });

  it("every other Host reaches the API as before", async () => {
    for (const host of ["scalegate.test", "unknown-domain.example.test", "127.0.0.1:8787"]) {
      const r = await door(host, "/healthz");
      expect(r.status, host).toBe(200);
      expect(r.body).toEqual({ status: "ok" });
    }
    const r = await door("nothing-here.example.test", "/v1/services");
    expect(r.status).toBe(401);
  });

  it("odd Hosts (IPv6 literal, empty labels, very long, odd characters) reach the API, never a 500", async () => {
    for (const host of ["[::1]:8787", "a..b.example.test", `${"x".repeat(300)}.test`, "under_score.example.test", "xn--bcher-kva.example.test"]) {
      const r = await door(host, "/healthz");
      expect(r.status, host).toBe(200);
      expect(r.body).toEqual({ status: "ok" });
    }
  });

  it("every method and body reaches the service as sent", async () => {
    const s = await serviceWithDomain("meth", { provider: FAST });
    await instance(s, `${s.name}-a`);
    await until("running", async () => (await running(s)).length === 1);
    for (const method of ["PUT", "PATCH", "DELETE", "OPTIONS"]) {
      const r = await door(s.domain, "/m", { method, body: method === "OPTIONS" ? undefined : "{not json" });
      expect(r.status, method).toBe(200);
      expect(r.body).toMatchObject({ method, path: "/m", body_bytes: method === "OPTIONS" ? 0 : 9 });
    }
    const head = await SELF.fetch(`http://${s.domain}/h`, { method: "HEAD" });
    expect(head.status).toBe(200);
  });

  it("requests are spread over the running members (the fewest in flight, ties in turn)", async () => {
    const s = await serviceWithDomain("bal", { provider: FAST });
    await instance(s, `${s.name}-a`);
    await instance(s, `${s.name}-b`);
    await until("two running", async () => (await running(s)).length === 2);
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) seen.add((await door(s.domain, `/r${i}`)).body.instance.name);
    expect([...seen].sort()).toEqual([`${s.name}-a`, `${s.name}-b`]);
  });

  it("a deleted service's domain reaches the API again; a domain whose group is gone elsewhere is 404 naming it", async () => {
    const s = await serviceWithDomain("del", { provider: FAST });
    const del = await call("DELETE", `/v1/services/${s.uuid}`, { token: s.token });
    expect(del.body.status, del.text).toBe("success");
    expect((await door(s.domain, "/healthz")).body).toEqual({ status: "ok" });
    // A claim row left for a group that does not exist (deleted behind this isolate's back).
    const ghost = `${uniq("ghost")}.example.test`;
    await env.DB.prepare(`INSERT INTO service_domains (domain, tenant_id, group_name, claimed_at) VALUES (?, 'nobody', 'none', ?)`).bind(ghost, Date.now()).run();
    const r = await door(ghost, "/");
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ status: 404, error: "service_gone", service_group: "none" });
  });
});

describe("the cold path on the simulated provider", () => {
  it("a sleeping group: the request is held, the group woken (recorded with the request), answered with Scalegate-Cold-Start", async () => {
    const s = await serviceWithDomain("cold", { provider: { ...FAST, bootDelayMs: 300 } });
    const master = await instance(s, `${s.name}-m`);
    await until("running", async () => (await running(s)).length === 1);
    expect((await autoscale(s, { master: { name: master.name }, min_size: 0, max_size: 2, cooldown_time_ms: 200 })).body.status).toBe("success");
    await until("standby", async () => (await machines(s)).every((m) => m.machineState === "TERMINATED"));
    const r = await door(s.domain, "/first", { headers: { "X-Request-Id": "cold-req-1" } });
    expect(r.status, r.text).toBe(200);
    expect(r.body.instance.uuid).toBe(master.uuid);
    const waited = Number(r.headers.get("Scalegate-Cold-Start"));
    expect(waited).toBeGreaterThanOrEqual(300);
    const [wake] = await records(s, "frontdoor.wake");
    expect(wake.request).toMatchObject({ requestId: "cold-req-1", method: "GET", path: "/first", host: s.domain });
    expect(wake.cause).toContain("cold-req-1");
    expect(wake.result).toMatchObject({ woke: true, instances: [{ uuid: master.uuid, name: master.name }] });
    // Warm now.
    const warm = await door(s.domain, "/second");
    expect(warm.status).toBe(200);
    expect(warm.headers.get("Scalegate-Cold-Start")).toBeNull();
  });

  it("beyond max_pending: 503 with Retry-After; beyond hold_timeout_ms: 504; both naming the group", async () => {
    const s = await serviceWithDomain("bound", { provider: { ...FAST, bootDelayMs: 1500 } });
    const master = await instance(s, `${s.name}-m`);
    await until("running", async () => (await running(s)).length === 1, 15_000);
    await autoscale(s, { master: { name: master.name }, min_size: 0, max_size: 2, cooldown_time_ms: 100, max_pending: 2, hold_timeout_ms: 800 });
    await until("standby", async () => (await machines(s)).every((m) => m.machineState === "TERMINATED"));
    const answers = await Promise.all([1, 2, 3, 4].map((i) => door(s.domain, `/b${i}`)));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([503, 503, 504, 504]);
    for (const a of answers.filter((x) => x.status === 503)) {
      expect(a.headers.get("Retry-After")).toBe("1");
      expect(a.body).toMatchObject({ status: 503, error: "too_many_pending", service_group: s.name });
    }
    for (const a of answers.filter((x) => x.status === 504)) {
      expect(a.body).toMatchObject({ status: 504, error: "hold_timeout", service_group: s.name });
      expect(Number(a.headers.get("Scalegate-Cold-Start"))).toBeGreaterThanOrEqual(800);
    }
  });

  it("nothing running and nothing to wake: 503 at once with the reason", async () => {
    const s = await serviceWithDomain("none", { provider: FAST });
    const r = await door(s.domain, "/");
    expect(r.status).toBe(503);
    expect(r.body).toMatchObject({ error: "no_member", service_group: s.name });
    expect(r.body.message).toMatch(/no running instance/);
    await instance(s, `${s.name}-stopped`, { autostart: false });
    expect((await door(s.domain, "/")).body.error).toBe("no_member");
  });
});

describe("the concurrency limit on warm traffic", () => {
  it("with max_concurrency 1 and the one member busy, a request waits in the isolate for the slot; past hold_timeout_ms it is 504", async () => {
    const s = await serviceWithDomain("conc", { provider: FAST });
    const master = await instance(s, `${s.name}-m`);
    await until("running", async () => (await running(s)).length === 1);
    expect((await autoscale(s, { master: { name: master.name }, min_size: 1, max_size: 1, max_concurrency: 1, hold_timeout_ms: 400 })).body.status).toBe("success");
    await door(s.domain, "/warm"); // the isolate's view is fresh now
    // A request whose body is still being sent keeps the member's one slot.
    let finish!: () => void;
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode("part"));
        finish = () => c.close();
      },
    });
    const busy = SELF.fetch(`http://${s.domain}/busy`, { method: "POST", body, duplex: "half" } as RequestInit);
    await new Promise((r) => setTimeout(r, 50));
    const timedOut = await door(s.domain, "/late");
    expect(timedOut.status).toBe(504);
    expect(timedOut.body).toMatchObject({ error: "hold_timeout", service_group: s.name });
    const waiting = door(s.domain, "/next");
    await new Promise((r) => setTimeout(r, 100));
    finish();
    expect((await readAnswer(await busy)).body).toMatchObject({ path: "/busy", body_bytes: 4 });
    const next = await waiting;
    expect(next.status).toBe(200);
    expect(next.body.path).toBe("/next");
  });
});
