// Alertmanager (webhook v4) and Grafana deliveries: per-alert actions, `resolved`, fingerprint
// dedup, the ledger rows naming hook and alert, and `metric` actions feeding autoscale.
import { afterEach, describe, expect, it } from "vitest";
import { freezeClock, passTime, releaseClock } from "./clock";
import { BOOT_MS, OUT, configure, ledger as svcLedger, service } from "./kraftcloud-autoscale-support";
import { amPayload, deliverBearer, deliverSigned, desired, grafanaPayload, hookFixture, rows, triggers } from "./hooks-support";
import { client } from "./helpers";

afterEach(() => releaseClock());

describe("Alertmanager", () => {
  it("a firing alert acts; the operation names the hook and the alert (name, fingerprint, startsAt, status)", async () => {
    const f = await hookFixture("am-fire", { format: "alertmanager", action: { type: "change", value: 2 } });
    const r = await deliverBearer(f.id, f.secret, amPayload([{ status: "firing", fingerprint: "fp-a", startsAt: "2026-11-22T08:00:00Z" }]));
    expect(r.status, r.text).toBe(202);
    expect(r.body.results).toEqual([
      expect.objectContaining({ outcome: "acted", alert: { name: "HighCPU", fingerprint: "fp-a", startsAt: "2026-11-22T08:00:00Z", status: "firing" }, desired_size: 4 }),
    ]);
    expect(await desired(f)).toBe(4);
    const [t] = await triggers(f);
    expect(t.id).toBe(r.body.operation_id);
    expect(t.cause).toBe(`hook ${f.id} (am-fire hook) alert HighCPU firing fingerprint fp-a startsAt 2026-11-22T08:00:00Z`);
    expect(JSON.parse(t.request!)).toMatchObject({ hook: { id: f.id }, alert: { fingerprint: "fp-a", status: "firing" }, action: { type: "change", value: 2 } });
  });

  it("several alerts in one delivery act one by one", async () => {
    const f = await hookFixture("am-many", { format: "alertmanager" });
    const r = await deliverSigned(f.id, f.secret, amPayload([{ status: "firing", fingerprint: "a" }, { status: "firing", fingerprint: "b" }]));
    expect(r.status).toBe(202);
    expect(r.body.results.map((x: any) => x.desired_size)).toEqual([3, 4]);
    expect((await triggers(f)).map((t) => JSON.parse(t.request!).alert.fingerprint)).toEqual(["a", "b"]);
  });

  it("resolved: the `resolved` action when configured, otherwise ignored (recorded, nothing changed)", async () => {
    const f = await hookFixture("am-res", { format: "alertmanager", action: { type: "change", value: 2 }, resolved: { type: "change", value: -2 } });
    expect((await deliverBearer(f.id, f.secret, amPayload([{ status: "firing" }]))).status).toBe(202);
    expect(await desired(f)).toBe(4);
    const res = await deliverBearer(f.id, f.secret, amPayload([{ status: "resolved" }]));
    expect(res.status).toBe(202);
    expect(res.body.results[0]).toMatchObject({ outcome: "acted", action: { type: "change", value: -2 }, alert: { status: "resolved" } });
    expect(await desired(f)).toBe(2);
    expect(JSON.parse((await triggers(f))[1].request!).source).toBe("resolved");

    const g = await hookFixture("am-nores", { format: "alertmanager" });
    const ign = await deliverBearer(g.id, g.secret, amPayload([{ status: "resolved" }]));
    expect(ign.status).toBe(202);
    expect(ign.body).toMatchObject({ operation_id: null, results: [{ outcome: "ignored", operation_id: null }] });
    expect(await desired(g)).toBe(2);
    expect(await triggers(g)).toHaveLength(0);
    expect((await rows(g.tenant, "hook", g.id)).at(-1)!.type).toBe("hook.delivery");
  });

  it("dedup by fingerprint + startsAt + status: Alertmanager's repeat notifications act once and answer 200 with the first outcome", async () => {
    const f = await hookFixture("am-dedup", { format: "alertmanager" });
    const first = await deliverBearer(f.id, f.secret, amPayload([{ status: "firing", fingerprint: "x" }]));
    expect(first.status).toBe(202);
    const repeat = await deliverBearer(f.id, f.secret, amPayload([{ status: "firing", fingerprint: "x" }]));
    expect(repeat.status).toBe(200);
    expect(repeat.body.results[0]).toMatchObject({ outcome: "acted", operation_id: first.body.operation_id, duplicate: true });
    expect(await desired(f)).toBe(3);
    // A group notification repeating x next to a new alert y: x is a duplicate, y acts (202).
    const mixed = await deliverBearer(f.id, f.secret, amPayload([{ status: "firing", fingerprint: "x" }, { status: "firing", fingerprint: "y" }]));
    expect(mixed.status).toBe(202);
    expect(mixed.body.results.map((x: any) => [x.outcome, x.duplicate ?? false])).toEqual([["acted", true], ["acted", false]]);
    expect(await desired(f)).toBe(4);
    // The same fingerprint firing again later (another startsAt) is a new alert instance.
    expect((await deliverBearer(f.id, f.secret, amPayload([{ status: "firing", fingerprint: "x", startsAt: "2026-11-22T10:00:00Z" }]))).status).toBe(202);
    expect(await desired(f)).toBe(5);
    expect(await triggers(f)).toHaveLength(3);
  });

  it("10 copies of one alert notification at once act once", async () => {
    const f = await hookFixture("am-race", { format: "alertmanager" });
    const all = await Promise.all(Array.from({ length: 10 }, () => deliverBearer(f.id, f.secret, amPayload([{ status: "firing", fingerprint: "race" }]))));
    expect(all.filter((r) => r.status === 202)).toHaveLength(1);
    expect(all.filter((r) => r.status === 200)).toHaveLength(9);
    const ids = new Set(all.map((r) => r.body.results[0].operation_id));
    expect(ids.size).toBe(1);
    expect(await desired(f)).toBe(3);
    expect(await triggers(f)).toHaveLength(1);
  });

  it("min_interval_seconds within one delivery: the first alert acts, the next is suppressed", async () => {
    const f = await hookFixture("am-int", { format: "alertmanager", min_interval_seconds: 60 });
    const r = await deliverBearer(f.id, f.secret, amPayload([{ status: "firing", fingerprint: "p" }, { status: "firing", fingerprint: "q" }]));
    expect(r.body.results.map((x: any) => x.outcome)).toEqual(["acted", "suppressed"]);
    expect(await desired(f)).toBe(3);
  });

  it("min_interval_seconds passes with the clock: the next alert acts", async () => {
    const now = freezeClock();
    const f = await hookFixture("am-int2", { format: "alertmanager", min_interval_seconds: 60 });
    expect((await deliverBearer(f.id, f.secret, amPayload([{ status: "firing", fingerprint: "p" }]))).body.results[0].outcome).toBe("acted");
    freezeClock(now + 59_000);
    expect((await deliverBearer(f.id, f.secret, amPayload([{ status: "firing", fingerprint: "q" }]))).body.results[0].outcome).toBe("suppressed");
    freezeClock(now + 60_000);
    expect((await deliverBearer(f.id, f.secret, amPayload([{ status: "firing", fingerprint: "r" }]))).body.results[0].outcome).toBe("acted");
    expect(await desired(f)).toBe(4);
    const got = await f.api.get(`/hooks/${f.id}`);
    expect(got.body.last_action_at).toBe(new Date(now + 60_000).toISOString());
  });
});

describe("Grafana", () => {
  it("firing acts, resolved runs the resolved action, repeats are deduplicated", async () => {
    const f = await hookFixture("gf", { format: "grafana", action: { type: "exact", value: 6 }, resolved: { type: "exact", value: 1 } });
    const fire = await deliverBearer(f.id, f.secret, grafanaPayload([{ status: "firing", fingerprint: "g1" }]));
    expect(fire.status, fire.text).toBe(202);
    expect(await desired(f)).toBe(6);
    expect((await deliverBearer(f.id, f.secret, grafanaPayload([{ status: "firing", fingerprint: "g1" }]))).status).toBe(200);
    expect((await deliverSigned(f.id, f.secret, grafanaPayload([{ status: "resolved", fingerprint: "g1" }]))).status).toBe(202);
    expect(await desired(f)).toBe(1);
    const t = await triggers(f);
    expect(t.map((x) => x.cause)).toEqual([
      `hook ${f.id} (gf hook) alert GrafanaHighCPU firing fingerprint g1 startsAt 2026-11-22T09:00:00Z`,
      `hook ${f.id} (gf hook) alert GrafanaHighCPU resolved fingerprint g1 startsAt 2026-11-22T09:00:00Z`,
    ]);
  });
});

describe("metric actions feed the group's autoscale metric", () => {
  async function autoscaled(prefix: string) {
    freezeClock();
    const s = await service(prefix);
    await passTime(s.stub, BOOT_MS);
    await configure(s, { max_size: 4, warmup_time_ms: 5000, policies: [OUT(800, 2)] });
    return s;
  }
  const hookOn = async (s: { token: string; name: string }, format: string) => {
    const r = await client(s.token).post("/hooks", { name: `${format} cpu`, group: s.name, format, action: { type: "metric" } });
    expect(r.status, r.text).toBe(201);
    return r.body as { id: string; secret: string };
  };

  it("generic {cpu}: a sample over the threshold scales out, the trigger row holds the decision", async () => {
    const s = await autoscaled("m-gen");
    const h = await hookOn(s, "generic");
    const r = await deliverBearer(h.id, h.secret, { cpu: 900 });
    expect(r.status, r.text).toBe(202);
    expect(r.body.results[0]).toMatchObject({ outcome: "acted", desired_size: 3 });
    const rowsOf = await svcLedger(s);
    const t = rowsOf.find((x) => x.type === "hook.trigger");
    expect(t.result).toMatchObject({ cpu: 900, before: 1, after: 3 });
    expect(t.request).toMatchObject({ hook: { id: h.id }, cpu: 900, action: { type: "metric" } });
    expect(rowsOf.some((x) => x.type === "autoscale.decision")).toBe(true);
    // A generic {} on a metric hook says what is missing (400, after authentication).
    const empty = await deliverBearer(h.id, h.secret, {});
    expect(empty.status).toBe(400);
    expect(empty.body).toMatchObject({ error: "INVALID_ARGUMENT", field: "cpu" });
  });

  it("Alertmanager: the annotation `cpu`; Grafana: the query value of refId A", async () => {
    const s = await autoscaled("m-alert");
    const am = await hookOn(s, "alertmanager");
    const r = await deliverBearer(am.id, am.secret, amPayload([{ status: "firing", annotations: { cpu: "950" } }]));
    expect(r.status, r.text).toBe(202);
    expect(r.body.results[0].desired_size).toBe(3);
    const missing = await deliverBearer(am.id, am.secret, amPayload([{ status: "firing", fingerprint: "nocpu" }]));
    expect(missing.status).toBe(400);
    expect(missing.body.field).toBe("alerts.0.annotations.cpu");

    const s2 = await autoscaled("m-graf");
    const gf = await hookOn(s2, "grafana");
    const g = await deliverBearer(gf.id, gf.secret, grafanaPayload([{ status: "firing", values: { A: 850, B: 1 } }]));
    expect(g.status, g.text).toBe(202);
    const t = (await svcLedger(s2)).find((x) => x.type === "hook.trigger");
    expect(t.result.cpu).toBe(850);
  });

  it("a metric action on a group without autoscale fails with 409, nothing recorded on the group", async () => {
    const f = await hookFixture("m-none", { action: { type: "metric" } });
    const r = await deliverBearer(f.id, f.secret, { cpu: 10 });
    expect(r.status).toBe(409);
    expect(r.body.message).toMatch(/autoscale is not configured/);
    expect(await triggers(f)).toHaveLength(0);
  });
});
