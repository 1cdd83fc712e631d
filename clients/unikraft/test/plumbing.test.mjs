// The SDK's plumbing layer (ServicesApi, InstancesApi, AutoscaleApi from
// `@unikraft/cloud/api/platform`), unmodified, through an ordinary autoscale workflow against a
// Scalegate started for the run. Every call must not throw, and its answer must satisfy the SDK's
// model of that operation (lib/models.mjs reads them from the SDK itself).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { AutoscaleApi, InstancesApi, ServicesApi } from "@unikraft/cloud/api/platform";
import { unique, useGateway } from "../../harness/gateway.mjs";
import { eventually, everyStep, expectModel, expectSuccess, recordingFetch, sdk } from "../lib/support.mjs";

describe("@unikraft/cloud plumbing layer", () => {
  let gw;
  let services;
  let instances;
  let autoscale;
  const rec = recordingFetch();
  const call = (label, fn) => sdk(rec, label, fn);

  // Names of this run; uuids as the gateway answers them.
  const web = unique("web");
  const api = unique("api");
  const s = {};

  before(async () => {
    gw = await useGateway();
    const { token } = await gw.issueToken(unique("ukc-plumbing"));
    // What a user of the SDK writes to point it at Scalegate: the base URL and the token.
    const config = { baseUrl: gw.base, token, fetch: rec };
    services = new ServicesApi(config);
    instances = new InstancesApi(config);
    autoscale = new AutoscaleApi(config);
  });
  after(async () => gw?.stop());

  const need = (...keys) => {
    for (const k of keys) assert.ok(s[k] !== undefined, `an earlier step did not produce ${k}; this step cannot run`);
  };

  // ------------------------------------------------------------------------------- services

  it("ServicesApi.createServiceGroup (two groups)", async () => {
    await everyStep(
      [["web", web], ["api", api]].map(([key, name]) => async () => {
        const res = await call(`createServiceGroup ${name}`, () =>
          services.createServiceGroup({ body: { name, services: [{ port: 443, destination_port: 8080, handlers: ["tls", "http"] }] } }),
        );
        s[key] = res.data?.service_groups?.[0]?.uuid; // kept for the next steps before any check
        const [group] = expectSuccess(res, "CreateServiceGroupResponse", "service_groups");
        expectModel(group, "ServiceGroup", `${name}: data.service_groups[0]`);
        assert.equal(group.name, name);
      }),
    );
  });

  it("ServicesApi.getServiceGroups (all, and filtered by uuid and by name)", async () => {
    need("web", "api");
    const all = expectSuccess(await call("getServiceGroups", () => services.getServiceGroups()), "GetServiceGroupsResponse", "service_groups");
    assert.ok(all.some((g) => g.uuid === s.web) && all.some((g) => g.uuid === s.api), "both groups are listed");
    for (const g of all) expectModel(g, "ServiceGroup", `service_groups[${g.name}]`);

    const byUuid = expectSuccess(await call("getServiceGroups uuid", () => services.getServiceGroups({ uuid: [s.web] })), "GetServiceGroupsResponse", "service_groups");
    assert.deepEqual(byUuid.map((g) => g.uuid), [s.web], "?uuid= selects that group only");
    const byName = expectSuccess(await call("getServiceGroups name", () => services.getServiceGroups({ name: [web, api], details: true })), "GetServiceGroupsResponse", "service_groups");
    assert.deepEqual(byName.map((g) => g.name).sort(), [web, api].sort(), "?name=a&name=b selects both");
    const counted = expectSuccess(await call("getServiceGroups count", () => services.getServiceGroups({ count: 1 })), "GetServiceGroupsResponse", "service_groups");
    assert.equal(counted.length, 1, "?count=1 answers one group");
  });

  it("ServicesApi.getServiceGroupByUuid", async () => {
    need("web");
    const [group] = expectSuccess(await call("getServiceGroupByUuid", () => services.getServiceGroupByUuid(s.web, { details: true })), "GetServiceGroupsResponse", "service_groups");
    expectModel(group, "ServiceGroup", "service_groups[0]");
    assert.equal(group.uuid, s.web);
    assert.equal(group.services?.[0]?.port, 443);
  });

  // ------------------------------------------------------------------------------ instances

  it("InstancesApi.createInstance (three instances in the group)", async () => {
    need("web");
    await everyStep(
      [
        ["i0", `${web}-0`, { vcpus: 1, image: "nginx:latest" }],
        ["i1", `${web}-1`, { image: { url: "nginx:latest" } }],
        ["i2", `${web}-2`, { image: "nginx:latest", autostart: false }],
      ].map(([key, name, extra]) => async () => {
        const res = await call(`createInstance ${name}`, () =>
          instances.createInstance({ body: { name, memory_mb: 128, service_group: { uuid: s.web }, ...extra } }),
        );
        s[key] = res.data?.instances?.[0]?.uuid; // kept for the next steps before any check
        const [inst] = expectSuccess(res, "CreateInstanceResponse", "instances");
        expectModel(inst, "Instance", `${name}: data.instances[0]`);
        assert.equal(inst.name, name);
      }),
    );
  });

  it("InstancesApi.getInstances (all, filtered by uuid, by name, count, details=false)", async () => {
    need("i0", "i1", "i2");
    const all = expectSuccess(await call("getInstances", () => instances.getInstances({ details: true })), "GetInstancesResponse", "instances");
    for (const i of all) expectModel(i, "Instance", `instances[${i.name}]`);
    assert.ok([s.i0, s.i1, s.i2].every((u) => all.some((i) => i.uuid === u)), "the three instances are listed");

    const byUuid = expectSuccess(await call("getInstances uuid", () => instances.getInstances({ uuid: [s.i0, s.i2] })), "GetInstancesResponse", "instances");
    assert.deepEqual(byUuid.map((i) => i.uuid).sort(), [s.i0, s.i2].sort(), "?uuid=a&uuid=b selects those two");
    const byName = expectSuccess(await call("getInstances name", () => instances.getInstances({ name: [`${web}-1`], details: true })), "GetInstancesResponse", "instances");
    assert.deepEqual(byName.map((i) => i.uuid), [s.i1], "?name= selects that instance");
    expectModel(byName[0], "Instance", "instances[0]");
    const counted = expectSuccess(await call("getInstances count", () => instances.getInstances({ count: 2 })), "GetInstancesResponse", "instances");
    assert.equal(counted.length, 2, "?count=2 answers two instances");
  });

  it("InstancesApi.getInstanceByUuid", async () => {
    need("i0");
    const running = await eventually(
      async () => expectSuccess(await call("getInstanceByUuid", () => instances.getInstanceByUuid(s.i0, { details: true })), "GetInstancesResponse", "instances")[0],
      (i) => i.state === "running",
      { what: `instance ${web}-0 running` },
    );
    expectModel(running, "Instance", "instances[0]");
    assert.equal(running.uuid, s.i0);
    assert.equal(running.service_group?.uuid, s.web);
  });

  it("InstancesApi.stopInstanceByUuid and startInstanceByUuid", async () => {
    need("i0");
    const [stopped] = expectSuccess(await call("stopInstanceByUuid", () => instances.stopInstanceByUuid(s.i0, { body: {} })), "StopInstancesResponse", "instances");
    expectModel(stopped, "StopInstancesResponseStoppedInstance", "instances[0]");
    assert.equal(stopped.uuid, s.i0);
    await eventually(
      async () => expectSuccess(await call("getInstanceByUuid", () => instances.getInstanceByUuid(s.i0)), "GetInstancesResponse", "instances")[0],
      (i) => i.state === "stopped",
      { what: "the stopped instance stopped" },
    );
    const [started] = expectSuccess(await call("startInstanceByUuid", () => instances.startInstanceByUuid(s.i0, { body: {} })), "StartInstancesResponse", "instances");
    expectModel(started, "StartInstancesResponseStartedInstance", "instances[0]");
    assert.equal(started.uuid, s.i0);
  });

  it("InstancesApi.stopInstances and startInstances (batch, by uuid and by name)", async () => {
    need("i1", "i2");
    const stopped = expectSuccess(await call("stopInstances", () => instances.stopInstances({ body: [{ uuid: s.i1 }, { name: `${web}-2` }] })), "StopInstancesResponse", "instances");
    assert.deepEqual(stopped.map((i) => i.uuid).sort(), [s.i1, s.i2].sort());
    await eventually(
      async () => expectSuccess(await call("getInstances", () => instances.getInstances({ uuid: [s.i1, s.i2] })), "GetInstancesResponse", "instances"),
      (list) => list.length === 2 && list.every((i) => i.state === "stopped"),
      { what: "both instances stopped" },
    );
    const started = expectSuccess(await call("startInstances", () => instances.startInstances({ body: [{ name: `${web}-1` }, { uuid: s.i2 }] })), "StartInstancesResponse", "instances");
    for (const i of started) expectModel(i, "StartInstancesResponseStartedInstance", `instances[${i.name}]`);
    assert.deepEqual(started.map((i) => i.uuid).sort(), [s.i1, s.i2].sort());
  });

  it("a whole-request failure is a UnikraftCloudError the SDK can read: HTTP status, message naming the field", async () => {
    need("web");
    const { UnikraftCloudError } = await import("@unikraft/cloud");
    await assert.rejects(
      () => instances.createInstance({ body: { name: `${web}-bad`, image: "nginx:latest", memory_mb: "lots", service_group: { uuid: s.web } } }),
      (err) => {
        assert.ok(err instanceof UnikraftCloudError, `a UnikraftCloudError, got ${err}`);
        assert.equal(err.kind, "http");
        assert.equal(err.status, 400);
        assert.match(err.message, /memory_mb/, "the message names the field");
        assert.equal(err.body?.status, "error");
        return true;
      },
    );
  });

  // ------------------------------------------------------------------------------ autoscale

  it("AutoscaleApi.createAutoscaleConfigurationByServiceGroupUuid (create_args.template, the SDK's form)", async () => {
    need("web", "i0");
    const res = await call("createAutoscaleConfigurationByServiceGroupUuid", () =>
      autoscale.createAutoscaleConfigurationByServiceGroupUuid(s.web, {
        body: {
          uuid: s.web,
          min_size: 1,
          max_size: 4,
          warmup_time_ms: 1000,
          cooldown_time_ms: 1000,
          create_args: { template: { name: `${web}-0` } },
          policies: [{ name: "out", metric: "cpu", adjustment_type: "change", steps: [{ lower_bound: 800, adjustment: 1 }] }],
        },
      }),
    );
    const [item] = expectSuccess(res, "CreateAutoscaleConfigurationsResponse", "service_groups");
    expectModel(item, "CreateAutoscaleConfigurationsResponseConfigurationsResponse", "service_groups[0]");
    assert.equal(item.uuid, s.web);
  });

  it("AutoscaleApi.createAutoscaleConfigurations (batch, the older `master` form)", async () => {
    need("api");
    // The group `api` needs an instance to clone.
    const made = await call("createInstance api master", () => instances.createInstance({ body: { name: `${api}-m`, image: "nginx:latest", service_group: { name: api } } }));
    s.apiMaster = made.data?.instances?.[0]?.uuid;
    const [master] = expectSuccess(made, "CreateInstanceResponse", "instances");
    const res = await call("createAutoscaleConfigurations", () =>
      autoscale.createAutoscaleConfigurations({ body: [{ name: api, min_size: 1, max_size: 2, master: { uuid: master.uuid } }] }),
    );
    const [item] = expectSuccess(res, "CreateAutoscaleConfigurationsResponse", "service_groups");
    expectModel(item, "CreateAutoscaleConfigurationsResponseConfigurationsResponse", "service_groups[0]");
    assert.equal(item.uuid, s.api);
  });

  it("AutoscaleApi.getAutoscaleConfigurationsByServiceGroupUuid", async () => {
    need("web", "i0");
    const [cfg] = expectSuccess(await call("getAutoscaleConfigurationsByServiceGroupUuid", () => autoscale.getAutoscaleConfigurationsByServiceGroupUuid(s.web)), "GetAutoscaleConfigurationsResponse", "service_groups");
    expectModel(cfg, "GetAutoscaleConfigurationsResponseServiceGroup", "service_groups[0]");
    assert.equal(cfg.enabled, true);
    assert.equal(cfg.max_size, 4);
    assert.deepEqual(cfg.template, { uuid: s.i0, name: `${web}-0` }, "template names the instance autoscale clones");
    assert.deepEqual(cfg.policies?.map((p) => p.name), ["out"]);
  });

  it("AutoscaleApi.getAutoscaleConfigurations (by uuid and by name)", async () => {
    need("web", "api", "apiMaster");
    const byUuid = expectSuccess(await call("getAutoscaleConfigurations uuid", () => autoscale.getAutoscaleConfigurations({ uuid: [s.web] })), "GetAutoscaleConfigurationsResponse", "service_groups");
    assert.deepEqual(byUuid.map((c) => c.uuid), [s.web]);
    const byName = expectSuccess(await call("getAutoscaleConfigurations name", () => autoscale.getAutoscaleConfigurations({ name: [api] })), "GetAutoscaleConfigurationsResponse", "service_groups");
    assert.deepEqual(byName.map((c) => c.uuid), [s.api]);
    expectModel(byName[0], "GetAutoscaleConfigurationsResponseServiceGroup", "service_groups[0]");
    assert.deepEqual(byName[0].template, { uuid: s.apiMaster, name: `${api}-m` });
  });

  // ------------------------------------------------------------------------------- policies

  it("AutoscaleApi.createAutoscaleConfigurationPolicy (nested {name, type: {...}}, the SDK's form)", async () => {
    need("web");
    const res = await call("createAutoscaleConfigurationPolicy nested", () =>
      autoscale.createAutoscaleConfigurationPolicy(s.web, {
        body: {
          name: "in",
          type: { name: "in", enabled: true, metric: "cpu", adjustment_type: "percentage", steps: [{ upper_bound: 200, adjustment: -50 }] },
        },
      }),
    );
    const [p] = expectSuccess(res, "CreateAutoscaleConfigurationPolicyResponse", "policies");
    expectModel(p, "CreateAutoscaleConfigurationPolicyResponsePolicy", "policies[0]");
    assert.equal(p.name, "in");
  });

  it("AutoscaleApi.createAutoscaleConfigurationPolicy (flat, the older form)", async () => {
    need("web");
    const res = await call("createAutoscaleConfigurationPolicy flat", () =>
      autoscale.createAutoscaleConfigurationPolicy(s.web, {
        body: { name: "burst", type: "step", metric: "cpu", adjustment_type: "exact", steps: [{ lower_bound: 1500, adjustment: 4 }] },
      }),
    );
    const [p] = expectSuccess(res, "CreateAutoscaleConfigurationPolicyResponse", "policies");
    expectModel(p, "CreateAutoscaleConfigurationPolicyResponsePolicy", "policies[0]");
    assert.equal(p.name, "burst");
  });

  it("AutoscaleApi.getAutoscaleConfigurationPolicies", async () => {
    need("web");
    const items = expectSuccess(await call("getAutoscaleConfigurationPolicies", () => autoscale.getAutoscaleConfigurationPolicies(s.web)), "GetAutoscaleConfigurationPolicyResponse", "policies");
    for (const item of items) expectModel(item, "GetAutoscaleConfigurationPolicyResponsePolicyResponse", `policies[${item.policy?.name}]`);
    assert.deepEqual(items.map((i) => i.policy.name).sort(), ["burst", "in", "out"]);
    const nested = items.find((i) => i.policy.name === "in").policy;
    assert.equal(nested.adjustment_type, "percentage", "answered in the spelling it was created with");
  });

  it("AutoscaleApi.getAutoscaleConfigurationPolicyByName", async () => {
    need("web");
    const [item] = expectSuccess(await call("getAutoscaleConfigurationPolicyByName", () => autoscale.getAutoscaleConfigurationPolicyByName(s.web, "burst")), "GetAutoscaleConfigurationPolicyResponse", "policies");
    expectModel(item, "GetAutoscaleConfigurationPolicyResponsePolicyResponse", "policies[0]");
    assert.equal(item.policy.name, "burst");
    assert.equal(item.policy.adjustment_type, "exact");
    assert.deepEqual(item.policy.steps, [{ lower_bound: 1500, adjustment: 4 }]);
  });

  it("AutoscaleApi.deleteAutoscaleConfigurationPolicyByName and deleteAutoscaleConfigurationPolicies", async () => {
    need("web");
    const [one] = expectSuccess(await call("deleteAutoscaleConfigurationPolicyByName", () => autoscale.deleteAutoscaleConfigurationPolicyByName(s.web, "burst")), "DeleteAutoscaleConfigurationPolicyResponse", "policies");
    expectModel(one, "DeleteAutoscaleConfigurationPolicyResponsePoliciesResponse", "policies[0]");
    assert.equal(one.name, "burst");
    const [two] = expectSuccess(await call("deleteAutoscaleConfigurationPolicies", () => autoscale.deleteAutoscaleConfigurationPolicies(s.web, { body: { name: "in" } })), "DeleteAutoscaleConfigurationPolicyResponse", "policies");
    assert.equal(two.name, "in");
    const left = expectSuccess(await call("getAutoscaleConfigurationPolicies", () => autoscale.getAutoscaleConfigurationPolicies(s.web)), "GetAutoscaleConfigurationPolicyResponse", "policies");
    assert.deepEqual(left.map((i) => i.policy.name), ["out"]);
  });

  it("AutoscaleApi.deleteAutoscaleConfigurationsByServiceGroupUuid and deleteAutoscaleConfigurations", async () => {
    need("web", "api");
    const [one] = expectSuccess(await call("deleteAutoscaleConfigurationsByServiceGroupUuid", () => autoscale.deleteAutoscaleConfigurationsByServiceGroupUuid(s.web)), "DeleteAutoscaleConfigurationsResponse", "service_groups");
    expectModel(one, "DeleteAutoscaleConfigurationsResponseServiceGroup", "service_groups[0]");
    assert.equal(one.uuid, s.web);
    const [two] = expectSuccess(await call("deleteAutoscaleConfigurations", () => autoscale.deleteAutoscaleConfigurations({ body: [{ name: api }] })), "DeleteAutoscaleConfigurationsResponse", "service_groups");
    assert.equal(two.uuid, s.api);
    const res = await call("getAutoscaleConfigurationsByServiceGroupUuid", () => autoscale.getAutoscaleConfigurationsByServiceGroupUuid(s.web));
    expectModel(res, "GetAutoscaleConfigurationsResponse");
    assert.equal(res.data?.service_groups?.[0]?.enabled, false, "the configuration is gone");
  });

  // ------------------------------------------------------------------------- deleting

  it("InstancesApi.deleteInstanceByUuid, deleteInstances (batch), then a read of a deleted instance", async () => {
    need("i0", "i1", "i2", "apiMaster");
    const [one] = expectSuccess(await call("deleteInstanceByUuid", () => instances.deleteInstanceByUuid(s.i0)), "DeleteInstancesResponse", "instances");
    expectModel(one, "DeleteInstancesResponseInstance", "instances[0]");
    assert.equal(one.uuid, s.i0);
    const batch = expectSuccess(
      await call("deleteInstances", () => instances.deleteInstances({ body: [{ uuid: s.i1 }, { name: `${web}-2` }, { uuid: s.apiMaster }] })),
      "DeleteInstancesResponse",
      "instances",
    );
    assert.deepEqual(batch.map((i) => i.uuid).sort(), [s.i1, s.i2, s.apiMaster].sort());

    // The platform answers a read of an instance it does not hold with HTTP 200 and the entry's
    // error code 8; the SDK's plumbing returns that envelope (the porcelain maps 8 to a 404).
    const gone = await call("getInstanceByUuid deleted", () => instances.getInstanceByUuid(s.i1));
    expectModel(gone, "GetInstancesResponse");
    assert.equal(gone.status, "error");
    assert.equal(gone.data?.instances?.[0]?.error, 8, `data.instances[0].error: ${JSON.stringify(gone)}`);
  });

  it("ServicesApi.deleteServiceGroupByUuid and deleteServiceGroups (batch)", async () => {
    need("web", "api");
    const [one] = await eventually(
      async () => (await call("deleteServiceGroupByUuid", () => services.deleteServiceGroupByUuid(s.web))).data?.service_groups ?? [],
      (items) => items[0]?.status === "success",
      { what: "the group (instances gone) deleted" },
    );
    expectModel(one, "DeleteServiceGroupsResponseDeletedServiceGroup", "service_groups[0]");
    assert.equal(one.uuid, s.web);
    const [two] = await eventually(
      async () => (await call("deleteServiceGroups", () => services.deleteServiceGroups({ body: [{ name: api }] }))).data?.service_groups ?? [],
      (items) => items[0]?.status === "success",
      { what: "the group api deleted" },
    );
    assert.equal(two.uuid, s.api);
    const left = await call("getServiceGroups", () => services.getServiceGroups({ uuid: [s.web] }));
    expectModel(left, "GetServiceGroupsResponse");
    assert.notEqual(left.data?.service_groups?.[0]?.status, "success", "the group is gone");
  });
});
