// Bytes as lowercase hex, one table lookup per byte: token hashes on every authenticated request,
// request fingerprints, signatures, ids. (Six places used to build it with map/padStart/join, which
// costs a string per byte.)
const BYTE_HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

export function hex(bytes: ArrayBuffer | Uint8Array): string {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let s = "";
  for (let i = 0; i < b.length; i++) s += BYTE_HEX[b[i]];
  return s;
}

/**
 * A name-based UUID (RFC 9562 version 8: custom) from the first 16 bytes of the SHA-256 of `text`:
 * the same text always gives the same UUID.
 */
export async function digestUuid(text: string): Promise<string> {
  const b = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))).slice(0, 16);
  b[6] = (b[6] & 0x0f) | 0x80;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = hex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
