// Tenant API tokens: `sg_<token id>_<secret>`. Only the SHA-256 of the whole token is stored; the
// id lets a lookup find the row, and the hash is then compared in constant time.
import { hex } from "../domain/hex";

const encoder = new TextEncoder();

function base64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export async function sha256Hex(value: string): Promise<string> {
  return hex(await crypto.subtle.digest("SHA-256", encoder.encode(value)));
}

/** Constant-time equality of two strings (compared through their SHA-256, so lengths never leak). */
export async function timingSafeEqualStrings(a: string, b: string): Promise<boolean> {
  const [da, db] = await Promise.all([crypto.subtle.digest("SHA-256", encoder.encode(a)), crypto.subtle.digest("SHA-256", encoder.encode(b))]);
  return crypto.subtle.timingSafeEqual(da, db);
}

export async function newToken(): Promise<{ tokenId: string; token: string; tokenHash: string }> {
  const tokenId = hex(crypto.getRandomValues(new Uint8Array(8)));
  const token = `sg_${tokenId}_${base64url(crypto.getRandomValues(new Uint8Array(32)))}`;
  return { tokenId, token, tokenHash: await sha256Hex(token) };
}

const TOKEN_RE = /^sg_([0-9a-f]{16})_[A-Za-z0-9_-]{43}$/;

/** The token id of a well-formed token, or null. */
export function tokenIdOf(token: string): string | null {
  return TOKEN_RE.exec(token)?.[1] ?? null;
}

export const TENANT_ID_RE = /^[a-z0-9][a-z0-9_-]{0,62}$/;
