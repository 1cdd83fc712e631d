// Delivery authentication: the signature and the bearer secret each work; unsigned, forged, stale,
// malformed and replayed deliveries are 401 and change nothing; rotate-secret's grace period.
import { env, evictDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { sign } from "../src/domain/signature";
import { freezeClock, releaseClock, HOUR } from "./clock";
import { call, objectStub, type Call } from "./helpers";
import { amPayload, deliverBearer, deliverSigned, desired, hookFixture, rows, triggers, type HookFixture } from "./hooks-support";

afterEach(() => releaseClock());

const now = () => Math.floor(Date.now() / 1000);
const post = (id: string, raw: string, headers: Record<string, string>) => call("POST", `/hooks/${id}`, { raw, headers: { "Content-Type": "application/json", ...headers } });

/** Runs `send`, expects a 401 in the /hooks shape, and that nothing changed (pool, ledgers). */
async function expect401(f: HookFixture, send: () => Promise<Call>, detail?: RegExp): Promise<Call> {
  const before = { size: await desired(f), triggers: (await triggers(f)).length, hookRows: (await rows(f.tenant, "hook", f.id)).length };
  const r = await send();
  expect(r.status, r.text).toBe(401);
  expect(r.headers.get("Content-Type")).toMatch(/^application\/json/);
  expect(r.headers.get("WWW-Authenticate")).toContain("Bearer");
  expect(r.body).toMatchObject({ error: "UNAUTHORIZED", message: "delivery not authenticated" });
  if (detail) expect(r.body.detail).toMatch(detail);
  expect({ size: await desired(f), triggers: (await triggers(f)).length, hookRows: (await rows(f.tenant, "hook", f.id)).length }).toEqual(before);
  return r;
}

describe("authentication of deliveries", () => {
  it("unsigned, wrong bearer, the tenant's own API token, another hook's secret, Basic → 401", async () => {
    const f = await hookFixture("auth-bearer");
    const other = await hookFixture("auth-other");
    await expect401(f, () => post(f.id, "{}", {}), /unsigned delivery/);
    await expect401(f, () => deliverBearer(f.id, f.secret + "x", {}), /bearer secret does not match/);
    await expect401(f, () => deliverBearer(f.id, f.token, {}));
    await expect401(f, () => deliverBearer(f.id, other.secret, {}));
    await expect401(f, () => post(f.id, "{}", { Authorization: `Basic ${btoa(`x:${f.secret}`)}` }), /unsigned/);
    await expect401(f, () => post(f.id, "{}", { Authorization: "Bearer" }));
    // The right secret works, with either mode.
    expect((await deliverBearer(f.id, f.secret, {})).status).toBe(202);
    expect((await deliverSigned(f.id, f.secret, {})).status).toBe(202);
    expect(await desired(f)).toBe(4);
  });

  it("forged and malformed signatures → 401", async () => {
    const f = await hookFixture("auth-forged");
    const t = now();
    await expect401(f, async () => post(f.id, "{}", { "Scalegate-Signature": await sign("not-the-secret", "{}", t) }), /does not match/);
    // Signed for another body.
    await expect401(f, async () => post(f.id, '{"delta":5}', { "Scalegate-Signature": await sign(f.secret, "{}", t) }), /does not match/);
    // Signed for another t than the header says.
    const mac = (await sign(f.secret, "{}", t - 10)).split("v1=")[1];
    await expect401(f, () => post(f.id, "{}", { "Scalegate-Signature": `t=${t},v1=${mac}` }), /does not match/);
    for (const header of ["", "garbage", `t=${t}`, "v1=abcd", `t=abc,v1=${mac}`, `t=${t},v1=`, `t=${t},v1=zz${mac.slice(2)}`, `t=${t},t=${t},v1=${mac}`, `t=${t};v1=${mac}`]) {
      await expect401(f, () => post(f.id, "{}", { "Scalegate-Signature": header }));
    }
    // A valid bearer does not rescue a wrong signature: a signature, when sent, is checked alone.
    await expect401(f, async () => post(f.id, "{}", { "Scalegate-Signature": await sign("wrong", "{}", t), Authorization: `Bearer ${f.secret}` }));
  });

  it("stale or future timestamps beyond 5 minutes → 401; inside the tolerance → accepted", async () => {
    const f = await hookFixture("auth-stale");
    await expect401(f, () => deliverSigned(f.id, f.secret, {}, { t: now() - 301 }), /stale signature/);
    // (t is whole seconds and the server's clock has milliseconds: a margin keeps +30x beyond 300 s.)
    await expect401(f, () => deliverSigned(f.id, f.secret, {}, { t: now() + 302 }), /stale signature/);
    expect((await deliverSigned(f.id, f.secret, {}, { t: now() - 290 })).status).toBe(202);
    expect((await deliverSigned(f.id, f.secret, {}, { t: now() + 290 })).status).toBe(202);
  });

  it("a replayed signature (same t and v1) → 401, even with a bogus v1 added or a valid bearer", async () => {
    const f = await hookFixture("auth-replay");
    const first = await deliverSigned(f.id, f.secret, { delta: 1 });
    expect(first.status).toBe(202);
    const headers = { "Scalegate-Signature": first.signature };
    await expect401(f, () => post(f.id, first.raw, headers), /replayed signature/);
    await expect401(f, () => post(f.id, first.raw, { "Scalegate-Signature": `${first.signature},v1=${"0".repeat(64)}` }), /replayed/);
    await expect401(f, () => post(f.id, first.raw, { "Scalegate-Signature": `t=${first.signature.split(",")[0].slice(2)},v1=${"1".repeat(64)},${first.signature.split(",")[1]}` }), /replayed/);
    await expect401(f, () => post(f.id, first.raw, { ...headers, Authorization: `Bearer ${f.secret}` }), /replayed/);
    // Even with a delivery id that would otherwise be new.
    await expect401(f, () => post(f.id, first.raw, { ...headers, "X-Delivery-Id": "fresh" }), /replayed/);
    expect(await desired(f)).toBe(3);
  });

  it("the signature covers the exact bytes: a UTF-8 BOM and non-ASCII text verify as sent", async () => {
    const f = await hookFixture("auth-bytes");
    for (const raw of ["\ufeff{\"delta\":1}", '{"delta":1}\n', '{ "delta" : 1 }']) {
      const r = await deliverSigned(f.id, f.secret, raw);
      expect(r.status, JSON.stringify(raw)).toBe(202);
    }
    const name = await hookFixture("auth-utf8", { format: "alertmanager" });
    const r = await deliverSigned(name.id, name.secret, amPayload([{ status: "firing", name: "Überlast 🔥", fingerprint: "u" }]));
    expect(r.status, r.text).toBe(202);
    expect(r.body.results[0].alert.name).toBe("Überlast 🔥");
    expect(await desired(f)).toBe(5);
  });

  it("an invalid payload is 401 when unauthenticated, 400 once authenticated", async () => {
    const f = await hookFixture("auth-order");
    await expect401(f, () => post(f.id, "{not json", {}));
    await expect401(f, () => post(f.id, '{"bogus":1}', { Authorization: "Bearer nope" }));
    const bad = await deliverBearer(f.id, f.secret, '{"bogus":1}');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: "INVALID_ARGUMENT", field: "bogus" });
    expect(await desired(f)).toBe(2);
  });

  it("unknown, malformed and deleted hook ids → 404 whatever the credentials", async () => {
    const f = await hookFixture("auth-404");
    for (const id of [crypto.randomUUID(), "nope", f.id.toUpperCase()]) {
      const r = await deliverBearer(id, f.secret, {});
      expect(r.status).toBe(404);
      expect(r.body.error).toBe("NOT_FOUND");
    }
    expect((await f.api.del(`/hooks/${f.id}`)).status).toBe(204);
    expect((await deliverBearer(f.id, f.secret, {})).status).toBe(404);
    expect((await deliverSigned(f.id, f.secret, {})).status).toBe(404);
    expect(await desired(f)).toBe(2);
  });
});

describe("durability", () => {
  it("secrets, the grace secret, seen signatures and dedup records survive the hook object's eviction", async () => {
    const f = await hookFixture("evict");
    const rot = await f.api.post(`/hooks/${f.id}/rotate-secret`);
    const first = await deliverSigned(f.id, f.secret, {}, { headers: { "X-Delivery-Id": "ev-1" } });
    expect(first.status).toBe(202);
    const stub = objectStub(f.tenant, "hook", f.id);
    await evictDurableObject(stub);
    await expect401(f, () => post(f.id, first.raw, { "Scalegate-Signature": first.signature }), /replayed/);
    const again = await deliverBearer(f.id, rot.body.secret, {}, { "X-Delivery-Id": "ev-1" });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect((await deliverBearer(f.id, f.secret, {})).status).toBe(202);
    expect(await desired(f)).toBe(4);
  });
});

describe("rotate-secret", () => {
  it("the new secret works at once; the old one for 24 hours, then 401", async () => {
    const start = freezeClock();
    const f = await hookFixture("rot");
    const rot = await f.api.post(`/hooks/${f.id}/rotate-secret`);
    expect(rot.status, rot.text).toBe(200);
    expect(rot.body.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(rot.body.secret).not.toBe(f.secret);
    expect(rot.body.previous_secret_expires_at).toBe(new Date(start + 24 * HOUR).toISOString());
    expect((await deliverBearer(f.id, rot.body.secret, {})).status).toBe(202);
    expect((await deliverBearer(f.id, f.secret, {})).status).toBe(202);
    freezeClock(start + 24 * HOUR - 1);
    expect((await deliverSigned(f.id, f.secret, {}, { t: now() - 10 })).status).toBe(202);
    freezeClock(start + 24 * HOUR);
    await expect401(f, () => deliverBearer(f.id, f.secret, {}), /does not match/);
    await expect401(f, () => deliverSigned(f.id, f.secret, {}), /does not match/);
    expect((await deliverSigned(f.id, rot.body.secret, {})).status).toBe(202);
    const got = await f.api.get(`/hooks/${f.id}`);
    expect(got.body.previous_secret_expires_at).toBeNull();
    expect(got.body).not.toHaveProperty("secret");
    expect((await rows(f.tenant, "hook", f.id)).map((r) => r.type).filter((t) => t !== "hook.delivery")).toEqual(["hook.create", "hook.rotate_secret"]);
  });

  it("a second rotation retires the first secret at once (only one previous secret is kept)", async () => {
    const f = await hookFixture("rot2");
    const one = await f.api.post(`/hooks/${f.id}/rotate-secret`);
    const two = await f.api.post(`/hooks/${f.id}/rotate-secret`);
    await expect401(f, () => deliverBearer(f.id, f.secret, {}));
    expect((await deliverBearer(f.id, one.body.secret, {})).status).toBe(202);
    expect((await deliverBearer(f.id, two.body.secret, {})).status).toBe(202);
  });
});
