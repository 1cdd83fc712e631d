// Requests the elastisys routes refuse before looking at the body: a bad Idempotency-Key header, an
// oversized body, an unsupported method (405 with Allow), an unknown path (404). Each answer is a
// JSON `{message, detail}` and changes nothing (see `snapshot`). Kept apart from the body cases
// because every SELF.fetch of a file makes the next one slower (cloudflare/workers-sdk#15446).
import { describe, expect, it } from "vitest";
import { call } from "./helpers";
import { NOT_AN_OBJECT, expectError, expectNoChange, fixture, postRaw as post, snapshot, withMachines } from "./elastisys-support";

describe("Idempotency-Key header", () => {
  const keys: [string, string][] = [
    ["empty", ""],
    ["with a space", "key 1"],
    ["256 characters", "k".repeat(256)],
    ["with a tab", "key\t1"],
  ];
  it.each(keys)("%s → 400 naming Idempotency-Key, nothing changed", async (_name, key) => {
    const f = await fixture("idem-bad");
    const [id] = await withMachines(f, 2, true);
    for (const [path, body] of [
      ["/pool/size", { desiredSize: 5 }],
      [`/pool/${id}/terminate`, { decrementDesiredSize: true }],
      [`/pool/${id}/detach`, { decrementDesiredSize: true }],
      [`/pool/${id}/serviceState`, { serviceState: "OUT_OF_SERVICE" }],
      ["/config", { victimSelectionPolicy: "NEWEST_INSTANCE" }],
    ] as const) {
      const r = await expectNoChange(f, () => f.api.post(`${f.base}${path}`, body, { "Idempotency-Key": key }));
      expectError(r, 400, "Idempotency-Key");
    }
    const r = await expectNoChange(f, () => f.api.del(f.base, { "Idempotency-Key": key }));
    expectError(r, 400, "Idempotency-Key");
  });
});

describe("oversized body", () => {
  it("a body over 64 KiB → 413 {message, detail}, nothing changed", async () => {
    const f = await fixture("big");
    await withMachines(f, 1);
    const raw = JSON.stringify({ desiredSize: 2, pad: "x".repeat(70 * 1024) });
    const r = await expectNoChange(f, () => f.api.postRaw(`${f.base}/pool/size`, raw));
    expectError(r, 413);
  });
});

describe("unsupported methods → 405 with Allow, nothing changed", () => {
  const cases: [string, string, string][] = [
    ["PUT", "", "GET"],
    ["POST", "", "GET"],
    ["DELETE", "", "GET"],
    ["GET", "/{pool}", "DELETE"],
    ["PUT", "/{pool}", "DELETE"],
    ["POST", "/{pool}", "DELETE"],
    ["PUT", "/{pool}/config", "GET, POST"],
    ["DELETE", "/{pool}/config", "GET, POST"],
    ["PATCH", "/{pool}/config", "GET, POST"],
    ["POST", "/{pool}/pool", "GET"],
    ["DELETE", "/{pool}/pool", "GET"],
    ["PUT", "/{pool}/pool/size", "GET, POST"],
    ["DELETE", "/{pool}/pool/size", "GET, POST"],
    ["PATCH", "/{pool}/pool/size", "GET, POST"],
    ["GET", "/{pool}/pool/{id}/terminate", "POST"],
    ["PUT", "/{pool}/pool/{id}/terminate", "POST"],
    ["DELETE", "/{pool}/pool/{id}/terminate", "POST"],
    ["GET", "/{pool}/pool/{id}/detach", "POST"],
    ["PUT", "/{pool}/pool/{id}/attach", "POST"],
    ["GET", "/{pool}/pool/{id}/attach", "POST"],
    ["GET", "/{pool}/pool/{id}/serviceState", "POST"],
    ["PUT", "/{pool}/pool/{id}/serviceState", "POST"],
    ["POST", "/{pool}/activities", "GET"],
    ["DELETE", "/{pool}/activities", "GET"],
    ["GET", "/{pool}/simulator/events", "POST"],
  ];
  it.each(cases)("%s /cloudpools%s → 405, Allow: %s", async (method, path, allow) => {
    const f = await fixture("m405");
    const [id] = await withMachines(f, 1, true);
    const url = `/cloudpools${path.replace("{pool}", f.pool).replace("{id}", id)}`;
    const body = method === "GET" || method === "DELETE" ? undefined : { desiredSize: 0, decrementDesiredSize: true, serviceState: "OUT_OF_SERVICE" };
    const r = await expectNoChange(f, () => call(method, url, { token: f.token, body }));
    expectError(r, 405, method);
    expect(r.headers.get("Allow")).toBe(allow);
  });
});

describe("unknown paths under /cloudpools", () => {
  it.each([
    ["GET", "/{pool}/pool/{id}"],
    ["GET", "/{pool}/nothing"],
    ["POST", "/{pool}/pool/{id}/reboot"],
    ["GET", "/{pool}/pool/size/extra"],
  ])("%s %s → 404 {message, detail}", async (method, path) => {
    const f = await fixture("unknown-path");
    const [id] = await withMachines(f, 1);
    const url = `/cloudpools${path.replace("{pool}", f.pool).replace("{id}", id)}`;
    const r = await expectNoChange(f, () => call(method, url, { token: f.token, body: method === "POST" ? {} : undefined }));
    expectError(r, 404);
  });
});
