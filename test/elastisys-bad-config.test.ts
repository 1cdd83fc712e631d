// Bad input on the elastisys routes: each is a 400 with a JSON `{message, detail}` body naming the
// field at fault, never a 500, and a rejected request changes nothing at all — not the pool's
// state, not its Durable Object storage, not the D1 ledger or registry (see `snapshot`).
// The cases are spread over several files: every SELF.fetch of a file makes the next one slower
// (cloudflare/workers-sdk#15446), so no file makes more than a few hundred requests.
// This file: POST config, on an existing pool and on a new one.
import { describe, expect, it } from "vitest";
import { NOT_AN_OBJECT, expectError, expectNoChange, fixture, postRaw as post, snapshot, withMachines } from "./elastisys-support";

describe("POST /cloudpools/{pool}/config", () => {
  const cases: [string, string, string][] = [
    ...NOT_AN_OBJECT,
    ["unknown top-level field", '{"desiredSize": 3}', "desiredSize"],
    ["unknown provider field", '{"provider": {"type": "simulated", "region": "eu"}}', "provider.region"],
    ["a nested __proto__ field", '{"provider": {"type": "simulated", "__proto__": {"bootDelayMs": 1}}}', "__proto__"],
    ["unknown provider type", '{"provider": {"type": "aws"}}', "provider.type"],
    ["provider without type", '{"provider": {"bootDelayMs": 10}}', "provider.type"],
    ["provider not an object", '{"provider": "simulated"}', "provider"],
    ["negative delay", '{"provider": {"type": "simulated", "bootDelayMs": -1}}', "provider.bootDelayMs"],
    ["non-integer delay", '{"provider": {"type": "simulated", "requestDelayMs": 1.5}}', "provider.requestDelayMs"],
    ["delay as a string", '{"provider": {"type": "simulated", "terminateDelayMs": "500"}}', "provider.terminateDelayMs"],
    ["delay too large", '{"provider": {"type": "simulated", "terminateDelayMs": 600001}}', "provider.terminateDelayMs"],
    ["unknown victimSelectionPolicy", '{"victimSelectionPolicy": "RANDOM"}', "victimSelectionPolicy"],
    ["victimSelectionPolicy in lower case", '{"victimSelectionPolicy": "oldest_instance"}', "victimSelectionPolicy"],
    ["victimSelectionPolicy null", '{"victimSelectionPolicy": null}', "victimSelectionPolicy"],
    ["negative instanceHourMarginSeconds", '{"instanceHourMarginSeconds": -1}', "instanceHourMarginSeconds"],
    ["instanceHourMarginSeconds of an hour", '{"instanceHourMarginSeconds": 3600}', "instanceHourMarginSeconds"],
    ["updatePeriodSeconds 0", '{"updatePeriodSeconds": 0}', "updatePeriodSeconds"],
    ["non-integer updatePeriodSeconds", '{"updatePeriodSeconds": 0.5}', "updatePeriodSeconds"],
    ["updatePeriodSeconds as a string", '{"updatePeriodSeconds": "10"}', "updatePeriodSeconds"],
  ];
  it.each(cases)("on an existing pool: %s → 400 naming the field, config and state unchanged", async (_name, raw, field) => {
    const f = await fixture("cfg");
    await withMachines(f, 1);
    const r = await expectNoChange(f, () => post(f, "/config", raw));
    expectError(r, 400, field);
  });
  it.each(cases)("on a new pool: %s → 400, the pool is not created", async (_name, raw, field) => {
    const f = await fixture("cfg-new", null);
    const r = await expectNoChange(f, () => post(f, "/config", raw));
    expectError(r, 400, field);
    const after = await snapshot(f);
    expect(after.config).toMatchObject({ ok: false, code: "GROUP_NOT_FOUND" });
    expect(after.d1.groups).toEqual([]);
    expect(after.d1.operations).toEqual([]);
  });
});

