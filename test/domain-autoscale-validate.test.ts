// Step policy validation: one valid and one invalid case per rule, each with its own rule string.
import { describe, expect, it } from "vitest";
import { validatePolicy, type PolicyRule, type StepPolicyInput, type StepPolicyStepInput } from "../src/domain/autoscale";

const base = (over: Partial<StepPolicyInput> = {}): StepPolicyInput => ({
  name: "scale-out",
  type: "step",
  steps: [{ lower_bound: 500, upper_bound: null, adjustment: 1 }],
  ...over,
});
const names = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `p${i}` }));
const withSteps = (steps: StepPolicyStepInput[], over: Partial<StepPolicyInput> = {}) => base({ steps, ...over });

function expectRule(input: StepPolicyInput, rule: PolicyRule, step?: number, existing = names(0), replace = false) {
  const r = validatePolicy(input, existing, { replace });
  expect(r.ok).toBe(false);
  if (r.ok) return;
  expect(r.rule).toBe(rule);
  expect(r.message.startsWith(`${rule}: `)).toBe(true);
  expect(r.step).toBe(step);
  if (step !== undefined) expect(r.message).toContain(`steps[${step}]`);
}
const expectOk = (input: StepPolicyInput, existing = names(0), replace = false) => {
  const r = validatePolicy(input, existing, { replace });
  expect(r).toMatchObject({ ok: true });
  return r.ok ? r.policy : undefined;
};

describe("normalization", () => {
  it("defaults metric cpu and adjustment_type change; a missing bound is null; extra fields dropped", () => {
    const p = expectOk({ ...base({ steps: [{ upper_bound: 100, adjustment: -1 }, { lower_bound: 100, adjustment: 2 }] }), extra: 1 } as StepPolicyInput);
    expect(p).toEqual({
      name: "scale-out",
      type: "step",
      metric: "cpu",
      adjustment_type: "change",
      steps: [
        { lower_bound: null, upper_bound: 100, adjustment: -1 },
        { lower_bound: 100, upper_bound: null, adjustment: 2 },
      ],
    });
  });
  it("keeps explicit values and turns -0 into 0", () => {
    const p = expectOk(base({ metric: "cpu", adjustment_type: "percent", steps: [{ lower_bound: -0, upper_bound: 5, adjustment: -0 }] }));
    expect(Object.is(p!.steps[0].lower_bound, 0) && Object.is(p!.steps[0].adjustment, 0)).toBe(true);
    expect(p!.adjustment_type).toBe("percent");
  });
  it("the KraftCloud docs example is valid", () => {
    expectOk({
      name: "scale-out-policy", type: "step", metric: "cpu", adjustment_type: "percent",
      steps: [{ lower_bound: 500, upper_bound: 700, adjustment: 50 }, { lower_bound: 700, upper_bound: null, adjustment: 100 }],
    });
  });
});

describe("name rules", () => {
  it("name_required", () => {
    expectRule(base({ name: "" }), "name_required");
    expectRule(base({ name: undefined }), "name_required");
    expectOk(base({ name: "a" }));
  });
  it("name_too_long: 31 characters is the limit", () => {
    expectOk(base({ name: "x".repeat(31) }));
    expectRule(base({ name: "x".repeat(32) }), "name_too_long");
  });
  it("name_invalid: basename characters only, not . or ..", () => {
    expectOk(base({ name: "Web_out-2.v1" }));
    for (const name of ["a b", "a/b", "é", "..", "."]) expectRule(base({ name }), "name_invalid");
  });
});

describe("type, metric, adjustment_type", () => {
  it("type_invalid: required and only step", () => {
    expectRule(base({ type: undefined }), "type_invalid");
    expectRule(base({ type: "target" }), "type_invalid");
  });
  it("metric_invalid: cpu, inflight_reqs and reqs_per_sec only, case-sensitive", () => {
    for (const m of ["cpu", "inflight_reqs", "reqs_per_sec"]) expect(expectOk(base({ metric: m }))!.metric).toBe(m);
    for (const m of ["memory", "requests", "CPU", "reqs-per-sec", "", "inflight_reqs "]) expectRule(base({ metric: m }), "metric_invalid");
    const r = validatePolicy(base({ metric: "rps" }), []);
    expect(r.ok ? "" : r.message).toBe('metric_invalid: metric must be cpu, inflight_reqs or reqs_per_sec, got "rps"');
  });
  it("adjustment_type_invalid", () => {
    for (const t of ["change", "exact", "percent"]) expectOk(base({ adjustment_type: t }));
    expectRule(base({ adjustment_type: "absolute" }), "adjustment_type_invalid");
  });
});

describe("per-group rules", () => {
  it("already_exists: a same-name POST is refused (KraftCloud error 23)", () => {
    expectRule(base({ name: "p3" }), "already_exists", undefined, names(4));
    expectOk(base({ name: "P3" }), names(4)); // names are case-sensitive
  });
  it("too_many_policies: the 8th is fine, the 9th is refused", () => {
    expectOk(base(), names(7));
    expectRule(base(), "too_many_policies", undefined, names(8));
  });
  it("replace: a same-name policy is replaced and does not count twice", () => {
    expectOk(base({ name: "p7" }), names(8), true);
    expectRule(base({ name: "new" }), "too_many_policies", undefined, names(8), true);
    expectRule(base({ name: "p7" }), "already_exists", undefined, names(8)); // exists wins over the count
  });
});

describe("step count", () => {
  const four = [
    { upper_bound: 0, adjustment: -1 },
    { lower_bound: 0, upper_bound: 10, adjustment: 0 },
    { lower_bound: 10, upper_bound: 20, adjustment: 1 },
    { lower_bound: 20, adjustment: 2 },
  ];
  it("steps_required: at least one", () => {
    expectRule(withSteps([]), "steps_required");
    expectRule(base({ steps: undefined }), "steps_required");
  });
  it("too_many_steps: four is the limit", () => {
    expectOk(withSteps(four));
    expectRule(withSteps([...four.slice(0, 3), { lower_bound: 20, upper_bound: 30, adjustment: 2 }, { lower_bound: 30, adjustment: 3 }]), "too_many_steps");
  });
});

describe("per-step rules", () => {
  it("step_invalid: a step must be an object", () => {
    expectRule(withSteps([null as unknown as StepPolicyStepInput]), "step_invalid", 0);
  });
  it("bound_invalid: integers within int32", () => {
    expectOk(withSteps([{ lower_bound: -2147483647, upper_bound: 2147483647, adjustment: 1 }]));
    expectRule(withSteps([{ lower_bound: 1.5, adjustment: 1 }]), "bound_invalid", 0);
    expectRule(withSteps([{ upper_bound: 2 ** 31, adjustment: 1 }]), "bound_invalid", 0);
    expectRule(withSteps([{ upper_bound: "5" as unknown as number, adjustment: 1 }]), "bound_invalid", 0);
  });
  it("step_unbounded: not both null", () => {
    expectRule(withSteps([{ adjustment: 1 }]), "step_unbounded", 0);
    expectRule(withSteps([{ lower_bound: null, upper_bound: null, adjustment: 1 }]), "step_unbounded", 0);
  });
  it("lower_not_below_upper", () => {
    expectOk(withSteps([{ lower_bound: 9, upper_bound: 10, adjustment: 1 }]));
    expectRule(withSteps([{ upper_bound: 0, adjustment: 1 }, { lower_bound: 0, upper_bound: 0, adjustment: 1 }]), "lower_not_below_upper", 1);
    expectRule(withSteps([{ lower_bound: 10, upper_bound: 5, adjustment: 1 }]), "lower_not_below_upper", 0);
  });
  it("lower_null_not_first", () => {
    expectRule(withSteps([{ lower_bound: 0, upper_bound: 10, adjustment: 1 }, { upper_bound: 20, adjustment: 1 }]), "lower_null_not_first", 1);
  });
  it("upper_null_not_last", () => {
    expectRule(withSteps([{ lower_bound: 0, adjustment: 1 }, { lower_bound: 10, upper_bound: 20, adjustment: 1 }]), "upper_null_not_last", 0);
  });
  it("adjustment_invalid: an int32 integer, present", () => {
    expectOk(withSteps([{ lower_bound: 0, adjustment: -5 }]));
    expectRule(withSteps([{ lower_bound: 0 }]), "adjustment_invalid", 0);
    expectRule(withSteps([{ lower_bound: 0, upper_bound: 5, adjustment: 1 }, { lower_bound: 5, adjustment: 0.5 }]), "adjustment_invalid", 1);
    expectRule(withSteps([{ lower_bound: 0, adjustment: 2 ** 31 }]), "adjustment_invalid", 0);
  });
  it("exact_adjustment_negative: exact targets are ≥ 0; change and percent may be negative", () => {
    expectOk(withSteps([{ lower_bound: 0, adjustment: 0 }], { adjustment_type: "exact" }));
    expectOk(withSteps([{ lower_bound: 0, adjustment: -50 }], { adjustment_type: "percent" }));
    expectRule(withSteps([{ lower_bound: 0, adjustment: -1 }], { adjustment_type: "exact" }), "exact_adjustment_negative", 0);
  });
});

describe("neighbour rules", () => {
  it("steps_not_sorted", () => {
    expectRule(withSteps([{ lower_bound: 10, upper_bound: 20, adjustment: 1 }, { lower_bound: 0, upper_bound: 10, adjustment: 1 }]), "steps_not_sorted", 1);
  });
  it("steps_overlap (also two steps starting at the same bound)", () => {
    expectRule(withSteps([{ lower_bound: 0, upper_bound: 10, adjustment: 1 }, { lower_bound: 5, upper_bound: 20, adjustment: 1 }]), "steps_overlap", 1);
    expectRule(withSteps([{ lower_bound: 0, upper_bound: 10, adjustment: 1 }, { lower_bound: 0, upper_bound: 20, adjustment: 1 }]), "steps_overlap", 1);
    expectRule(withSteps([{ upper_bound: 10, adjustment: 1 }, { lower_bound: -5, adjustment: 1 }]), "steps_overlap", 1);
  });
  it("steps_gap: each step's upper bound is the next one's lower bound", () => {
    expectOk(withSteps([{ upper_bound: 10, adjustment: -1 }, { lower_bound: 10, upper_bound: 20, adjustment: 0 }, { lower_bound: 20, adjustment: 1 }]));
    expectRule(withSteps([{ lower_bound: 0, upper_bound: 10, adjustment: 1 }, { lower_bound: 11, adjustment: 1 }]), "steps_gap", 1);
  });
});
