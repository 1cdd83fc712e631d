// Bad input on every KraftCloud autoscale route: malformed or empty bodies, wrong types, unknown
// fields (top level and nested), floats, negative and out-of-range numbers, oversized bodies,
// missing or forged credentials, another tenant's X-Tenant-Id. Each is a whole-request error
// `{status: "error", message, errors: [{status}]}` naming the field, never a 500, and changes
// nothing: not the group's Durable Object storage, not the tenant's D1 rows.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call } from "./helpers";
import { freezeClock, releaseClock } from "./clock";
import { IN, OUT, configure, expectNoChange, expectRequestError, send, service, type Svc } from "./kraftcloud-autoscale-support";

let s: Svc;
beforeAll(async () => {
  freezeClock();
  s = await service("bad", 2);
  await configure(s, { max_size: 6, policies: [OUT(), IN()] });
});
afterAll(() => releaseClock());

const raw = (method: string, path: string, body: string) => call(method, path, { token: s.token, raw: body, headers: { "Content-Type": "application/json" } });

/** Not a JSON value the route can take: [case, raw body, what the message names]. */
const NOT_JSON: [string, string, string][] = [
  ["malformed JSON", "{bad", "malformed JSON"],
  ["truncated JSON", '{"cpu": 1', "malformed JSON"],
  ["trailing garbage", '{"cpu": 1} x', "malformed JSON"],
  ["JSON string", '"hello"', "body"],
  ["JSON number", "3", "body"],
  ["JSON true", "true", "body"],
  ["JSON null", "null", "body"],
  ["an empty array", "[]", "body"],
  ["a __proto__ key", '{"__proto__": {"cpu": 1}}', "__proto__"],
];
const EMPTY: [string, string, string][] = [
  ["empty body", "", "body"],
  ["whitespace body", " \n ", "body"],
];

type Route = { name: string; method: string; path: () => string; cases: [string, string, string][] };
const routes: Route[] = [
  {
    name: "POST /v1/services/autoscale",
    method: "POST",
    path: () => "/v1/services/autoscale",
    cases: [
      ...NOT_JSON,
      ...EMPTY,
      ["min_size as a string", '{"name": "g", "master": {"name": "m"}, "min_size": "1"}', "min_size"],
      ["min_size a float", '{"name": "g", "master": {"name": "m"}, "min_size": 1.5}', "min_size"],
      ["max_size 1e400", '{"name": "g", "master": {"name": "m"}, "max_size": 1e400}', "max_size"],
      ["max_size beyond safe integers", '{"name": "g", "master": {"name": "m"}, "max_size": 9007199254740993}', "max_size"],
      ["warmup_time_ms null", '{"name": "g", "master": {"name": "m"}, "warmup_time_ms": null}', "warmup_time_ms"],
      ["master a string", '{"name": "g", "master": "m"}', "master"],
      ["unknown field in master", '{"name": "g", "master": {"name": "m", "id": 1}}', "master.id"],
      ["unknown field in template", '{"name": "g", "template": {"uuid": "u", "image": "x"}}', "template.image"],
      ["unknown top-level field", '{"name": "g", "master": {"name": "m"}, "enabled": true}', "enabled"],
      ["name a number", '{"name": 5, "master": {"name": "m"}}', "name"],
      ["uuid null", '{"uuid": null, "master": {"name": "m"}}', "uuid"],
      ["policies an object", '{"name": "g", "master": {"name": "m"}, "policies": {}}', "policies"],
      ["unknown field in a step", '{"name": "g", "master": {"name": "m"}, "policies": [{"name": "p", "steps": [{"lower": 1}]}]}', "policies.0.steps.0.lower"],
      ["a bound as a string", '{"name": "g", "master": {"name": "m"}, "policies": [{"name": "p", "steps": [{"lower_bound": "1"}]}]}', "policies.0.steps.0.lower_bound"],
      ["an array with a number", '[{"name": "g", "master": {"name": "m"}}, 5]', "1"],
      ["an unknown field in the second item", '[{"name": "g", "master": {"name": "m"}}, {"name": "h", "size": 1}]', "1.size"],
    ],
  },
  {
    name: "POST /v1/services/{uuid}/autoscale",
    method: "POST",
    path: () => s.base,
    cases: [
      ...NOT_JSON,
      ...EMPTY,
      ["an array", '[{"master": {"name": "m"}}]', "body"],
      ["the group's name in the body", '{"name": "g", "master": {"name": "m"}}', "name"],
      ["max_size a float", '{"master": {"name": "m"}, "max_size": 4.5}', "max_size"],
      ["cooldown_time_ms a string", '{"master": {"name": "m"}, "cooldown_time_ms": "1000"}', "cooldown_time_ms"],
      ["master an array", '{"master": [{"name": "m"}]}', "master"],
      ["master.name a number", '{"master": {"name": 1}}', "master.name"],
    ],
  },
  {
    name: "POST /v1/services/{uuid}/autoscale/policies",
    method: "POST",
    path: () => `${s.base}/policies`,
    cases: [
      ...NOT_JSON,
      ...EMPTY,
      ["name a number", '{"name": 5, "type": "step", "steps": []}', "name"],
      ["type an array", '{"name": "p", "type": ["step"], "steps": []}', "type"],
      ["steps an object", '{"name": "p", "type": "step", "steps": {"lower_bound": 0, "adjustment": 1}}', "steps"],
      ["adjustment a string", '{"name": "p", "type": "step", "steps": [{"lower_bound": 0, "adjustment": "1"}]}', "steps.0.adjustment"],
      ["a step that is a number", '{"name": "p", "type": "step", "steps": [1]}', "steps.0"],
      ["unknown field", '{"name": "p", "type": "step", "steps": [], "cooldown": 5}', "cooldown"],
      ["an array with a string", '[{"name": "p", "type": "step"}, "q"]', "1"],
    ],
  },
  {
    name: "POST /v1/services/{uuid}/autoscale/metrics",
    method: "POST",
    path: () => `${s.base}/metrics`,
    cases: [
      ...NOT_JSON,
      ...EMPTY,
      ["{}", "{}", "at least one of cpu, instances, requests"],
      ["cpu and instances", '{"cpu": 5, "instances": [{"uuid": "u", "cpu": 1}]}', "mutually exclusive"],
      ["cpu negative", '{"cpu": -1}', "cpu"],
      ["cpu a string", '{"cpu": "500"}', "cpu"],
      ["cpu above int32", '{"cpu": 1e12}', "cpu"],
      ["instances empty", '{"instances": []}', "instances"],
      ["an instance without cpu", '{"instances": [{"uuid": "u"}]}', "instances.0.cpu"],
      ["an instance with an unknown field", '{"instances": [{"uuid": "u", "cpu": 1, "mem": 2}]}', "instances.0.mem"],
      ["an instance uuid a number", '{"instances": [{"uuid": 7, "cpu": 1}]}', "instances.0.uuid"],
      ["requests a float", '{"requests": 1.5}', "requests"],
      ["requests negative", '{"requests": -1}', "requests"],
      ["an unknown metric", '{"memory": 5}', "memory"],
      ["an array", '[{"cpu": 5}]', "body"],
    ],
  },
  {
    name: "POST /v1/services/{uuid}/autoscale/evaluate",
    method: "POST",
    path: () => `${s.base}/evaluate`,
    cases: [
      ...NOT_JSON,
      ...EMPTY,
      ["{} (cpu required)", "{}", "cpu"],
      ["cpu negative", '{"cpu": -5}', "cpu"],
      ["cpu a string", '{"cpu": "5"}', "cpu"],
      ["instances a float", '{"cpu": 5, "instances": 1.5}', "instances"],
      ["instances negative", '{"cpu": 5, "instances": -1}', "instances"],
      ["instances 1001", '{"cpu": 5, "instances": 1001}', "instances"],
      ["unknown field", '{"cpu": 5, "policies": []}', "policies"],
    ],
  },
  {
    name: "DELETE /v1/services/autoscale",
    method: "DELETE",
    path: () => "/v1/services/autoscale",
    cases: [...NOT_JSON, ...EMPTY, ["uuid a number", '[{"uuid": 5}]', "0.uuid"], ["an unknown field", '[{"id": "x"}]', "0.id"]],
  },
  {
    name: "DELETE /v1/services/{uuid}/autoscale/policies",
    method: "DELETE",
    path: () => `${s.base}/policies`,
    cases: [...NOT_JSON, ["an unknown field", '[{"nom": "out"}]', "0.nom"], ["name a number", '{"name": 5}', "name"]],
  },
];

for (const route of routes) {
  describe(route.name, () => {
    it.each(route.cases)("%s → 400 naming the field, nothing changed", async (_case, body, field) => {
      const r = await expectNoChange(s, () => raw(route.method, route.path(), body));
      expectRequestError(r, 400, field);
    });
  });
}

describe("GET bodies", () => {
  it.each([
    ["/v1/services/autoscale", [{ uuid: 5 }], "0.uuid"],
    ["/v1/services/autoscale", { nom: "x" }, "nom"],
    ["{base}/policies", [{ name: "out", extra: 1 }], "0.extra"],
  ])("GET %s with a bad body → 400 naming %s", async (path, body, field) => {
    const r = await expectNoChange(s, () => send(s.token, "GET", path.replace("{base}", s.base), body));
    expectRequestError(r, 400, field);
  });
});

describe("limits and credentials", () => {
  it("a body over 64 KiB → 413; 254 items → 400", async () => {
    const big = JSON.stringify([{ name: "g", master: { name: "x".repeat(200) } }]).padEnd(70 * 1024, " ");
    expectRequestError(await expectNoChange(s, () => raw("POST", "/v1/services/autoscale", big)), 413);
    const many = JSON.stringify(Array.from({ length: 254 }, () => ({ name: s.name })));
    expectRequestError(await expectNoChange(s, () => raw("DELETE", "/v1/services/autoscale", many)), 400, "body");
  });

  const forge = (t: string) => t.replace(/_[A-Za-z0-9_-]{43}$/, (x) => "_" + (x[1] === "B" ? "C" : "B") + x.slice(2));
  it.each([
    ["no credentials", () => ({}), 401],
    ["a malformed token", () => ({ Authorization: "Bearer nope" }), 401],
    ["a forged secret on a real token id", () => ({ Authorization: `Bearer ${forge(s.token)}` }), 401],
    ["Basic auth", () => ({ Authorization: "Basic dXNlcjpwYXNz" }), 401],
    ["another tenant in X-Tenant-Id", () => ({ Authorization: `Bearer ${s.token}`, "X-Tenant-Id": "someone-else" }), 403],
  ] as const)("%s → %i on every route, nothing changed", async (_case, headers, status) => {
    const requests: [string, string, unknown][] = [
      ["POST", "/v1/services/autoscale", { name: s.name, master: { name: s.instances[1].name } }],
      ["GET", "/v1/services/autoscale", undefined],
      ["DELETE", "/v1/services/autoscale", [{ name: s.name }]],
      ["GET", s.base, undefined],
      ["DELETE", s.base, undefined],
      ["POST", `${s.base}/policies`, { name: "x", type: "step", steps: [{ lower_bound: 0, adjustment: 1 }] }],
      ["GET", `${s.base}/policies`, undefined],
      ["DELETE", `${s.base}/policies`, undefined],
      ["GET", `${s.base}/policies/out`, undefined],
      ["DELETE", `${s.base}/policies/out`, undefined],
      ["POST", `${s.base}/metrics`, { cpu: 950 }],
      ["POST", `${s.base}/evaluate`, { cpu: 950 }],
    ];
    for (const [method, path, body] of requests) {
      const r = await expectNoChange(s, () => call(method, path, { body, headers: headers() }));
      expectRequestError(r, status);
      expect(r.status, `${method} ${path}`).toBe(status);
    }
  });
});
