// The proxy with a real upstream (issue 11): routing by Host (the API is not reachable on a
// service domain, nothing asks for an API credential there), bodies streaming both ways past the
// API's 64 KiB limit, hop-by-hop headers dropped both ways, X-Forwarded-For/-Proto/-Host set,
// WebSocket upgrades passed through.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { useGateway } from "../clients/harness/gateway.mjs";
import { api, hit, service, websocket } from "./support.mjs";

let gw;
let s;
before(async () => {
  gw = await useGateway();
  s = await service(gw, "proxy", { bootMs: 50 });
});
after(async () => {
  await s?.fleet.close();
  await gw?.stop();
});

describe("proxying", () => {
  it("API paths on a service domain reach the service, not the API; no credential is needed", async () => {
    for (const path of ["/healthz", "/v1/services", "/admin/tenants/x/tokens", "/openapi/kraftcloud.json"]) {
      const r = await hit(gw, s.domain, path);
      assert.equal(r.status, 200, `${path}: ${r.text}`);
      assert.equal(r.json.path, path);
      assert.match(r.json.member, /^127\.0\.0\./);
    }
    // The API's own host is untouched.
    const own = await api(gw, s.token, "GET", "/v1/services");
    assert.equal(own.status, 200);
    assert.ok(own.json.data.service_groups.some((g) => g.name === s.group));
  });

  it("the client's own Authorization reaches the app untouched; Scalegate adds none", async () => {
    const r = await hit(gw, s.domain, "/me", { headers: { authorization: "Bearer app-session-7" } });
    assert.equal(r.json.headers.authorization, "Bearer app-session-7");
    const bare = await hit(gw, s.domain, "/me");
    assert.equal(bare.json.headers.authorization, undefined);
  });

  it("hop-by-hop headers are dropped both ways; X-Forwarded-* are set", async () => {
    const r = await hit(gw, s.domain, "/h?q=1", { headers: { "x-forwarded-for": "198.51.100.9", "keep-alive": "timeout=9", "x-private": "kept", connection: "x-private-hop", "x-private-hop": "gone", te: "trailers" } });
    const h = r.json.headers;
    assert.equal(h["x-private"], "kept");
    // (The runtime consumes the client's own Connection header before the Worker sees it, so the
    // headers it names cannot be told apart here; the upstream's Connection list is honoured below.)
    assert.equal(h["keep-alive"], undefined);
    assert.equal(h.te, undefined);
    assert.equal(h["x-forwarded-proto"], "http");
    assert.equal(h["x-forwarded-host"], `${s.domain}:${new URL(gw.base).port}`);
    assert.match(h["x-forwarded-for"], /^198\.51\.100\.9(, .+)?$/);
    const hop = await hit(gw, s.domain, "/hop");
    assert.equal(hop.status, 200);
    assert.equal(hop.headers["x-hop"], undefined, "a header the upstream's Connection names is dropped");
    assert.equal(hop.headers["keep-alive"], undefined);
  });

  it("bodies stream both ways, far past the API's 64 KiB limit", async () => {
    const up = Buffer.alloc(3 * 1024 * 1024, 97);
    const r = await hit(gw, s.domain, "/upload", { method: "POST", body: up, headers: { "content-type": "application/octet-stream" } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.bodyBytes, up.length);
    const down = await hit(gw, s.domain, `/big?bytes=${5 * 1024 * 1024}`);
    assert.equal(down.status, 200);
    assert.equal(down.bytes, 5 * 1024 * 1024);
  });

  it("WebSocket upgrades pass through", async () => {
    const ws = await websocket(gw, s.domain);
    assert.equal(ws.status, 101);
    assert.match(ws.text, /^hello from 127\.0\.0\.\d+$/);
  });
});
