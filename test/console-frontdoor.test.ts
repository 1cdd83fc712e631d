// The console's front-door view (GET /console/api/front-door, issue 11's capability): a service
// group woken from zero by a request on its domain shows one cold start with the request that woke
// it and how long the held requests waited; its traffic numbers and held count; groups without
// domains are not listed; bad input and methods.
import { describe, expect, it } from "vitest";
import { FAST, autoscale, door, instance, machines, running, serviceWithDomain, until } from "./frontdoor-support";
import { signIn, withCookie } from "./console-support";

describe("GET /console/api/front-door", () => {
  it("lists service groups with domains: requests/s, in flight, held, cold starts and their wait", async () => {
    const s = await serviceWithDomain("cfd", { provider: { ...FAST, bootDelayMs: 300 } });
    const go = withCookie(await signIn(s.token));
    expect((await go("POST", `/cloudpools/${s.name}-plain/config`, { body: {}, csrf: true })).status).toBe(200);
    const master = await instance(s, `${s.name}-m`);
    await until("running", async () => (await running(s)).length === 1);
    expect((await autoscale(s, { master: { name: master.name }, min_size: 0, max_size: 2, cooldown_time_ms: 200 })).body.status).toBe("success");
    await until("standby", async () => (await machines(s)).every((m) => m.machineState === "TERMINATED"));
    let r = await go("GET", "/console/api/front-door");
    expect(r.status, r.text).toBe(200);
    expect(r.body.groups.map((g: any) => g.name)).toEqual([s.name]);
    expect(r.body.groups[0]).toMatchObject({ domains: [s.domain], held: 0, cold_starts: 0, cold_start_wait_ms: null, recent_cold_starts: [] });

    const woke = await door(s.domain, "/first", { headers: { "X-Request-Id": "console-cold-1" } });
    expect(woke.status, woke.text).toBe(200);
    r = await go("GET", "/console/api/front-door");
    const g = r.body.groups[0];
    expect(g.cold_starts).toBe(1);
    expect(g.recent_cold_starts[0].request).toBe(`GET ${s.domain}/first`);
    // From the wake to the release of the held request: at least the boot delay.
    expect(g.recent_cold_starts[0].waited_ms).toBeGreaterThanOrEqual(300);
    expect(g.cold_start_wait_ms.last).toBe(g.recent_cold_starts[0].waited_ms);

    // The groups table and the group view carry the same numbers.
    const table = (await go("GET", "/console/api/groups")).body.groups;
    expect(table.find((x: any) => x.name === s.name).front_door).toMatchObject({ held: 0 });
    expect(table.find((x: any) => x.name === `${s.name}-plain`).front_door).toBeNull();
    const detail = (await go("GET", `/console/api/groups/${s.name}`)).body;
    expect(detail.cold_starts).toHaveLength(1);
    expect(detail.group.front_door).not.toBeNull();
  });

  it("bad input and other methods", async () => {
    const s = await serviceWithDomain("cfd");
    const go = withCookie(await signIn(s.token));
    for (const q of ["?limit=0", "?limit=x", "?group=a"]) {
      const r = await go("GET", `/console/api/front-door${q}`);
      expect(r.status, q).toBe(400);
    }
    const post = await go("POST", "/console/api/front-door", { csrf: true });
    expect(post.status).toBe(405);
    expect(post.headers.get("Allow")).toBe("GET");
  });
});
