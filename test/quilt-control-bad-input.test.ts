// Bad input on every Quilt write route, and the header rules of control writes: each case is a 400
// (401/403 for credentials and tenant) in the Quilt shape naming the field, never a 500, and after
// all of them nothing has changed: no ledger row, no target created, the node group untouched, the
// action not rolled back.
import { beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN } from "./helpers";
import { type QuiltClient, elasticityRows, ledgerRows, quiltTenant, target } from "./quilt-control-support";
import { Q, expectQuiltError, quiltCall } from "./quilt-support";

const TENANT = "qb-tenant";
let t: QuiltClient;
let rowsBefore: number;

interface Route {
  method: string;
  path: string;
  valid: Record<string, unknown>;
  control: boolean;
  /** Bad bodies of this route besides the generic ones, with the field each one names. */
  bad: [unknown, string][];
}

const long = "a".repeat(129);
const ROUTES: Route[] = [
  ...[false, true].map((control) => ({
    method: "POST",
    path: `${control ? "/control" : ""}/containers/c-1/resize`,
    valid: { memory_limit_mb: 512, cpu_limit_percent: 50 },
    control,
    bad: [
      ...[-1, 0, 1.5, "512", null, true, 4 * 1024 * 1024 + 1].map((v): [unknown, string] => [{ memory_limit_mb: v, cpu_limit_percent: 50 }, "memory_limit_mb"]),
      ...[0, -1, 800.01, 801, "50", null, []].map((v): [unknown, string] => [{ memory_limit_mb: 512, cpu_limit_percent: v }, "cpu_limit_percent"]),
      [{ cpu_limit_percent: 50 }, "memory_limit_mb"],
    ] as [unknown, string][],
  })),
  ...[false, true].map((control) => ({
    method: "POST",
    path: `${control ? "/control" : ""}/functions/f-1/pool-target`,
    valid: { min_instances: 1, max_instances: 2 },
    control,
    bad: [
      ...[-1, 1.5, "1", null, 1001].map((v): [unknown, string] => [{ min_instances: v, max_instances: 2 }, "min_instances"]),
      ...[-1, 2.5, "2", 1001].map((v): [unknown, string] => [{ min_instances: 0, max_instances: v }, "max_instances"]),
      [{ min_instances: 3, max_instances: 2 }, "min_instances"],
      [{ max_instances: 2 }, "min_instances"],
    ] as [unknown, string][],
  })),
  {
    method: "PUT",
    path: "/control/workloads/w-1/function-binding",
    valid: { function_id: "fn-1" },
    control: true,
    bad: ["", " ", "a/b", "-lead", long, 42, null].map((v): [unknown, string] => [{ function_id: v }, "function_id"]),
  },
  {
    method: "POST",
    path: "/control/workloads/w-1/function-binding/rotate",
    valid: { next_function_id: "fn-2", cutover_at: 1 },
    control: true,
    bad: [
      ...["", "x y", 7].map((v): [unknown, string] => [{ next_function_id: v, cutover_at: 1 }, "next_function_id"]),
      ...[-1, 1.5, "1", null, 1_767_225_600_000].map((v): [unknown, string] => [{ next_function_id: "fn-2", cutover_at: v }, "cutover_at"]),
      [{ next_function_id: "fn-2" }, "cutover_at"],
    ],
  },
  {
    method: "PUT",
    path: "/control/workloads/w-1/placement-preference",
    valid: { node_group: "web", anti_affinity: true },
    control: true,
    bad: [
      ...["", "bad name", "a".repeat(64), 3].map((v): [unknown, string] => [{ node_group: v, anti_affinity: true }, "node_group"]),
      ...["true", 1, null].map((v): [unknown, string] => [{ node_group: "web", anti_affinity: v }, "anti_affinity"]),
    ],
  },
  {
    method: "POST",
    path: "/control/node-groups/web/scale",
    valid: { delta_units: 1 },
    control: true,
    bad: [0, -0, 1.5, "1", null, 1001, -1001, [1]].map((v): [unknown, string] => [{ delta_units: v }, "delta_units"]),
  },
  {
    method: "POST",
    path: "/control/actions/act-setup/rollback",
    valid: { target_action_id: "act-setup", reason_code: "TEST", reason_message: "undo" },
    control: true,
    bad: [
      [{ reason_code: "TEST" }, "target_action_id"],
      [{ target_action_id: "act-other" }, "target_action_id"],
      [{ target_action_id: 42 }, "target_action_id"],
      [{ target_action_id: "act-setup", force: "yes" }, "force"],
      [{ target_action_id: "act-setup", reason: 42 }, "reason"],
      [{ target_action_id: "act-setup", reason_message: "" }, "reason_message"],
      [{ target_action_id: "act-setup", reason_code: "not a code!" }, "reason_code"],
      [{ target_action_id: "act-setup", target_operation_id: "" }, "target_operation_id"],
    ],
  },
];

/** Generic bad bodies: [raw text, field named]. */
const GENERIC: [string, string][] = [
  ["", "body"],
  ["   ", "body"],
  ["{", "body"],
  ['{"a":1,}', "body"],
  ["[]", "body"],
  ["null", "body"],
  ["42", "body"],
  ['"text"', "body"],
];

beforeAll(async () => {
  t = await quiltTenant(TENANT);
  await t.nodeGroup("web", 2);
  // The action the rollback cases name exists, and has something to undo.
  expect((await t.ctl("POST", "/node-groups/web/scale", { delta_units: 1 }, { action: "act-setup" })).status).toBe(200);
  rowsBefore = (await ledgerRows(TENANT)).length;
});

const write = (r: Route, body: unknown, o: Parameters<QuiltClient["write"]>[3] = {}) => t.write(r.method, r.path, body, o);

describe.each(ROUTES.map((r) => [`${r.method} ${r.path}`, r] as const))("%s", (_name, route) => {
  it("generic bad bodies: empty, malformed JSON, not an object → 400 naming the body", async () => {
    for (const [raw, field] of GENERIC) {
      const r = await write(route, undefined, { raw, action: route.path.includes("rollback") ? "act-rb" : undefined });
      expectQuiltError(r, 400, "ELASTICITY_INVALID_ARGUMENT", { control: route.control });
      expect(r.body.details.field, raw).toBe(field);
    }
  });

  it("unknown fields (and __proto__) → 400 naming the field", async () => {
    const action = route.path.includes("rollback") ? "act-rb" : undefined;
    for (const [raw, field] of [
      [JSON.stringify({ ...route.valid, extra: 1 }), "extra"],
      [JSON.stringify(route.valid).replace(/^\{/, '{"__proto__":{"x":1},'), "__proto__"],
    ]) {
      const r = await write(route, undefined, { raw, action });
      expectQuiltError(r, 400, "ELASTICITY_INVALID_ARGUMENT", { control: route.control });
      expect(r.body.details.field).toBe(field);
    }
  });

  it("wrong types, out-of-range and missing values → 400 naming the field", async () => {
    for (const [body, field] of route.bad) {
      const r = await write(route, body, { action: route.path.includes("rollback") ? "act-rb" : undefined });
      expectQuiltError(r, 400, "ELASTICITY_INVALID_ARGUMENT", { control: route.control });
      expect(r.body.details.field, JSON.stringify(body)).toBe(field);
    }
  });

  it("a malformed id in the path → 400 naming the parameter", async () => {
    const name = route.path.match(/\/(containers|functions|workloads|node-groups|actions)\/([^/]+)/)!;
    for (const bad of ["%20", "a%2Fb", ".hidden", "a".repeat(name[1] === "node-groups" ? 64 : 129), "caf%C3%A9"]) {
      const path = route.path.replace(`/${name[1]}/${name[2]}`, `/${name[1]}/${bad}`);
      const res = await t.write(route.method, path, route.valid, { action: "act-rb" });
      expectQuiltError(res, 400, "ELASTICITY_INVALID_ARGUMENT", { control: route.control });
      expect(res.body.error).toContain("path parameter");
    }
  });

  if (route.control) {
    it("control write headers: Idempotency-Key and X-Orch-Action-Id missing or malformed → 400 naming the header", async () => {
      const cases: [Parameters<QuiltClient["write"]>[3], string][] = [
        [{ key: null }, "Idempotency-Key"],
        [{ key: "" }, "Idempotency-Key"],
        [{ key: "has space" }, "Idempotency-Key"],
        [{ key: "k".repeat(256) }, "Idempotency-Key"],
        [{ action: null }, "X-Orch-Action-Id"],
        [{ action: "" }, "X-Orch-Action-Id"],
        [{ action: "bad action!" }, "X-Orch-Action-Id"],
        [{ action: "a".repeat(129) }, "X-Orch-Action-Id"],
        [{ key: null, action: null }, "Idempotency-Key"],
      ];
      for (const [o, field] of cases) {
        const r = await write(route, route.valid, o);
        expectQuiltError(r, 400, "ELASTICITY_INVALID_ARGUMENT", { control: true });
        expect(r.body.details.field, JSON.stringify(o)).toBe(field);
        if (o?.key === null || o?.action === null) expect(r.body.hint).toMatch(/^send /);
      }
      // Headers are checked before the body is even read.
      const both = await write(route, undefined, { raw: "{", key: null });
      expect(both.body.details.field).toBe("Idempotency-Key");
    });
  } else {
    it("direct writes: the headers are optional, but checked when sent", async () => {
      expect((await write(route, route.valid, { key: "has space", action: null })).body.details.field).toBe("Idempotency-Key");
      expect((await write(route, route.valid, { key: null, action: "bad action!" })).body.details.field).toBe("X-Orch-Action-Id");
    });
  }

  it("credentials and tenant first: 401 without credentials, 400 without X-Tenant-Id, 403 for another tenant", async () => {
    const body = JSON.stringify(route.valid);
    const base = { "Content-Type": "application/json", "Idempotency-Key": "h", "X-Orch-Action-Id": "act-h" };
    expectQuiltError(await quiltCall(route.method, Q + route.path, { headers: { ...base, "X-Tenant-Id": TENANT }, body }), 401, "UNAUTHORIZED", { control: route.control });
    expectQuiltError(await quiltCall(route.method, Q + route.path, { headers: { ...base, Authorization: `Bearer ${ADMIN_TOKEN}`, "X-Tenant-Id": TENANT }, body }), 401, "UNAUTHORIZED", { control: route.control });
    expectQuiltError(await quiltCall(route.method, Q + route.path, { headers: { ...base, "X-Api-Key": t.token }, body }), 400, "ELASTICITY_INVALID_ARGUMENT", { control: route.control });
    expectQuiltError(await quiltCall(route.method, Q + route.path, { headers: { ...base, "X-Api-Key": t.token, "X-Tenant-Id": "someone-else" }, body }), 403, "FORBIDDEN", { control: route.control });
  });

  it("another method → 405 with Allow", async () => {
    const r = await t.write("DELETE", route.path, undefined);
    expectQuiltError(r, 405, "METHOD_NOT_ALLOWED", { control: route.control });
    expect(r.headers.get("Allow")).toContain(route.method);
  });
});

describe("after every rejection", () => {
  it("nothing changed: no ledger row, no target, the node group and the action as they were", async () => {
    expect((await ledgerRows(TENANT)).length).toBe(rowsBefore);
    expect((await elasticityRows(TENANT)).map((r) => r.type)).toEqual(["elasticity.scale_node_group"]);
    expect((await target(TENANT, "container", "c-1").getContainer()).ok).toBe(false);
    expect((await target(TENANT, "function", "f-1").getFunctionPool()).ok).toBe(false);
    expect((await target(TENANT, "workload", "w-1").getWorkload()).ok).toBe(false);
    expect(await t.desiredSize("web")).toBe(3);
    expect((await t.get("/control/workloads/w-1/function-binding")).status).toBe(404);
  });

  it("X-Orch-Action-Id equal to the action rolled back → 400 (a rollback is an action of its own)", async () => {
    const r = await t.ctl("POST", "/actions/act-setup/rollback", { target_action_id: "act-setup" }, { action: "act-setup" });
    expectQuiltError(r, 400, "ELASTICITY_INVALID_ARGUMENT", { control: true });
    expect(r.body.details.field).toBe("X-Orch-Action-Id");
    expect(await t.desiredSize("web")).toBe(3);
  });
});
