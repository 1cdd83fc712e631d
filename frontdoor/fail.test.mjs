// A wake that fails never leaves a request hanging (issue 11, Proof; knative/serving#13211):
// a provider that never reports RUNNING → every held request 504 once hold_timeout_ms has passed;
// a provider that rejects the machine → every held request 503 at once, with the reason. An
// upstream that refuses → 502 naming the group, never a 500.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hit, members, service, suiteGateway, until } from "./support.mjs";

const suite = suiteGateway();
const fleets = suite.fleets;

async function asleep(prefix, mode, settings = {}) {
  const s = await service(suite.gw, prefix, { bootMs: 100, mode, autoscale: { min_size: 0, max_size: 2, cooldown_time_ms: 1000, ...settings } });
  fleets.push(s.fleet);
  await until("standby", async () => (await members(suite.gw, s.token, s.group)).every((m) => m.machineState === "TERMINATED"));
  return s;
}

describe("failed wakes", () => {
  it("a provider that never reports running: every held request is 504 within hold_timeout_ms, none hangs", async () => {
    const s = await asleep("never", "never", { hold_timeout_ms: 1500 });
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => hit(suite.gw, s.domain, `/n/${i}`, { timeoutMs: 10_000 })));
    const took = Date.now() - started;
    assert.deepEqual([...new Set(answers.map((a) => a.status))], [504], answers.map((a) => a.text).join("\n").slice(0, 500));
    for (const a of answers) {
      assert.equal(a.json.error, "hold_timeout");
      assert.equal(a.json.service_group, s.group);
      assert.ok(Number(a.headers["scalegate-cold-start"]) >= 1500);
    }
    assert.ok(took < 5000, `answered in ${took} ms`);
  });

  it("a provider that rejects the machine: every held request 503 at once, with the reason", async () => {
    const s = await asleep("reject", "reject", { hold_timeout_ms: 20_000 });
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => hit(suite.gw, s.domain, `/x/${i}`, { timeoutMs: 15_000 })));
    const took = Date.now() - started;
    assert.deepEqual([...new Set(answers.map((a) => a.status))], [503], answers[0].text);
    for (const a of answers) {
      assert.equal(a.json.error, "wake_failed");
      assert.match(a.json.message, /rejected/);
    }
    assert.ok(took < 10_000, `answered in ${took} ms, long before the 20 s hold`);
  });

  it("an upstream that refuses is 502 naming the group (a GET is tried once more first)", async () => {
    const s = await service(suite.gw, "refuse", { bootMs: 50 });
    fleets.push(s.fleet);
    const up = await hit(suite.gw, s.domain, "/up");
    assert.equal(up.status, 200, up.text);
    for (const { server } of s.fleet.servers.values()) await new Promise((r) => server.close(r));
    const down = await hit(suite.gw, s.domain, "/down");
    assert.equal(down.status, 502, down.text);
    assert.equal(down.json.error, "upstream_unreachable");
    assert.equal(down.json.service_group, s.group);
  });
});
