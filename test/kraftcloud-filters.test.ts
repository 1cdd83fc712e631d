// The query filters of the /v1 list routes as the `@unikraft/cloud` SDK sends them — `?uuid=`,
// `?name=` (repeated or comma-separated), `details`, the paging pair `count` + `from` — on
// GET /v1/services, /v1/instances and /v1/services/autoscale; bad values are 400s naming the
// parameter that change nothing; and the one query rule of every /v1 route: a parameter a route
// does not declare is a 400 naming it (issue 9 item 3), an unknown path stays 404, a method the
// path lacks 405.
import { describe, expect, it } from "vitest";
import { expectBatch, expectKcError, expectNoChange, newInstance, newTenant, slowService, type Tenant } from "./kraftcloud-support";

const UNKNOWN_UUID = "0b5e2a8e-1111-4222-8333-444455556666";

/** A tenant with groups a, b, c (uuids by name) and instances a-1, a-2 in a, b-1 in b. */
async function world(prefix: string) {
  const t = await newTenant(prefix);
  const groups: Record<string, string> = {};
  for (const g of ["a", "b", "c"]) groups[g] = await slowService(t, g);
  const inst: Record<string, string> = {};
  for (const [g, n] of [["a", "a-1"], ["a", "a-2"], ["b", "b-1"]]) inst[n] = (await newInstance(t, g, { name: n })).uuid;
  return { t, groups, inst };
}

const names = (items: any[]) => items.map((i) => (i.status === "error" ? [i.error, i.uuid ?? i.name] : i.name));

describe("GET /v1/services filters", () => {
  it("uuid, name (repeated, comma-separated, both), unknown ones as error 8 in place, details=false", async () => {
    const { t, groups } = await world("sf");
    const get = async (q: string, status: "success" | "partial_success" | "error" = "success") => expectBatch(await t.api.get(`/v1/services?${q}`), "service_groups", status);
    expect(names(await get(`uuid=${groups.b}`))).toEqual(["b"]);
    expect(names(await get(`uuid=${groups.b.toUpperCase()}`))).toEqual(["b"]);
    expect(names(await get("name=c"))).toEqual(["c"]);
    expect(names(await get("name=c,a"))).toEqual(["c", "a"]);
    expect(names(await get("name=c&name=a&name=c"))).toEqual(["c", "a"]);
    expect(names(await get(`uuid=${groups.a}&name=b`))).toEqual(["a", "b"]);
    expect(names(await get("name=a,nope", "partial_success"))).toEqual(["a", [8, "nope"]]);
    expect(names(await get(`uuid=${UNKNOWN_UUID}`, "error"))).toEqual([[8, UNKNOWN_UUID]]);
    const [full] = await get("name=a");
    expect(full).toMatchObject({ uuid: groups.a, name: "a", persistent: true, autoscale: false, instances: [{ name: "a-1" }, { name: "a-2" }] });
    expect(await get("name=a&details=false")).toEqual([{ status: "success", uuid: groups.a, name: "a" }]);
  });

  it("count and from page through the list in order (the SDK's paging); an unknown from is 400", async () => {
    const { t, groups } = await world("sp");
    const page = async (q: string) => names(expectBatch(await t.api.get(`/v1/services?${q}`), "service_groups", "success"));
    expect(await page("count=2")).toEqual(["a", "b"]);
    expect(await page(`count=2&from=${groups.b}`)).toEqual(["c"]);
    expect(await page(`count=2&from=${groups.c}`)).toEqual([]);
    expect(await page("count=100&details=false")).toEqual(["a", "b", "c"]);
    expectKcError(await t.api.get(`/v1/services?from=${UNKNOWN_UUID}`), 400, "'from'");
  });
});

describe("GET /v1/instances filters", () => {
  it("uuid, name, both, error 8 for unknown ones, details=false; count/from pages like the SDK", async () => {
    const { t, inst } = await world("if");
    const get = async (q: string, status: "success" | "partial_success" | "error" = "success") => expectBatch(await t.api.get(`/v1/instances?${q}`), "instances", status);
    expect(names(await get(`uuid=${inst["a-2"]}`))).toEqual(["a-2"]);
    expect(names(await get("name=b-1,a-1"))).toEqual(["b-1", "a-1"]);
    expect(names(await get(`name=b-1&uuid=${inst["a-1"]}`))).toEqual(["a-1", "b-1"]);
    expect(names(await get("name=nope", "error"))).toEqual([[8, "nope"]]);
    const [full] = await get("name=a-1");
    expect(full).toMatchObject({ uuid: inst["a-1"], state: "starting", vcpus: 1, restart_policy: "never", type: "micro", service_group: { name: "a" } });
    expect(await get("name=a-1&details=false")).toEqual([{ status: "success", uuid: inst["a-1"], name: "a-1" }]);
    // The SDK's paging: count per page, from = the last uuid of the page before, until a short page.
    const seen: string[] = [];
    let from: string | undefined;
    for (let i = 0; i < 5; i++) {
      const items = await get(`count=2${from ? `&from=${from}` : ""}`);
      seen.push(...items.map((x) => x.name));
      if (items.length < 2) break;
      from = items[items.length - 1].uuid;
    }
    expect(seen).toEqual(["a-1", "a-2", "b-1"]);
  });
});

describe("GET /v1/services/autoscale filters", () => {
  it("?uuid= / ?name= answer those groups' configurations (8 for unknown ones); details=false is brief; query and body together are 400", async () => {
    const { t, groups } = await world("af");
    const r = await t.api.post(`/v1/services/${groups.a}/autoscale`, { create_args: { template: { name: "a-1" } } });
    expect(r.body.status, r.text).toBe("success");
    const get = async (q: string, status: "success" | "partial_success" | "error" = "success") => expectBatch(await t.api.get(`/v1/services/autoscale?${q}`), "service_groups", status);
    const [a] = await get("name=a");
    expect(a).toMatchObject({ status: "success", uuid: groups.a, name: "a", enabled: true, template: { name: "a-1" }, master: { name: "a-1" } });
    expect(await get(`uuid=${groups.b}`, "success")).toEqual([{ status: "unconfigured", uuid: groups.b, name: "b", enabled: false }]);
    expect(names(await get(`name=a,nope`, "partial_success"))).toEqual(["a", [8, "nope"]]);
    expect(await get("name=a&details=false")).toEqual([{ status: "success", uuid: groups.a, name: "a", enabled: true }]);
    expect(names(await get("count=1"))).toEqual(["a"]);
    expect(names(await get(`from=${groups.a}`))).toEqual(["b", "c"]);
  });
});

describe("bad filter values: 400 naming the parameter, nothing changed", () => {
  const bad: [string, string][] = [
    ["uuid=nope", "uuid"],
    ["uuid=", "uuid"],
    [`uuid=${UNKNOWN_UUID},x`, "uuid"],
    ["name=", "name"],
    ["name=a,,b", "name"],
    ["name=a/b", "name"],
    [`name=${Array.from({ length: 254 }, (_, i) => `n${i}`).join(",")}`, "name"],
    ["count=abc", "count"],
    ["count=0", "count"],
    ["count=-1", "count"],
    ["count=1.5", "count"],
    ["count=", "count"],
    ["count=1&count=2", "count"],
    ["details=maybe", "details"],
    ["details=true&details=false", "details"],
    ["from=x", "from"],
    ["zz=1", "zz"],
    ["tags=x", "tags"],
  ];
  let t: Tenant;
  it.each(bad)("?%s → 400 naming %s on every list route", async (q, param) => {
    t ??= (await world("bad")).t;
    for (const route of ["/v1/services", "/v1/instances", "/v1/services/autoscale"]) {
      const r = await expectNoChange(t, ["a", "b", "c"], () => t.api.get(`${route}?${q}`));
      expectKcError(r, 400, `'${param}'`);
    }
  });
});

describe("one query rule for every /v1 route", () => {
  it("a parameter a route does not declare is 400 naming it, and changes nothing", async () => {
    const { t, groups, inst } = await world("zz");
    const g = groups.a;
    const routes: [string, string, unknown?][] = [
      ["GET", `/v1/services/${g}`],
      ["DELETE", `/v1/services/${g}`],
      ["POST", "/v1/services", { name: "new", services: [] }],
      ["DELETE", "/v1/services", [{ name: "c" }]],
      ["POST", "/v1/instances", { image: "a/b", service_group: { name: "a" } }],
      ["DELETE", "/v1/instances", [{ name: "a-1" }]],
      ["PUT", "/v1/instances/start", [{ name: "a-1" }]],
      ["PUT", "/v1/instances/stop", [{ name: "a-1" }]],
      ["GET", `/v1/instances/${inst["a-1"]}`],
      ["DELETE", `/v1/instances/${inst["a-1"]}`],
      ["PUT", `/v1/instances/${inst["a-1"]}/start`],
      ["PUT", `/v1/instances/${inst["a-1"]}/stop`],
      ["POST", "/v1/services/autoscale", [{ name: "a", create_args: { template: { name: "a-1" } } }]],
      ["DELETE", "/v1/services/autoscale", [{ name: "a" }]],
      ["GET", `/v1/services/${g}/autoscale`],
      ["POST", `/v1/services/${g}/autoscale`, { create_args: { template: { name: "a-1" } } }],
      ["DELETE", `/v1/services/${g}/autoscale`],
      ["GET", `/v1/services/${g}/autoscale/policies`],
      ["POST", `/v1/services/${g}/autoscale/policies`, { name: "p", type: "step", steps: [{ lower_bound: 0, adjustment: 1 }] }],
      ["DELETE", `/v1/services/${g}/autoscale/policies`],
      ["GET", `/v1/services/${g}/autoscale/policies/p`],
      ["DELETE", `/v1/services/${g}/autoscale/policies/p`],
      ["POST", `/v1/services/${g}/autoscale/metrics`, { cpu: 1 }],
      ["POST", `/v1/services/${g}/autoscale/evaluate`, { cpu: 1 }],
    ];
    for (const [method, path, body] of routes) {
      const r = await expectNoChange(t, ["a", "b", "c"], () => (method === "GET" ? t.api.get(`${path}?zz=1`) : t.api.raw(method, `${path}?zz=1`, body === undefined ? undefined : JSON.stringify(body))));
      expectKcError(r, 400, "'zz'");
    }
    // Declared parameters stay declared: details on the routes of one item.
    expect((await t.api.get(`/v1/services/${g}?details=false`)).body.data.service_groups[0]).toEqual({ status: "success", uuid: g, name: "a" });
    expectKcError(await t.api.get(`/v1/instances/${inst["a-1"]}?count=1`), 400, "'count'");
  });

  it("an unknown path with a parameter is still 404, a method the path lacks still 405", async () => {
    const t = await newTenant("zz404");
    expectKcError(await t.api.get("/v1/nothing?zz=1"), 404);
    const r = await t.api.raw("PATCH", "/v1/instances?zz=1", undefined);
    expectKcError(r, 405);
    expect(r.headers.get("Allow")).toBe("GET, POST, DELETE");
  });
});
