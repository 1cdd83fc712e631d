// Service domains are unique across tenants (issue 11, src/db/domains.ts): claimed by one D1
// INSERT before the service group exists; a taken one is item error 23 and nothing is created, an
// invalid one (not a host name, an IP address, the API's own host) error 7; a creation that fails
// drops the claims it made; deleting the service frees its domains; a claim whose group was
// deleted another way is taken over.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { STALE_DOMAIN_CLAIM_MS } from "../src/db/domains";
import { call } from "./helpers";
import { newTenant, uniq, type Tenant } from "./kraftcloud-support";

const rows = async () => (await env.DB.prepare(`SELECT domain, tenant_id, group_name FROM service_domains ORDER BY domain`).all()).results;
const rowOf = async (domain: string) => env.DB.prepare(`SELECT domain, tenant_id, group_name FROM service_domains WHERE domain = ?`).bind(domain).first();

async function create(t: Tenant, body: object | object[]) {
  const r = await t.api.post("/v1/services", body);
  expect(r.status, r.text).toBe(200);
  return r.body.data.service_groups as any[];
}

const listed = async (t: Tenant) => ((await t.api.get("/v1/services")).body.data.service_groups as any[]).map((g) => g.name);

describe("claiming domains", () => {
  it("a service's domains are claimed for it and answered back", async () => {
    const t = await newTenant("dc");
    const name = uniq("web");
    const [item] = await create(t, { name, services: [{ port: 443, destination_port: 8080 }], domains: [{ name: `${name}.example.com` }, { name: `www.${name}.example.com.` }] });
    expect(item).toMatchObject({ status: "success", name, domains: [{ fqdn: `${name}.example.com` }, { fqdn: `www.${name}.example.com` }] });
    expect(await rowOf(`${name}.example.com`)).toEqual({ domain: `${name}.example.com`, tenant_id: t.tenant, group_name: name });
    expect(await rowOf(`www.${name}.example.com`)).toMatchObject({ tenant_id: t.tenant, group_name: name });
  });

  it("a domain another tenant's service holds is error 23; nothing is created and no claim changes", async () => {
    const a = await newTenant("dca");
    const b = await newTenant("dcb");
    const name = uniq("shop");
    await create(a, { name, services: [], domains: [{ name: `${name}.example.org` }] });
    const before = await rows();
    const [item] = await create(b, { name, services: [], domains: [{ name: `${name}.example.org` }] });
    expect(item).toMatchObject({ status: "error", error: 23, name });
    expect(item.message).toContain(`domain '${name}.example.org' is already used`);
    expect(await rows()).toEqual(before);
    expect(await listed(b)).toEqual([]);
  });

  it("the same tenant's other service: 23 too; two items of one batch naming one domain: the second is 23", async () => {
    const t = await newTenant("dcs");
    const [n1, n2, n3] = [uniq("s"), uniq("s"), uniq("s")];
    const d = `${n1}.example.net`;
    await create(t, { name: n1, services: [], domains: [{ name: d }] });
    expect((await create(t, { name: n2, services: [], domains: [{ name: d }] }))[0]).toMatchObject({ status: "error", error: 23 });
    const batch = await create(t, [
      { name: n2, services: [], domains: [{ name: `${n2}.example.net` }] },
      { name: n3, services: [], domains: [{ name: `${n2}.example.net` }] },
    ]);
    expect(batch.map((i) => [i.status, i.error ?? null])).toEqual([["success", null], ["error", 23]]);
    expect(await listed(t)).toEqual([n1, n2].sort());
  });

  it("a creation refused for a later domain drops the claims it made for the earlier ones", async () => {
    const a = await newTenant("dcp");
    const b = await newTenant("dcq");
    const taken = `${uniq("taken")}.example.com`;
    await create(a, { name: uniq("holder"), services: [], domains: [{ name: taken }] });
    const fresh = `${uniq("fresh")}.example.com`;
    const [item] = await create(b, { name: uniq("late"), services: [], domains: [{ name: fresh }, { name: taken }] });
    expect(item).toMatchObject({ status: "error", error: 23 });
    expect(await rowOf(fresh)).toBeNull();
  });

  it("a service the group refuses (its name exists) drops the new domain's claim, and keeps the existing service's", async () => {
    const t = await newTenant("dcr");
    const name = uniq("dup");
    await create(t, { name, services: [], domains: [{ name: `${name}.example.com` }] });
    const [again] = await create(t, { name, services: [], domains: [{ name: `${name}.example.com` }, { name: `other-${name}.example.com` }] });
    expect(again).toMatchObject({ status: "error", error: 23 });
    expect(await rowOf(`other-${name}.example.com`)).toBeNull();
    expect(await rowOf(`${name}.example.com`)).toMatchObject({ tenant_id: t.tenant, group_name: name });
  });

  it("invalid names are error 7 and claim nothing: not a host name, an IP address, the API's own host", async () => {
    const t = await newTenant("dci");
    const before = await rows();
    for (const domain of ["bad_name.example.com", "-x.example.com", "a..b", "UPPER.example.com", "10.0.0.1", "scalegate.test", `${"a".repeat(64)}.example.com`]) {
      const [item] = await create(t, { name: uniq("inv"), services: [], domains: [{ name: domain }] });
      expect(item, domain).toMatchObject({ status: "error", error: 7 });
    }
    expect(await rows()).toEqual(before);
    expect(await listed(t)).toEqual([]);
  });

  it("wrong types and unknown fields in domains are a whole-request 400 naming the field, nothing claimed", async () => {
    const t = await newTenant("dcw");
    const before = await rows();
    for (const domains of [[{ name: 7 }], [{ fqdn: "x.example.com" }], [{ name: "" }], "x.example.com", [{ name: "x.example.com", cert: true }]]) {
      const r = await t.api.post("/v1/services", { name: uniq("w"), services: [], domains });
      expect(r.status, JSON.stringify(domains)).toBe(400);
      expect(r.text).toContain("domains");
    }
    expect(await rows()).toEqual(before);
  });
});

describe("freeing domains", () => {
  it("deleting the service frees its domains at once: another tenant claims them", async () => {
    const a = await newTenant("dfa");
    const b = await newTenant("dfb");
    const name = uniq("gone");
    const d = `${name}.example.com`;
    const [made] = await create(a, { name, services: [], domains: [{ name: d }] });
    const del = await a.api.del(`/v1/services/${made.uuid}`);
    expect(del.body.status, del.text).toBe("success");
    expect(await rowOf(d)).toBeNull();
    expect((await create(b, { name: uniq("new"), services: [], domains: [{ name: d }] }))[0].status).toBe("success");
    expect(await rowOf(d)).toMatchObject({ tenant_id: b.tenant });
  });

  it("a claim whose group was deleted as an elastisys pool is taken over", async () => {
    const a = await newTenant("dea");
    const b = await newTenant("deb");
    const name = uniq("pool");
    const d = `${name}.example.com`;
    await create(a, { name, services: [], domains: [{ name: d }] });
    const gone = await call("DELETE", `/cloudpools/${name}`, { token: a.token });
    expect(gone.status, gone.text).toBe(200);
    // The registry row of the deletion reaches D1 through the group's outbox.
    for (let i = 0; i < 100 && !(await env.DB.prepare(`SELECT deleted_at FROM groups WHERE tenant_id = ? AND name = ?`).bind(a.tenant, name).first<{ deleted_at: number | null }>())?.deleted_at; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect((await create(b, { name: uniq("next"), services: [], domains: [{ name: d }] }))[0].status).toBe("success");
  });

  it("a claim nobody turned into a group is taken over after STALE_DOMAIN_CLAIM_MS, not before", async () => {
    const t = await newTenant("dst");
    const fresh = `${uniq("fresh")}.example.com`;
    const stale = `${uniq("stale")}.example.com`;
    const now = Date.now();
    await env.DB.prepare(`INSERT INTO service_domains (domain, tenant_id, group_name, claimed_at) VALUES (?, 'ghost', 'nothing', ?), (?, 'ghost', 'nothing', ?)`)
      .bind(fresh, now - 1000, stale, now - STALE_DOMAIN_CLAIM_MS - 1000)
      .run();
    expect((await create(t, { name: uniq("f"), services: [], domains: [{ name: fresh }] }))[0]).toMatchObject({ status: "error", error: 23 });
    expect((await create(t, { name: uniq("s"), services: [], domains: [{ name: stale }] }))[0].status).toBe("success");
    expect(await rowOf(stale)).toMatchObject({ tenant_id: t.tenant });
  });
});
