// vitest globalSetup (runs in Node, outside workerd): a real HTTP receiver for the webhook
// provider suites, on 127.0.0.1 with an ephemeral port, handed to the tests as
// `inject("receiverUrl")` (typed in test/webhook-support.ts). Every test uses its own key:
//   POST /hook/<key>           a delivery: its signature is checked (scripts/webhook-receiver.mjs's
//                              verifySignature), it is recorded, answered as planned for the key
//   PUT  /_control/<key>       {secret, toleranceSec?, plan?: [{status?, hangMs?}]}: the secret and
//                              the answers of the next deliveries (then 200s)
//   GET  /_control/<key>       {deliveries: [{eventId, attempt, type, signature, verified, reason,
//                              body, answered, at}]}
import { createServer } from "node:http";
import { verifySignature } from "../scripts/webhook-receiver.mjs";

export default async function setup(project) {
  const keys = new Map();
  const key = (k) => {
    if (!keys.has(k)) keys.set(k, { secret: "", toleranceSec: 300, plan: [], deliveries: [] });
    return keys.get(k);
  };
  const hanging = new Set();
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      const url = new URL(req.url, "http://x");
      const [, kind, k] = url.pathname.split("/");
      const json = (status, body) => res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
      if (kind === "_control" && k) {
        if (req.method === "PUT") {
          const cfg = JSON.parse(raw.toString("utf8") || "{}");
          Object.assign(key(k), { secret: cfg.secret ?? key(k).secret, toleranceSec: cfg.toleranceSec ?? 300, plan: cfg.plan ?? [] });
          return json(200, { ok: true });
        }
        return json(200, { deliveries: key(k).deliveries });
      }
      if (kind !== "hook" || !k || req.method !== "POST") return json(404, { error: "unknown path" });
      const s = key(k);
      const check = verifySignature(s.secret, req.headers["scalegate-signature"], raw, Date.now(), s.toleranceSec);
      const step = s.plan.shift() ?? {};
      const answered = step.hangMs ? "hang" : (step.status ?? (check.ok ? 200 : 401));
      let body = null;
      try {
        body = JSON.parse(raw.toString("utf8"));
      } catch {}
      s.deliveries.push({
        eventId: req.headers["scalegate-event-id"] ?? null,
        type: req.headers["scalegate-event-type"] ?? null,
        attempt: Number(req.headers["scalegate-delivery-attempt"] ?? 0),
        contentType: req.headers["content-type"] ?? null,
        signature: req.headers["scalegate-signature"] ?? null,
        verified: check.ok,
        reason: check.ok ? null : check.reason,
        raw: raw.toString("utf8"),
        body,
        answered,
        at: Date.now(),
      });
      if (step.hangMs) {
        hanging.add(res);
        setTimeout(() => {
          hanging.delete(res);
          if (!res.writableEnded) json(200, { late: true });
        }, step.hangMs);
        return;
      }
      json(answered, answered === 200 ? { received: body?.id ?? null } : { error: `planned ${answered}` });
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  project.provide("receiverUrl", `http://127.0.0.1:${port}`);
  return async () => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections?.();
    await new Promise((resolve) => server.close(resolve));
  };
}
