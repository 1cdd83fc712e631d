// The console's deliveries view (GET /console/api/deliveries) with a real receiver (the suites'
// Node HTTP server, ./webhook-receiver.global.mjs): the webhook provider's outbound deliveries of
// a tenant's group, each with its attempts — a first attempt refused (503) and its retry
// accepted — and nothing of them for another tenant.
import { describe, expect, it } from "vitest";
import { advance, call, groupStub } from "./helpers";
import { signIn, withCookie } from "./console-support";
import { waitFor, webhookProvider, webhookTenant } from "./webhook-support";

describe("GET /console/api/deliveries: the webhook provider's outbound deliveries", () => {
  it("lists each delivery with its attempts, newest first; another tenant sees none", async () => {
    const t = await webhookTenant("cdel");
    await t.rx.configure({ plan: [{ status: 503 }] });
    const go = withCookie(await signIn(t.token));
    const pool = "edge";
    expect((await go("POST", `/cloudpools/${pool}/config`, { body: { provider: webhookProvider(t.rx.url) }, csrf: true })).status).toBe(200);
    expect((await go("POST", `/cloudpools/${pool}/pool/size`, { body: { desiredSize: 1 }, csrf: true })).status).toBe(200);
    // The first attempt is answered 503; the retry waits for its backoff on the object's alarm.
    await waitFor("first attempt", async () => (await t.rx.deliveries()).length >= 1);
    await advance(groupStub(t.tenant, pool), 10_000);
    const r = await waitFor("two attempts listed", async () => {
      const d = await go("GET", "/console/api/deliveries");
      const rec = d.body.provider_deliveries[0];
      return rec?.result?.attempts?.length >= 2 ? d : null;
    });
    expect(r.status, r.text).toBe(200);
    const rec = r.body.provider_deliveries[0];
    expect(rec).toMatchObject({ type: "provider.delivery", target_kind: "group", target_id: pool, status: "succeeded" });
    expect(rec.request).toMatchObject({ url: t.rx.url });
    expect(rec.result.attempts.map((a: any) => [a.attempt, a.status])).toEqual([[1, 503], [2, 200]]);

    const other = await webhookTenant("cdel");
    const theirs = await call("GET", "/console/api/deliveries", { token: other.token });
    expect(theirs.body).toEqual({ hooks: [], provider_deliveries: [] });
  }, 30_000);
});
