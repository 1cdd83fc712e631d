// Issue 9, items 1 and 2: the one body reader (src/http/body.ts). A GET/HEAD/DELETE with a body,
// chunked or not, is never a 500; a route that takes no body refuses one (400) before anything
// else; "no body" is 0 bytes or JSON whitespace only; UTF-8 decoded fatally; duplicate keys and
// a lone BOM refused; the 64 KiB limit whatever the framing. Each refusal changes nothing.
import { env } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freezeClock, releaseClock } from "./clock";
import { ADMIN_TOKEN, objectStub, tenantToken } from "./helpers";
import { expectError, expectNoChange, fixture, size, withMachines } from "./elastisys-support";
import { OUT, IN, configure, expectRequestError, expectNoChange as expectGroupUnchanged, service } from "./kraftcloud-autoscale-support";
import { expectDialectError, send, stateOf, type Framing } from "./fuzz-support";
import { deliverSigned, hookFixture } from "./hooks-support";

const FRAMINGS: Framing[] = ["length", "chunked"];

// Machines move only when a test runs an alarm: "nothing changed" compares like with like.
beforeAll(() => void freezeClock());
afterAll(releaseClock);

describe("a body on a method or route that takes none (item 1)", () => {
  it("GET/HEAD /healthz with a chunked or sized body: a clean 400 in the generic shape, never a 500; DELETE is 405 first", async () => {
    for (const framing of FRAMINGS) {
      for (const method of ["GET", "HEAD", "DELETE"]) {
        const r = await send({ method, path: "/healthz", body: "{}", framing });
        const want = method === "DELETE" ? 405 : 400; // a wrong method is said before a wrong input
        expect(r.status, `${method} ${framing} ${r.text}`).toBe(want);
        if (method === "GET") {
          expectDialectError("/healthz", r);
          expect(r.body.message).toBe("this route takes no request body");
        }
      }
    }
  });

  it("a GET with an empty or JSON-whitespace body is a GET without one", async () => {
    for (const framing of FRAMINGS) {
      for (const body of ["", " \r\n\t"]) {
        const r = await send({ method: "GET", path: "/healthz", body, framing });
        expect(r.status, `${framing} ${JSON.stringify(body)} ${r.text}`).toBe(200);
        expect(r.body).toEqual({ status: "ok" });
      }
    }
  });

  it("every dialect: GET with a chunked body → 400 in that dialect's shape before authentication; 405/404 where no GET route exists", async () => {
    const cases: [string, number][] = [
      ["/cloudpools", 400],
      ["/cloudpools/p/pool", 400],
      ["/v1/services", 400],
      ["/api/elasticity/health", 400],
      ["/api/elasticity/node/status", 400],
      ["/hooks", 400],
      ["/providers/webhook/g/machines", 401], // its auth runs before the 405
      ["/admin/tenants/x/tokens", 401], // admin auth runs before the 405
      ["/nowhere", 404],
    ];
    for (const [path, status] of cases) {
      const r = await send({ method: "GET", path, body: '{"a":1}', framing: "chunked" });
      expect(r.status, `${path} ${r.text}`).toBe(status);
      expectDialectError(path, r, path);
    }
  });

  it("a DELETE of a pool with a body is refused and the pool stays", async () => {
    const f = await fixture("del-body");
    await withMachines(f, 1);
    for (const framing of FRAMINGS) {
      const r = await expectNoChange(f, () => send({ method: "DELETE", path: f.base, body: "{}", framing, headers: { Authorization: `Bearer ${f.token}` } }));
      expectError(r, 400, "takes no request body");
    }
    expect((await size(f)).desiredSize).toBe(1);
  });

  it("POST /admin/tenants/{t}/tokens with a body → 400, no token issued", async () => {
    const r = await send({ method: "POST", path: "/admin/tenants/body-admin/tokens", body: '{"scope":"all"}', headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(r.status).toBe(400);
    expectDialectError("/admin", r);
    const ok = await send({ method: "POST", path: "/admin/tenants/body-admin/tokens", headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(ok.status).toBe(201);
  });

  it("a GET body on a KraftCloud route that reads one (GET /v1/services/{uuid}/autoscale/policies) works chunked too", async () => {
    const s = await service("get-chunked");
    await configure(s);
    expect((await s.api.post(`${s.base}/policies`, [OUT(), IN()])).status).toBe(200);
    for (const framing of FRAMINGS) {
      const r = await send({ method: "GET", path: `${s.base}/policies`, body: JSON.stringify({ name: "out" }), framing, headers: { Authorization: `Bearer ${s.token}` } });
      expect(r.status, r.text).toBe(200);
      expect(r.body.data.policies.map((p: any) => p.name)).toEqual(["out"]);
    }
  });
});

describe("what counts as no body (item 2)", () => {
  const UNICODE_SPACES = ["\u00a0", "\u2028", "\u2029", "\u3000", "\u200b", "\ufeff", "\u0085", "\u000b", "\u000c", " \u00a0 "];

  it("DELETE /v1/services/{uuid}/autoscale/policies with Unicode whitespace → 400, every policy kept", async () => {
    const s = await service("policies-ws");
    await configure(s);
    expect((await s.api.post(`${s.base}/policies`, [OUT(), IN()])).status).toBe(200);
    for (const raw of UNICODE_SPACES) {
      for (const framing of FRAMINGS) {
        const r = await expectGroupUnchanged(s, () => send({ method: "DELETE", path: `${s.base}/policies`, body: raw, framing, headers: { Authorization: `Bearer ${s.token}` } }));
        expectRequestError(r, 400);
      }
    }
    const listed = await s.api.get(`${s.base}/policies`);
    expect(listed.body.data.policies.map((p: any) => p.name).sort()).toEqual(["in", "out"]);
    // JSON whitespace is the documented empty body: every policy goes.
    const all = await send({ method: "DELETE", path: `${s.base}/policies`, body: " \n", headers: { Authorization: `Bearer ${s.token}` } });
    expect(all.status, all.text).toBe(200);
    expect((await s.api.get(`${s.base}/policies`)).body.data.policies).toEqual([]);
  });

  it("elastisys attach: an empty or JSON-whitespace body is {}; Unicode whitespace is a 400 that changes nothing", async () => {
    const f = await fixture("attach-ws");
    const [id] = await withMachines(f, 1);
    const detached = await f.api.post(`${f.base}/pool/${id}/detach`, { decrementDesiredSize: true });
    expect(detached.status, detached.text).toBe(200);
    for (const raw of UNICODE_SPACES) {
      const r = await expectNoChange(f, () => send({ method: "POST", path: `${f.base}/pool/${id}/attach`, body: raw, headers: { Authorization: `Bearer ${f.token}` } }));
      expectError(r, 400);
      expect(r.body.message).toMatch(/malformed JSON|byte order mark/);
    }
    const ok = await send({ method: "POST", path: `${f.base}/pool/${id}/attach`, body: "\r\n", framing: "chunked", headers: { Authorization: `Bearer ${f.token}` } });
    expect(ok.status, ok.text).toBe(200);
  });

  it("a route whose body is required: JSON whitespace is 'request body is empty', Unicode whitespace malformed JSON", async () => {
    const f = await fixture("size-ws");
    for (const [raw, message] of [["", "request body is empty"], [" \t", "request body is empty"], ["\u3000", "malformed JSON"]] as const) {
      const r = await expectNoChange(f, () => send({ method: "POST", path: `${f.base}/pool/size`, body: raw, framing: "chunked", headers: { Authorization: `Bearer ${f.token}` } }));
      expectError(r, 400, message);
    }
  });
});

describe("bytes: UTF-8, BOM, duplicate keys, size", () => {
  it("invalid UTF-8 → 400 'not valid UTF-8' (never decoded into U+FFFD and accepted)", async () => {
    const f = await fixture("utf8");
    const bad = [new Uint8Array([0x7b, 0x22, 0x64, 0x65, 0x73, 0x69, 0x72, 0x65, 0x64, 0x53, 0x69, 0x7a, 0x65, 0x22, 0x3a, 0x31, 0x7d, 0xff]), new Uint8Array([0xc3, 0x28]), new Uint8Array([0xed, 0xa0, 0x80])];
    for (const body of bad) {
      const r = await expectNoChange(f, () => send({ method: "POST", path: `${f.base}/pool/size`, body, headers: { Authorization: `Bearer ${f.token}` } }));
      expectError(r, 400, "not valid UTF-8");
    }
  });

  it("one leading UTF-8 BOM is skipped; a BOM alone is a 400, also where the body is optional", async () => {
    const f = await fixture("bom");
    const r = await send({ method: "POST", path: `${f.base}/pool/size`, body: '\ufeff{"desiredSize": 1}', headers: { Authorization: `Bearer ${f.token}` } });
    expect(r.status, r.text).toBe(200);
    expect((await size(f)).desiredSize).toBe(1);
    const [id] = await withMachines(f, 1);
    const lone = await expectNoChange(f, () => send({ method: "POST", path: `${f.base}/pool/${id}/attach`, body: "\ufeff", headers: { Authorization: `Bearer ${f.token}` } }));
    expectError(lone, 400, "byte order mark");
    const twice = await expectNoChange(f, () => send({ method: "POST", path: `${f.base}/pool/size`, body: '\ufeff\ufeff{"desiredSize": 0}', headers: { Authorization: `Bearer ${f.token}` } }));
    expectError(twice, 400, "malformed JSON");
  });

  it("a key twice in one object → 400 naming it, at any depth; nothing changes", async () => {
    const f = await fixture("dup");
    const cases: [string, string][] = [
      ['{"desiredSize": 0, "desiredSize": 2}', "desiredSize"],
      ['{"provider": {"type": "simulated", "type": "simulated"}}', "provider.type"],
      ['{"provider": {"type": "simulated"}, "updatePeriodSeconds": 60, "updatePeriodSeconds": 60}', "updatePeriodSeconds"],
    ];
    for (const [raw, field] of cases) {
      const path = raw.includes("desiredSize") ? `${f.base}/pool/size` : `${f.base}/config`;
      const r = await expectNoChange(f, () => send({ method: "POST", path, body: raw, headers: { Authorization: `Bearer ${f.token}` } }));
      expectError(r, 400, `duplicate field '${field}'`);
    }
    // The same key in sibling objects is no duplicate.
    const h = await tenantToken("dup-hooks");
    const ok = await send({ method: "POST", path: "/hooks", body: '{"name":"n","group":"nope","format":"generic","action":{"type":"exact","value":1}}', headers: { Authorization: `Bearer ${h.token}` } });
    expect(ok.status, ok.text).toBe(404); // parsed fine, the group does not exist
  });

  it("64 KiB is the limit whatever the framing: 413 in the dialect's shape, nothing changes", async () => {
    const f = await fixture("big");
    const big = JSON.stringify({ desiredSize: 1, pad: "x".repeat(64 * 1024) });
    for (const framing of FRAMINGS) {
      const r = await expectNoChange(f, () => send({ method: "POST", path: `${f.base}/pool/size`, body: big, framing, headers: { Authorization: `Bearer ${f.token}` } }));
      expectError(r, 413, "larger than");
      const get = await send({ method: "GET", path: "/healthz", body: big, framing });
      expect(get.status).toBe(413);
    }
    // Exactly at the limit is read (and then judged as JSON).
    const at = '{"desiredSize":1,"x":"' + "y".repeat(64 * 1024 - 24) + '"}';
    expect(new TextEncoder().encode(at).length).toBe(64 * 1024);
    const r = await expectNoChange(f, () => send({ method: "POST", path: `${f.base}/pool/size`, body: at, framing: "chunked", headers: { Authorization: `Bearer ${f.token}` } }));
    expectError(r, 400, "unknown field 'x'");
  });

  it("JSON nested deeper than 64 levels is a 400 saying so (JSON.parse and zod recurse), not a crash or 'malformed'", async () => {
    const f = await fixture("deep");
    for (const raw of ["[".repeat(20000) + "]".repeat(20000), '{"a":'.repeat(8000) + "1" + "}".repeat(8000), `{"provider":${"[".repeat(65)}${"]".repeat(65)}}`]) {
      const r = await expectNoChange(f, () => send({ method: "POST", path: `${f.base}/config`, body: raw, framing: "chunked", headers: { Authorization: `Bearer ${f.token}` } }));
      expectError(r, 400, "nested deeper than 64 levels");
    }
    // 64 deep is read, and judged by the route's schema.
    const at = await expectNoChange(f, () => send({ method: "POST", path: `${f.base}/config`, body: `${"[".repeat(64)}${"]".repeat(64)}`, headers: { Authorization: `Bearer ${f.token}` } }));
    expectError(at, 400, "invalid field 'body'");
    // Brackets inside strings are no nesting.
    const inString = await expectNoChange(f, () => send({ method: "POST", path: `${f.base}/pool/size`, body: JSON.stringify({ desiredSize: 1, note: "[".repeat(100) }), headers: { Authorization: `Bearer ${f.token}` } }));
    expectError(inString, 400, "unknown field 'note'");
  });
});

describe("found by the fuzzer", () => {
  it("a signed hook delivery with an invalid payload → 400 that leaves the hook object alone (its signature was remembered)", async () => {
    const h = await hookFixture("fz-found-sig");
    const stub = objectStub(h.tenant, "hook", h.id);
    const before = await stateOf([stub], [h.tenant]);
    const r = await deliverSigned(h.id, h.secret, '{"delta":123456789012345678901234567890}');
    expect(r.status, r.text).toBe(400);
    expect(r.body.field).toBe("delta");
    expect(await stateOf([stub], [h.tenant])).toEqual(before);
    // The same signature over the same bytes is still a replay once a delivery was accepted.
    const ok = await deliverSigned(h.id, h.secret, '{"delta":1}');
    expect(ok.status, ok.text).toBe(202);
    const again = await send({ method: "POST", path: `/hooks/${h.id}`, body: ok.raw, headers: { "Content-Type": "application/json", "Scalegate-Signature": ok.signature } });
    expect(again.status).toBe(401);
  });
});
