// The isolate's cache of verified tokens (src/auth/cache.ts, docs/decisions.md "Identity"): a
// verified token is not looked up in D1 again for 5 s; revocation is effective at once in the
// isolate that revokes and within 5 s everywhere; unknown, forged and revoked tokens are never
// cached; pool-scoped tokens keep their scope; the cache is bounded and holds no token.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { TOKEN_CACHE_TTL_MS, TokenCache, tokenCache } from "../src/auth/cache";
import { sha256Hex } from "../src/auth/tokens";
import { ADMIN_TOKEN, call, tenantToken } from "./helpers";

const sizeOf = (pool: string, token: string) => call("GET", `/cloudpools/${pool}/pool/size`, { token });

async function pool(tenant: string, name: string): Promise<string> {
  const { token } = await tenantToken(tenant);
  expect((await call("POST", `/cloudpools/${name}/config`, { token, body: {} })).status).toBe(200);
  return token;
}

describe("TokenCache (clock injected)", () => {
  const v = (tokenId: string) => ({ tokenId, tenantId: "t", pool: null });

  it("an entry lives at most the TTL (5 s): a token revoked in another isolate stops working there within 5 s", () => {
    let now = 1_000_000;
    const other = new TokenCache(() => now);
    other.put("h1", v("id1"));
    now += TOKEN_CACHE_TTL_MS - 1;
    expect(other.get("h1")).toEqual(v("id1"));
    now += 1;
    expect(other.get("h1")).toBeNull();
    expect(other.size).toBe(0);
    expect(TOKEN_CACHE_TTL_MS).toBe(5_000);
  });

  it("a hit does not extend the entry's life; a new verification does", () => {
    let now = 0;
    const c = new TokenCache(() => now);
    c.put("h", v("id"));
    now = 4_000;
    expect(c.get("h")).not.toBeNull();
    now = 5_000;
    expect(c.get("h")).toBeNull();
    c.put("h", v("id"));
    now = 9_999;
    expect(c.get("h")).not.toBeNull();
  });

  it("evict forgets every entry of the token id at once, and refuses a late put of it for one TTL", () => {
    let now = 0;
    const c = new TokenCache(() => now);
    c.put("h", v("id"));
    c.put("other", v("id2"));
    c.evict("id");
    expect(c.get("h")).toBeNull();
    expect(c.get("other")).not.toBeNull();
    // A request that read the row before the revocation committed finishes after the eviction.
    c.put("h", v("id"));
    expect(c.get("h")).toBeNull();
    now = TOKEN_CACHE_TTL_MS;
    c.put("h", v("id"));
    expect(c.get("h")).not.toBeNull();
  });

  it("is bounded: the oldest entries go first", () => {
    const c = new TokenCache(() => 0, TOKEN_CACHE_TTL_MS, 3);
    for (const k of ["a", "b", "c", "d"]) c.put(k, v(k));
    expect(c.size).toBe(3);
    expect(c.get("a")).toBeNull();
    expect(c.get("d")).not.toBeNull();
  });
});

describe("tenant tokens through the cache (HTTP)", () => {
  it("keys entries by the token's SHA-256, never the token; holds tenant and pool", async () => {
    const token = await pool("ac-key", "ac-key-p");
    expect((await sizeOf("ac-key-p", token)).status).toBe(200);
    expect(tokenCache.get(token)).toBeNull();
    expect(tokenCache.get(await sha256Hex(token))).toMatchObject({ tenantId: "ac-key", pool: null });
  });

  it("a verified token is not looked up again: revoked behind the cache's back (another isolate), it still works until its entry expires", async () => {
    const { token, tokenId } = await tenantToken("ac-other");
    expect((await call("POST", `/cloudpools/ac-other-p/config`, { token, body: {} })).status).toBe(200);
    // What another isolate's revocation does to D1; this isolate is not told.
    await env.DB.prepare(`UPDATE tokens SET revoked_at = ? WHERE id = ?`).bind(Date.now(), tokenId).run();
    expect((await sizeOf("ac-other-p", token)).status).toBe(200);
    const hash = await sha256Hex(token);
    const entry = tokenCache.get(hash);
    expect(entry?.tokenId).toBe(tokenId);
    // Within 5 s of its verification the entry is gone and the next request reads D1: 401.
    await new Promise((r) => setTimeout(r, TOKEN_CACHE_TTL_MS + 50));
    expect(tokenCache.get(hash)).toBeNull();
    const r = await sizeOf("ac-other-p", token);
    expect(r.status).toBe(401);
    expect(tokenCache.get(hash)).toBeNull();
  }, 15_000);

  it("revoking evicts at once in this isolate: the next request is 401, though the token was just cached", async () => {
    const { token, tokenId } = await tenantToken("ac-rev");
    expect((await call("POST", `/cloudpools/ac-rev-p/config`, { token, body: {} })).status).toBe(200);
    expect((await sizeOf("ac-rev-p", token)).status).toBe(200);
    expect(tokenCache.get(await sha256Hex(token))).not.toBeNull();
    expect((await call("DELETE", `/admin/tenants/ac-rev/tokens/${tokenId}`, { token: ADMIN_TOKEN })).status).toBe(204);
    expect(tokenCache.get(await sha256Hex(token))).toBeNull();
    for (let i = 0; i < 3; i++) expect((await sizeOf("ac-rev-p", token)).status).toBe(401);
    expect((await call("POST", `/cloudpools/ac-rev-p/pool/size`, { token, body: { desiredSize: 3 } })).status).toBe(401);
  });

  it("unknown, forged and revoked tokens are never cached", async () => {
    const { token, tokenId } = await tenantToken("ac-neg");
    const unknown = `sg_${"0123456789abcdef"}_${"A".repeat(43)}`;
    const forged = token.slice(0, -1) + (token.endsWith("A") ? "B" : "A");
    for (const t of [unknown, forged]) {
      expect((await sizeOf("ac-neg-p", t)).status).toBe(401);
      expect(tokenCache.get(await sha256Hex(t))).toBeNull();
    }
    expect((await call("DELETE", `/admin/tenants/ac-neg/tokens/${tokenId}`, { token: ADMIN_TOKEN })).status).toBe(204);
    expect((await sizeOf("ac-neg-p", token)).status).toBe(401);
    expect(tokenCache.get(await sha256Hex(token))).toBeNull();
  });

  it("a token issued after a failed attempt with it works at once (the failure was not cached)", async () => {
    const { token } = await tenantToken("ac-late");
    const id = "fedcba9876543210";
    const secret = "Z".repeat(43);
    const late = `sg_${id}_${secret}`;
    expect((await sizeOf("ac-late-p", late)).status).toBe(401);
    // The same token now issued (as if the admin API had just created it).
    await env.DB.prepare(`INSERT INTO tokens (id, tenant_id, token_hash, created_at) VALUES (?, ?, ?, ?)`)
      .bind(id, "ac-late", await sha256Hex(late), Date.now())
      .run();
    expect((await call("POST", `/cloudpools/ac-late-p/config`, { token: late, body: {} })).status).toBe(200);
    expect((await sizeOf("ac-late-p", token)).status).toBe(200);
  });

  it("a pool-scoped token is cached with its scope: another pool and tenant-wide routes stay 403 on a hit", async () => {
    const wide = await pool("ac-scope", "ac-scope-a");
    expect((await call("POST", `/cloudpools/ac-scope-b/config`, { token: wide, body: {} })).status).toBe(200);
    const issued = await call("POST", `/admin/tenants/ac-scope/tokens`, { token: ADMIN_TOKEN, body: { pool: "ac-scope-a" } });
    expect(issued.status).toBe(201);
    const scoped = issued.body.token as string;
    for (let i = 0; i < 2; i++) {
      expect((await sizeOf("ac-scope-a", scoped)).status).toBe(200);
      expect(tokenCache.get(await sha256Hex(scoped))).toMatchObject({ tenantId: "ac-scope", pool: "ac-scope-a" });
      expect((await sizeOf("ac-scope-b", scoped)).status).toBe(403);
      expect((await call("GET", "/cloudpools", { token: scoped })).status).toBe(403);
    }
  });
});
