// The group model's counting rules (src/domain/model.ts) and the canonical form behind
// idempotency fingerprints (src/domain/operations.ts).
import { describe, expect, it } from "vitest";
import { isEffective, poolSize } from "../src/domain/model";
import { canonicalJson, fingerprint } from "../src/domain/operations";
import { NOW, group, machine, requested } from "./fixtures";

describe("poolSize", () => {
  it("counts allocated members (REQUESTED, PENDING, RUNNING) and the out-of-service ones among them", () => {
    const pool = [
      requested("q", NOW),
      machine("p", { machineState: "PENDING", serviceState: "BOOTING" }),
      machine("r"),
      machine("oos", { serviceState: "OUT_OF_SERVICE" }),
      machine("oos-pending", { machineState: "PENDING", serviceState: "OUT_OF_SERVICE" }),
      machine("going", { machineState: "TERMINATING" }),
      machine("gone", { machineState: "TERMINATED", endedAt: NOW }),
      machine("rej", { machineState: "REJECTED", endedAt: NOW }),
      machine("gone-oos", { machineState: "TERMINATED", serviceState: "OUT_OF_SERVICE", endedAt: NOW }),
      machine("detached", { member: false }),
      machine("detached-oos", { member: false, serviceState: "OUT_OF_SERVICE" }),
    ];
    expect(poolSize(group(4), pool)).toEqual({ desiredSize: 4, allocated: 5, outOfService: 2, active: 3 });
  });

  it("still counts a member whose termination is scheduled (it is running until then)", () => {
    expect(poolSize(group(1), [machine("a"), machine("s", { terminateAt: NOW + 1000 })])).toEqual({ desiredSize: 1, allocated: 2, outOfService: 0, active: 1 });
  });

  it("an empty pool", () => {
    expect(poolSize(group(0), [])).toEqual({ desiredSize: 0, allocated: 0, outOfService: 0, active: 0 });
  });

  it("isEffective: allocated, member, in service and not chosen for scale-in", () => {
    expect(isEffective(machine("r"))).toBe(true);
    expect(isEffective(requested("q", NOW))).toBe(true);
    expect(isEffective(machine("oos", { serviceState: "OUT_OF_SERVICE" }))).toBe(false);
    expect(isEffective(machine("s", { terminateAt: NOW }))).toBe(false);
    expect(isEffective(machine("d", { member: false }))).toBe(false);
    expect(isEffective(machine("t", { machineState: "TERMINATING" }))).toBe(false);
  });
});

describe("canonicalJson / fingerprint", () => {
  const one = { type: "machine.terminate", request: { machineId: "i-1", decrementDesiredSize: true, nested: { z: [3, { b: 1, a: 2 }], y: null } } };
  const reordered = { request: { nested: { y: null, z: [3, { a: 2, b: 1 }] }, decrementDesiredSize: true, machineId: "i-1" }, type: "machine.terminate" };

  it("sorts object keys at every depth, keeps array order", () => {
    expect(canonicalJson(reordered)).toBe(canonicalJson(one));
    expect(canonicalJson({ b: [2, 1], a: { d: 1, c: "x" } })).toBe('{"a":{"c":"x","d":1},"b":[2,1]}');
    expect(canonicalJson([2, 1])).not.toBe(canonicalJson([1, 2]));
  });

  it("drops undefined members, escapes keys and strings like JSON", () => {
    expect(canonicalJson({ a: 1, b: undefined })).toBe(canonicalJson({ a: 1 }));
    expect(canonicalJson({ 'k"ey': 'v"al\n' })).toBe('{"k\\"ey":"v\\"al\\n"}');
    expect(canonicalJson(undefined)).toBe("null");
    expect(canonicalJson(null)).toBe("null");
    expect(canonicalJson("s")).toBe('"s"');
    expect(canonicalJson(0)).toBe("0");
    expect(canonicalJson(false)).toBe("false");
  });

  it("fingerprints equal requests equally whatever their key order, and different requests differently", async () => {
    const f = await fingerprint(one);
    expect(f).toMatch(/^[0-9a-f]{64}$/);
    expect(await fingerprint(reordered)).toBe(f);
    expect(await fingerprint({ ...one, request: { ...one.request, decrementDesiredSize: false } })).not.toBe(f);
    expect(await fingerprint({ ...one, type: "machine.detach" })).not.toBe(f);
    // A string "1" and a number 1 are different requests.
    expect(await fingerprint({ desiredSize: 1 })).not.toBe(await fingerprint({ desiredSize: "1" }));
  });
});
