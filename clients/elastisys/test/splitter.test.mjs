// The elastisys splitter's view of a cloud pool: it knows a pool by a base URL and appends
// `/pool`, `/pool/size`, `/pool/{machine}/...` and `/config` to it, so the pool must answer at
// the root of a host. Scalegate serves that shape to a pool-scoped token. Requests go out as the
// splitter's Apache HttpClient sends them (lib/apache-httpclient.mjs): Basic credentials through
// challenge-response, hand-formatted JSON, `attach` with no body.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { unique, useGateway } from "../../harness/gateway.mjs";
import { ApacheHttpClient } from "../lib/apache-httpclient.mjs";
import { eventually, expectMachine, expectPool, expectSize, gsonPretty, onWire, splitterBody } from "../lib/flow.mjs";

describe("elastisys splitter (root URL shape, pool-scoped token, HTTP Basic)", () => {
  let gw;
  let client;
  let base;
  const tenant = unique("splitter");
  const pool = unique("pool");
  const s = {};
  const exec = (label, method, p, body) => onWire(client, label, () => client.execute(method, base + p, body));
  const readPool = async () => (await exec("GET /pool", "GET", "/pool")).json;
  const need = (...keys) => {
    for (const k of keys) assert.ok(s[k] !== undefined, `an earlier step did not produce ${k}; this step cannot run`);
  };

  before(async () => {
    gw = await useGateway();
    const { token } = await gw.issueToken(tenant, { pool });
    // The splitter's configuration names the pool's base URL and basic credentials.
    base = gw.base;
    client = new ApacheHttpClient({ username: "splitter", password: token });
  });
  after(async () => gw?.stop());

  it("POST /config (Gson pretty JSON) creates the pool; the first try is challenged with Basic", async () => {
    const config = { provider: { type: "simulated", requestDelayMs: 0, bootDelayMs: 0, terminateDelayMs: 0 }, victimSelectionPolicy: "NEWEST_INSTANCE" };
    const res = await exec("POST /config", "POST", "/config", gsonPretty(config));
    assert.equal(res.status, 200);
    assert.equal(res.challenged, true, "the request without credentials got a 401 with a Basic challenge");
    assert.equal(res.firstAttempt.status, 401);
    assert.match(String(res.firstAttempt.wwwAuthenticate), /Basic realm="[^"]+"/, "WWW-Authenticate offers Basic with a realm");
    s.configured = true;
  });

  it("GET /config", async () => {
    need("configured");
    const { json } = await exec("GET /config", "GET", "/config");
    assert.equal(json?.provider?.type, "simulated");
    assert.equal(json?.victimSelectionPolicy, "NEWEST_INSTANCE");
  });

  it("POST /pool/size `{ \"desiredSize\": 3 }`, then GET /pool/size", async () => {
    need("configured");
    const set = await exec("POST /pool/size", "POST", "/pool/size", splitterBody.size(3));
    assert.equal(set.status, 200);
    const size = expectSize((await exec("GET /pool/size", "GET", "/pool/size")).json);
    assert.equal(size.desiredSize, 3);
  });

  it("GET /pool: machines with the fields the splitter reads", async () => {
    need("configured");
    const pool = await eventually(readPool, (p) => p?.machines?.filter((m) => m.machineState === "RUNNING").length === 3, { what: "3 RUNNING machines" });
    [s.m1, s.m2, s.m3] = pool.machines.map((m) => m.id); // kept for the next steps before any check
    expectPool(pool);
    for (const m of pool.machines) {
      assert.deepEqual(m.membershipStatus, { active: true, evictable: true }, `a member in service: ${JSON.stringify(m)}`);
      assert.ok(m.privateIps.length > 0 && m.publicIps.length > 0, "IPs once running");
      assert.notEqual(m.launchTime, null);
    }
    const size = expectSize((await exec("GET /pool/size", "GET", "/pool/size")).json);
    assert.deepEqual([size.desiredSize, size.allocated, size.active], [3, 3, 3]);
  });

  it("POST /pool/{machine}/serviceState OUT_OF_SERVICE: membershipStatus follows", async () => {
    need("m1");
    await exec("serviceState", "POST", `/pool/${s.m1}/serviceState`, splitterBody.serviceState("OUT_OF_SERVICE"));
    const pool = await readPool();
    const m = expectMachine(pool.machines.find((x) => x.id === s.m1), s.m1);
    assert.equal(m.serviceState, "OUT_OF_SERVICE");
    assert.deepEqual(m.membershipStatus, { active: false, evictable: false }, "out of service: not active, not evictable");
    await exec("serviceState", "POST", `/pool/${s.m1}/serviceState`, splitterBody.serviceState("IN_SERVICE"));
  });

  it("POST /pool/{machine}/detach, then attach with no body and no Content-Type", async () => {
    need("m2");
    await exec("detach", "POST", `/pool/${s.m2}/detach`, splitterBody.decrement(true));
    let pool = await readPool();
    assert.ok(!pool.machines.some((m) => m.id === s.m2), "a detached machine is no longer listed");
    const attach = await exec("attach", "POST", `/pool/${s.m2}/attach`);
    assert.equal(attach.status, 200);
    const sent = client.wire[client.wire.length - 1];
    assert.ok(sent.head.includes("Content-Length: 0") && !sent.head.some((h) => /^Content-Type:/i.test(h)), `attach went out with no body and no Content-Type:\n${sent.head.join("\n")}`);
    pool = await readPool();
    const back = expectMachine(pool.machines.find((m) => m.id === s.m2) ?? assert.fail("the attached machine is listed again"), s.m2);
    assert.equal(back.membershipStatus.active, true);
    const size = expectSize((await exec("GET /pool/size", "GET", "/pool/size")).json);
    assert.equal(size.desiredSize, 3, "detach -1, attach +1");
  });

  it("POST /pool/{machine}/terminate `{ \"decrementDesiredSize\": true }`", async () => {
    need("m3");
    await exec("terminate", "POST", `/pool/${s.m3}/terminate`, splitterBody.decrement(true));
    const size = expectSize((await exec("GET /pool/size", "GET", "/pool/size")).json);
    assert.equal(size.desiredSize, 2);
    await eventually(readPool, (p) => p.machines.filter((m) => m.membershipStatus?.active && m.machineState === "RUNNING").length === 2, { what: "2 active machines" });
  });

  it("the scoped token reaches its own pool only", async () => {
    need("configured");
    // Another pool of the same tenant, through the path shape: 403.
    await assert.rejects(() => client.execute("GET", `${base}/cloudpools/${pool}-other/pool`), (err) => err.status === 403);
    // Its own pool through the path shape is the same pool.
    const { json } = await exec("GET /cloudpools/{pool}/pool/size", "GET", `/cloudpools/${pool}/pool/size`);
    assert.equal(json.desiredSize, 2);
  });
});
