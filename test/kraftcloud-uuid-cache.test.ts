// uuid → group lookups of the /v1 routes are remembered by the isolate (src/surfaces/kraftcloud/
// refs.ts): the mapping never changes (a group's uuid is derived from tenant and name), so a found
// uuid is not looked up in D1 again; an unknown one is never remembered; a deleted group's uuid
// is still error 8, answered by the group's own object; another tenant's uuid stays 8.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { groupUuid } from "../src/domain/model";
import { cachedGroupName } from "../src/surfaces/kraftcloud/refs";
import { expectBatch, expectSingleError, newTenant } from "./kraftcloud-support";

describe("uuid → group cache", () => {
  it("a found uuid is served without the registry: the D1 row removed behind its back, the routes still reach the group", async () => {
    const t = await newTenant("uuidc-hit");
    const [g] = expectBatch(await t.api.post("/v1/services", { name: "hit", services: [] }), "service_groups", "success");
    expect((await t.api.get(`/v1/services/${g.uuid}`)).status).toBe(200);
    expect(cachedGroupName(t.tenant, g.uuid)).toBe("hit");
    await env.DB.prepare(`DELETE FROM groups WHERE tenant_id = ? AND name = ?`).bind(t.tenant, "hit").run();
    const r = await t.api.get(`/v1/services/${g.uuid}`);
    expect(r.status, r.text).toBe(200);
    expect(r.body.data.service_groups[0]).toMatchObject({ status: "success", uuid: g.uuid, name: "hit" });
    // An upper-case uuid is the same key.
    expect((await t.api.get(`/v1/services/${g.uuid.toUpperCase()}`)).status).toBe(200);
  });

  it("an unknown uuid is not remembered: the group created after a miss is found at once", async () => {
    const t = await newTenant("uuidc-miss");
    const uuid = await groupUuid(t.tenant, "later");
    expectSingleError(await t.api.get(`/v1/services/${uuid}`), "service_groups", 8);
    expect(cachedGroupName(t.tenant, uuid)).toBeNull();
    const [g] = expectBatch(await t.api.post("/v1/services", { name: "later", services: [] }), "service_groups", "success");
    expect(g.uuid).toBe(uuid);
    expect((await t.api.get(`/v1/services/${uuid}`)).status).toBe(200);
  });

  it("a deleted group's cached uuid still answers 8 on every route (its object says it is gone), and works again once re-created", async () => {
    const t = await newTenant("uuidc-del");
    const [g] = expectBatch(await t.api.post("/v1/services", { name: "del", services: [] }), "service_groups", "success");
    expect((await t.api.get(`/v1/services/${g.uuid}`)).status).toBe(200);
    expect(cachedGroupName(t.tenant, g.uuid)).toBe("del");
    expect((await t.api.del(`/v1/services/${g.uuid}`)).status).toBe(200);
    expect(cachedGroupName(t.tenant, g.uuid)).toBe("del");
    expectSingleError(await t.api.get(`/v1/services/${g.uuid}`), "service_groups", 8);
    expectSingleError(await t.api.del(`/v1/services/${g.uuid}`), "service_groups", 8);
    expectSingleError(await t.api.get(`/v1/services/${g.uuid}/autoscale`), "service_groups", 8);
    const inst = await t.api.post("/v1/instances", { name: "uuidc-del-i", image: "a/b:1", service_group: { uuid: g.uuid } });
    expectSingleError(inst, "instances", 8);
    const [again] = expectBatch(await t.api.post("/v1/services", { name: "del", services: [] }), "service_groups", "success");
    expect(again.uuid).toBe(g.uuid);
    expect((await t.api.get(`/v1/services/${g.uuid}`)).status).toBe(200);
  });

  it("entries are per tenant: another tenant presenting a cached uuid gets 8", async () => {
    const a = await newTenant("uuidc-a");
    const b = await newTenant("uuidc-b");
    const [g] = expectBatch(await a.api.post("/v1/services", { name: "mine", services: [] }), "service_groups", "success");
    expect((await a.api.get(`/v1/services/${g.uuid}`)).status).toBe(200);
    expectSingleError(await b.api.get(`/v1/services/${g.uuid}`), "service_groups", 8);
    expect(cachedGroupName(b.tenant, g.uuid)).toBeNull();
  });
});
