#!/usr/bin/env node
// A sample sender for Scalegate's inbound scale triggers (docs/webhooks.md): signs a payload with
// the hook's secret and sends it, or prints the equivalent curl.
//
//   SCALEGATE_HOOK_SECRET=whsec_... node scripts/sign-webhook.mjs <hook url> ['{"delta": 1}' | @payload.json]
//
// Options:
//   --secret <s>        the hook secret (default: $SCALEGATE_HOOK_SECRET)
//   --delivery-id <id>  sends X-Delivery-Id (a retry with the same id acts once)
//   --bearer            authenticates with Authorization: Bearer <secret> instead of a signature
//   --t <unix seconds>  signs at this time (to try the 5-minute tolerance)
//   --print             prints the curl command instead of sending
// The URL may also come from $SCALEGATE_HOOK_URL; the payload defaults to {} (the hook's own action).
import { readFileSync } from "node:fs";

const args = process.argv.slice(2);
const opts = { secret: process.env.SCALEGATE_HOOK_SECRET, deliveryId: null, bearer: false, t: null, print: false };
const rest = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === "--secret") opts.secret = args[++i];
  else if (a === "--delivery-id") opts.deliveryId = args[++i];
  else if (a === "--bearer") opts.bearer = true;
  else if (a === "--t") opts.t = Number(args[++i]);
  else if (a === "--print") opts.print = true;
  else if (a === "-h" || a === "--help") {
    console.log(readFileSync(new URL(import.meta.url), "utf8").split("\n").slice(1, 15).map((l) => l.replace(/^\/\/ ?/, "")).join("\n"));
    process.exit(0);
  } else rest.push(a);
}
const url = rest[0] ?? process.env.SCALEGATE_HOOK_URL;
let body = rest[1] ?? "{}";
if (body.startsWith("@")) body = readFileSync(body.slice(1), "utf8");
if (!url || !opts.secret) {
  console.error("usage: SCALEGATE_HOOK_SECRET=<secret> node scripts/sign-webhook.mjs <hook url> [payload | @file] [--bearer] [--delivery-id <id>] [--t <s>] [--print]");
  process.exit(2);
}

/** Scalegate-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>. */
async function sign(secret, raw, t) {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, enc.encode(`${t}.${raw}`));
  return `t=${t},v1=${Buffer.from(mac).toString("hex")}`;
}

const headers = { "Content-Type": "application/json" };
if (opts.bearer) headers.Authorization = `Bearer ${opts.secret}`;
else headers["Scalegate-Signature"] = await sign(opts.secret, body, Number.isFinite(opts.t) && opts.t !== null ? Math.floor(opts.t) : Math.floor(Date.now() / 1000));
if (opts.deliveryId) headers["X-Delivery-Id"] = opts.deliveryId;

if (opts.print) {
  const q = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
  console.log(["curl -sS -X POST", ...Object.entries(headers).map(([k, v]) => `-H ${q(`${k}: ${v}`)}`), `--data-binary ${q(body)}`, q(url)].join(" \\\n  "));
  process.exit(0);
}

const res = await fetch(url, { method: "POST", headers, body });
console.log(`HTTP ${res.status}`);
console.log(await res.text());
process.exit(res.ok ? 0 : 1);
