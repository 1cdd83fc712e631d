// Bad input on the elastisys routes: each is a 400 with a JSON `{message, detail}` body naming the
// field at fault, never a 500, and a rejected request changes nothing at all — not the pool's
// state, not its Durable Object storage, not the D1 ledger or registry (see `snapshot`).
// The cases are spread over several files: every SELF.fetch of a file makes the next one slower
// (cloudflare/workers-sdk#15446), so no file makes more than a few hundred requests.
// This file: POST pool/size, terminate, detach.
import { describe, expect, it } from "vitest";
import { NOT_AN_OBJECT, expectError, expectNoChange, fixture, postRaw as post, snapshot, withMachines } from "./elastisys-support";

describe("POST /cloudpools/{pool}/pool/size", () => {
  const cases: [string, string, string][] = [
    ...NOT_AN_OBJECT,
    ["{} (desiredSize required, not 'desired 0')", "{}", "desiredSize"],
    ["desiredSize as a string", '{"desiredSize": "3"}', "desiredSize"],
    ["desiredSize null", '{"desiredSize": null}', "desiredSize"],
    ["desiredSize boolean", '{"desiredSize": true}', "desiredSize"],
    ["desiredSize object", '{"desiredSize": {"n": 3}}', "desiredSize"],
    ["desiredSize array", '{"desiredSize": [3]}', "desiredSize"],
    ["desiredSize negative", '{"desiredSize": -1}', "desiredSize"],
    ["desiredSize non-integer", '{"desiredSize": 2.5}', "desiredSize"],
    ["desiredSize 1001", '{"desiredSize": 1001}', "desiredSize"],
    ["desiredSize huge", '{"desiredSize": 1e400}', "desiredSize"],
    ["misspelled field (the missing one is named)", '{"desiredsize": 3}', "desiredSize"],
    ["unknown field next to a valid one", '{"desiredSize": 3, "force": true}', "force"],
    ["a __proto__ field", '{"desiredSize": 3, "__proto__": {"desiredSize": 4}}', "__proto__"],
  ];
  it.each(cases)("%s → 400 naming the field, nothing changed", async (_name, raw, field) => {
    const f = await fixture("size");
    await withMachines(f, 2);
    const r = await expectNoChange(f, () => post(f, "/pool/size", raw));
    expectError(r, 400, field);
  });

  it("the bounds themselves are accepted: 0 and 1000 (1e3)", async () => {
    const f = await fixture("size-bounds");
    let r = await f.api.postRaw(`${f.base}/pool/size`, '{"desiredSize": 1e3}');
    expect(r.status, r.text).toBe(200);
    expect((await f.api.get(`${f.base}/pool/size`)).body.desiredSize).toBe(1000);
    r = await f.api.post(`${f.base}/pool/size`, { desiredSize: 0 });
    expect(r.status, r.text).toBe(200);
    expect((await f.api.get(`${f.base}/pool/size`)).body.desiredSize).toBe(0);
  });

  it("bad input on an unconfigured pool is still a 400, and creates nothing", async () => {
    const f = await fixture("size-unconf", null);
    const r = await expectNoChange(f, () => post(f, "/pool/size", "{}"));
    expectError(r, 400, "desiredSize");
    expect((await f.api.get(`${f.base}/config`)).status).toBe(404);
  });
});

describe("POST /cloudpools/{pool}/pool/{machineId}/terminate and /detach", () => {
  const cases: [string, string, string][] = [
    ...NOT_AN_OBJECT,
    ["{} (decrementDesiredSize required)", "{}", "decrementDesiredSize"],
    ["decrementDesiredSize as a string", '{"decrementDesiredSize": "true"}', "decrementDesiredSize"],
    ["decrementDesiredSize as a number", '{"decrementDesiredSize": 1}', "decrementDesiredSize"],
    ["decrementDesiredSize null", '{"decrementDesiredSize": null}', "decrementDesiredSize"],
    ["unknown field", '{"decrementDesiredSize": false, "now": true}', "now"],
    ["a __proto__ field", '{"decrementDesiredSize": true, "__proto__": {}}', "__proto__"],
  ];
  for (const action of ["terminate", "detach"] as const) {
    it.each(cases)(`${action}: %s → 400 naming the field, nothing changed`, async (_name, raw, field) => {
      const f = await fixture(action);
      const [id] = await withMachines(f, 2, true);
      const r = await expectNoChange(f, () => post(f, `/pool/${id}/${action}`, raw));
      expectError(r, 400, field);
    });
  }
});

