// The webhook provider end to end against a real HTTP receiver (Node, 127.0.0.1): signed
// machine.launch / machine.terminate / machine.start events with the documented body, callbacks
// driving machines REQUESTED → RUNNING → TERMINATED, the pool and instance views following, the
// delivery and report records in the ledger, and the secret never shown back.
import { describe, expect, it } from "vitest";
import { verify } from "../src/domain/signature";
import { ledger } from "./clock";
import { SECRET, report, waitFor, webhookProvider, webhookTenant } from "./webhook-support";

describe("webhook provider: elastisys pool", () => {
  it("sends a signed machine.launch with the documented body, and the pool shows the REQUESTED machines", async () => {
    const { tenant, http, rx } = await webhookTenant("wh-launch");
    const cfg = await http.post("/cloudpools/web/config", { provider: webhookProvider(rx.url) });
    expect(cfg.status).toBe(200);
    expect(cfg.body.provider).toEqual({ type: "webhook", url: rx.url, secret: "***", timeoutMs: 2000 });
    expect(cfg.text).not.toContain(SECRET);
    expect((await http.post("/cloudpools/web/pool/size", { desiredSize: 2 })).status).toBe(200);

    const [d] = await waitFor("the launch delivery", async () => ((await rx.deliveries()).length ? rx.deliveries() : null));
    expect(d.verified).toBe(true);
    expect(d.contentType).toBe("application/json");
    expect(await verify(SECRET, d.signature, d.raw)).toMatchObject({ ok: true });
    expect(d.type).toBe("machine.launch");
    expect(d.attempt).toBe(1);
    expect(Object.keys(d.body).sort()).toEqual(["created_at", "data", "group", "id", "tenant", "type"]);
    expect(d.body).toMatchObject({ id: d.eventId, type: "machine.launch", group: "web", tenant });
    expect(new Date(d.body.created_at).toISOString()).toBe(d.body.created_at);
    expect(d.body.data).toMatchObject({ group: "web", count: 2, spec: null, origin: "pool" });
    expect(d.body.data.machineIds).toHaveLength(2);

    const pool = await http.get("/cloudpools/web/pool");
    expect(pool.body.machines.map((m: any) => m.id).sort()).toEqual([...d.body.data.machineIds].sort());
    expect(pool.body.machines.every((m: any) => m.machineState === "REQUESTED")).toBe(true);

    const row = await waitFor("the succeeded delivery record", async () =>
      (await ledger(tenant, "web")).find((r) => r.type === "provider.delivery" && r.status === "succeeded"),
    );
    const result = JSON.parse(row.result!);
    expect(result).toMatchObject({ eventId: d.eventId, type: "machine.launch", url: rx.url, nextAttemptAt: null });
    expect(result.attempts).toHaveLength(1);
    expect(result.attempts[0]).toMatchObject({ attempt: 1, status: 200, error: null });
    expect(row.version).toBeGreaterThanOrEqual(2);
    // The secret is in no answer and no ledger row.
    expect((await http.get("/cloudpools/web/config")).body.provider.secret).toBe("***");
    expect(JSON.stringify(await ledger(tenant, "web"))).not.toContain(SECRET);
    expect((await http.get("/cloudpools/web/activities")).text).not.toContain(SECRET);
  });

  it("callbacks drive machines REQUESTED → PENDING → RUNNING → TERMINATING → TERMINATED; the views follow", async () => {
    const { tenant, http, rx } = await webhookTenant("wh-life");
    await http.post("/cloudpools/app/config", { provider: webhookProvider(rx.url), updatePeriodSeconds: 3600 });
    await http.post("/cloudpools/app/pool/size", { desiredSize: 2 });
    const [launch] = await waitFor("launch", async () => ((await rx.deliveries()).length ? rx.deliveries() : null));
    const [a, b] = launch.body.data.machineIds as string[];

    let r = await report(http, "app", { id: a, state: "PENDING" });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ group: "app", results: [{ id: a, outcome: "updated", machineState: "PENDING" }] });
    r = await report(http, "app", [
      { id: a, state: "RUNNING", publicIps: ["203.0.113.7"], privateIps: ["10.0.0.7"], launchtime: "2026-01-02T03:04:05Z", metadata: { rack: "r1" } },
      { id: b, state: "RUNNING" },
    ]);
    expect(r.body.results.map((x: any) => x.outcome)).toEqual(["updated", "updated"]);
    let pool = (await http.get("/cloudpools/app/pool")).body.machines;
    const ma = pool.find((m: any) => m.id === a);
    expect(ma).toMatchObject({ machineState: "RUNNING", publicIps: ["203.0.113.7"], privateIps: ["10.0.0.7"], launchtime: "2026-01-02T03:04:05.000Z" });
    expect(ma.metadata).toEqual({ provider: "webhook", rack: "r1" });
    expect(pool.find((m: any) => m.id === b).launchtime).not.toBeNull();
    expect((await http.get("/cloudpools/app/pool/size")).body).toMatchObject({ desiredSize: 2, allocated: 2, outOfService: 0 });

    // A repeated or late report changes nothing.
    r = await report(http, "app", [{ id: a, state: "RUNNING", publicIps: ["203.0.113.7"] }, { id: a, state: "PENDING" }]);
    expect(r.body.results[0]).toEqual({ id: a, outcome: "unchanged", machineState: "RUNNING" });
    expect(r.body.results[1]).toMatchObject({ id: a, outcome: "ignored", machineState: "RUNNING" });

    // Scale in: Scalegate asks for the termination, the report confirms it.
    await http.post(`/cloudpools/app/pool/${a}/terminate`, { decrementDesiredSize: true });
    const term = await waitFor("terminate", async () => (await rx.deliveries()).find((d) => d.type === "machine.terminate"));
    expect(term.verified).toBe(true);
    expect(term.body.data).toMatchObject({ group: "app", machineId: a, machineState: "RUNNING" });
    pool = (await http.get("/cloudpools/app/pool")).body.machines;
    expect(pool.find((m: any) => m.id === a).machineState).toBe("TERMINATING");
    expect((await http.get("/cloudpools/app/pool/size")).body).toMatchObject({ desiredSize: 1, allocated: 1, outOfService: 0 });
    r = await report(http, "app", { id: a, state: "TERMINATED" });
    expect(r.body.results[0]).toEqual({ id: a, outcome: "updated", machineState: "TERMINATED" });
    r = await report(http, "app", { id: a, state: "RUNNING" });
    expect(r.body.results[0].outcome).toBe("ignored");
    pool = (await http.get("/cloudpools/app/pool")).body.machines;
    expect(pool.find((m: any) => m.id === a).machineState).toBe("TERMINATED");

    const rows = await waitFor("report records", async () => {
      const l = await ledger(tenant, "app");
      return l.filter((x) => x.type === "provider.webhook.report").length >= 5 ? l : null;
    });
    const first = JSON.parse(rows.find((x) => x.type === "provider.webhook.report")!.result!);
    expect(first.changes).toEqual([{ id: a, from: "REQUESTED", to: "PENDING" }]);
  });
});

describe("webhook provider: pool deletion", () => {
  it("deleting the pool sends machine.terminate for each allocated machine, after the pool is gone", async () => {
    const { tenant, http, rx } = await webhookTenant("wh-del");
    await http.post("/cloudpools/gone/config", { provider: webhookProvider(rx.url), updatePeriodSeconds: 3600 });
    await http.post("/cloudpools/gone/pool/size", { desiredSize: 2 });
    const [launch] = await waitFor("launch", async () => ((await rx.deliveries()).length ? rx.deliveries() : null));
    const ids = launch.body.data.machineIds as string[];
    await report(http, "gone", { id: ids[0], state: "RUNNING" });
    expect((await http.del("/cloudpools/gone")).status).toBe(200);
    expect((await http.get("/cloudpools/gone/config")).status).toBe(404);
    const terms = await waitFor("two terminates", async () => {
      const t = (await rx.deliveries()).filter((d) => d.type === "machine.terminate");
      return t.length >= 2 ? t : null;
    });
    expect(terms.every((d) => d.verified)).toBe(true);
    expect(terms.map((d) => d.body.data.machineId).sort()).toEqual([...ids].sort());
    expect(terms.map((d) => d.body.data.machineState).sort()).toEqual(["REQUESTED", "RUNNING"]);
    // Reports for a deleted group: 404.
    expect((await report(http, "gone", { id: ids[0], state: "TERMINATED" })).status).toBe(404);
    const rows = await waitFor("delivery records", async () => {
      const r = (await ledger(tenant, "gone")).filter((x) => x.type === "provider.delivery" && x.status === "succeeded");
      return r.length >= 3 ? r : null;
    });
    expect(rows).toHaveLength(3);
  });
});

describe("webhook provider: Quilt containers", () => {
  it("a container resize sends container.resize when the tenant's group of the same name has a webhook provider", async () => {
    const { tenant, http, rx } = await webhookTenant("wh-ctr");
    await http.post("/cloudpools/ctr-1/config", { provider: webhookProvider(rx.url) });
    const headers = { "X-Tenant-Id": tenant };
    const r1 = await http.post("/api/elasticity/containers/ctr-1/resize", { memory_limit_mb: 512, cpu_limit_percent: 50 }, headers);
    expect(r1.status).toBe(200);
    await http.post("/api/elasticity/containers/ctr-1/resize", { memory_limit_mb: 1024, cpu_limit_percent: 75 }, headers);
    const seen = await waitFor("two resizes", async () => {
      const d = (await rx.deliveries()).filter((x) => x.type === "container.resize");
      return d.length >= 2 ? d : null;
    });
    expect(seen.every((d) => d.verified)).toBe(true);
    expect(seen[0].body).toMatchObject({ type: "container.resize", group: "ctr-1", tenant, data: { container: "ctr-1", memory_limit_mb: 512, cpu_limit_percent: 50, before: null } });
    expect(seen[1].body.data).toEqual({ container: "ctr-1", memory_limit_mb: 1024, cpu_limit_percent: 75, before: { memory_limit_mb: 512, cpu_limit_percent: 50 } });
    // A container without such a group: nothing is sent.
    await http.post("/api/elasticity/containers/ctr-2/resize", { memory_limit_mb: 256, cpu_limit_percent: 10 }, headers);
    await new Promise((r) => setTimeout(r, 200));
    expect((await rx.deliveries()).filter((x) => x.body.data.container === "ctr-2")).toHaveLength(0);
  });

  it("a container follows its group's provider at once: none → webhook → simulated → webhook → group deleted", async () => {
    // The container keeps its group's provider for a few seconds (src/objects/target.ts); a change
    // reaches it through the group's notice, not the clock: each resize right after a change uses it.
    const { tenant, http, rx } = await webhookTenant("wh-ctr-chg");
    const headers = { "X-Tenant-Id": tenant };
    let n = 0;
    const resize = async () => {
      n++;
      const r = await http.post("/api/elasticity/control/containers/ctr-chg/resize", { memory_limit_mb: 256 * n, cpu_limit_percent: 10 }, { ...headers, "Idempotency-Key": `chg-${n}`, "X-Orch-Action-Id": "chg" });
      expect(r.status, r.text).toBe(200);
      return r.body.result.applied.provider as string;
    };
    expect(await resize()).toBe("simulated"); // no group of that name yet
    expect((await http.post("/cloudpools/ctr-chg/config", { provider: webhookProvider(rx.url) })).status).toBe(200);
    expect(await resize()).toBe("webhook");
    expect((await http.post("/cloudpools/ctr-chg/config", { provider: { type: "simulated" } })).status).toBe(200);
    expect(await resize()).toBe("simulated");
    expect((await http.post("/cloudpools/ctr-chg/config", { provider: webhookProvider(rx.url) })).status).toBe(200);
    expect(await resize()).toBe("webhook");
    expect((await http.del("/cloudpools/ctr-chg")).status).toBe(200);
    expect(await resize()).toBe("simulated");
    const sent = await waitFor("two resizes sent", async () => {
      const d = (await rx.deliveries()).filter((x) => x.type === "container.resize");
      return d.length >= 2 ? d : null;
    });
    expect(sent.map((d) => d.body.data.memory_limit_mb)).toEqual([512, 1024]);
    await new Promise((r) => setTimeout(r, 200));
    expect((await rx.deliveries()).filter((x) => x.type === "container.resize")).toHaveLength(2);
  });

  it("a rollback that restores a container's limits sends container.resize with rollback: true", async () => {
    const { tenant, http, rx } = await webhookTenant("wh-ctr-rb");
    await http.post("/cloudpools/ctr-rb/config", { provider: webhookProvider(rx.url) });
    const h = (key: string, action: string) => ({ "X-Tenant-Id": tenant, "Idempotency-Key": key, "X-Orch-Action-Id": action });
    expect((await http.post("/api/elasticity/control/containers/ctr-rb/resize", { memory_limit_mb: 512, cpu_limit_percent: 50 }, h("k1", "act-1"))).status).toBe(200);
    expect((await http.post("/api/elasticity/control/containers/ctr-rb/resize", { memory_limit_mb: 1024, cpu_limit_percent: 80 }, h("k2", "act-2"))).status).toBe(200);
    const rb = await http.post("/api/elasticity/control/actions/act-2/rollback", { target_action_id: "act-2" }, h("k3", "rb-1"));
    expect(rb.status, rb.text).toBe(200);
    expect(rb.body.status).toBe("succeeded");
    const seen = await waitFor("three resizes", async () => {
      const d = (await rx.deliveries()).filter((x) => x.type === "container.resize");
      return d.length >= 3 ? d : null;
    });
    expect(seen[2].verified).toBe(true);
    expect(seen[2].body.data).toEqual({ container: "ctr-rb", memory_limit_mb: 512, cpu_limit_percent: 50, before: { memory_limit_mb: 1024, cpu_limit_percent: 80 }, rollback: true });
  });
});
