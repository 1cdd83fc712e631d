// The front door's upstream side in the Workers runtime (issue 11), with a real HTTP server (the
// suites' Node receiver on 127.0.0.1, test/webhook-receiver.global.mjs) as the member: a webhook
// member's reported address and the service's destination_port are where requests go; a refused
// connection is 502 and a silent upstream 504 (upstream_timeout_ms), in the front door's small
// JSON naming the group, never a 500; the front door's settings in the autoscale configuration:
// defaults, round trip, and bad values refused (error 7 or 400 naming the field) changing nothing.
import { inject } from "vitest";
import { afterEach, describe, expect, it } from "vitest";
import { resetIsolate } from "../src/frontdoor/isolate";
import { call, groupStub, storageAndLedger } from "./helpers";
import { autoscale, door, instance, serviceWithDomain, uniq, until, type Service } from "./frontdoor-support";
import { SECRET, receiver } from "./webhook-support";

afterEach(() => resetIsolate());

/** A webhook-provider service whose one instance runs at 127.0.0.1, its destination_port `port`. */
async function webhookService(prefix: string, port: number): Promise<Service & { master: any }> {
  // The provider's deliveries go to the receiver under a key of their own, answered 200 (signed with SECRET).
  const rx = receiver(uniq(`fd-${prefix}`));
  await rx.configure();
  const s = await serviceWithDomain(prefix, { services: [{ port: 443, destination_port: port }], provider: { type: "webhook", url: rx.url, secret: SECRET, timeoutMs: 2000 } });
  const master = await instance(s, `${s.name}-m`);
  const r = await call("POST", `/providers/webhook/${s.name}/machines`, { token: s.token, body: { id: master.uuid, state: "RUNNING", privateIps: ["127.0.0.1"] } });
  expect(r.status, r.text).toBe(200);
  // Settled: the launch delivered, every record of the group pushed to D1.
  await until("launch delivered", async () => (await rx.deliveries()).some((d) => d.type === "machine.launch" && d.answered === 200));
  await until("outbox empty", async () => (await groupStub(s.tenant, s.name).pendingOperations()).length === 0);
  return { ...s, master };
}

const receiverPort = () => Number(new URL(inject("receiverUrl")).port);

describe("a real upstream", () => {
  it("requests reach the member's reported address at the destination port, and its answer comes back", async () => {
    const s = await webhookService("up", receiverPort());
    const key = `fd-${s.name}`;
    // The receiver's control route answers JSON: proof the request went through to it.
    const r = await door(s.domain, `/_control/${key}`);
    expect(r.status, r.text).toBe(200);
    expect(r.body).toEqual({ deliveries: [] });
  });

  it("a refused connection is 502 naming the group (never 500)", async () => {
    const s = await webhookService("refused", 9); // nothing listens on the discard port
    const r = await door(s.domain, "/anything");
    expect(r.status, r.text).toBe(502);
    expect(r.body).toMatchObject({ status: 502, error: "upstream_unreachable", service_group: s.name });
    expect(r.headers.get("Content-Type")).toBe("application/json");
  });

  it("an upstream that sends no answer within upstream_timeout_ms is 504 naming the group", async () => {
    const s = await webhookService("slow", receiverPort());
    const key = `fd-slow-${s.name}`;
    await fetch(`${inject("receiverUrl")}/_control/${key}`, { method: "PUT", body: JSON.stringify({ secret: SECRET, plan: [{ hangMs: 3000 }] }) });
    expect((await autoscale(s, { master: { name: s.master.name }, min_size: 1, max_size: 1, upstream_timeout_ms: 400 })).body.status).toBe("success");
    const started = Date.now();
    const r = await door(s.domain, `/hook/${key}`, { method: "POST", body: "{}" });
    expect(r.status, r.text).toBe(504);
    expect(r.body).toMatchObject({ status: 504, error: "upstream_timeout", service_group: s.name });
    expect(Date.now() - started).toBeLessThan(2500);
  });
});

describe("the front door's settings (autoscale extension fields)", () => {
  it("defaults, then what a configuration sets, answered back", async () => {
    const s = await webhookService("set", receiverPort());
    const r = await autoscale(s, { master: { name: s.master.name }, min_size: 1, max_size: 2, max_pending: 7, hold_timeout_ms: 1500, max_concurrency: 3, upstream_timeout_ms: 2000 });
    expect(r.body.data.service_groups[0]).toMatchObject({ max_pending: 7, hold_timeout_ms: 1500, max_concurrency: 3, upstream_timeout_ms: 2000 });
    const got = await call("GET", `/v1/services/${s.uuid}/autoscale`, { token: s.token });
    expect(got.body.data.service_groups[0]).toMatchObject({ max_pending: 7, hold_timeout_ms: 1500, max_concurrency: 3, upstream_timeout_ms: 2000 });
  });

  it("out of range → error 7 naming the field; wrong types → 400 naming it; nothing changes", async () => {
    const s = await webhookService("bad", receiverPort());
    const stub = groupStub(s.tenant, s.name);
    const before = await storageAndLedger(stub, s.tenant);
    const master = { name: s.master.name };
    for (const [field, value] of [["max_pending", -1], ["max_pending", 10_001], ["hold_timeout_ms", 99], ["hold_timeout_ms", 300_001], ["max_concurrency", 0], ["upstream_timeout_ms", 50]] as const) {
      const r = await autoscale(s, { master, [field]: value });
      expect(r.status, r.text).toBe(200);
      expect(r.body.data.service_groups[0], `${field} ${value}`).toMatchObject({ status: "error", error: 7 });
      expect(r.body.data.service_groups[0].message).toContain(field);
    }
    for (const [field, value] of [["max_pending", "5"], ["hold_timeout_ms", 1.5], ["max_concurrency", null], ["upstream_timeout_ms", true]] as const) {
      const r = await autoscale(s, { master, [field]: value });
      expect(r.status, `${field} ${JSON.stringify(value)}: ${r.text}`).toBe(400);
      expect(r.text).toContain(field);
    }
    await until("outbox empty", async () => (await stub.pendingOperations()).length === 0);
    expect(await storageAndLedger(stub, s.tenant)).toEqual(before);
  });
});
