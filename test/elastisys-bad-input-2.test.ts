// Bad input on the elastisys routes: each is a 400 with a JSON `{message, detail}` body naming the
// field at fault, never a 500, and a rejected request changes nothing at all — not the pool's
// state, not its Durable Object storage, not the D1 ledger or registry (see `snapshot`).
// The cases are spread over several files: every SELF.fetch of a file makes the next one slower
// (cloudflare/workers-sdk#15446), so no file makes more than a few hundred requests.
// This file: attach, serviceState, activities?limit=, pool names.
import { describe, expect, it } from "vitest";
import { call } from "./helpers";
import { NOT_AN_OBJECT, expectError, expectNoChange, fixture, postRaw as post, snapshot, withMachines } from "./elastisys-support";

describe("POST /cloudpools/{pool}/pool/{machineId}/attach", () => {
  const cases: [string, string, string][] = [
    ...NOT_AN_OBJECT.filter(([name]) => name !== "empty body" && name !== "whitespace body"),
    ["unknown field", '{"decrementDesiredSize": true}', "decrementDesiredSize"],
    ["unknown field (other)", '{"machineId": "x"}', "machineId"],
    ["a __proto__ field", '{"__proto__": {"x": 1}}', "__proto__"],
  ];
  it.each(cases)("%s → 400 naming the field, nothing changed", async (_name, raw, field) => {
    const f = await fixture("attach");
    const [id] = await withMachines(f, 2, true);
    const d = await f.api.post(`${f.base}/pool/${id}/detach`, { decrementDesiredSize: true });
    expect(d.status, d.text).toBe(200);
    const r = await expectNoChange(f, () => post(f, `/pool/${id}/attach`, raw));
    expectError(r, 400, field);
  });
});

describe("POST /cloudpools/{pool}/pool/{machineId}/serviceState", () => {
  const cases: [string, string, string][] = [
    ...NOT_AN_OBJECT,
    ["{} (serviceState required)", "{}", "serviceState"],
    ["unknown service state", '{"serviceState": "BOGUS"}', "serviceState"],
    ["service state in lower case", '{"serviceState": "out_of_service"}', "serviceState"],
    ["machine state instead of a service state", '{"serviceState": "RUNNING"}', "serviceState"],
    ["empty string", '{"serviceState": ""}', "serviceState"],
    ["number", '{"serviceState": 1}', "serviceState"],
    ["null", '{"serviceState": null}', "serviceState"],
    ["unknown field", '{"serviceState": "IN_SERVICE", "reason": "x"}', "reason"],
  ];
  it.each(cases)("%s → 400 naming the field, nothing changed", async (_name, raw, field) => {
    const f = await fixture("svc");
    const [id] = await withMachines(f, 2, true);
    const r = await expectNoChange(f, () => post(f, `/pool/${id}/serviceState`, raw));
    expectError(r, 400, field);
  });
});

describe("GET /cloudpools/{pool}/activities?limit=", () => {
  const cases: [string, string][] = [
    ["limit=0", "limit"],
    ["limit=-1", "limit"],
    ["limit=1.5", "limit"],
    ["limit=abc", "limit"],
    ["limit=", "limit"],
    ["limit=501", "limit"],
    ["limit=1e9", "limit"],
    ["since=yesterday", "since"],
  ];
  it.each(cases)("%s → 400 naming the parameter", async (query, field) => {
    const f = await fixture("act");
    await withMachines(f, 1);
    const r = await expectNoChange(f, () => f.api.get(`${f.base}/activities?${query}`));
    expectError(r, 400, field);
  });

  it("limit=1 and limit=500 are accepted", async () => {
    const f = await fixture("act-ok");
    await withMachines(f, 1);
    expect((await f.api.get(`${f.base}/activities?limit=1`)).body.activities).toHaveLength(1);
    expect((await f.api.get(`${f.base}/activities?limit=500`)).status).toBe(200);
  });
});

describe("invalid pool names", () => {
  const names: [string, string][] = [
    ["leading dash", "-web"],
    ["leading dot", ".web"],
    ["64 characters", "a".repeat(64)],
    ["space", "my%20pool"],
    ["dollar", "web$"],
    ["non-ASCII", "p%C3%B6%C3%B6l"],
    ["encoded slash", "a%2Fb"],
  ];
  const routes: [string, string, unknown][] = [
    ["GET", "/config", undefined],
    ["POST", "/config", {}],
    ["GET", "/pool", undefined],
    ["GET", "/pool/size", undefined],
    ["POST", "/pool/size", { desiredSize: 1 }],
    ["POST", "/pool/i-0123/terminate", { decrementDesiredSize: true }],
    ["POST", "/pool/i-0123/detach", { decrementDesiredSize: true }],
    ["POST", "/pool/i-0123/attach", {}],
    ["POST", "/pool/i-0123/serviceState", { serviceState: "IN_SERVICE" }],
    ["GET", "/activities", undefined],
    ["DELETE", "", undefined],
  ];
  it.each(names)("%s: every route answers 400 naming the pool, and nothing is created", async (_name, name) => {
    const f = await fixture("names", null);
    for (const [method, path, body] of routes) {
      const r = await call(method, `/cloudpools/${name}${path}`, { token: f.token, body });
      expectError(r, 400, "pool");
    }
    const after = await snapshot(f);
    expect(after.d1.groups).toEqual([]);
    expect(after.d1.operations).toEqual([]);
  });

  it("the longest valid name (63 characters) and names with '.', '_' and '-' work", async () => {
    const f = await fixture("names-ok", null);
    for (const name of ["a".repeat(63), "web.eu-1_b", "9lives"]) {
      const r = await f.api.post(`/cloudpools/${name}/config`, {});
      expect(r.status, r.text).toBe(200);
      expect(r.body.name).toBe(name);
    }
  });
});


describe("POST /cloudpools/{pool}/simulator/events (extension)", () => {
  const cases: [string, string, number, string][] = [
    ["malformed JSON", "{bad", 400, "malformed JSON"],
    ["empty body", "", 400, "body"],
    ["{}", "{}", 400, "type"],
    ["unknown event type", '{"type": "machine.exploded"}', 400, "type"],
    ["crash without a machine", '{"type": "machine.crashed"}', 400, "machineId"],
    ["machineId of the wrong type", '{"type": "machine.crashed", "machineId": 7}', 400, "machineId"],
    ["unknown field", '{"type": "machine.appeared", "count": 2}', 400, "count"],
    ["crash of an unknown machine", '{"type": "machine.crashed", "machineId": "i-00000000000000000"}', 404, "i-00000000000000000"],
  ];
  it.each(cases)("%s → %i naming it, nothing changed", async (_name, raw, status, mentions) => {
    const f = await fixture("sim");
    await withMachines(f, 1, true);
    const r = await expectNoChange(f, () => post(f, "/simulator/events", raw));
    expectError(r, status, mentions);
  });
});
