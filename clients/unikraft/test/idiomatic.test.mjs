// The SDK's idiomatic layer (`new UnikraftCloud({ baseUrl, token })`: ukc.services,
// ukc.instances and their chainable handles; autoscale has no idiomatic wrapper in 0.2.0, so it
// goes through the same client's `ukc.api.platform.autoscale`), unmodified, against a Scalegate
// started for the run. Every call must not throw, and what it resolves to must satisfy the SDK's
// model.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { UnikraftCloud, UnikraftCloudError, collect } from "@unikraft/cloud";
import { unique, useGateway } from "../../harness/gateway.mjs";
import { eventually, everyStep, expectModel, expectSuccess, recordingFetch, sdk } from "../lib/support.mjs";

describe("@unikraft/cloud idiomatic layer (UnikraftCloud)", () => {
  let gw;
  let ukc;
  const rec = recordingFetch();
  const call = (label, fn) => sdk(rec, label, fn);
  const group = unique("shop");
  const s = {};
  const need = (...keys) => {
    for (const k of keys) assert.ok(s[k] !== undefined, `an earlier step did not produce ${k}; this step cannot run`);
  };
  const stateOf = async (ref) => (await call(`instances.get(${JSON.stringify(ref)})`, () => ukc.instances.get(ref))).state;

  before(async () => {
    gw = await useGateway();
    const { token } = await gw.issueToken(unique("ukc-idiomatic"));
    s.token = token;
    // A base URL pins the client to that one endpoint: no metro discovery, no control plane.
    ukc = new UnikraftCloud({ baseUrl: gw.base, token, fetch: rec });
  });
  after(async () => gw?.stop());

  it("services.create", async () => {
    const created = await call("services.create", () => ukc.services.create({ name: group, services: [{ port: 443, destination_port: 8080 }] }));
    s.group = created.uuid; // kept for the next steps before any check
    expectModel(created, "ServiceGroup");
    assert.equal(created.name, group);
  });

  it("services.list", async () => {
    need("group");
    const all = await call("services.list", () => collect(ukc.services.list({ details: true })));
    for (const g of all) expectModel(g, "ServiceGroup", `services.list()[${g.name}]`);
    assert.ok(all.some((g) => g.uuid === s.group), "the group is listed");
  });

  it("services.get by name and by uuid", async () => {
    need("group");
    const byName = await call("services.get name", () => ukc.services.get({ name: group }));
    expectModel(byName, "ServiceGroup");
    assert.equal(byName.uuid, s.group);
    const byUuid = await call("services.get uuid", () => ukc.services.get({ uuid: s.group }));
    assert.equal(byUuid.name, group);
  });

  it("instances.create (two)", async () => {
    need("group");
    await everyStep(
      [["a", `${group}-a`], ["b", `${group}-b`]].map(([key, name]) => async () => {
        const inst = await call(`instances.create ${name}`, () => ukc.instances.create({ name, image: "nginx:latest", memory_mb: 128, service_group: { uuid: s.group } }));
        s[key] = inst.uuid; // kept for the next steps before any check
        expectModel(inst, "Instance", name);
        assert.equal(inst.name, name);
      }),
    );
  });

  it("instances.list", async () => {
    need("a", "b");
    const all = await call("instances.list", () => collect(ukc.instances.list({ details: true })));
    for (const i of all) expectModel(i, "Instance", `instances.list()[${i.name}]`);
    assert.deepEqual(all.filter((i) => i.uuid === s.a || i.uuid === s.b).length, 2, "both instances are listed");
  });

  it("instances.get by name and by uuid", async () => {
    need("a");
    const byName = await call("instances.get name", () => ukc.instances.get({ name: `${group}-a` }));
    expectModel(byName, "Instance");
    assert.equal(byName.uuid, s.a);
    const byUuid = await call("instances.get uuid", () => ukc.instances.get({ uuid: s.a }));
    assert.equal(byUuid.name, `${group}-a`);
    await eventually(() => stateOf({ uuid: s.a }), (st) => st === "running", { what: "instance a running" });
  });

  it("instances.get(ref).stop() and .start()", async () => {
    need("a");
    const stopped = await call("instances.get().stop()", () => ukc.instances.get({ uuid: s.a }).stop());
    expectModel(stopped, "StopInstancesResponseStoppedInstance");
    assert.equal(stopped.uuid, s.a);
    await eventually(() => stateOf({ uuid: s.a }), (st) => st === "stopped", { what: "instance a stopped" });
    const started = await call("instances.get().start()", () => ukc.instances.get({ name: `${group}-a` }).start());
    expectModel(started, "StartInstancesResponseStartedInstance");
    assert.equal(started.uuid, s.a);
  });

  it("instances.stop([...]) and instances.start([...]) (batch)", async () => {
    need("a", "b");
    await eventually(() => stateOf({ uuid: s.b }), (st) => st === "running", { what: "instance b running" });
    const stopped = await call("instances.stop([..])", () => ukc.instances.stop([{ uuid: s.a }, { name: `${group}-b` }]));
    assert.deepEqual(stopped.map((i) => i.uuid).sort(), [s.a, s.b].sort());
    for (const i of stopped) expectModel(i, "StopInstancesResponseStoppedInstance", `stop()[${i.name}]`);
    await eventually(() => stateOf({ uuid: s.b }), (st) => st === "stopped", { what: "instance b stopped" });
    await eventually(() => stateOf({ uuid: s.a }), (st) => st === "stopped", { what: "instance a stopped" });
    const started = await call("instances.start([..])", () => ukc.instances.start([{ name: `${group}-a` }, { uuid: s.b }]));
    assert.deepEqual(started.map((i) => i.uuid).sort(), [s.a, s.b].sort());
  });

  it("autoscale through ukc.api.platform.autoscale: create (create_args.template), get, policy, delete", async () => {
    need("group", "a");
    const as = ukc.api.platform.autoscale;
    const created = await call("createAutoscaleConfigurations", () =>
      as.createAutoscaleConfigurations({ body: [{ uuid: s.group, min_size: 1, max_size: 3, create_args: { template: { uuid: s.a } } }] }),
    );
    expectSuccess(created, "CreateAutoscaleConfigurationsResponse", "service_groups");
    const [cfg] = expectSuccess(await call("getAutoscaleConfigurations", () => as.getAutoscaleConfigurations({ name: [group] })), "GetAutoscaleConfigurationsResponse", "service_groups");
    assert.deepEqual(cfg.template, { uuid: s.a, name: `${group}-a` });
    const [p] = expectSuccess(
      await call("createAutoscaleConfigurationPolicy", () =>
        as.createAutoscaleConfigurationPolicy(s.group, { body: { name: "scale-out", type: { name: "scale-out", metric: "cpu", adjustment_type: "change", steps: [{ lower_bound: 700, adjustment: 1 }] } } }),
      ),
      "CreateAutoscaleConfigurationPolicyResponse",
      "policies",
    );
    assert.equal(p.name, "scale-out");
    const [got] = expectSuccess(await call("getAutoscaleConfigurationPolicyByName", () => as.getAutoscaleConfigurationPolicyByName(s.group, "scale-out")), "GetAutoscaleConfigurationPolicyResponse", "policies");
    assert.equal(got.policy.name, "scale-out");
    expectSuccess(await call("deleteAutoscaleConfigurations", () => as.deleteAutoscaleConfigurations({ body: [{ uuid: s.group }] })), "DeleteAutoscaleConfigurationsResponse", "service_groups");
  });

  it("instances.get(ref).delete(), instances.delete([...]), then get of a deleted instance is the SDK's 404", async () => {
    need("a", "b");
    const one = await call("instances.get().delete()", () => ukc.instances.get({ name: `${group}-a` }).delete());
    expectModel(one, "DeleteInstancesResponseInstance");
    assert.equal(one.uuid, s.a);
    const batch = await call("instances.delete([..])", () => ukc.instances.delete([{ uuid: s.b }]));
    assert.deepEqual(batch.map((i) => i.uuid), [s.b]);
    // The SDK reads the entry's error code 8 of an HTTP 200 answer as "not found".
    await assert.rejects(
      () => ukc.instances.get({ uuid: s.a }),
      (err) => err instanceof UnikraftCloudError && err.status === 404,
      "a read of a deleted instance rejects with the SDK's 404",
    );
  });

  it("instances.list() also lists the machines of the tenant's elastisys pool, each a whole Instance", async () => {
    // The same tenant runs an elastisys pool (one model: its machines are instances too).
    const pool = unique("pool");
    const bearer = { authorization: `Bearer ${s.token}`, "content-type": "application/json" };
    for (const [p, body] of [[`/cloudpools/${pool}/config`, { provider: { type: "simulated", requestDelayMs: 0, bootDelayMs: 0 } }], [`/cloudpools/${pool}/pool/size`, { desiredSize: 1 }]]) {
      const res = await fetch(gw.base + p, { method: "POST", headers: bearer, body: JSON.stringify(body) });
      assert.equal(res.status, 200, `setup ${p}: ${await res.text()}`);
    }
    const mine = await eventually(
      async () => (await call("instances.list", () => collect(ukc.instances.list({ details: true })))).filter((i) => i.service_group?.name === pool),
      (list) => list.length === 1,
      { what: "the pool's machine listed as an instance" },
    );
    expectModel(mine[0], "Instance", `the machine of elastisys pool ${pool}`);
  });

  it("services.get(ref).delete() and services.delete([...])", async () => {
    need("group");
    const deleted = await eventually(
      async () => {
        try {
          return await ukc.services.get({ uuid: s.group }).delete();
        } catch (err) {
          // Refused while the deleted instances are still attached (error 7): try again.
          if (err instanceof UnikraftCloudError && err.body?.data?.service_groups?.[0]?.error === 7) return null;
          throw err;
        }
      },
      (v) => v !== null,
      { what: "the service group deleted once its instances are gone" },
    );
    expectModel(deleted, "DeleteServiceGroupsResponseDeletedServiceGroup");
    assert.equal(deleted.uuid, s.group);

    const other = await call("services.create", () => ukc.services.create({ name: `${group}-x`, services: [{ port: 443 }] }));
    const batch = await call("services.delete([..])", () => ukc.services.delete([{ name: `${group}-x` }]));
    assert.deepEqual(batch.map((g) => g.uuid), [other.uuid]);
  });
});
