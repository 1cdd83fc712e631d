// KraftCloud service groups through the Worker, deletion and routing: DELETE /v1/services/{uuid}
// and DELETE /v1/services (by uuid or name, one or an array) — batch semantics, per-item errors
// 7/8, refused while instances are attached, another tenant's groups untouched; 405s, and
// `/v1/services/autoscale` left to the autoscale routes. Every response is also checked against
// the OpenAPI file by the client.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call } from "./helpers";
import { expectBatch, expectItemError, expectKcError, expectNoChange, expectSingleError, newInstance, newTenant, slowService } from "./kraftcloud-support";

const UNKNOWN_UUID = "0b5e2a8e-1111-4222-8333-444455556666";

async function ledgerTypes(tenant: string, group: string): Promise<{ type: string; dialect: string }[]> {
  const rows = await env.DB.prepare(`SELECT type, dialect FROM operations WHERE tenant_id = ? AND target_id = ? ORDER BY seq`).bind(tenant, group).all<any>();
  return rows.results;
}

describe("DELETE /v1/services/{uuid}", () => {
  it("deletes: gone from GET, the listing and the elastisys dialect; the name can be used again (same uuid)", async () => {
    const t = await newTenant("svc-del");
    const [item] = expectBatch(await t.api.post("/v1/services", { name: "gone", services: [] }), "service_groups", "success");
    const r = await t.api.del(`/v1/services/${item.uuid}`);
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({ status: "success", data: { service_groups: [{ status: "success", uuid: item.uuid, name: "gone" }] } });
    expectSingleError(await t.api.get(`/v1/services/${item.uuid}`), "service_groups", 8);
    expectSingleError(await t.api.del(`/v1/services/${item.uuid}`), "service_groups", 8);
    expect(expectBatch(await t.api.get("/v1/services"), "service_groups", "success")).toEqual([]);
    expect((await call("GET", "/cloudpools/gone/config", { token: t.token })).status).toBe(404);
    expect((await ledgerTypes(t.tenant, "gone")).map((x) => x.type)).toContain("service.delete");
    const [again] = expectBatch(await t.api.post("/v1/services", { name: "gone", services: [] }), "service_groups", "success");
    expect(again.uuid).toBe(item.uuid);
  });

  it("refused while instances are attached (running or stopped): 409, item error 7, nothing changed; allowed once they are deleted", async () => {
    const t = await newTenant("svc-del-attached");
    const svc = { uuid: await slowService(t, "busy") };
    const a = await newInstance(t, "busy", { name: "busy-a" });
    const b = await newInstance(t, "busy", { name: "busy-b", autostart: false });
    expect(b.state).toBe("stopped");
    const r = await expectNoChange(t, ["busy"], () => t.api.del(`/v1/services/${svc.uuid}`));
    expectSingleError(r, "service_groups", 7, "attached");
    expect((await t.api.del(`/v1/instances/${a.uuid}`)).status).toBe(200);
    expectSingleError(await t.api.del(`/v1/services/${svc.uuid}`), "service_groups", 7, "busy-b");
    expect((await t.api.del(`/v1/instances/${b.uuid}`)).status).toBe(200);
    expect((await t.api.del(`/v1/services/${svc.uuid}`)).status).toBe(200);
  });

  it("a name in the path → 200 (7); another tenant's uuid → 200 (8) and their group stays", async () => {
    const t = await newTenant("svc-del-bad");
    const other = await newTenant("svc-del-bad-o");
    const [theirs] = expectBatch(await other.api.post("/v1/services", { name: "keep", services: [] }), "service_groups", "success");
    expectSingleError(await t.api.del("/v1/services/keep"), "service_groups", 7, "Invalid uuid 'keep'");
    const r = await expectNoChange(other, ["keep"], () => t.api.del(`/v1/services/${theirs.uuid}`));
    expectSingleError(r, "service_groups", 8);
    expect((await other.api.get(`/v1/services/${theirs.uuid}`)).status).toBe(200);
  });
});

describe("DELETE /v1/services (by uuid or name, one or an array)", () => {
  it("mixed uuid and name items; an unknown one is error 8 (partial_success); all failing is error", async () => {
    const t = await newTenant("svc-bdel");
    const created = expectBatch(await t.api.post("/v1/services", [{ name: "d1", services: [] }, { name: "d2", services: [] }]), "service_groups", "success");
    const items = expectBatch(await t.api.del("/v1/services", [{ uuid: created[0].uuid }, { name: "d2" }, { name: "nope" }]), "service_groups", "partial_success");
    expect(items[0]).toEqual({ status: "success", uuid: created[0].uuid, name: "d1" });
    expect(items[1]).toEqual({ status: "success", uuid: created[1].uuid, name: "d2" });
    expectItemError(items[2], 8);
    expect(items[2].name).toBe("nope");
    const all = expectBatch(await t.api.del("/v1/services", [{ name: "d1" }, { uuid: UNKNOWN_UUID }]), "service_groups", "error");
    expectItemError(all[0], 8);
    expectItemError(all[1], 8);
    expect(all[1].uuid).toBe(UNKNOWN_UUID);
  });

  it("one object instead of an array is one item", async () => {
    const t = await newTenant("svc-bdel-one");
    expectBatch(await t.api.post("/v1/services", { name: "solo", services: [] }), "service_groups", "success");
    const [item] = expectBatch(await t.api.del("/v1/services", { name: "solo" }), "service_groups", "success");
    expect(item.name).toBe("solo");
  });

  const refs: [string, object, string][] = [
    ["both uuid and name", { uuid: UNKNOWN_UUID, name: "keep" }, "exactly one"],
    ["neither", {}, "exactly one"],
    ["a malformed uuid", { uuid: "keep" }, "Invalid uuid 'keep'"],
    ["a name no group can have", { name: "no/slash" }, "Invalid name 'no/slash'"],
  ];
  it.each(refs)("%s → item error 7, nothing changed", async (_case, ref, mentions) => {
    const t = await newTenant("svc-bdel-ref");
    expectBatch(await t.api.post("/v1/services", { name: "keep", services: [] }), "service_groups", "success");
    const r = await expectNoChange(t, ["keep"], () => t.api.del("/v1/services", [ref]));
    const [item] = expectBatch(r, "service_groups", "error");
    expectItemError(item, 7, mentions);
  });

  it("a group with instances attached is refused (7) next to one deleted (partial_success)", async () => {
    const t = await newTenant("svc-bdel-busy");
    expectBatch(await t.api.post("/v1/services", [{ name: "busy", services: [] }, { name: "idle", services: [] }]), "service_groups", "success");
    await newInstance(t, "busy");
    const items = expectBatch(await t.api.del("/v1/services", [{ name: "busy" }, { name: "idle" }]), "service_groups", "partial_success");
    expectItemError(items[0], 7, "attached");
    expect(items[1].status).toBe("success");
  });
});

describe("routing", () => {
  it.each([
    ["PUT", "/v1/services", "GET, POST, DELETE"],
    ["PATCH", `/v1/services/${UNKNOWN_UUID}`, "GET, DELETE"],
    ["POST", `/v1/services/${UNKNOWN_UUID}`, "GET, DELETE"],
  ])("%s %s → 405 with Allow", async (method, path, allow) => {
    const t = await newTenant("svc-405");
    // No body: a body on a method the path lacks is refused as such (400) before routing.
    const r = await t.api.raw(method, path, undefined);
    expectKcError(r, 405);
    expect(r.headers.get("Allow")).toBe(allow);
  });

  it("/v1/services/autoscale is not taken for a uuid (the autoscale routes answer it)", async () => {
    const t = await newTenant("svc-autoscale-path");
    for (const method of ["GET", "DELETE", "POST"]) {
      const r = await call(method, "/v1/services/autoscale", { token: t.token, body: method === "GET" ? undefined : [] });
      expect(r.status).not.toBe(500);
      expect(r.status).not.toBe(405);
      expect(r.text).not.toContain("Invalid uuid");
    }
  });
});
