// Scaling on real traffic (issue 11, Proof): the front door's reports feed `reqs_per_sec` per
// member; traffic above a step scales out (the new member then takes requests); traffic below a
// step scales in and the victim drains — it gets no new requests and no request is cut; no proxied
// request for cooldown_time_ms → standby, and the next request wakes the group.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { api, hit, members, service, sleep, suiteGateway, until } from "./support.mjs";

const suite = suiteGateway();
const fleets = suite.fleets;

/** Sends requests for `ms` with `concurrency` loops (each loop one request at a time); all answers. */
async function load(domain, ms, concurrency, path = "/", pauseMs = 0) {
  const end = Date.now() + ms;
  const answers = [];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        answers.push(await hit(suite.gw, domain, path));
        if (pauseMs) await sleep(pauseMs);
      }
    }),
  );
  return answers;
}

const running = async (s) => (await members(suite.gw, s.token, s.group)).filter((m) => m.machineState === "RUNNING");
const desired = async (s) => (await api(suite.gw, s.token, "GET", `/cloudpools/${s.group}/pool/size`)).json.desiredSize;

describe("scaling on real traffic", () => {
  it("traffic above a reqs_per_sec step scales out, and the new member takes requests", async () => {
    const rps = { name: "rps", metric: "reqs_per_sec", adjustment_type: "change", steps: [{ upper_bound: 10, adjustment: 0 }, { lower_bound: 10, adjustment: 1 }] };
    const s = await service(suite.gw, "out", { bootMs: 200, autoscale: { min_size: 1, max_size: 2, warmup_time_ms: 500, cooldown_time_ms: 5000, policies: [rps] } });
    fleets.push(s.fleet);
    const first = await load(s.domain, 3000, 4);
    assert.ok(first.every((a) => a.status === 200), first.find((a) => a.status !== 200)?.text);
    await until("desired 2", async () => (await desired(s)) === 2, 10_000);
    await until("2 running", async () => (await running(s)).length === 2, 10_000);
    const decision = (await api(suite.gw, s.token, "GET", `/cloudpools/${s.group}/activities?limit=500`)).json.activities.find((a) => a.type === "autoscale.decision");
    assert.match(JSON.stringify(decision), /reqs_per_sec/);
    await sleep(1500); // the isolate's view refreshes within a second
    const second = await load(s.domain, 1500, 4);
    assert.equal(new Set(second.map((a) => a.json?.member)).size, 2, "both members answer");
  });

  it("scale-in drains: the victim gets no new requests, none is cut; idle → standby → the next request wakes it", async () => {
    const rps = { name: "rps", metric: "reqs_per_sec", adjustment_type: "change", steps: [{ upper_bound: 4, adjustment: -1 }, { lower_bound: 4, upper_bound: 10, adjustment: 0 }, { lower_bound: 10, adjustment: 1 }] };
    const s = await service(suite.gw, "drain", { bootMs: 200, autoscale: { min_size: 0, max_size: 2, warmup_time_ms: 500, cooldown_time_ms: 3000, policies: [rps] } });
    fleets.push(s.fleet);
    const high = await load(s.domain, 3000, 4);
    assert.ok(high.every((a) => a.status === 200));
    await until("2 running", async () => (await running(s)).length === 2, 10_000);
    // Slow, sparse traffic: below the step → scale-in; the victim drains for cooldown_time_ms.
    const low = await load(s.domain, 9000, 2, "/slow?ms=300", 400);
    const bad = low.filter((a) => a.status !== 200);
    assert.deepEqual(bad.map((a) => [a.status, a.text]), [], "no request cut during scale-in");
    const terminated = s.fleet.events.filter((e) => e.type === "machine.terminate");
    assert.ok(terminated.length >= 1, "a member was scaled in");
    const victim = s.fleet.servers.get(terminated[0].data.machineId).address;
    const lateOnVictim = s.fleet.log.filter((l) => l.address === victim && l.at > terminated[0].at);
    assert.deepEqual(lateOnVictim, [], "nothing reached the victim after its termination");
    // No traffic for cooldown_time_ms: the group goes to standby…
    await until("standby", async () => (await members(suite.gw, s.token, s.group)).every((m) => m.machineState === "TERMINATED"), 20_000);
    // …and the next request wakes it.
    const woke = await hit(suite.gw, s.domain, "/wake");
    assert.equal(woke.status, 200, woke.text);
    assert.ok(Number(woke.headers["scalegate-cold-start"]) >= s.fleet.bootMs);
  });
});
