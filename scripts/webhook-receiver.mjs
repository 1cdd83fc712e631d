#!/usr/bin/env node
// A sample receiver for Scalegate's webhook provider (docs/webhooks.md, "Outbound: the webhook
// provider"): verifies the `Scalegate-Signature` of every delivery, drops repeats by
// `Scalegate-Event-Id`, prints the events and — given a Scalegate base URL and tenant token —
// reports the machines back (`machine.launch` → RUNNING, `machine.terminate` → TERMINATED), as a
// real infrastructure would once its machines are up or gone.
//
//   node scripts/webhook-receiver.mjs --port 9000 --secret <the provider's secret> \
//     [--host 127.0.0.1] [--scalegate http://127.0.0.1:8787 --token <tenant token>] [--delay-ms 1000]
//
// `verifySignature` is exported (the test suite's receiver uses it too).
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import { pathToFileURL } from "node:url";

/** Checks `t=<unix s>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`; returns {ok, reason?}. */
export function verifySignature(secret, header, rawBody, nowMs = Date.now(), toleranceSec = 300) {
  if (!header) return { ok: false, reason: "missing" };
  let t = null;
  const v1 = [];
  for (const part of String(header).split(",")) {
    const [k, ...rest] = part.trim().split("=");
    const value = rest.join("=");
    if (k === "t" && /^\d+$/.test(value)) t = Number(value);
    else if (k === "v1") v1.push(value);
  }
  if (t === null || v1.length === 0) return { ok: false, reason: "malformed" };
  if (Math.abs(nowMs / 1000 - t) > toleranceSec) return { ok: false, reason: "expired" };
  const expected = createHmac("sha256", secret).update(`${t}.`).update(rawBody).digest();
  for (const hex of v1) {
    const given = Buffer.from(hex, "hex");
    if (given.length === expected.length && timingSafeEqual(given, expected)) return { ok: true, t };
  }
  return { ok: false, reason: "mismatch" };
}

function args(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) continue;
    const [k, v] = a.slice(2).split("=");
    out[k] = v ?? (argv[i + 1] && !argv[i + 1].startsWith("--") ? argv[++i] : "true");
  }
  return out;
}

async function report(opts, group, machines) {
  const url = `${opts.scalegate.replace(/\/$/, "")}/providers/webhook/${encodeURIComponent(group)}/machines`;
  const res = await fetch(url, { method: "POST", headers: { Authorization: `Bearer ${opts.token}`, "Content-Type": "application/json" }, body: JSON.stringify(machines) });
  console.log(`  → reported ${machines.map((m) => `${m.id}=${m.state}`).join(", ")}: HTTP ${res.status} ${await res.text()}`);
}

export function startSampleReceiver(opts) {
  const seen = new Set();
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      const check = verifySignature(opts.secret, req.headers["scalegate-signature"], raw);
      if (!check.ok) {
        console.log(`✗ ${req.method} ${req.url}: signature ${check.reason}, refused`);
        res.writeHead(401, { "Content-Type": "application/json" }).end(JSON.stringify({ error: `signature ${check.reason}` }));
        return;
      }
      const id = req.headers["scalegate-event-id"];
      const attempt = req.headers["scalegate-delivery-attempt"];
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ received: id }));
      if (seen.has(id)) return console.log(`= ${id} (attempt ${attempt}) seen already, ignored`);
      seen.add(id);
      const event = JSON.parse(raw.toString("utf8"));
      console.log(`✓ ${event.type} ${event.id} tenant=${event.tenant} group=${event.group} attempt=${attempt}`);
      console.log(`  ${JSON.stringify(event.data)}`);
      if (!opts.scalegate || !opts.token) return;
      const later = (fn) => setTimeout(() => fn().catch((e) => console.error("  report failed:", e.message)), Number(opts["delay-ms"] ?? 1000));
      if (event.type === "machine.launch") {
        const ip = () => `10.0.${Math.floor(Math.random() * 255)}.${1 + Math.floor(Math.random() * 254)}`;
        later(() => report(opts, event.group, event.data.machineIds.map((id) => ({ id, state: "RUNNING", privateIps: [ip()], launchtime: new Date().toISOString() }))));
      } else if (event.type === "machine.start") {
        later(() => report(opts, event.group, [{ id: event.data.machineId, state: "RUNNING", launchtime: new Date().toISOString() }]));
      } else if (event.type === "machine.terminate") {
        later(() => report(opts, event.group, [{ id: event.data.machineId, state: "TERMINATED" }]));
      }
    });
  });
  return new Promise((resolve) => server.listen(Number(opts.port ?? 9000), opts.host ?? "127.0.0.1", () => resolve(server)));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const opts = args(process.argv.slice(2));
  opts.secret ??= process.env.SCALEGATE_WEBHOOK_SECRET;
  if (!opts.secret) {
    console.error("usage: node scripts/webhook-receiver.mjs --port 9000 --secret <secret> [--host 127.0.0.1] [--scalegate <base URL> --token <tenant token>] [--delay-ms 1000]");
    process.exit(2);
  }
  const server = await startSampleReceiver(opts);
  const { address, port } = server.address();
  console.log(`listening on http://${address}:${port}/ — configure the group's provider with this URL and secret`);
  if (opts.scalegate && opts.token) console.log(`reporting machines back to ${opts.scalegate}`);
}
