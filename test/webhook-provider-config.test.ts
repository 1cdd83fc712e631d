// The webhook provider's config wherever a group is configured — elastisys pool config and
// KraftCloud service creation (`provider` extension) — with its validation and the secret never
// shown back; and a KraftCloud instance's lifecycle driven by the receiver's callbacks
// (launch with the instance spec, stop → machine.terminate, start → machine.start).
import { describe, expect, it } from "vitest";
import { ledger } from "./clock";
import { SECRET, report, waitFor, webhookProvider, webhookTenant } from "./webhook-support";

const instance = (r: { body: any }) => r.body.data.instances[0];

describe("webhook provider config: elastisys", () => {
  it("validates the provider block (400 naming the field) and changes nothing", async () => {
    const { http, rx } = await webhookTenant("wh-cfg");
    const bad: [Record<string, unknown>, string][] = [
      [{ url: "not a url" }, "provider.url"],
      [{ url: "ftp://example.com/x" }, "provider.url"],
      [{ url: "http://user:pw@example.com/x" }, "provider.url"],
      [{ url: "/relative" }, "provider.url"],
      [{ url: 42 }, "provider.url"],
      [{ secret: "short" }, "provider.secret"],
      [{ secret: "has a space in it 123" }, "provider.secret"],
      [{ secret: "x".repeat(257) }, "provider.secret"],
      [{ timeoutMs: 99 }, "provider.timeoutMs"],
      [{ timeoutMs: 30_001 }, "provider.timeoutMs"],
      [{ timeoutMs: 1.5 }, "provider.timeoutMs"],
      [{ bootDelayMs: 5 }, "provider.bootDelayMs"],
    ];
    for (const [patch, field] of bad) {
      const r = await http.post("/cloudpools/v/config", { provider: { ...webhookProvider(rx.url), ...patch } });
      expect(r.status, JSON.stringify(patch)).toBe(400);
      expect(r.body.message).toContain(field);
    }
    // A new webhook pool needs both url and secret (400 from the object, nothing created).
    const incomplete = await http.post("/cloudpools/v/config", { provider: { type: "webhook", url: rx.url } });
    expect(incomplete.status).toBe(400);
    expect(incomplete.body.message).toContain("'url' and 'secret'");
    expect((await http.get("/cloudpools/v/config")).status).toBe(404);
  });

  it("keeps url and secret on a partial update, never echoes the secret, and changes type only without machines", async () => {
    const { tenant, http, rx } = await webhookTenant("wh-cfg2");
    expect((await http.post("/cloudpools/v/config", { provider: webhookProvider(rx.url) })).status).toBe(200);
    const upd = await http.post("/cloudpools/v/config", { provider: { type: "webhook", timeoutMs: 700 } });
    expect(upd.status).toBe(200);
    expect(upd.body.provider).toEqual({ type: "webhook", url: rx.url, secret: "***", timeoutMs: 700 });
    expect(Object.keys(upd.body.provider)).toEqual(["type", "url", "secret", "timeoutMs"]);
    await http.post("/cloudpools/v/pool/size", { desiredSize: 1 });
    const [launch] = await waitFor("launch", async () => ((await rx.deliveries()).length ? rx.deliveries() : null));
    expect(launch.verified).toBe(true); // still signed with the kept secret
    const swap = await http.post("/cloudpools/v/config", { provider: { type: "simulated" } });
    expect(swap.status).toBe(409);
    expect(swap.body.message).toContain("scale to 0 first");
    await http.post("/cloudpools/v/pool/size", { desiredSize: 0 });
    await report(http, "v", { id: launch.body.data.machineIds[0], state: "TERMINATED" });
    const ok = await http.post("/cloudpools/v/config", { provider: { type: "simulated" } });
    expect(ok.status).toBe(200);
    expect(ok.body.provider).toEqual({ type: "simulated", requestDelayMs: 200, bootDelayMs: 1000, terminateDelayMs: 500 });
    const rows = await ledger(tenant, "v");
    const configs = rows.filter((r) => r.type === "pool.configure");
    expect(configs.length).toBe(3);
    expect(JSON.stringify(rows)).not.toContain(SECRET);
    expect((await http.get("/cloudpools")).body.pools.find((p: any) => p.name === "v").provider).toBe("simulated");
  });
});

describe("webhook provider config: KraftCloud service creation", () => {
  it("accepts `provider` on POST /v1/services; instances launch, stop and start through signed events and callbacks", async () => {
    const { tenant, http, rx } = await webhookTenant("wh-kc");
    const created = await http.post("/v1/services", { name: "kc", services: [{ port: 443, destination_port: 8080 }], provider: webhookProvider(rx.url) });
    expect(created.status).toBe(200);
    expect(created.body.status).toBe("success");
    expect(created.text).not.toContain(SECRET);
    expect((await http.get("/cloudpools/kc/config")).body.provider).toMatchObject({ type: "webhook", url: rx.url, secret: "***" });

    const r = await http.post("/v1/instances", { name: "kc-1", image: "user/app:latest", memory_mb: 256, service_group: { name: "kc" } });
    expect(r.body.status).toBe("success");
    const uuid = instance(r).uuid;
    const [launch] = await waitFor("launch", async () => ((await rx.deliveries()).length ? rx.deliveries() : null));
    expect(launch.body.data).toMatchObject({ group: "kc", count: 1, origin: "instance", spec: { image: "user/app:latest", memoryMb: 256 }, machineIds: [uuid] });
    expect(launch.body.data.machines).toEqual([{ id: uuid, uuid, name: "kc-1" }]);
    expect(instance(await http.get(`/v1/instances/${uuid}`)).state).toBe("starting");
    await report(http, "kc", { id: uuid, state: "RUNNING", privateIps: ["10.1.2.3"] });
    expect(instance(await http.get(`/v1/instances/${uuid}`))).toMatchObject({ state: "running", private_ip: "10.1.2.3" });

    await http.put(`/v1/instances/${uuid}/stop`);
    const term = await waitFor("terminate", async () => (await rx.deliveries()).find((d) => d.type === "machine.terminate"));
    expect(term.body.data).toMatchObject({ machineId: uuid, name: "kc-1", machineState: "RUNNING" });
    expect(instance(await http.get(`/v1/instances/${uuid}`)).state).toBe("stopping");
    await report(http, "kc", { id: uuid, state: "TERMINATED" });
    expect(instance(await http.get(`/v1/instances/${uuid}`)).state).toBe("stopped");

    await http.put(`/v1/instances/${uuid}/start`);
    const start = await waitFor("start", async () => (await rx.deliveries()).find((d) => d.type === "machine.start"));
    expect(start.verified).toBe(true);
    expect(start.body.data).toMatchObject({ group: "kc", machineId: uuid, name: "kc-1", spec: { image: "user/app:latest", memoryMb: 256 } });
    await report(http, "kc", { id: uuid, state: "RUNNING" });
    expect(instance(await http.get(`/v1/instances/${uuid}`)).state).toBe("running");
    const create = (await ledger(tenant, "kc")).find((x) => x.type === "service.create");
    expect(create).toBeDefined();
    expect(JSON.stringify(await ledger(tenant, "kc"))).not.toContain(SECRET);
  });

  it("autoscale clones of a webhook master are launched by machine.launch with the master's spec", async () => {
    const { http, rx } = await webhookTenant("wh-as");
    const created = await http.post("/v1/services", { name: "as", services: [{ port: 443, destination_port: 8080 }], provider: webhookProvider(rx.url) });
    const uuid = created.body.data.service_groups[0].uuid;
    const r = await http.post("/v1/instances", { name: "as-master", image: "user/app:2", memory_mb: 512, service_group: { name: "as" } });
    const master = instance(r).uuid;
    await report(http, "as", { id: master, state: "RUNNING" });
    const out = { name: "out", type: "step", adjustment_type: "change", steps: [{ lower_bound: 800, adjustment: 2 }] };
    expect((await http.post(`/v1/services/${uuid}/autoscale`, { master: { name: "as-master" }, max_size: 4, policies: [out] })).status).toBe(200);
    const m = await http.post(`/v1/services/${uuid}/autoscale/metrics`, { cpu: 900 });
    expect(m.body.data.service_groups[0].decision).toMatchObject({ direction: "out", change: 2, applied: true });
    const launch = await waitFor("the clones' launch", async () => (await rx.deliveries()).find((d) => d.type === "machine.launch" && d.body.data.origin === "autoscale"));
    expect(launch.verified).toBe(true);
    expect(launch.body.data).toMatchObject({ group: "as", count: 2, spec: { image: "user/app:2", memoryMb: 512 } });
    expect(launch.body.data.machines.every((x: any) => x.name.startsWith("as-master-"))).toBe(true);
  });

  it("refuses a bad provider block (400) and an incomplete webhook (item error 7), creating nothing", async () => {
    const { http } = await webhookTenant("wh-kc2");
    const bad = await http.post("/v1/services", { name: "x", services: [], provider: { type: "webhook", url: "gopher://x", secret: SECRET } });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain("provider.url");
    const unknown = await http.post("/v1/services", { name: "x", services: [], provider: { type: "cloud" } });
    expect(unknown.status).toBe(400);
    const partial = await http.post("/v1/services", { name: "x", services: [], provider: { type: "webhook", secret: SECRET } });
    expect(partial.status).toBe(200); // a batch: the item fails on its own
    expect(partial.body.status).toBe("error");
    expect(partial.body.data.service_groups[0]).toMatchObject({ status: "error", error: 7 });
    expect(partial.body.data.service_groups[0].message).toContain("'url' and 'secret'");
    expect((await http.get("/cloudpools/x/config")).status).toBe(404);
  });
});
