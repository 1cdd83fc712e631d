// The newer API generation's request forms, as `@unikraft/cloud` 0.2.0 sends them, beside the
// older ones: autoscale `create_args.template` and the path's uuid repeated in the body; the
// nested policy form `{name, type: {name, enabled, metric, adjustment_type, steps}}` with
// `percentage`/`absolute` answered as spelled and `enabled: false` kept out of decisions; instance
// create with `vcpus`, `timeout_s` and `image` as `{url}`. Bad input on each new form: a 400
// naming the field or an item error 7 (HTTP 200), never a 500, nothing changed.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { freezeClock, passTime, releaseClock } from "./clock";
import { BOOT_MS, expectItemError, expectItems, expectNoChange, expectRequestError, service, type Svc } from "./kraftcloud-autoscale-support";

beforeEach(() => void freezeClock());
afterEach(() => releaseClock());

const UNKNOWN_UUID = "0b5e2a8e-1111-4222-8333-444455556666";
const steps = [{ lower_bound: 800, adjustment: 50 }];
const template = (s: Svc) => ({ name: s.instances[0].name });
const nested = (name: string, type: object = {}) => ({ name, type: { name, enabled: true, metric: "cpu", adjustment_type: "change", steps, ...type } });

describe("autoscale configuration: the SDK's form", () => {
  it("per-uuid: {uuid (the path's), create_args.template, policies without type}: template and master answered, policies enabled", async () => {
    const s = await service("sdkc");
    const body = { uuid: s.uuid.toUpperCase(), min_size: 1, max_size: 3, create_args: { template: template(s) }, policies: [{ name: "up", enabled: true, metric: "cpu", adjustment_type: "percentage", steps }] };
    const [item] = expectItems(await s.api.post(s.base, body), "service_groups");
    const master = { uuid: s.instances[0].uuid, name: s.instances[0].name };
    expect(item).toMatchObject({ status: "success", uuid: s.uuid, min_size: 1, max_size: 3, master, template: master });
    expect(item.policies).toEqual([{ name: "up", type: "step", metric: "cpu", adjustment_type: "percentage", steps, enabled: true }]);
  });

  it("batch: create_args.template by uuid", async () => {
    const s = await service("sdkb");
    const [item] = expectItems(await s.api.post("/v1/services/autoscale", [{ name: s.name, create_args: { template: { uuid: s.instances[0].uuid } } }]), "service_groups");
    expect(item.template).toEqual({ uuid: s.instances[0].uuid, name: s.instances[0].name });
  });

  const sevens: [string, (s: Svc) => object, string][] = [
    ["another group's uuid in the body", (s) => ({ uuid: UNKNOWN_UUID, create_args: { template: template(s) } }), "not the service group of the path"],
    ["a malformed uuid in the body", (s) => ({ uuid: "web", create_args: { template: template(s) } }), "uuid 'web'"],
    ["create_args.template and master", (s) => ({ master: template(s), create_args: { template: template(s) } }), "send one of them"],
    ["create_args without template", () => ({ create_args: {} }), "master is required"],
    ["create_args.template with uuid and name", (s) => ({ create_args: { template: { ...template(s), uuid: s.instances[0].uuid } } }), "exactly one of uuid or name"],
    ["a policy whose type.name is another name", (s) => ({ create_args: { template: template(s) }, policies: [{ name: "a", type: { name: "b", steps } }] }), "policies[0]: type.name 'b'"],
  ];
  it.each(sevens)("%s → item error 7 (HTTP 200), nothing changed", async (_case, body, mentions) => {
    const s = await service("sdk7");
    expectItemError(await expectNoChange(s, () => s.api.post(s.base, body(s))), "service_groups", 200, 7, mentions);
  });

  const fours: [string, (s: Svc) => object, string][] = [
    ["create_args.roms (not implemented)", (s) => ({ create_args: { template: template(s), roms: [] } }), "create_args.roms"],
    ["an unknown field in create_args.template", (s) => ({ create_args: { template: { ...template(s), zz: 1 } } }), "create_args.template.zz"],
    ["create_args a string", () => ({ create_args: "x" }), "create_args"],
    ["uuid a number", (s) => ({ uuid: 1, create_args: { template: template(s) } }), "uuid"],
  ];
  it.each(fours)("%s → 400 naming it, nothing changed", async (_case, body, field) => {
    const s = await service("sdk4");
    expectRequestError(await expectNoChange(s, () => s.api.post(s.base, body(s))), 400, `'${field}'`);
  });
});

describe("policies: the nested form", () => {
  it("{name, type: {name, enabled, metric, adjustment_type, steps}}: created with a uuid; answered in both forms, as spelled", async () => {
    const s = await service("nest");
    expectItems(await s.api.post(s.base, { create_args: { template: template(s) } }), "service_groups");
    const created = expectItems(await s.api.post(`${s.base}/policies`, [nested("pct", { adjustment_type: "percentage" }), { name: "abs", type: { name: "step", adjustment_type: "absolute", steps: [{ lower_bound: 0, adjustment: 2 }] } }, { name: "flat", type: "step", steps }]), "policies");
    expect(created.map((p) => p.name)).toEqual(["pct", "abs", "flat"]);
    for (const p of created) expect(p).toEqual({ status: "success", uuid: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/), name: p.name });
    expect(new Set(created.map((p) => p.uuid)).size).toBe(3);
    const [pct] = expectItems(await s.api.get(`${s.base}/policies/pct`), "policies");
    expect(pct).toEqual({ status: "success", name: "pct", type: "step", metric: "cpu", adjustment_type: "percentage", steps, policy: { name: "pct", enabled: true, metric: "cpu", adjustment_type: "percentage", steps } });
    const [abs] = expectItems(await s.api.get(`${s.base}/policies/abs`), "policies");
    expect(abs.adjustment_type).toBe("absolute");
    expect(abs.policy.adjustment_type).toBe("absolute");
    // The engine reads them as percent and exact: +50% of 1 rounds up to +1, exact 2 is 2.
    const evaluated = expectItems(await s.api.post(`${s.base}/evaluate`, { cpu: 900 }), "service_groups")[0].decision.policies;
    expect(evaluated.map((p: any) => [p.name, p.adjustment_type])).toEqual([["pct", "percent"], ["abs", "exact"], ["flat", "change"]]);
  });

  it("enabled: false is kept and answered, but takes no part in decisions", async () => {
    const s = await service("off");
    await passTime(s.stub, BOOT_MS);
    expectItems(await s.api.post(s.base, { create_args: { template: template(s) }, max_size: 5 }), "service_groups");
    expectItems(await s.api.post(`${s.base}/policies`, nested("off", { enabled: false })), "policies");
    const [p] = expectItems(await s.api.get(`${s.base}/policies/off`), "policies");
    expect(p.policy.enabled).toBe(false);
    expect(expectItems(await s.api.get(s.base), "service_groups")[0].policies[0].enabled).toBe(false);
    const decision = expectItems(await s.api.post(`${s.base}/evaluate`, { cpu: 990 }), "service_groups")[0].decision;
    expect(decision).toMatchObject({ direction: "none", policies: [] });
  });

  const sevens: [string, object, string][] = [
    ["type.name neither the name nor step", { name: "a", type: { name: "b", steps } }, "type.name 'b'"],
    ["an unknown adjustment_type", nested("a", { adjustment_type: "double" }), "adjustment_type_invalid"],
    ["absolute with a negative adjustment", nested("a", { adjustment_type: "absolute", steps: [{ lower_bound: 0, adjustment: -1 }] }), "exact_adjustment_negative"],
    ["flat fields beside the nested type", { ...nested("a"), metric: "cpu" }, "inside type, not beside it"],
    ["no outer name", { type: { name: "a", steps } }, "type.name 'a'"],
    ["a metric other than cpu", nested("a", { metric: "memory" }), "metric_invalid"],
  ];
  it.each(sevens)("%s → item error 7 (HTTP 200), nothing changed", async (_case, body, mentions) => {
    const s = await service("n7");
    expectItems(await s.api.post(s.base, { create_args: { template: template(s) } }), "service_groups");
    expectItemError(await expectNoChange(s, () => s.api.post(`${s.base}/policies`, body)), "policies", 200, 7, mentions);
  });

  const fours: [string, object, string][] = [
    ["an unknown field at the top", { ...nested("a"), zz: 1 }, "zz"],
    ["an unknown field in type", nested("a", { zz: 1 }), "type.zz"],
    ["an unknown field in a step", nested("a", { steps: [{ lower_bound: 0, adjustment: 1, zz: 1 }] }), "type.steps.0.zz"],
    ["type a number", { name: "a", type: 5 }, "type"],
    ["type an array", { name: "a", type: [] }, "type"],
    ["type null", { name: "a", type: null }, "type"],
    ["enabled a string", nested("a", { enabled: "yes" }), "type.enabled"],
    ["steps not an array", nested("a", { steps: {} }), "type.steps"],
    ["an unknown field in the second item", [nested("a"), { ...nested("b"), zz: 1 }], "1.zz"],
  ];
  it.each(fours)("%s → 400 naming it, nothing changed", async (_case, body, field) => {
    const s = await service("n4");
    expectItems(await s.api.post(s.base, { create_args: { template: template(s) } }), "service_groups");
    expectRequestError(await expectNoChange(s, () => s.api.post(`${s.base}/policies`, body)), 400, `'${field}'`);
  });
});

describe("instances: the SDK's create fields", () => {
  it("image as {url}, vcpus, timeout_s: answered with vcpus, restart_policy, type (vcpus 1 when not given)", async () => {
    const s = await service("ic", 0);
    const [inst] = expectItems(await s.api.post("/v1/instances", { name: `${s.name}-v`, image: { url: "user/app:1.0" }, vcpus: 2, timeout_s: 10, service_group: { uuid: s.uuid } }), "instances");
    expect(inst).toMatchObject({ status: "success", image: "user/app:1.0", vcpus: 2, memory_mb: 128, restart_policy: "never", type: "micro", state: "starting" });
    const [plain] = expectItems(await s.api.post("/v1/instances", { name: `${s.name}-p`, image: "user/app:latest", service_group: { uuid: s.uuid } }), "instances");
    expect(plain.vcpus).toBe(1);
  });

  const fours: [string, object, string][] = [
    ["image {url} with credentials (not implemented)", { image: { url: "a/b", credentials: "x" } }, "image.credentials"],
    ["image {} without url", { image: {} }, "image.url"],
    ["image {url} not an image reference", { image: { url: "A B" } }, "image.url"],
    ["image a number", { image: 5 }, "image"],
    ["image null", { image: null }, "image"],
    ["vcpus 0", { vcpus: 0 }, "vcpus"],
    ["vcpus 65", { vcpus: 65 }, "vcpus"],
    ["vcpus a string", { vcpus: "2" }, "vcpus"],
    ["timeout_s negative", { timeout_s: -1 }, "timeout_s"],
    ["restart_policy (not implemented)", { restart_policy: "always" }, "restart_policy"],
  ];
  it.each(fours)("%s → 400 naming it, nothing changed", async (_case, patch, field) => {
    const s = await service("i4", 0);
    const body = { name: `${s.name}-x`, image: "a/b", service_group: { uuid: s.uuid }, ...patch };
    expectRequestError(await expectNoChange(s, () => s.api.post("/v1/instances", body)), 400, `'${field}'`);
  });
});
