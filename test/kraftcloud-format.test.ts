// The pure parts of the KraftCloud surface: the instance state mapping (every machine state, and
// the standby/draining refinements), the name rules (KraftCloud names are group names), the
// generated names, and the instance/service JSON of machines without a KraftCloud spec.
import { describe, expect, it } from "vitest";
import { MACHINE_STATES } from "../src/domain/model";
import { GROUP_NAME_RE } from "../src/surfaces/groups";
import { instanceJson, kcState, serviceJson } from "../src/surfaces/kraftcloud/format";
import { KC_NAME_RE, generateInstanceName, generateServiceName, isNewName } from "../src/surfaces/kraftcloud/names";
import { NOW, group, machine } from "./fixtures";

describe("kcState", () => {
  const expected: Record<(typeof MACHINE_STATES)[number], string> = {
    REQUESTED: "starting",
    PENDING: "starting",
    RUNNING: "running",
    TERMINATING: "stopping",
    TERMINATED: "stopped",
    REJECTED: "stopped",
  };
  it.each(MACHINE_STATES)("%s → the KraftCloud state", (s) => {
    expect(kcState(machine("m", { machineState: s }))).toBe(expected[s]);
  });
  it("RUNNING with a scheduled termination is draining; standby wins over every machine state", () => {
    expect(kcState(machine("m", { terminateAt: NOW + 1000 }))).toBe("draining");
    for (const s of MACHINE_STATES) expect(kcState(machine("m", { machineState: s, standby: true }))).toBe("standby");
  });
});

describe("names", () => {
  it("every KraftCloud name is a group name (GROUP_NAME_RE) — checked over many random strings", () => {
    const alphabet = "abcXYZ019-._ é/";
    let s = 11;
    for (let i = 0; i < 20_000; i++) {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      const len = 1 + (s % 70);
      let name = "";
      for (let j = 0; j < len; j++) {
        s = (s * 1103515245 + 12345) % 2 ** 31;
        name += alphabet[s % alphabet.length];
      }
      if (KC_NAME_RE.test(name)) expect(GROUP_NAME_RE.test(name), name).toBe(true);
    }
  });

  it("generated names follow the documented forms and are valid names", () => {
    for (let i = 0; i < 50; i++) {
      const svc = generateServiceName();
      expect(svc).toMatch(/^[a-z]+-[a-z]+-[a-z0-9]{8}$/);
      expect(isNewName(svc)).toBe(true);
    }
    for (const [image, prefix] of [
      ["user/app:latest", "app"],
      ["../myapp:latest", "myapp"],
      ["r.io:5000/a/My__App.x:1", "my-app-x"],
      ["a/" + "x".repeat(80), "x".repeat(57)],
      ["a/---:1", "instance"],
    ]) {
      const name = generateInstanceName(image);
      expect(name.startsWith(`${prefix}-`), `${image} → ${name}`).toBe(true);
      expect(name).toMatch(/-[a-z0-9]{5}$/);
      expect(isNewName(name), name).toBe(true);
    }
  });
});

describe("wire formats of groups and machines from another dialect", () => {
  it("a pool machine has no spec: empty image, zero memory and vcpus; a stopped one has stopped_at and no started_at", () => {
    const g = { uuid: "00000000-0000-8000-8000-000000000000", name: "g" };
    const running = instanceJson(machine("i-1", { privateIps: ["10.1.2.3"] }), g, NOW);
    expect(running).toMatchObject({ state: "running", private_ip: "10.1.2.3", service_group: g });
    expect(running).toMatchObject({ image: "", memory_mb: 0, vcpus: 0, restart_policy: "never", type: "micro" });
    expect(running).toHaveProperty("started_at");
    const stopped = instanceJson(machine("i-2", { machineState: "TERMINATED", endedAt: NOW }), g, NOW);
    expect(stopped).toMatchObject({ state: "stopped", stopped_at: new Date(NOW).toISOString() });
    expect(stopped).not.toHaveProperty("started_at");
  });

  it("a group without a service definition: no ports, no domains, the default limits; attached = members running or retained", () => {
    const g = group(2);
    const json = serviceJson(g, [machine("a"), machine("b", { machineState: "TERMINATED" }), machine("c", { member: false }), machine("d", { machineState: "TERMINATED", retained: true })]);
    expect(json).toMatchObject({ services: [], domains: [], autoscale: false, persistent: true });
    expect(json).toMatchObject({ soft_limit: 1, hard_limit: 65535 });
    expect(json.instances.map((i) => i.name)).toEqual(["a", "d"]);
  });
});
