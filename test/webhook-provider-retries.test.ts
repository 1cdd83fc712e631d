// Webhook deliveries under failure, against the real receiver: 5xx answers and a receiver that
// hangs past timeoutMs are retried with exponential backoff on the group's timers (frozen clock,
// passTime), every attempt listed in the `provider.delivery` record, which ends succeeded or —
// after 8 attempts — failed; events wait in order behind a failing one; after recovery each
// event has exactly one 2xx delivery (nothing lost, nothing sent again after its 2xx).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { verify } from "../src/domain/signature";
import { DELIVERY_MAX_ATTEMPTS, deliveryBackoffMs } from "../src/objects/deliveries";
import { HOUR, SECOND, freezeClock, ledger, passTime, releaseClock, timerNames, type LedgerRow } from "./clock";
import { groupStub } from "./helpers";
import { SECRET, webhookProvider, webhookTenant, type Delivery } from "./webhook-support";

beforeEach(() => {
  freezeClock();
});
afterEach(() => {
  releaseClock();
});

/** A webhook pool whose receiver accepts the frozen clock's timestamps and answers as planned. */
async function setup(prefix: string, plan: { status?: number; hangMs?: number }[], timeoutMs = 2000) {
  const t = await webhookTenant(prefix);
  await t.rx.configure({ toleranceSec: 10 ** 12, plan });
  const cfg = await t.http.post("/cloudpools/p/config", { provider: webhookProvider(t.rx.url, { timeoutMs }), updatePeriodSeconds: 3600 });
  expect(cfg.status).toBe(200);
  return { ...t, stub: groupStub(t.tenant, "p") };
}

const deliveryRows = async (tenant: string) => (await ledger(tenant, "p")).filter((r) => r.type === "provider.delivery");
const resultOf = (r: LedgerRow) => JSON.parse(r.result!);
const ok = (d: Delivery) => typeof d.answered === "number" && d.answered >= 200 && d.answered < 300;

describe("webhook deliveries: retries, backoff, bounds", () => {
  it("retries 503, 500 and a timeout with backoff, then succeeds; the record lists each attempt; nothing is sent after the 2xx", async () => {
    const { tenant, http, rx, stub } = await setup("wh-retry", [{ status: 503 }, { status: 500 }, { hangMs: 1500 }], 300);
    const start = Date.now();
    await http.post("/cloudpools/p/pool/size", { desiredSize: 1 });
    await passTime(stub, 0); // the delivery is due at once: attempt 1
    let rows = await deliveryRows(tenant);
    expect(rows).toHaveLength(1);
    expect(rows[0].status).toBe("running");
    expect(resultOf(rows[0]).attempts).toMatchObject([{ attempt: 1, status: 503, error: null }]);
    expect(resultOf(rows[0]).nextAttemptAt).toBe(new Date(start + deliveryBackoffMs(1)).toISOString());
    expect(await timerNames(stub)).toContain("delivery");

    await passTime(stub, deliveryBackoffMs(1) - 1);
    expect(await rx.deliveries()).toHaveLength(1); // not before its time
    await passTime(stub, 1); // attempt 2: 500
    await passTime(stub, deliveryBackoffMs(2)); // attempt 3: hangs past 300 ms
    rows = await deliveryRows(tenant);
    expect(resultOf(rows[0]).attempts.map((a: any) => a.status ?? a.error)).toEqual([503, 500, "timeout after 300 ms"]);
    expect(rows[0].status).toBe("running");
    await passTime(stub, deliveryBackoffMs(3)); // attempt 4: 200

    const seen = await rx.deliveries();
    expect(seen.map((d) => d.attempt)).toEqual([1, 2, 3, 4]);
    expect(new Set(seen.map((d) => d.eventId)).size).toBe(1);
    expect(seen.every((d) => d.verified && d.raw === seen[0].raw)).toBe(true); // same body, re-signed each time
    expect(seen.filter(ok)).toHaveLength(1);
    expect(await verify(SECRET, seen[3].signature, seen[3].raw, Date.now())).toMatchObject({ ok: true });

    rows = await deliveryRows(tenant);
    expect(rows[0].status).toBe("succeeded");
    const result = resultOf(rows[0]);
    expect(result.attempts.map((a: any) => [a.attempt, a.status, a.error])).toEqual([
      [1, 503, null],
      [2, 500, null],
      [3, null, "timeout after 300 ms"],
      [4, 200, null],
    ]);
    // Exponential backoff: 5 s, 10 s, 20 s between the attempts.
    const at = result.attempts.map((a: any) => Date.parse(a.at) - start);
    expect(at).toEqual([0, deliveryBackoffMs(1), deliveryBackoffMs(1) + deliveryBackoffMs(2), deliveryBackoffMs(1) + deliveryBackoffMs(2) + deliveryBackoffMs(3)]);
    expect(result.attempts[2].durationMs).toBeGreaterThanOrEqual(0);
    expect(result.nextAttemptAt).toBeNull();
    expect(rows[0].version).toBe(5); // written, then re-written by each of 4 attempts

    await passTime(stub, 2 * HOUR);
    expect(await rx.deliveries()).toHaveLength(4);
    expect(await timerNames(stub)).not.toContain("delivery");
  });

  it("gives up after 8 attempts: the record ends failed with the reason; the event queued behind it goes next", async () => {
    const plan = Array.from({ length: DELIVERY_MAX_ATTEMPTS }, () => ({ status: 502 }));
    const { tenant, http, rx, stub } = await setup("wh-bound", plan);
    await http.post("/cloudpools/p/pool/size", { desiredSize: 1 });
    await passTime(stub, 0);
    const [launch] = await rx.deliveries();
    await http.post(`/cloudpools/p/pool/${launch.body.data.machineIds[0]}/terminate`, { decrementDesiredSize: true });
    // The terminate waits behind the failing launch (in order, one at a time).
    await passTime(stub, deliveryBackoffMs(1) + deliveryBackoffMs(2));
    expect((await rx.deliveries()).map((d) => d.type)).toEqual(["machine.launch", "machine.launch", "machine.launch"]);

    let total = 0;
    for (let i = 1; i < DELIVERY_MAX_ATTEMPTS; i++) total += deliveryBackoffMs(i);
    await passTime(stub, total);
    const seen = await rx.deliveries();
    expect(seen.filter((d) => d.type === "machine.launch").map((d) => d.attempt)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(seen.filter((d) => d.type === "machine.terminate")).toHaveLength(1);
    expect(seen.at(-1)!.type).toBe("machine.terminate");

    const rows = await deliveryRows(tenant);
    const failed = rows.find((r) => resultOf(r).type === "machine.launch")!;
    expect(failed.status).toBe("failed");
    expect(resultOf(failed).attempts).toHaveLength(DELIVERY_MAX_ATTEMPTS);
    expect(resultOf(failed).attempts.every((a: any) => a.status === 502)).toBe(true);
    const full = await ledgerRow(tenant, failed.id);
    expect(full.reason_code).toBe("DELIVERY_FAILED");
    expect(full.reason_message).toBe("no 2xx answer after 8 attempts (last: HTTP 502)");
    expect(full.completed_at).not.toBeNull();
    expect(rows.find((r) => resultOf(r).type === "machine.terminate")!.status).toBe("succeeded");
    await passTime(stub, 2 * HOUR);
    expect(await rx.deliveries()).toHaveLength(seen.length);
  });

  it("nothing lost, nothing doubled: events written while the receiver fails are each delivered once with a 2xx after it recovers", async () => {
    const { tenant, http, rx, stub } = await setup("wh-many", [{ status: 500 }, { status: 500 }, { hangMs: 800 }], 200);
    for (const size of [1, 3, 2, 5]) await http.post("/cloudpools/p/pool/size", { desiredSize: size });
    await passTime(stub, 10 * 60 * SECOND);
    const seen = await rx.deliveries();
    const rows = await deliveryRows(tenant);
    expect(rows.every((r) => r.status === "succeeded")).toBe(true);
    const ids = rows.map((r) => resultOf(r).eventId);
    expect(new Set(ids).size).toBe(rows.length);
    for (const id of ids) expect(seen.filter((d) => d.eventId === id && ok(d)), id).toHaveLength(1);
    expect(seen.every((d) => d.verified)).toBe(true);
    // The receiver got every launch and terminate the pool asked for, in the order they were written.
    const launched = seen.filter((d) => ok(d) && d.type === "machine.launch").reduce((n, d) => n + d.body.data.count, 0);
    const terminated = seen.filter((d) => ok(d) && d.type === "machine.terminate").length;
    expect(launched - terminated).toBe(5);
    const order = seen.filter(ok).map((d) => d.eventId);
    expect(order).toEqual(ids);
  });
});

async function ledgerRow(tenant: string, id: string) {
  const { env } = await import("cloudflare:test");
  return (await env.DB.prepare(`SELECT reason_code, reason_message, completed_at FROM operations WHERE tenant_id = ? AND id = ?`).bind(tenant, id).first<{ reason_code: string; reason_message: string; completed_at: number | null }>())!;
}
