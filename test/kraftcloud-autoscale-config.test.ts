// KraftCloud autoscale configurations: POST/GET/DELETE /v1/services/{uuid}/autoscale and the batch
// forms on /v1/services/autoscale — defaults, `template` for `master`, `unconfigured`, the item
// error codes 7/8/26/27/29, batch partial_success/error, another tenant's uuid, 405s.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { freezeClock, releaseClock } from "./clock";
import { IN, OUT, expectItemError, expectItems, expectNoChange, ledger, send, service, serviceIn, tenant } from "./kraftcloud-autoscale-support";

beforeEach(() => void freezeClock());
afterEach(() => releaseClock());

const DEFAULTS = { min_size: 1, max_size: 4, warmup_time_ms: 1000, cooldown_time_ms: 1000 };
/** The front door's settings in effect (issue 11, extension fields): its defaults. */
const FRONT_DOOR = { max_pending: 100, hold_timeout_ms: 30_000, max_concurrency: null, upstream_timeout_ms: 30_000 };

describe("/v1/services/{uuid}/autoscale", () => {
  it("POST configures with the defaults, GET answers the autoscale_config, the ledger records it", async () => {
    const s = await service("cfg");
    const master = s.instances[0];
    const [item] = expectItems(await s.api.post(s.base, { master: { name: master.name } }), "service_groups");
    const want = { status: "success", uuid: s.uuid, name: s.name, enabled: true, ...DEFAULTS, master: { uuid: master.uuid, name: master.name }, template: { uuid: master.uuid, name: master.name }, policies: [], ...FRONT_DOOR };
    expect(item).toEqual(want);
    expect(expectItems(await s.api.get(s.base), "service_groups")).toEqual([want]);
    const row = (await ledger(s)).find((r) => r.type === "autoscale.configure");
    expect(row).toMatchObject({ dialect: "kraftcloud", status: "succeeded", result: { master: master.uuid, min_size: 1, max_size: 4 } });
  });

  it("takes every field, the master by uuid, and policies; `template` is accepted for `master`", async () => {
    const s = await service("cfg");
    const body = { min_size: 2, max_size: 9, warmup_time_ms: 5000, cooldown_time_ms: 7000, master: { uuid: s.instances[0].uuid }, policies: [OUT(700, 2), IN(100)] };
    const [item] = expectItems(await s.api.post(s.base, body), "service_groups");
    expect(item).toMatchObject({ min_size: 2, max_size: 9, warmup_time_ms: 5000, cooldown_time_ms: 7000, master: { uuid: s.instances[0].uuid } });
    expect(item.policies).toEqual([
      { name: "out", type: "step", metric: "cpu", adjustment_type: "change", steps: [{ lower_bound: 700, adjustment: 2 }], enabled: true },
      { name: "in", type: "step", metric: "cpu", adjustment_type: "change", steps: [{ upper_bound: 100, adjustment: -1 }], enabled: true },
    ]);
    // min_size 2 answered as configured (a known deviation from the spec's min_size maximum 1).
    expect(expectItems(await s.api.get(s.base), "service_groups")[0].min_size).toBe(2);
    const t = await service("tpl");
    const [viaTemplate] = expectItems(await t.api.post(t.base, { template: { name: t.instances[0].name } }), "service_groups");
    expect(viaTemplate.master).toEqual({ uuid: t.instances[0].uuid, name: t.instances[0].name });
  });

  it("GET of a group without autoscale is `unconfigured` (200); DELETE of it is 27", async () => {
    const s = await service("uncfg");
    expect(expectItems(await s.api.get(s.base), "service_groups")).toEqual([{ status: "unconfigured", uuid: s.uuid, name: s.name, enabled: false }]);
    await expectNoChange(s, async () => expectItemError(await s.api.del(s.base), "service_groups", 200, 27, "not configured") && (await s.api.del(s.base)));
  });

  it("a second POST is 26 and changes nothing; DELETE removes it, then GET is unconfigured again", async () => {
    const s = await service("twice");
    expectItems(await s.api.post(s.base, { master: { name: s.instances[0].name } }), "service_groups");
    const r = await expectNoChange(s, () => s.api.post(s.base, { master: { name: s.instances[0].name }, max_size: 8 }));
    expectItemError(r, "service_groups", 200, 26, "already configured");
    const [gone] = expectItems(await s.api.del(s.base), "service_groups");
    expect(gone).toEqual({ status: "success", uuid: s.uuid, name: s.name, draining: [] });
    expect(expectItems(await s.api.get(s.base), "service_groups")[0].status).toBe("unconfigured");
  });

  it.each([
    ["min_size > max_size", { min_size: 5, max_size: 4 }],
    ["max_size > 1000", { max_size: 1001 }],
    ["negative min_size", { min_size: -1 }],
    ["negative max_size", { max_size: -3 }],
    ["max_size 0", { min_size: 0, max_size: 0 }],
  ])("%s is 29 (size out of range), nothing changed", async (_case, sizes) => {
    const s = await service("size");
    const r = await expectNoChange(s, () => s.api.post(s.base, { master: { name: s.instances[0].name }, ...sizes }));
    expectItemError(r, "service_groups", 200, 29, "max_size");
  });

  it.each([
    ["no master", {}, "master is required"],
    ["master and template", { master: { name: "x" }, template: { name: "x" } }, "send one of them"],
    ["master by uuid and name", { master: { uuid: "00000000-0000-4000-8000-000000000000", name: "x" } }, "exactly one"],
    ["master by nothing", { master: {} }, "exactly one"],
    ["warmup_time_ms 0", { master: { name: "x" }, warmup_time_ms: 0 }, "warmup_time_ms"],
    ["negative cooldown_time_ms", { master: { name: "x" }, cooldown_time_ms: -5 }, "cooldown_time_ms"],
    ["cooldown_time_ms above int32", { master: { name: "x" }, cooldown_time_ms: 2 ** 31 }, "cooldown_time_ms"],
    ["an invalid policy", { master: { name: "x" }, policies: [{ name: "p", type: "step", steps: [{ lower_bound: 5, upper_bound: 5, adjustment: 1 }] }] }, "lower_not_below_upper"],
  ])("%s is 7 (invalid), nothing changed", async (_case, body, mentions) => {
    const s = await service("inv");
    const fix = JSON.parse(JSON.stringify(body).replaceAll('"x"', JSON.stringify(s.instances[0].name)));
    expectItemError(await expectNoChange(s, () => s.api.post(s.base, fix)), "service_groups", 200, 7, mentions);
  });

  it("an unknown master is 8; two policies of one name are 23", async () => {
    const s = await service("mst");
    expectItemError(await expectNoChange(s, () => s.api.post(s.base, { master: { name: "nope" } })), "service_groups", 200, 8, "nope");
    expectItemError(await expectNoChange(s, () => s.api.post(s.base, { master: { name: s.instances[0].name }, policies: [OUT(), OUT()] })), "service_groups", 200, 23, "already_exists");
  });

  it("a path that is not a UUID is 7 \"Invalid uuid '<x>'\"; an unknown or another tenant's UUID is 8", async () => {
    const s = await service("path");
    const other = await service("other");
    for (const [method, path] of [["GET", ""], ["DELETE", ""], ["POST", ""], ["GET", "/policies"], ["DELETE", "/policies"], ["GET", "/policies/out"], ["DELETE", "/policies/out"], ["POST", "/evaluate"], ["POST", "/metrics"]] as const) {
      const body = path === "/evaluate" || path === "/metrics" ? { cpu: 1 } : path === "" && method === "POST" ? { master: { name: "a" } } : undefined;
      const kind = path.startsWith("/policies") ? "policies" : "service_groups";
      const go = (p: string) => (method === "GET" ? s.api.get(p) : method === "DELETE" ? s.api.del(p) : s.api.post(p, body));
      expectItemError(await go(`/v1/services/${s.name}/autoscale${path}`), kind, 200, 7, `Invalid uuid '${s.name}'`);
      expectItemError(await go(`/v1/services/00000000-0000-4000-8000-000000000000/autoscale${path}`), kind, 200, 8);
      // The other tenant's group exists, but not for this credential.
      const r = await expectNoChange(other, () => go(`/v1/services/${other.uuid}/autoscale${path}`));
      expectItemError(r, kind, 200, 8, other.uuid);
    }
  });

  it("unsupported methods are 405 with Allow", async () => {
    const s = await service("m405");
    for (const [path, allow] of [["/v1/services/autoscale", "GET, POST, DELETE"], [s.base, "GET, POST, DELETE"], [`${s.base}/policies/x`, "GET, DELETE"], [`${s.base}/metrics`, "POST"], [`${s.base}/evaluate`, "POST"]]) {
      // No body: a body on a method the path lacks is refused as such (400) before routing.
      const r = await s.api.put(path);
      expect(r.status, `${path}: ${r.text}`).toBe(405);
      expect(r.headers.get("Allow")).toBe(allow);
      expect(r.body).toMatchObject({ status: "error", errors: [{ status: 405 }] });
    }
    expect((await s.api.get(`${s.base}/metrics`)).status).toBe(405);
  });
});

describe("/v1/services/autoscale (batch)", () => {
  it("POST processes each item: success, 8, 26, 7 → partial_success (200); one object is a one-item batch", async () => {
    const t = await tenant("batch");
    const a = await serviceIn("b", t);
    const b = await serviceIn("b", t);
    const items = expectItems(
      await a.api.post("/v1/services/autoscale", [
        { name: a.name, master: { name: a.instances[0].name }, max_size: 6 },
        { uuid: b.uuid, template: { uuid: b.instances[0].uuid } },
        { name: "no-such-group", master: { name: "x" } },
        { name: a.name, master: { name: a.instances[0].name } },
        { uuid: a.uuid, name: a.name, master: { name: "x" } },
        { uuid: "not-a-uuid", master: { name: "x" } },
      ]),
      "service_groups",
      200,
      "partial_success",
    );
    expect(items.map((i) => i.status)).toEqual(["success", "success", "error", "error", "error", "error"]);
    expect(items.map((i) => i.error)).toEqual([undefined, undefined, 8, 26, 7, 7]);
    expect(items[0]).toMatchObject({ uuid: a.uuid, name: a.name, max_size: 6 });
    expect(items[1]).toMatchObject({ uuid: b.uuid, name: b.name, master: { uuid: b.instances[0].uuid } });
    expect(items[5].message).toBe("Invalid uuid 'not-a-uuid'");
    // All failed: top status error, still 200. One object: the batch answer of one item.
    expectItems(await a.api.post("/v1/services/autoscale", [{ name: a.name, master: { name: "x" } }]), "service_groups", 200, "error");
    const c = await serviceIn("b", t);
    const [one] = expectItems(await a.api.post("/v1/services/autoscale", { name: c.name, master: { name: c.instances[0].name } }), "service_groups");
    expect(one).toMatchObject({ status: "success", name: c.name });
  });

  it("GET with items answers each (unconfigured, 8); without a body lists the tenant's groups", async () => {
    const t = await tenant("bget");
    const a = await serviceIn("g", t);
    const b = await serviceIn("g", t);
    expectItems(await a.api.post(a.base, { master: { name: a.instances[0].name } }), "service_groups");
    const all = expectItems(await a.api.get("/v1/services/autoscale"), "service_groups");
    expect(all.map((i) => [i.name, i.status]).sort()).toEqual([[a.name, "success"], [b.name, "unconfigured"]].sort());
    const items = expectItems(await send(t.token, "GET", "/v1/services/autoscale", [{ uuid: a.uuid }, { name: b.name }, { name: "ghost" }, { uuid: "x" }]), "service_groups", 200, "partial_success");
    expect(items.map((i) => i.status)).toEqual(["success", "unconfigured", "error", "error"]);
    expect(items.map((i) => i.error)).toEqual([undefined, undefined, 8, 7]);
    expect(items[0]).toMatchObject({ uuid: a.uuid, name: a.name, master: { name: a.instances[0].name } });
    // One object is a one-item batch.
    expect(expectItems(await send(t.token, "GET", "/v1/services/autoscale", { name: b.name }), "service_groups")).toEqual([{ status: "unconfigured", uuid: b.uuid, name: b.name, enabled: false }]);
  });

  it("DELETE processes each item: success, 27, 8 → partial_success", async () => {
    const t = await tenant("bdel");
    const a = await serviceIn("d", t);
    const b = await serviceIn("d", t);
    expectItems(await a.api.post(a.base, { master: { name: a.instances[0].name } }), "service_groups");
    const items = expectItems(await send(t.token, "DELETE", "/v1/services/autoscale", [{ uuid: a.uuid }, { name: b.name }, { name: "ghost" }]), "service_groups", 200, "partial_success");
    expect(items.map((i) => i.error)).toEqual([undefined, 27, 8]);
    expect(items[0]).toEqual({ status: "success", uuid: a.uuid, name: a.name, draining: [] });
  });
});
