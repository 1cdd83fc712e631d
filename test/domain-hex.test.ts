// src/domain/hex.ts: the one hex encoder (token hashes, fingerprints, signatures, ids) and the
// name-based UUIDs of groups and autoscale policies, which must never change for a given name.
import { describe, expect, it } from "vitest";
import { digestUuid, hex } from "../src/domain/hex";
import { groupUuid } from "../src/domain/model";

describe("hex", () => {
  it("encodes every byte value as two lowercase digits, from a Uint8Array or an ArrayBuffer", () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const expected = Array.from(all, (b) => b.toString(16).padStart(2, "0")).join("");
    expect(hex(all)).toBe(expected);
    expect(hex(all.buffer)).toBe(expected);
    expect(hex(new Uint8Array(0))).toBe("");
    expect(hex(all.subarray(254))).toBe("feff");
  });
});

describe("digestUuid", () => {
  it("is a version-8, RFC 9562 variant UUID over SHA-256, the same for the same text", async () => {
    const u = await digestUuid("scalegate:group:t1:web");
    expect(u).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(await digestUuid("scalegate:group:t1:web")).toBe(u);
    expect(await digestUuid("scalegate:group:t1:api")).not.toBe(u);
  });

  it("gives a group the UUID it has always had (clients keep the uuids they were answered)", async () => {
    // Computed the way groupUuid did before it used digestUuid.
    const d = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode("scalegate:group:t1:web"))).slice(0, 16);
    d[6] = (d[6] & 0x0f) | 0x80;
    d[8] = (d[8] & 0x3f) | 0x80;
    const h = Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
    expect(await groupUuid("t1", "web")).toBe(`${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`);
  });
});
