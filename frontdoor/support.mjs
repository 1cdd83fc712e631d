// Support for the front door's real-upstream suites (issue 11), run in Node against the project's
// own `wrangler dev` (clients/harness/gateway.mjs) by `npm run test:frontdoor`:
// - a fleet: the webhook provider's receiver (127.0.0.1, started here) playing the user's
//   infrastructure — every machine.launch / machine.start gets an address 127.0.0.N, a real HTTP
//   upstream on N's own server at the service's destination port, and a RUNNING report after
//   `bootMs`; machine.terminate closes that server and reports TERMINATED. Modes: `run`,
//   `never` (no RUNNING report ever), `reject` (REJECTED at once).
// - `hit`: an HTTP request to the gateway with a service domain as Host (node:http, so the Host
//   header is the test's), answering {status, headers, text, json, ms}.
import { createServer } from "node:http";
import { request as httpRequest } from "node:http";
import { createHash } from "node:crypto";
import { after, before } from "node:test";
import { freePort, unique, useGateway } from "../clients/harness/gateway.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export { sleep, unique };

/**
 * The file's gateway (wrangler dev: started before its tests, stopped after them) and the fleets
 * its tests start (closed after them): use `suite.gw`, and `suite.fleets.push(s.fleet)`.
 */
export function suiteGateway() {
  const suite = { gw: null, fleets: [] };
  before(async () => (suite.gw = await useGateway()));
  after(async () => {
    for (const f of suite.fleets) await f.close();
    await suite.gw?.stop();
  });
  return suite;
}

/** JSON call to the API (setup and inspection, not what is under test). */
export async function api(gw, token, method, path, body) {
  const headers = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(gw.base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, json, text };
}

/** A request to the gateway addressed to `host` (a service domain). */
export function hit(gw, host, path = "/", { method = "GET", body, headers = {}, timeoutMs = 60_000 } = {}) {
  const url = new URL(gw.base);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path, method, headers: { host: `${host}:${url.port}`, ...headers }, agent: false }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json = null;
        try {
          json = JSON.parse(text);
        } catch {}
        resolve({ status: res.statusCode, headers: res.headers, text, json, bytes: Buffer.concat(chunks).length, ms: performance.now() - started });
      });
      res.on("error", reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/**
 * One member's upstream: JSON naming the member, method, path, body size and the headers it got;
 * `/slow?ms=N` answers after N ms; `/big?bytes=N` streams N bytes; WebSocket upgrades answer one
 * text frame naming the member.
 */
function upstream(address, port, log) {
  const server = createServer((req, res) => {
    let bytes = 0;
    req.on("data", (c) => (bytes += c.length));
    req.on("end", async () => {
      const url = new URL(req.url, "http://x");
      log.push({ address, method: req.method, path: url.pathname, at: Date.now() });
      if (url.pathname === "/slow") await sleep(Number(url.searchParams.get("ms") ?? 100));
      if (url.pathname === "/big") {
        const n = Number(url.searchParams.get("bytes") ?? 0);
        res.writeHead(200, { "content-type": "application/octet-stream" });
        const chunk = Buffer.alloc(64 * 1024, 120);
        for (let left = n; left > 0; left -= chunk.length) res.write(left >= chunk.length ? chunk : chunk.subarray(0, left));
        return res.end();
      }
      // `/hop`: hop-by-hop headers in the answer (the front door drops them).
      const hop = url.pathname === "/hop" ? { connection: "keep-alive, x-hop", "x-hop": "dropped", "keep-alive": "timeout=60" } : {};
      res.writeHead(200, { "content-type": "application/json", ...hop });
      res.end(JSON.stringify({ member: address, method: req.method, path: url.pathname, bodyBytes: bytes, headers: req.headers }));
    });
  });
  // Longer than the front door keeps a connection idle: a reused connection is never closed under it.
  server.keepAliveTimeout = 120_000;
  server.on("upgrade", (req, socket) => {
    const accept = createHash("sha1").update(req.headers["sec-websocket-key"] + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest("base64");
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    const payload = Buffer.from(`hello from ${address}`);
    socket.write(Buffer.concat([Buffer.from([0x81, payload.length]), payload]));
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, address, () => resolve(server));
  });
}

/**
 * The user's infrastructure for one tenant's service group (webhook provider): see the header.
 * `destPort` is the port every member's upstream listens on (the service's destination_port).
 */
export async function startFleet(gw, { tenant, group, token, bootMs = 300, mode = "run" }) {
  const destPort = await freePort();
  const receiverPort = await freePort();
  const log = []; // requests the upstreams served
  const events = []; // deliveries received
  const servers = new Map(); // machine id → { address, server }
  let next = 1;
  const fleet = { destPort, log, events, servers, mode, bootMs, receiverUrl: `http://127.0.0.1:${receiverPort}/hook` };
  const report = (reports) => api(gw, token, "POST", `/providers/webhook/${group}/machines`, reports);

  async function bring(id) {
    if (fleet.mode === "reject") return report({ id, state: "REJECTED" });
    if (fleet.mode === "never") return;
    let s = servers.get(id);
    if (!s) {
      const address = `127.0.0.${++next}`;
      s = { address, server: await upstream(address, destPort, log) };
      servers.set(id, s);
    } else if (!s.server.listening) s.server = await upstream(s.address, destPort, log);
    await sleep(fleet.bootMs);
    const r = await report({ id, state: "RUNNING", privateIps: [s.address] });
    if (r.status !== 200) console.error("report failed", r.status, r.text);
  }

  async function stop(id) {
    const s = servers.get(id);
    // Closing stops new connections; requests in flight finish (a cut would show as a 502).
    if (s) await new Promise((r) => s.server.close(r));
    await report({ id, state: "TERMINATED" });
  }

  const receiver = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
      let e;
      try {
        e = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        return;
      }
      events.push({ type: e.type, data: e.data, at: Date.now() });
      if (e.type === "machine.launch") for (const id of e.data.machineIds) void bring(id);
      if (e.type === "machine.start") void bring(e.data.machineId);
      if (e.type === "machine.terminate") void stop(e.data.machineId);
    });
  });
  await new Promise((r) => receiver.listen(receiverPort, "127.0.0.1", r));
  fleet.close = async () => {
    receiver.closeAllConnections?.();
    await new Promise((r) => receiver.close(r));
    for (const s of servers.values()) {
      s.server.closeAllConnections?.();
      if (s.server.listening) await new Promise((r) => s.server.close(r));
    }
  };
  fleet.provider = { type: "webhook", url: fleet.receiverUrl, secret: "whsec_frontdoor_suite_0123456789", timeoutMs: 2000 };
  return fleet;
}

/**
 * A tenant with a webhook-provider service group named `group` whose domain is `<group>.localhost`,
 * one instance (the master), running; `autoscale` (optional) configured on it.
 */
export async function service(gw, prefix, { bootMs = 200, autoscale, mode = "run" } = {}) {
  const tenant = unique(prefix);
  const group = unique(prefix);
  const { token } = await gw.issueToken(tenant);
  const fleet = await startFleet(gw, { tenant, group, token, bootMs, mode: "run" });
  const domain = `${group}.localhost`;
  const created = await api(gw, token, "POST", "/v1/services", { name: group, services: [{ port: 443, destination_port: fleet.destPort }], domains: [{ name: domain }], provider: fleet.provider });
  if (created.json?.data?.service_groups?.[0]?.status !== "success") throw new Error(`service: ${created.text}`);
  const inst = await api(gw, token, "POST", "/v1/instances", { name: `${group}-master`, image: "user/app:latest", service_group: { name: group } });
  if (inst.json?.data?.instances?.[0]?.status !== "success") throw new Error(`instance: ${inst.text}`);
  await until(`${group}-master running`, async () => (await members(gw, token, group)).some((m) => m.machineState === "RUNNING"));
  if (autoscale) {
    const r = await api(gw, token, "POST", `/v1/services/${created.json.data.service_groups[0].uuid}/autoscale`, { master: { name: `${group}-master` }, ...autoscale });
    if (r.json?.data?.service_groups?.[0]?.status !== "success") throw new Error(`autoscale: ${r.text}`);
  }
  fleet.mode = mode;
  return { tenant, group, token, domain, uuid: created.json.data.service_groups[0].uuid, fleet };
}

/** The group's members as the elastisys pool shows them. */
export async function members(gw, token, group) {
  const r = await api(gw, token, "GET", `/cloudpools/${group}/pool`);
  return r.json?.machines ?? [];
}

/** The group's ledger records (D1 and what the object has not pushed yet), by type. */
export async function ledger(gw, token, group) {
  const r = await api(gw, token, "GET", `/cloudpools/${group}/activities?limit=500`);
  return r.json?.activities ?? [];
}

export async function until(what, probe, timeoutMs = 20_000, everyMs = 50) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** A WebSocket upgrade through the gateway: the status line and the first text frame. */
export function websocket(gw, host, path = "/ws") {
  const url = new URL(gw.base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: url.hostname, port: url.port, path, agent: false,
      headers: { host: `${host}:${url.port}`, connection: "Upgrade", upgrade: "websocket", "sec-websocket-version": "13", "sec-websocket-key": Buffer.from("0123456789abcdef").toString("base64") },
    });
    req.on("upgrade", (res, socket, head) => {
      const got = (buf) => {
        const len = buf[1] & 0x7f;
        if (buf.length < 2 + len) return false;
        socket.destroy();
        resolve({ status: res.statusCode, text: buf.subarray(2, 2 + len).toString("utf8") });
        return true;
      };
      let buf = head;
      if (buf.length >= 2 && got(buf)) return;
      socket.on("data", (c) => {
        buf = Buffer.concat([buf, c]);
        got(buf);
      });
    });
    req.on("response", (res) => resolve({ status: res.statusCode, text: "" }));
    req.setTimeout(15_000, () => req.destroy(new Error("websocket: no answer")));
    req.on("error", reject);
    req.end();
  });
}
