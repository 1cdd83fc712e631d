// The elastisys autoscaler's cloud pool client: its cloud pool URL is
// `<scalegate>/cloudpools/<pool>`, it authenticates with HTTP Basic (password = a tenant token)
// and sends Jackson-pretty-printed JSON. Requests go out as Apache HttpClient sends them
// (lib/apache-httpclient.mjs).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { unique, useGateway } from "../../harness/gateway.mjs";
import { ApacheHttpClient } from "../lib/apache-httpclient.mjs";
import { eventually, expectMachine, expectPool, expectSize, jacksonPretty, onWire } from "../lib/flow.mjs";

describe("elastisys autoscaler (/cloudpools/{pool}, tenant token, HTTP Basic)", () => {
  let gw;
  let client;
  let poolUrl;
  const tenant = unique("autoscaler");
  const pool = unique("web");
  const s = {};
  const exec = (label, method, p, body) => onWire(client, label, () => client.execute(method, poolUrl + p, body));
  const readPool = async () => (await exec("GET /pool", "GET", "/pool")).json;
  const need = (...keys) => {
    for (const k of keys) assert.ok(s[k] !== undefined, `an earlier step did not produce ${k}; this step cannot run`);
  };

  before(async () => {
    gw = await useGateway();
    const { token } = await gw.issueToken(tenant);
    poolUrl = `${gw.base}/cloudpools/${pool}`;
    client = new ApacheHttpClient({ username: "autoscaler", password: token });
  });
  after(async () => gw?.stop());

  it("a 401 carries WWW-Authenticate with Basic (and a realm) and Bearer", async () => {
    const anonymous = new ApacheHttpClient({}); // no credentials: HttpClient hands the 401 back
    await assert.rejects(
      () => anonymous.execute("GET", `${poolUrl}/pool/size`),
      (err) => {
        assert.equal(err.status, 401);
        const challenge = [err.exchange.headers["www-authenticate"] ?? []].flat().join(", ");
        assert.match(challenge, /Basic realm="[^"]+"/, `WWW-Authenticate: ${challenge}`);
        assert.match(challenge, /Bearer/, `WWW-Authenticate: ${challenge}`);
        return true;
      },
    );
  });

  it("POST /config (setup of the pool, Jackson pretty JSON)", async () => {
    const res = await exec("POST /config", "POST", "/config", jacksonPretty({ provider: { type: "simulated", requestDelayMs: 0, bootDelayMs: 0, terminateDelayMs: 0 } }));
    assert.equal(res.status, 200);
    assert.equal(res.challenged, true);
    s.configured = true;
  });

  it("GET /pool/size, POST /pool/size `{\\n  \"desiredSize\" : 2\\n}`", async () => {
    need("configured");
    const before = (await exec("GET /pool/size", "GET", "/pool/size")).json;
    const set = await exec("POST /pool/size", "POST", "/pool/size", jacksonPretty({ desiredSize: 2 }));
    assert.equal(set.status, 200);
    const size = (await exec("GET /pool/size", "GET", "/pool/size")).json;
    expectSize(before);
    assert.equal(before.desiredSize, 0);
    expectSize(size);
    assert.equal(size.desiredSize, 2);
  });

  it("GET /pool: machines with the fields the autoscaler reads", async () => {
    need("configured");
    const p = await eventually(readPool, (x) => x?.machines?.filter((m) => m.machineState === "RUNNING").length === 2, { what: "2 RUNNING machines" });
    [s.a, s.b] = p.machines.map((m) => m.id); // kept for the next steps before any check
    expectPool(p);
    const size = expectSize((await exec("GET /pool/size", "GET", "/pool/size")).json);
    assert.deepEqual([size.desiredSize, size.allocated, size.active], [2, 2, 2]);
  });

  it("POST /pool/{machine}/serviceState `{ \"serviceState\" : \"OUT_OF_SERVICE\" }`", async () => {
    need("a");
    await exec("serviceState", "POST", `/pool/${s.a}/serviceState`, jacksonPretty({ serviceState: "OUT_OF_SERVICE" }));
    const m = expectMachine((await readPool()).machines.find((x) => x.id === s.a), s.a);
    assert.equal(m.serviceState, "OUT_OF_SERVICE");
    assert.equal(m.membershipStatus.active, false);
    const size = expectSize((await exec("GET /pool/size", "GET", "/pool/size")).json);
    assert.equal(size.active, size.allocated - 1, "an out-of-service machine is allocated but not active");
  });

  it("POST /pool/{machine}/terminate `{ \"decrementDesiredSize\" : false }`: replaced", async () => {
    need("b");
    await exec("terminate", "POST", `/pool/${s.b}/terminate`, jacksonPretty({ decrementDesiredSize: false }));
    const p = await eventually(readPool, (x) => x.machines.some((m) => m.id !== s.a && m.id !== s.b && m.machineState === "RUNNING"), { what: "a replacement RUNNING" });
    expectPool(p);
    const size = expectSize((await exec("GET /pool/size", "GET", "/pool/size")).json);
    assert.equal(size.desiredSize, 2);
  });

  it("preemptive Basic (credentials on the first request, as curl -u sends them) is accepted", async () => {
    need("configured");
    const password = client.password;
    const res = await fetch(`${poolUrl}/pool/size`, { headers: { authorization: `Basic ${Buffer.from(`anyone:${password}`).toString("base64")}` } });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(typeof (await res.json()).desiredSize, "number");
  });

  it("a wrong password is refused (401 again after the challenge)", async () => {
    const wrong = new ApacheHttpClient({ username: "autoscaler", password: "sg_0000000000000000_not-a-token" });
    await assert.rejects(() => wrong.execute("GET", `${poolUrl}/pool/size`), (err) => err.status === 401);
    assert.equal(wrong.wire.length, 2, "one try without, one with the credentials");
    assert.ok(wrong.wire[1].head.some((h) => h.startsWith("Authorization: Basic ")));
  });
});
