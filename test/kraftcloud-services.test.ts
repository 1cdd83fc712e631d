// KraftCloud service groups through the Worker: POST/GET /v1/services and GET /v1/services/{uuid}
// — defaults, name rules, publishing rules, batch semantics (each item on its own; success /
// partial_success / error), per-item error codes 7/8/23, one model with the elastisys pools.
// Deletion and routing: kraftcloud-services-delete.test.ts. Every response is also checked
// against the OpenAPI file by the client (./kraftcloud-support.ts).
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { groupUuid } from "../src/domain/model";
import { call } from "./helpers";
import { expectBatch, expectItemError, expectKcError, expectNoChange, expectSingleError, newTenant, SLOW, uniq } from "./kraftcloud-support";

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UNKNOWN_UUID = "0b5e2a8e-1111-4222-8333-444455556666";

async function ledgerTypes(tenant: string, group: string): Promise<{ type: string; dialect: string }[]> {
  const rows = await env.DB.prepare(`SELECT type, dialect FROM operations WHERE tenant_id = ? AND target_id = ? ORDER BY seq`).bind(tenant, group).all<any>();
  return rows.results;
}

describe("POST /v1/services", () => {
  it("one object creates a service group with KraftCloud's defaults; GET by uuid shows it", async () => {
    const t = await newTenant("svc-create");
    const r = await t.api.post("/v1/services", { name: "web", services: [{ port: 443 }, { port: 80 }, { port: 8080, destination_port: 3000 }] });
    const [item] = expectBatch(r, "service_groups", "success");
    const uuid = await groupUuid(t.tenant, "web");
    expect(item).toEqual({ status: "success", uuid, name: "web", created_at: expect.stringMatching(ISO), persistent: true, autoscale: false, soft_limit: 1, hard_limit: 65535, domains: [] });
    const g = await t.api.get(`/v1/services/${uuid}`);
    expect(g.status, g.text).toBe(200);
    expect(g.body.status).toBe("success");
    const [svc] = g.body.data.service_groups;
    expect(svc).toEqual({
      status: "success",
      uuid,
      name: "web",
      created_at: item.created_at,
      persistent: true,
      autoscale: false,
      soft_limit: 1,
      hard_limit: 65535,
      services: [
        { port: 443, destination_port: 443, handlers: ["tls", "http"] },
        { port: 80, destination_port: 80, handlers: ["http", "redirect"] },
        { port: 8080, destination_port: 3000, handlers: ["tls"] },
      ],
      domains: [],
      instances: [],
    });
    expect(await ledgerTypes(t.tenant, "web")).toContainEqual({ type: "service.create", dialect: "kraftcloud" });
  });

  it("every field: handlers, domains (a trailing dot dropped), connection limits", async () => {
    const t = await newTenant("svc-full");
    const body = {
      name: "api",
      services: [{ port: 443, destination_port: 8443, handlers: ["http", "tls"] }, { port: 80, handlers: ["http"] }],
      domains: [{ name: "api.example.com." }, { name: "api2" }],
      soft_limit: 10,
      hard_limit: 10,
    };
    const [item] = expectBatch(await t.api.post("/v1/services", body), "service_groups", "success");
    expect(item).toMatchObject({ name: "api", soft_limit: 10, hard_limit: 10, domains: [{ fqdn: "api.example.com" }, { fqdn: "api2" }] });
    const [svc] = (await t.api.get(`/v1/services/${item.uuid}`)).body.data.service_groups;
    expect(svc.services).toEqual([
      { port: 443, destination_port: 8443, handlers: ["http", "tls"] },
      { port: 80, destination_port: 80, handlers: ["http"] },
    ]);
    expect(svc.domains).toEqual([{ fqdn: "api.example.com" }, { fqdn: "api2" }]);
  });

  it("without a name: <word>-<word>-<8 random alphanumerics>, a different one each time", async () => {
    const t = await newTenant("svc-noname");
    const items = expectBatch(await t.api.post("/v1/services", [{ services: [] }, { services: [] }]), "service_groups", "success");
    for (const i of items) expect(i.name).toMatch(/^[a-z]+-[a-z]+-[a-z0-9]{8}$/);
    expect(items[0].name).not.toBe(items[1].name);
    const names = (await t.api.get("/v1/services")).body.data.service_groups.map((s: any) => s.name);
    expect(names.sort()).toEqual(items.map((i) => i.name).sort());
  });

  it("an array: each item on its own — an existing name is error 23 at its index (partial_success)", async () => {
    const t = await newTenant("svc-batch");
    expectBatch(await t.api.post("/v1/services", { name: "taken", services: [] }), "service_groups", "success");
    const items = expectBatch(await t.api.post("/v1/services", [{ name: "a", services: [] }, { name: "taken", services: [] }, { name: "b", services: [] }]), "service_groups", "partial_success");
    expect(items.map((i) => i.status)).toEqual(["success", "error", "success"]);
    expectItemError(items[1], 23, "taken");
    expect(items[1].name).toBe("taken");
    const names = (await t.api.get("/v1/services")).body.data.service_groups.map((s: any) => s.name);
    expect(names).toEqual(["a", "b", "taken"]);
  });

  it("all items failing: top status error, HTTP 200, nothing changed", async () => {
    const t = await newTenant("svc-allfail");
    expectBatch(await t.api.post("/v1/services", { name: "x", services: [] }), "service_groups", "success");
    const r = await expectNoChange(t, ["x"], () => t.api.post("/v1/services", [{ name: "x", services: [] }, { name: "Bad_Name", services: [] }]));
    const items = expectBatch(r, "service_groups", "error");
    expectItemError(items[0], 23);
    expectItemError(items[1], 7, "Invalid name 'Bad_Name'");
  });

  it("the same name twice in one array: created once, the second is 23 — also under one Idempotency-Key, which a retry replays item by item", async () => {
    const t = await newTenant("svc-twice");
    const key = { "Idempotency-Key": "batch-1" };
    const body = [{ name: "dup", services: [] }, { name: "dup", services: [] }];
    const first = expectBatch(await t.api.post("/v1/services", body, key), "service_groups", "partial_success");
    expect(first[0].status).toBe("success");
    expectItemError(first[1], 23, "dup");
    const again = expectBatch(await t.api.post("/v1/services", body, key), "service_groups", "partial_success");
    expect(again[0]).toEqual(first[0]);
    expect((await ledgerTypes(t.tenant, "dup")).filter((x) => x.type === "service.create")).toHaveLength(1);
  });

  it("a name taken by an elastisys pool is 23 (one namespace of groups)", async () => {
    const t = await newTenant("svc-pool");
    expect((await call("POST", "/cloudpools/shared/config", { token: t.token, body: {} })).status).toBe(200);
    const [item] = expectBatch(await t.api.post("/v1/services", { name: "shared", services: [] }), "service_groups", "error");
    expectItemError(item, 23, "already exists");
  });

  const names: [string, string, boolean][] = [
    ["one letter", "a", true],
    ["one digit", "0", true],
    ["63 characters", "a".repeat(63), true],
    ["dashes inside", "a-b-c9", true],
    ["64 characters", "a".repeat(64), false],
    ["uppercase", "Web", false],
    ["underscore", "web_1", false],
    ["dot", "web.app", false],
    ["leading dash", "-web", false],
    ["trailing dash", "web-", false],
    ["empty", "", false],
    ["space", "my web", false],
    ["unicode", "wéb", false],
  ];
  it.each(names)("name rules: %s (%s) → %s", async (_case, name, ok) => {
    const t = await newTenant("svc-names");
    const r = await t.api.post("/v1/services", { name, services: [] });
    const [item] = expectBatch(r, "service_groups", ok ? "success" : "error");
    if (ok) expect(item.name).toBe(name);
    else {
      expectItemError(item, 7, `Invalid name '${name}'`);
      expect((await t.api.get("/v1/services")).body.data.service_groups).toEqual([]);
    }
  });

  const rules: [string, object, string][] = [
    ["a port published twice", { services: [{ port: 8080 }, { port: 8080 }] }, "port 8080 is published twice"],
    ["port 80 with tls", { services: [{ port: 80, handlers: ["http", "tls"] }] }, "port 80"],
    ["port 80 without http", { services: [{ port: 80, handlers: ["redirect"] }] }, "port 80"],
    ["port 443 without tls", { services: [{ port: 443, handlers: ["http"] }] }, "port 443"],
    ["port 8080 with http", { services: [{ port: 8080, handlers: ["tls", "http"] }] }, "port 8080"],
    ["port 8080 without tls", { services: [{ port: 8080, handlers: [] }] }, "port 8080"],
    ["redirect on 443", { services: [{ port: 443, handlers: ["tls", "http", "redirect"] }] }, "redirect"],
    ["a handler twice", { services: [{ port: 8080, handlers: ["tls", "tls"] }] }, "twice"],
    ["soft_limit above hard_limit", { services: [], soft_limit: 100, hard_limit: 99 }, "soft_limit 100 is above hard_limit 99"],
    ["a domain that is no hostname", { services: [], domains: [{ name: "bad_domain!" }] }, "Invalid domain 'bad_domain!'"],
    ["a domain listed twice", { services: [], domains: [{ name: "x.example.com" }, { name: "x.example.com." }] }, "listed twice"],
  ];
  it.each(rules)("publishing rules: %s → item error 7, nothing created", async (_case, body, mentions) => {
    const t = await newTenant("svc-rules");
    const name = uniq("r");
    const r = await expectNoChange(t, [name], () => t.api.post("/v1/services", { name, ...body }));
    const [item] = expectBatch(r, "service_groups", "error");
    expectItemError(item, 7, mentions);
    expect(item.name).toBe(name);
  });
});

describe("GET /v1/services", () => {
  it("lists every group of the tenant — elastisys pools too, with the same uuid — and nothing of another tenant", async () => {
    const t = await newTenant("svc-list");
    const other = await newTenant("svc-list-other");
    expectBatch(await other.api.post("/v1/services", { name: "theirs", services: [] }), "service_groups", "success");
    expectBatch(await t.api.post("/v1/services", { name: "kc", services: [{ port: 443 }] }), "service_groups", "success");
    expect((await call("POST", "/cloudpools/web/config", { token: t.token, body: SLOW })).status).toBe(200);
    const items = expectBatch(await t.api.get("/v1/services"), "service_groups", "success");
    expect(items.map((i) => i.name)).toEqual(["kc", "web"]);
    const web = items[1];
    expect(web).toEqual({
      status: "success",
      uuid: await groupUuid(t.tenant, "web"),
      name: "web",
      created_at: expect.stringMatching(ISO),
      persistent: true,
      autoscale: false,
      soft_limit: 1,
      hard_limit: 65535,
      services: [],
      domains: [],
      instances: [],
    });
    expect(items[0]).toMatchObject({ uuid: await groupUuid(t.tenant, "kc"), soft_limit: 1, hard_limit: 65535 });
  });

  it("pool machines are the group's instances; ?details=false gives uuid and name only", async () => {
    const t = await newTenant("svc-details");
    expect((await call("POST", "/cloudpools/pool/config", { token: t.token, body: SLOW })).status).toBe(200);
    expect((await call("POST", "/cloudpools/pool/pool/size", { token: t.token, body: { desiredSize: 2 } })).status).toBe(200);
    const [full] = expectBatch(await t.api.get("/v1/services"), "service_groups", "success");
    expect(full.instances).toHaveLength(2);
    const machines = (await call("GET", "/cloudpools/pool/pool", { token: t.token })).body.machines;
    const listed = await t.api.get("/v1/instances");
    expect(full.instances.map((i: any) => i.uuid).sort()).toEqual(listed.body.data.instances.map((i: any) => i.uuid).sort());
    expect(machines).toHaveLength(2);
    const brief = expectBatch(await t.api.get("/v1/services?details=false"), "service_groups", "success");
    expect(brief).toEqual([{ status: "success", uuid: full.uuid, name: "pool" }]);
    const one = await t.api.get(`/v1/services/${full.uuid}?details=false`);
    expect(one.body.data.service_groups).toEqual([{ status: "success", uuid: full.uuid, name: "pool" }]);
  });

  it("an empty tenant lists nothing", async () => {
    const t = await newTenant("svc-empty");
    expect(expectBatch(await t.api.get("/v1/services"), "service_groups", "success")).toEqual([]);
  });

  it.each([["details=maybe", "details"], ["verbose=1", "verbose"], ["details=true&x=1", "x"]])("?%s → 400 naming the parameter", async (q, field) => {
    const t = await newTenant("svc-query");
    expectKcError(await t.api.get(`/v1/services?${q}`), 400, field);
    expectKcError(await t.api.get(`/v1/services/${UNKNOWN_UUID}?${q}`), 400, field);
  });
});

describe("GET /v1/services/{uuid}", () => {
  it("a name or anything not a UUID in the path → 200, item error 7 \"Invalid uuid '<x>'\"", async () => {
    const t = await newTenant("svc-get-bad");
    expectBatch(await t.api.post("/v1/services", { name: "web", services: [] }), "service_groups", "success");
    for (const x of ["web", "123", "0b5e2a8e-1111-4222-8333-44445555666", "0b5e2a8e11114222833344445555666g"]) {
      const item = expectSingleError(await t.api.get(`/v1/services/${x}`), "service_groups", 7, `Invalid uuid '${x}'`);
      expect(item.uuid).toBeUndefined();
    }
  });

  it("an unknown uuid, another tenant's uuid → 200, item error 8; an uppercase uuid is the same uuid", async () => {
    const t = await newTenant("svc-get-404");
    const other = await newTenant("svc-get-404-o");
    const [theirs] = expectBatch(await other.api.post("/v1/services", { name: "web", services: [] }), "service_groups", "success");
    const [mine] = expectBatch(await t.api.post("/v1/services", { name: "mine", services: [] }), "service_groups", "success");
    expectSingleError(await t.api.get(`/v1/services/${UNKNOWN_UUID}`), "service_groups", 8, UNKNOWN_UUID);
    const item = expectSingleError(await t.api.get(`/v1/services/${theirs.uuid}`), "service_groups", 8);
    expect(item.uuid).toBe(theirs.uuid);
    const upper = await t.api.get(`/v1/services/${mine.uuid.toUpperCase()}`);
    expect(upper.status, upper.text).toBe(200);
    expect(upper.body.data.service_groups[0].uuid).toBe(mine.uuid);
  });
});
