// Instance names are claimed atomically per tenant (src/db/names.ts, migrations/0006): one D1
// INSERT whose primary key is the lock, not a check followed by an insert. Concurrent creations of
// one name in two groups: exactly one wins, the others are item error 23 and leave nothing behind.
// A refused claim is dropped (no row left); a claim is released when the instance is deleted (by
// the route at once, by any other path — its pool deleted — when its deletion reaches D1); a
// terminated instance is kept (stopped) and keeps its name; a stale claim nobody turned into an
// instance is taken over after an hour.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { STALE_CLAIM_MS } from "../src/db/names";
import { advance, call } from "./helpers";
import { STOP_MS, expectItemError, expectSingleError, newInstance, newTenant, slowService, stub, type Tenant } from "./kraftcloud-support";

const create = (t: Tenant, group: string, name: string) => t.api.post("/v1/instances", { name, image: "a/b:1", service_group: { name: group } });

const claims = async (tenant: string) =>
  (await env.DB.prepare(`SELECT name, uuid, group_name, released_at FROM instance_names WHERE tenant_id = ? ORDER BY name`).bind(tenant).all<any>()).results;

const members = async (t: Tenant, group: string) => (await call("GET", `/cloudpools/${group}/pool`, { token: t.token })).body.machines.map((m: any) => m.machineName ?? m.id);

describe("instance names claimed atomically", () => {
  it("concurrent creations of one name in two groups: exactly one wins, the others are 23 and create nothing", async () => {
    const t = await newTenant("nc-race");
    await slowService(t, "g1");
    await slowService(t, "g2");
    for (const name of ["race-a", "race-b", "race-c"]) {
      const answers = await Promise.all([create(t, "g1", name), create(t, "g2", name), create(t, "g1", name), create(t, "g2", name)]);
      const items = answers.map((r) => {
        expect(r.status, r.text).toBe(200);
        return r.body.data.instances[0];
      });
      const won = items.filter((i) => i.status === "success");
      expect(won, JSON.stringify(items)).toHaveLength(1);
      for (const i of items.filter((x) => x.status !== "success")) expectItemError(i, 23, `instance '${name}' already exists`);
      // One instance of that name in the tenant, in the winner's group; the claim names it.
      const listed = (await t.api.get("/v1/instances")).body.data.instances.filter((i: any) => i.name === name);
      expect(listed).toHaveLength(1);
      expect(listed[0].uuid).toBe(won[0].uuid);
      const claim = (await claims(t.tenant)).find((c) => c.name === name);
      expect(claim).toMatchObject({ uuid: won[0].uuid, released_at: null });
    }
  });

  it("deleting an instance frees its name at once, in any group of the tenant", async () => {
    const t = await newTenant("nc-del");
    await slowService(t, "g1");
    await slowService(t, "g2");
    const a = await newInstance(t, "g1", { name: "again" });
    expectSingleError(await create(t, "g2", "again"), "instances", 23);
    expect((await t.api.del(`/v1/instances/${a.uuid}`)).status).toBe(200);
    const b = await newInstance(t, "g2", { name: "again" });
    expect(b.uuid).not.toBe(a.uuid);
    expect((await claims(t.tenant)).find((c) => c.name === "again")).toMatchObject({ uuid: b.uuid, group_name: "g2", released_at: null });
    expectSingleError(await create(t, "g1", "again"), "instances", 23);
  });

  it("elastisys terminate keeps the instance (stopped): its name stays taken", async () => {
    const t = await newTenant("nc-term");
    await slowService(t, "g1");
    const a = await newInstance(t, "g1", { name: "term" });
    const r = await call("POST", `/cloudpools/g1/pool/${a.uuid}/terminate`, { token: t.token, body: { decrementDesiredSize: true } });
    expect(r.status, r.text).toBe(200);
    await advance(stub(t, "g1"), STOP_MS);
    expect((await t.api.get(`/v1/instances/${a.uuid}`)).body.data.instances[0]).toMatchObject({ name: "term", state: "stopped" });
    expectSingleError(await create(t, "g1", "term"), "instances", 23);
    expect((await claims(t.tenant)).find((c) => c.name === "term")).toMatchObject({ uuid: a.uuid, released_at: null });
  });

  it("an instance deleted with its pool (elastisys DELETE) frees its name when that deletion reaches D1", async () => {
    const t = await newTenant("nc-pool");
    await slowService(t, "g1");
    await slowService(t, "g2");
    const a = await newInstance(t, "g1", { name: "pooled" });
    const r = await call("DELETE", `/cloudpools/g1`, { token: t.token });
    expect(r.status, r.text).toBe(200);
    expect(r.body.terminated).toEqual([a.uuid]);
    // The group's outbox pushed the instance's registry row as deleted, and with it the release.
    const registry = await env.DB.prepare(`SELECT deleted_at FROM instances WHERE uuid = ?`).bind(a.uuid).first<any>();
    expect(registry?.deleted_at).not.toBeNull();
    expect((await claims(t.tenant)).find((c) => c.name === "pooled")).toMatchObject({ uuid: a.uuid, released_at: registry.deleted_at });
    const b = await newInstance(t, "g2", { name: "pooled" });
    expect(b.uuid).not.toBe(a.uuid);
  });

  it("a group that refuses the instance drops the claim: an unknown group (8), then the name works elsewhere", async () => {
    const t = await newTenant("nc-refused");
    await slowService(t, "g1");
    expectSingleError(await create(t, "nope", "orphan"), "instances", 8);
    // A refused creation leaves no claim row behind.
    expect((await claims(t.tenant)).find((c) => c.name === "orphan")).toBeUndefined();
    await newInstance(t, "g1", { name: "orphan" });
    expect(await members(t, "g1")).toHaveLength(1);
  });

  it("a claim nobody turned into an instance blocks the name for an hour, then is taken over", async () => {
    const t = await newTenant("nc-stale");
    await slowService(t, "g1");
    const put = (name: string, at: number) =>
      env.DB.prepare(`INSERT INTO instance_names (tenant_id, name, uuid, group_name, claimed_at) VALUES (?, ?, ?, 'g1', ?)`).bind(t.tenant, name, crypto.randomUUID(), at).run();
    await put("fresh", Date.now() - 60_000);
    await put("stale", Date.now() - STALE_CLAIM_MS - 1_000);
    expectSingleError(await create(t, "g1", "fresh"), "instances", 23);
    const s = await newInstance(t, "g1", { name: "stale" });
    expect((await claims(t.tenant)).find((c) => c.name === "stale")).toMatchObject({ uuid: s.uuid, released_at: null });
  });

  it("names are per tenant: another tenant claims the same name", async () => {
    const a = await newTenant("nc-ta");
    const b = await newTenant("nc-tb");
    await slowService(a, "g");
    await slowService(b, "g");
    await newInstance(a, "g", { name: "shared" });
    await newInstance(b, "g", { name: "shared" });
  });
});
