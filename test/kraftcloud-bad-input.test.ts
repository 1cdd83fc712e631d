// Whole-request failures of the KraftCloud service-group and instance routes: malformed or empty
// bodies, wrong types, unknown fields (spec fields Scalegate does not implement included),
// out-of-range numbers, bad or forged credentials. Each is a non-2xx
// `{"status":"error","message","errors":[{"status"}]}` naming the field, never a 500, and changes
// nothing: not the tenant's D1 rows, not the Durable Object storage of its group.
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call } from "./helpers";
import { expectKcError, expectNoChange, kcClient, newTenant, slowService, type Tenant } from "./kraftcloud-support";

const UUID = "0b5e2a8e-1111-4222-8333-444455556666";

/** A tenant with a service group `g` holding one instance. */
async function setup(prefix: string): Promise<Tenant & { instance: string; group: string }> {
  const t = await newTenant(prefix);
  const group = await slowService(t, "g");
  const r = await t.api.post("/v1/instances", { name: "i", image: "a/b", service_group: { name: "g" } });
  expect(r.status, r.text).toBe(200);
  return { ...t, instance: r.body.data.instances[0].uuid, group };
}

const NOT_JSON: [string, string, string][] = [
  ["malformed JSON", "{bad", "malformed JSON"],
  ["truncated JSON", '{"services": [', "malformed JSON"],
  ["trailing garbage", '{"services": []} x', "malformed JSON"],
  ["empty body", "", "body"],
  ["whitespace body", " \n ", "body"],
  ["JSON null", "null", "body"],
  ["JSON string", '"web"', "body"],
  ["JSON number", "3", "body"],
  ["JSON true", "true", "body"],
];

const big = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `s${i}`, services: [] }));

const SERVICES_POST: [string, string, string][] = [
  ...NOT_JSON,
  ["empty array", "[]", "body"],
  ["254 items", JSON.stringify(big(254)), "body"],
  ["an array of non-objects", "[1]", "0"],
  ["services missing", "{}", "services"],
  ["services not an array", '{"services": {"port": 80}}', "services"],
  ["unknown top-level field", '{"services": [], "persistent": true}', "persistent"],
  ["unknown field in an array item", '[{"services": []}, {"services": [], "x": 1}]', "1.x"],
  ["a __proto__ field", '{"services": [], "__proto__": {"name": "x"}}', "__proto__"],
  ["name not a string", '{"name": 5, "services": []}', "name"],
  ["name null", '{"name": null, "services": []}', "name"],
  ["name over 255 characters", JSON.stringify({ name: "a".repeat(256), services: [] }), "name"],
  ["port missing", '{"services": [{"destination_port": 80}]}', "services.0.port"],
  ["port a string", '{"services": [{"port": "80"}]}', "services.0.port"],
  ["port 0", '{"services": [{"port": 0}]}', "services.0.port"],
  ["port 65536", '{"services": [{"port": 65536}]}', "services.0.port"],
  ["port 80.5", '{"services": [{"port": 80.5}]}', "services.0.port"],
  ["port 1e400", '{"services": [{"port": 1e400}]}', "services.0.port"],
  ["destination_port 0", '{"services": [{"port": 443, "destination_port": 0}]}', "services.0.destination_port"],
  ["unknown handler", '{"services": [{"port": 443, "handlers": ["udp"]}]}', "services.0.handlers.0"],
  ["handlers a string", '{"services": [{"port": 443, "handlers": "tls"}]}', "services.0.handlers"],
  ["unknown service field", '{"services": [{"port": 443, "proto": "tcp"}]}', "services.0.proto"],
  ["254 published ports", JSON.stringify({ services: Array.from({ length: 254 }, (_, i) => ({ port: 1000 + i })) }), "services"],
  ["domain name not a string", '{"services": [], "domains": [{"name": 1}]}', "domains.0.name"],
  ["domain spelled fqdn (name missing)", '{"services": [], "domains": [{"fqdn": "a.example.com"}]}', "domains.0.name"],
  ["domain with fqdn next to its name", '{"services": [], "domains": [{"name": "a.example.com.", "fqdn": "a.example.com"}]}', "domains.0.fqdn"],
  ["domain certificate (not supported)", '{"services": [], "domains": [{"name": "a.example.com.", "certificate": {"name": "c"}}]}', "domains.0.certificate"],
  ["soft_limit 0", '{"services": [], "soft_limit": 0}', "soft_limit"],
  ["hard_limit 65536", '{"services": [], "hard_limit": 65536}', "hard_limit"],
  ["soft_limit a string", '{"services": [], "soft_limit": "1"}', "soft_limit"],
  ["hard_limit null", '{"services": [], "hard_limit": null}', "hard_limit"],
];

const SERVICES_DELETE: [string, string, string][] = [
  ...NOT_JSON,
  ["empty array", "[]", "body"],
  ["uuid a number", '[{"uuid": 5}]', "0.uuid"],
  ["name null", '[{"name": null}]', "0.name"],
  ["unknown field", '[{"id": "g"}]', "0.id"],
  ["a __proto__ field", '[{"name": "g", "__proto__": {}}]', "__proto__"],
  ["a string item", '["g"]', "0"],
];

const INSTANCE = { image: "a/b", service_group: { name: "g" } };
const inst = (patch: Record<string, unknown>) => JSON.stringify({ ...INSTANCE, ...patch });

const INSTANCES_POST: [string, string, string][] = [
  ...NOT_JSON,
  ["an array", JSON.stringify([INSTANCE]), "body"],
  ["image missing", JSON.stringify({ service_group: { name: "g" } }), "image"],
  ["image empty", inst({ image: "" }), "image"],
  ["image not a reference", inst({ image: "Bad/Image" }), "image"],
  ["image a number", inst({ image: 5 }), "image"],
  ["memory_mb 15", inst({ memory_mb: 15 }), "memory_mb"],
  ["memory_mb 4097", inst({ memory_mb: 4097 }), "memory_mb"],
  ["memory_mb a string", inst({ memory_mb: "128" }), "memory_mb"],
  ["memory_mb 128.5", inst({ memory_mb: 128.5 }), "memory_mb"],
  ["autostart a string", inst({ autostart: "yes" }), "autostart"],
  ["service_group missing (no standalone instances)", JSON.stringify({ image: "a/b" }), "service_group"],
  ["service_group a string", inst({ service_group: "g" }), "service_group"],
  ["service_group uuid a number", inst({ service_group: { uuid: 5 } }), "service_group.uuid"],
  ["service_group inline services (not supported)", inst({ service_group: { services: [{ port: 443 }] } }), "service_group.services"],
  ["scale_to_zero policy unknown", inst({ scale_to_zero: { policy: "sometimes" } }), "scale_to_zero.policy"],
  ["scale_to_zero without policy", inst({ scale_to_zero: { cooldown_time_ms: 5 } }), "scale_to_zero.policy"],
  ["cooldown_time_ms negative", inst({ scale_to_zero: { policy: "on", cooldown_time_ms: -1 } }), "scale_to_zero.cooldown_time_ms"],
  ["cooldown_time_ms over a day", inst({ scale_to_zero: { policy: "on", cooldown_time_ms: 86_400_001 } }), "scale_to_zero.cooldown_time_ms"],
  ["stateful scale-to-zero (not supported)", inst({ scale_to_zero: { policy: "on", stateful: true } }), "scale_to_zero.stateful"],
  ["features delete-on-stop (not supported)", inst({ features: ["delete-on-stop"] }), "features.0"],
  ["features a string", inst({ features: "scale-to-zero" }), "features"],
  ...["args", "env", "volumes", "replicas", "restart_policy", "wait_timeout_ms"].map(
    (f): [string, string, string] => [`spec field ${f} (not supported)`, inst({ [f]: f === "env" ? {} : f === "args" || f === "volumes" ? [] : f === "restart_policy" ? "never" : 0 }), f],
  ),
  ["a __proto__ field", `{"image": "a/b", "service_group": {"name": "g", "__proto__": {}}}`, "__proto__"],
];

const ROUTES: [string, string, [string, string, string][]][] = [
  ["POST", "/v1/services", SERVICES_POST],
  ["DELETE", "/v1/services", SERVICES_DELETE],
  ["POST", "/v1/instances", INSTANCES_POST],
];

for (const [method, path, cases] of ROUTES) {
  describe(`${method} ${path}`, () => {
    it.each(cases)("%s → 400 naming it, nothing changed", async (_case, raw, mentions) => {
      const t = await setup("bad");
      const r = await expectNoChange(t, ["g"], () => t.api.raw(method, path, raw));
      expectKcError(r, 400, mentions);
    });
  });
}

describe("credentials on every route", () => {
  const routes = (t: { instance: string; group: string }): [string, string, string?][] => [
    ["GET", "/v1/services"],
    ["POST", "/v1/services", '{"name": "x", "services": []}'],
    ["DELETE", "/v1/services", '[{"name": "g"}]'],
    ["GET", `/v1/services/${t.group}`],
    ["DELETE", `/v1/services/${t.group}`],
    ["GET", "/v1/instances"],
    ["POST", "/v1/instances", inst({})],
    ["GET", `/v1/instances/${t.instance}`],
    ["DELETE", `/v1/instances/${t.instance}`],
    ["PUT", `/v1/instances/${t.instance}/start`],
    ["PUT", `/v1/instances/${t.instance}/stop`],
  ];

  const clients: [string, (t: Tenant, spare: string) => ReturnType<typeof kcClient>, number][] = [
    ["no credentials", () => kcClient(null), 401],
    ["a Basic scheme", () => kcClient(null, { Authorization: `Basic ${btoa("a:b")}` }), 401],
    ["a garbage token", () => kcClient("garbage"), 401],
    ["a forged token (the real one with its last character changed)", (t) => kcClient(t.token.slice(0, -1) + (t.token.endsWith("A") ? "B" : "A")), 401],
    ["a revoked token", (_t, spare) => kcClient(spare), 401],
    ["X-Tenant-Id of another tenant", (t) => kcClient(t.token, { "X-Tenant-Id": "someone-else" }), 403],
  ];
  it.each(clients)("%s → %i on every route, nothing changed", { timeout: 30_000 }, async (name, client, status) => {
    const t = await setup("auth");
    const spare = await call("POST", `/admin/tenants/${t.tenant}/tokens`, { token: ADMIN_TOKEN });
    expect((await call("DELETE", `/admin/tenants/${t.tenant}/tokens/${spare.body.token_id}`, { token: ADMIN_TOKEN })).status).toBe(204);
    const api = client(t, spare.body.token);
    await expectNoChange(t, ["g"], async () => {
      let last = null as unknown as Awaited<ReturnType<typeof api.get>>;
      for (const [method, path, raw] of routes(t)) {
        last = await api.raw(method, path, raw);
        expect(last.status, `${name}: ${method} ${path}`).toBe(status);
        expectKcError(last, status);
      }
      return last;
    });
  });
});

describe("other whole-request failures", () => {
  it("a body over 64 KiB → 413; an unknown /v1 path → 404; both in the /v1 error shape, nothing changed", async () => {
    const t = await setup("misc");
    const huge = JSON.stringify({ services: [], name: "x".repeat(70_000) });
    expectKcError(await expectNoChange(t, ["g"], () => t.api.raw("POST", "/v1/services", huge)), 413);
    expectKcError(await expectNoChange(t, ["g"], () => t.api.raw("POST", "/v1/instances", huge)), 413);
    expectKcError(await t.api.get("/v1/nope"), 404);
    expectKcError(await t.api.get(`/v1/services/${UUID}/nothing`), 404);
  });
});
