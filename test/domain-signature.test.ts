// The shared webhook signature scheme (src/domain/signature.ts): known-answer vector, round trip,
// rotation, tolerance and every malformed header.
import { describe, expect, it } from "vitest";
import { parseSignature, sign, verify } from "../src/domain/signature";

const SECRET = "whsec_test_secret_0123456789";
const BODY = '{"id":"evt_1","type":"machine.launch"}';
const T = 1_800_000_000;
const NOW = T * 1000;

async function referenceHex(secret: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(message));
  return [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

describe("sign", () => {
  it("is t=<seconds>,v1=<hex HMAC-SHA256 of '<t>.<body>'>", async () => {
    const header = await sign(SECRET, BODY, T);
    expect(header).toBe(`t=${T},v1=${await referenceHex(SECRET, `${T}.${BODY}`)}`);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
  });

  it("matches a fixed known-answer vector (computed with Node's crypto.createHmac)", async () => {
    // HMAC-SHA256("key", "0.The quick brown fox jumps over the lazy dog")
    const header = await sign("key", "The quick brown fox jumps over the lazy dog", 0);
    expect(header).toBe("t=0,v1=8511f28f7a1949f0c42772b447d68b2daf760f5f0439a20a17e3b4e7cd395763");
  });

  it("signs bytes and strings alike and floors fractional seconds", async () => {
    expect(await sign(SECRET, new TextEncoder().encode(BODY), T + 0.9)).toBe(await sign(SECRET, BODY, T));
  });
});

describe("verify", () => {
  it("accepts its own signature within the tolerance, either way", async () => {
    const header = await sign(SECRET, BODY, T);
    expect(await verify(SECRET, header, BODY, NOW)).toEqual({ ok: true, t: T });
    expect((await verify(SECRET, header, BODY, NOW + 300_000)).ok).toBe(true);
    expect((await verify(SECRET, header, BODY, NOW - 300_000)).ok).toBe(true);
    expect(await verify(SECRET, header, BODY, NOW + 301_000)).toEqual({ ok: false, reason: "expired" });
    expect(await verify(SECRET, header, BODY, NOW - 301_000)).toEqual({ ok: false, reason: "expired" });
    expect((await verify(SECRET, header, BODY, NOW + 1_000_000, 2000)).ok).toBe(true);
  });

  it("rejects another body, another secret, another timestamp", async () => {
    const header = await sign(SECRET, BODY, T);
    expect(await verify(SECRET, header, BODY + " ", NOW)).toEqual({ ok: false, reason: "mismatch" });
    expect(await verify("other-secret", header, BODY, NOW)).toEqual({ ok: false, reason: "mismatch" });
    const moved = header.replace(`t=${T}`, `t=${T + 1}`);
    expect(await verify(SECRET, moved, BODY, NOW)).toEqual({ ok: false, reason: "mismatch" });
  });

  it("accepts any of several secrets (rotation) and any of several v1 entries", async () => {
    const header = await sign(SECRET, BODY, T);
    expect((await verify(["old", SECRET], header, BODY, NOW)).ok).toBe(true);
    const other = (await sign("old", BODY, T)).split(",")[1];
    expect((await verify("old", `${header},${other}`, BODY, NOW)).ok).toBe(true);
    expect((await verify([], header, BODY, NOW)).ok).toBe(false);
    expect((await verify(["", SECRET], header, BODY, NOW)).ok).toBe(true);
  });

  it("names what is wrong with a missing or malformed header", async () => {
    const good = await sign(SECRET, BODY, T);
    const v1 = good.split(",")[1];
    expect(await verify(SECRET, null, BODY, NOW)).toEqual({ ok: false, reason: "missing" });
    expect(await verify(SECRET, "", BODY, NOW)).toEqual({ ok: false, reason: "missing" });
    for (const bad of ["garbage", `t=abc,${v1}`, v1, `t=${T}`, `t=${T},t=${T},${v1}`, `=x,${v1}`, `t=-5,${v1}`]) {
      expect(await verify(SECRET, bad, BODY, NOW), bad).toEqual({ ok: false, reason: "malformed" });
    }
    // Well-formed but not hex / wrong length: a mismatch, never a throw.
    expect(await verify(SECRET, `t=${T},v1=zz`, BODY, NOW)).toEqual({ ok: false, reason: "mismatch" });
    expect(await verify(SECRET, `t=${T},v1=${"0".repeat(64)}`, BODY, NOW)).toEqual({ ok: false, reason: "mismatch" });
  });

  it("parses tolerant of spaces and unknown keys", () => {
    expect(parseSignature(`t=${T}, v1=ab, v0=cd`)).toEqual({ t: T, v1: ["ab"] });
  });
});
