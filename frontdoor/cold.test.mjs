// The cold path with a real upstream (issue 11, Proof): a service whose webhook provider reports
// 127.0.0.N addresses, autoscale with min_size 0. The first request after the group went to
// standby is held, the group is woken (a ledger record names the request), and the upstream
// answers once the machine reports RUNNING, with Scalegate-Cold-Start; 150 concurrent requests
// against max_pending 100 → 100 answered, 50 × 503 with Retry-After.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hit, ledger, members, service, suiteGateway, until } from "./support.mjs";

const suite = suiteGateway();
const fleets = suite.fleets;

/** A service asleep: idle for its cooldown, the master in standby. */
async function asleep(prefix, settings = {}, bootMs = 400) {
  const s = await service(suite.gw, prefix, { bootMs, autoscale: { min_size: 0, max_size: 2, cooldown_time_ms: 1000, ...settings } });
  fleets.push(s.fleet);
  await until("standby", async () => (await members(suite.gw, s.token, s.group)).every((m) => m.machineState === "TERMINATED"));
  return s;
}

describe("cold path", () => {
  it("the first request is held, the group woken, and the upstream answers after the machine reports running", async () => {
    const s = await asleep("cold");
    const r = await hit(suite.gw, s.domain, "/hello?x=1", { headers: { "x-request-id": "held-request-1" } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.path, "/hello");
    assert.match(r.json.member, /^127\.0\.0\.\d+$/);
    const cold = Number(r.headers["scalegate-cold-start"]);
    assert.ok(cold >= s.fleet.bootMs, `Scalegate-Cold-Start ${r.headers["scalegate-cold-start"]} ≥ boot ${s.fleet.bootMs}`);
    assert.ok(r.ms >= cold, "the answer came after the wait");
    const wake = (await ledger(suite.gw, s.token, s.group)).find((a) => a.type === "frontdoor.wake");
    assert.ok(wake, "a frontdoor.wake record");
    assert.match(JSON.stringify(wake), /held-request-1/);
    // Warm now: the next request is not held.
    const warm = await hit(suite.gw, s.domain, "/again");
    assert.equal(warm.status, 200);
    assert.equal(warm.headers["scalegate-cold-start"], undefined);
  });

  it("150 concurrent requests against max_pending 100: 100 answered by the upstream, 50 × 503 with Retry-After", async () => {
    const s = await asleep("burst", { max_pending: 100 }, 1500);
    const answers = await Promise.all(Array.from({ length: 150 }, (_, i) => hit(suite.gw, s.domain, `/r/${i}`)));
    const ok = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 503);
    assert.equal(ok.length, 100, JSON.stringify(answers.filter((a) => a.status !== 200 && a.status !== 503).map((a) => [a.status, a.text]).slice(0, 3)));
    assert.equal(refused.length, 50);
    for (const a of refused) {
      assert.equal(a.headers["retry-after"], "1");
      assert.equal(a.json.error, "too_many_pending");
      assert.equal(a.json.service_group, s.group);
    }
    for (const a of ok) assert.ok(Number(a.headers["scalegate-cold-start"]) >= 1000);
    assert.equal(new Set(ok.map((a) => a.json.path)).size, 100);
  });
});
