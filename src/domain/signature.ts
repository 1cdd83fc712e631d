// The webhook signature scheme, shared by both directions of webhooks (docs/webhooks.md):
//
//   Scalegate-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
//
// sign() makes the header value; verify() checks one against one or more secrets (more than one
// while a secret is being rotated), a header that may carry several v1 entries, and a timestamp
// tolerance against replays. WebCrypto only, so it runs in workerd and in Node >= 20 alike; the
// comparison is crypto.subtle.verify, which compares in constant time.
import { hex } from "./hex";

export const SIGNATURE_HEADER = "Scalegate-Signature";
export const DEFAULT_TOLERANCE_SEC = 300;

const encoder = new TextEncoder();

async function hmacKey(secret: string, usage: "sign" | "verify"): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [usage]);
}

function fromHex(text: string): Uint8Array | null {
  if (text.length !== 64 || !/^[0-9a-f]+$/i.test(text)) return null;
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function asBytes(body: string | Uint8Array): Uint8Array {
  return typeof body === "string" ? encoder.encode(body) : body;
}

function signedPayload(t: number, body: string | Uint8Array): Uint8Array {
  const prefix = encoder.encode(`${t}.`);
  const raw = asBytes(body);
  const out = new Uint8Array(prefix.length + raw.length);
  out.set(prefix, 0);
  out.set(raw, prefix.length);
  return out;
}

/** The header value for `body` (the exact bytes sent) at `t` (unix seconds; default now). */
export async function sign(secret: string, body: string | Uint8Array, t: number = Math.floor(Date.now() / 1000)): Promise<string> {
  const ts = Math.floor(t);
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(secret, "sign"), signedPayload(ts, body));
  return `t=${ts},v1=${hex(mac)}`;
}

export type VerifyFailure = "missing" | "malformed" | "expired" | "mismatch";
export type VerifyResult = { ok: true; t: number } | { ok: false; reason: VerifyFailure };

/** Parses `t=<int>,v1=<hex>[,v1=<hex>...]`; unknown keys (future versions) are ignored. */
export function parseSignature(header: string | null | undefined): { t: number; v1: string[] } | null {
  if (!header) return null;
  let t: number | null = null;
  const v1: string[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq <= 0) return null;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === "t") {
      if (t !== null || !/^\d{1,12}$/.test(value)) return null;
      t = Number(value);
    } else if (key === "v1") {
      v1.push(value);
    }
  }
  if (t === null || v1.length === 0) return null;
  return { t, v1 };
}

/**
 * Checks `header` for `body` (the raw bytes as received) against `secrets`. `nowMs` is the
 * current time in epoch milliseconds (Date.now()); the header's t must be within `toleranceSec`
 * of it, either way. Succeeds when any v1 entry matches any secret.
 */
export async function verify(
  secrets: string | readonly string[],
  header: string | null | undefined,
  body: string | Uint8Array,
  nowMs: number = Date.now(),
  toleranceSec: number = DEFAULT_TOLERANCE_SEC,
): Promise<VerifyResult> {
  if (!header) return { ok: false, reason: "missing" };
  const parsed = parseSignature(header);
  if (!parsed) return { ok: false, reason: "malformed" };
  if (Math.abs(nowMs / 1000 - parsed.t) > toleranceSec) return { ok: false, reason: "expired" };
  const payload = signedPayload(parsed.t, body);
  const candidates = parsed.v1.map(fromHex).filter((b): b is Uint8Array => b !== null);
  for (const secret of typeof secrets === "string" ? [secrets] : secrets) {
    if (!secret) continue;
    const key = await hmacKey(secret, "verify");
    for (const mac of candidates) {
      if (await crypto.subtle.verify("HMAC", key, mac, payload)) return { ok: true, t: parsed.t };
    }
  }
  return { ok: false, reason: "mismatch" };
}
