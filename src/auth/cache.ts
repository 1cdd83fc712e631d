// The isolate's short-lived cache of verified tenant tokens (docs/decisions.md, "Identity"): a
// request whose token was verified in D1 less than TOKEN_CACHE_TTL_MS ago in this isolate is not
// looked up again. The promise it keeps:
// - only a token that matched a live row is cached; an unknown, forged or revoked token is never
//   cached, so a token issued after a failed attempt works at once;
// - an entry lives at most TOKEN_CACHE_TTL_MS, so a token revoked in another isolate stops working
//   there within that time; the isolate that revokes it evicts it at once;
// - entries are keyed by the SHA-256 of the whole token (the token itself is never held), and the
//   cache holds at most TOKEN_CACHE_MAX entries (the oldest go first).
// The clock is injected so that tests can show expiry without waiting.

export const TOKEN_CACHE_TTL_MS = 5_000;
export const TOKEN_CACHE_MAX = 1_000;

/** What a verified token grants: its tenant and, for a pool-scoped token, its pool. */
export interface VerifiedToken {
  tokenId: string;
  tenantId: string;
  pool: string | null;
}

interface Entry extends VerifiedToken {
  expiresAt: number;
}

export class TokenCache {
  /** By the token's SHA-256 (hex); insertion order is age order (a refresh re-inserts). */
  readonly #byHash = new Map<string, Entry>();

  constructor(
    private readonly now: () => number = () => Date.now(),
    private readonly ttlMs = TOKEN_CACHE_TTL_MS,
    private readonly max = TOKEN_CACHE_MAX,
  ) {}

  /** The verified token whose hash is `tokenHash`, if verified less than the TTL ago. */
  get(tokenHash: string): VerifiedToken | null {
    const e = this.#byHash.get(tokenHash);
    if (!e) return null;
    if (this.now() >= e.expiresAt) {
      this.#byHash.delete(tokenHash);
      return null;
    }
    return { tokenId: e.tokenId, tenantId: e.tenantId, pool: e.pool };
  }

  /**
   * Token ids evicted by a revocation in this isolate, for one TTL: a request that read the row
   * just before the revocation committed must not put the token back after the eviction.
   */
  readonly #revoked = new Map<string, number>();

  /** Remembers a token that just matched a live (not revoked) row. */
  put(tokenHash: string, v: VerifiedToken): void {
    const now = this.now();
    for (const [id, until] of this.#revoked) if (until <= now) this.#revoked.delete(id);
    if (this.#revoked.has(v.tokenId)) return;
    this.#byHash.delete(tokenHash);
    this.#byHash.set(tokenHash, { tokenId: v.tokenId, tenantId: v.tenantId, pool: v.pool, expiresAt: now + this.ttlMs });
    while (this.#byHash.size > this.max) {
      const oldest = this.#byHash.keys().next().value as string;
      this.#byHash.delete(oldest);
    }
  }

  /** Forgets a revoked token (by its id: the revocation does not know the token). */
  evict(tokenId: string): void {
    this.#revoked.delete(tokenId);
    this.#revoked.set(tokenId, this.now() + this.ttlMs);
    while (this.#revoked.size > this.max) this.#revoked.delete(this.#revoked.keys().next().value as string);
    for (const [hash, e] of this.#byHash) if (e.tokenId === tokenId) this.#byHash.delete(hash);
  }

  get size(): number {
    return this.#byHash.size;
  }
}

/** The isolate's cache, shared by every request this isolate serves. */
export const tokenCache = new TokenCache();
