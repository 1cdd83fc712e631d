// POST /v1/services/{uuid}/autoscale/replay over HTTP: the live configuration (read with getGroup)
// and a tried one merged over it, compare with deltas, every trace format; every error — other
// tenant's or unknown uuid (8), a bad trace (400 naming the line), a bad configuration (the
// configuration routes' item errors 7/23/29), malformed JSON, empty body, unknown fields, wrong
// types, out of range, a body over 16 MiB (413), credentials (401/403), 405, query (400) — and
// nothing changes in the group: its object storage, ledger and D1 rows are the same afterwards.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { freezeClock, releaseClock } from "./clock";
import { call } from "./helpers";
import { BOOT_MS, IN, OUT, configure, expectItemError, expectItems, expectNoChange, expectRequestError, service, type Svc } from "./kraftcloud-autoscale-support";

beforeEach(() => void freezeClock());
afterEach(() => releaseClock());

const T0 = 1_800_000_000; // 2027-01-15T08:00:00Z, Unix seconds
/** CSV lines `T0 + i*step, value` of the values. */
const csv = (values: number[], step = 10) => ["timestamp,value", ...values.map((v, i) => `${T0 + i * step},${v}`)].join("\n");
const iso = (s: number) => new Date(s * 1000).toISOString();

async function live(prefix: string, extra: Record<string, unknown> = {}): Promise<Svc> {
  const s = await service(prefix);
  await configure(s, { min_size: 1, max_size: 4, warmup_time_ms: 30_000, cooldown_time_ms: 30_000, policies: [OUT(800, 1), IN(200)], ...extra });
  return s;
}

const replay = (s: Svc, body: unknown) => expectNoChange(s, () => s.api.post(`${s.base}/replay`, body));

describe("replay with the live configuration", () => {
  it("runs the trace through the live policies and gates, answers the run, and changes nothing", async () => {
    const s = await live("rp-live");
    // 900 at 10 s → out (1 → 2); 900 at 20 s blocked by the 30-s warmup; 900 at 40 s → out (3);
    // 100 at 50 s → in; 100 at 60 s blocked by the cooldown.
    const r = await replay(s, { trace: csv([500, 900, 900, 500, 900, 100, 100]) });
    const [item] = expectItems(r, "service_groups");
    expect(item).toMatchObject({ status: "success", uuid: s.uuid, name: s.name, source: "live", compare: null });
    const run = item.run;
    expect(run).toMatchObject({ start: iso(T0), end: iso(T0 + 60), samples: 7, options: { boot_delay_ms: BOOT_MS, scope: "member", initial_capacity: 1 }, truncated: null });
    expect(run.config).toMatchObject({ min_size: 1, max_size: 4, warmup_time_ms: 30_000, cooldown_time_ms: 30_000 });
    expect(run.decisions.map((d: any) => [d.at, d.applied, d.decision.direction, d.decision.desired, d.decision.blockedBy])).toEqual([
      [iso(T0 + 10), true, "out", 2, null],
      [iso(T0 + 20), false, "out", 3, "warmup"],
      [iso(T0 + 40), true, "out", 3, null],
      [iso(T0 + 50), true, "in", 2, null],
      [iso(T0 + 60), false, "in", 1, "cooldown"],
    ]);
    expect(run.decisions[0]).toMatchObject({ trigger: "metric sample (cpu 900 millicores per instance)" });
    expect(run.decisions[0].decision.explanation).toBe('cpu 900 millicores on 1 instance (min 1, max 4): "out" step 0 [800, inf) change +1 → 2; "in" matched no step. "out" wins: desired 2, scale out by 1.');
    expect(run.windows).toEqual([
      { kind: "warmup", from: iso(T0 + 10), until: iso(T0 + 40) },
      { kind: "warmup", from: iso(T0 + 40), until: iso(T0 + 70) },
      { kind: "cooldown", from: iso(T0 + 50), until: iso(T0 + 80) },
    ]);
    expect(run.summary).toMatchObject({ duration_s: 60, scale_events: 3, scale_outs: 2, scale_ins: 1, blocked: 2, largest_step: 1, peak_desired: 3, cold_starts: 0 });
    // The clone of 10 s boots 1.2 s and runs to the end (48.8 + 1.2 = 50 s), the one of 40 s is
    // withdrawn by the scale-in at 50 s (it drains 30 s past the end: counted to the end, 20 s); the master 60 s.
    expect(run.summary.instance_seconds).toBe(60 + 50 + 20);
    expect(run.timeline[0]).toEqual({ at: iso(T0), desired: 1, booting: 0, running: 1, warming: 0, draining: 0, standby: false });
    expect(run.timeline.find((e: any) => e.at === iso(T0 + 10))).toMatchObject({ desired: 2, booting: 1, running: 1 });
  });

  it("a tried configuration is merged over the live one; compare answers both runs and b − a", async () => {
    const s = await live("rp-tried");
    const trace = csv([900, 900, 900, 900, 900, 900]);
    const [tried] = expectItems(await replay(s, { trace, config: { max_size: 2 } }), "service_groups");
    expect(tried.source).toBe("tried");
    expect(tried.run.config).toMatchObject({ min_size: 1, max_size: 2, warmup_time_ms: 30_000, policies: [{ name: "out" }, { name: "in" }] });
    expect(tried.run.summary.peak_desired).toBe(2);
    const [cmp] = expectItems(await replay(s, { trace, compare: { warmup_time_ms: 5_000, policies: [OUT(800, 2)] } }), "service_groups");
    expect(cmp.source).toBe("live");
    const a = cmp.run.summary;
    const b = cmp.compare.run.summary;
    expect(cmp.compare.run.config.policies.map((p: any) => p.name)).toEqual(["out"]);
    expect(b.peak_desired).toBe(4);
    for (const k of Object.keys(a)) expect(cmp.compare.deltas[k]).toBeCloseTo(b[k] - a[k], 3);
    expect(cmp.compare.deltas.instance_seconds).toBeGreaterThan(0);
  });

  it("reads a JSON array, a Prometheus range answer and a CSV with a metric column; policies on reqs_per_sec", async () => {
    const s = await live("rp-formats", { policies: [{ name: "rps", type: "step", metric: "reqs_per_sec", adjustment_type: "change", steps: [{ lower_bound: 100, adjustment: 1 }] }] });
    const values = [50, 150, 50];
    const arrays = await replay(s, { trace: values.map((v, i) => [T0 + i * 10, v]) });
    const objects = await replay(s, { trace: values.map((v, i) => ({ timestamp: iso(T0 + i * 10), reqs_per_sec: v })) });
    const prom = await replay(s, { trace: { status: "success", data: { resultType: "matrix", result: [{ metric: {}, values: values.map((v, i) => [T0 + i * 10, String(v)]) }] } } });
    const long = await replay(s, { trace: ["timestamp,metric,value", ...values.map((v, i) => `${T0 + i * 10},reqs_per_sec,${v}`)].join("\n") });
    const decisions = [arrays, objects, prom, long].map((r) => expectItems(r, "service_groups")[0].run.decisions);
    for (const d of decisions) expect(d).toEqual(decisions[0]);
    expect(decisions[0]).toHaveLength(1);
    expect(decisions[0][0].decision.explanation).toMatch(/^reqs_per_sec 150 per member on 1 instance/);
  });

  it("without live autoscale: 27 unless a config is sent (then the defaults under it)", async () => {
    const s = await service("rp-none");
    expectItemError(await replay(s, { trace: csv([900]) }), "service_groups", 200, 27, "send a config");
    const [item] = expectItems(await replay(s, { trace: csv([900, 900]), config: { policies: [OUT()] } }), "service_groups");
    expect(item.run.config).toMatchObject({ min_size: 1, max_size: 4, warmup_time_ms: 1000, cooldown_time_ms: 1000 });
    // At 0 s out; each 1-s warmup ends and the same sample scales out again (as the live timer does), up to max_size.
    expect(item.run.decisions.map((d: any) => [d.at, d.trigger, d.decision.desired])).toEqual([
      [iso(T0), "metric sample (cpu 900 millicores per instance)", 2],
      [new Date(T0 * 1000 + 1000).toISOString(), "warmup ended", 3],
      [new Date(T0 * 1000 + 2000).toISOString(), "warmup ended", 4],
    ]);
  });
});

describe("errors, nothing changed", () => {
  let s: Svc;
  beforeEach(async () => {
    s ??= await live("rp-bad");
  });

  it("an unknown uuid and another tenant's uuid → 8", async () => {
    expectItemError(await replay(s, { trace: csv([1]) }).then(() => s.api.post(`/v1/services/${crypto.randomUUID()}/autoscale/replay`, { trace: csv([1]) })), "service_groups", 200, 8);
    const other = await live("rp-other");
    const r = await replay(other, { trace: csv([1]) }).then(() => expectNoChange(other, () => s.api.post(`${other.base}/replay`, { trace: csv([900, 900]) })));
    expectItemError(r, "service_groups", 200, 8);
  });

  it.each([
    ["unsorted", `timestamp,value\n${T0 + 10},1\n${T0},1`, "line 3", "sorted"],
    ["a gap beyond the limit", `${T0},1\n${T0 + 901},1`, "line 2", "max_gap_seconds 900"],
    ["non-numeric", `${T0},1\n${T0 + 1},high`, "line 2", "not a number"],
    ["negative", `${T0},-1`, "line 1", "out of range"],
    ["an unknown metric", `timestamp,metric,value\n${T0},memory,1`, "line 2", "unknown metric"],
    ["a bad timestamp", `yesterday,1`, "line 1", "timestamp"],
    ["a second value of a metric at one time", `${T0},1\n${T0},2`, "line 2", "second cpu value"],
    ["a JSON sample of the wrong shape", [[T0, 1], [T0 + 1]], "[1]", "[timestamp, value]"],
    ["a Prometheus vector", { data: { resultType: "vector", result: [] } }, "data.resultType", "matrix"],
    ["a Prometheus value that is NaN", { data: { resultType: "matrix", result: [{ metric: {}, values: [[T0, "NaN"]] }] } }, "result[0].values[0]", "not a number"],
  ])("a trace with %s → 400 naming %s", async (_case, trace, where, what) => {
    const r = await replay(s, { trace });
    expectRequestError(r, 400, where);
    expect(r.body.message).toContain(what);
  });

  it("a gap limit of its own; a trace in a string field that is JSON", async () => {
    expectRequestError(await replay(s, { trace: `${T0},1\n${T0 + 61},1`, max_gap_seconds: 60 }), 400, "line 2");
    expectItems(await replay(s, { trace: JSON.stringify([[T0, 1]]) }), "service_groups");
    expectRequestError(await replay(s, { trace: "[1," }), 400, "malformed JSON");
  });

  it.each([
    ["sizes (29)", { min_size: 3, max_size: 2 }, 29, "min_size 3 and max_size 2 must satisfy 0 <= min_size <= max_size <= "],
    ["max_size 0 (29)", { min_size: 0, max_size: 0 }, 29, "max_size >= 1"],
    ["a warmup of 0 (7)", { warmup_time_ms: 0 }, 7, "warmup_time_ms 0 must be between 1 and 2147483647"],
    ["a policy rule (7)", { policies: [{ name: "g", type: "step", steps: [{ lower_bound: 0, upper_bound: 10, adjustment: 1 }, { lower_bound: 20, adjustment: 1 }] }] }, 7, "steps_gap: steps[1]"],
    ["an unknown metric (7)", { policies: [{ name: "m", type: "step", metric: "memory", steps: [{ lower_bound: 0, adjustment: 1 }] }] }, 7, "metric_invalid"],
    ["a duplicate policy (23)", { policies: [OUT(), OUT()] }, 23, "already_exists"],
  ])("a bad config: %s → the configuration route's item error", async (_case, config, code, message) => {
    const it1 = expectItemError(await replay(s, { trace: csv([1]), config }), "service_groups", 200, code, message);
    expect(it1.message.startsWith("config: ")).toBe(true);
    const it2 = expectItemError(await replay(s, { trace: csv([1]), compare: config }), "service_groups", 200, code, message);
    expect(it2.message.startsWith("compare: ")).toBe(true);
    // The configuration route says the same of the same configuration.
    const other = await service("rp-cfg");
    const direct = await other.api.post(other.base, { master: { name: other.instances[0].name }, ...config });
    expect(direct.body.data.service_groups[0]).toMatchObject({ error: code, message: it1.message.slice("config: ".length) });
  });

  it.each([
    ["malformed JSON", '{"trace": ', "malformed JSON"],
    ["an empty body", "", "empty"],
    ["a JSON array body", "[]", "body"],
    ["an unknown field", JSON.stringify({ trace: "1,1", tracee: 1 }), "tracee"],
    ["an unknown config field", JSON.stringify({ trace: "1,1", config: { master: { name: "x" } } }), "config.master"],
    ["a number for trace", JSON.stringify({ trace: 5 }), "trace"],
    ["an empty trace", JSON.stringify({ trace: "" }), "trace"],
    ["a string for config.min_size", JSON.stringify({ trace: "1,1", config: { min_size: "1" } }), "config.min_size"],
    ["a float for config.max_size", JSON.stringify({ trace: "1,1", config: { max_size: 1.5 } }), "config.max_size"],
    ["a negative boot delay", JSON.stringify({ trace: "1,1", boot_delay_ms: -1 }), "boot_delay_ms"],
    ["max_gap_seconds 0", JSON.stringify({ trace: "1,1", max_gap_seconds: 0 }), "max_gap_seconds"],
    ["an unknown metric option", JSON.stringify({ trace: "1,1", metric: "memory" }), "metric"],
    ["an unknown scope", JSON.stringify({ trace: "1,1", scope: "all" }), "scope"],
    ["a duplicate key", '{"trace": "1,1", "trace": "2,2"}', "trace"],
  ])("%s → 400 naming it", async (_case, raw, field) => {
    const r = await expectNoChange(s, () => s.api.postRaw(`${s.base}/replay`, raw));
    expectRequestError(r, 400, field);
  });

  it("a body over 16 MiB → 413; a body over 64 KiB but under 16 MiB is read", async () => {
    const big = JSON.stringify({ trace: csv(Array.from({ length: 8000 }, (_, i) => i % 1000), 1) });
    expect(big.length).toBeGreaterThan(64 * 1024);
    expectItems(await expectNoChange(s, () => s.api.postRaw(`${s.base}/replay`, big)), "service_groups");
    const huge = JSON.stringify({ trace: "x" }).padEnd(16 * 1024 * 1024 + 1, " ");
    expectRequestError(await expectNoChange(s, () => s.api.postRaw(`${s.base}/replay`, huge)), 413, "16777216");
  });

  const forge = (t: string) => t.replace(/_[A-Za-z0-9_-]{43}$/, (x) => "_" + (x[1] === "B" ? "C" : "B") + x.slice(2));
  it.each([
    ["no credentials", () => ({}), 401],
    ["a malformed token", () => ({ Authorization: "Bearer nope" }), 401],
    ["a forged secret on a real token id", () => ({ Authorization: `Bearer ${forge(s.token)}` }), 401],
    ["another tenant in X-Tenant-Id", () => ({ Authorization: `Bearer ${s.token}`, "X-Tenant-Id": "someone-else" }), 403],
  ] as const)("%s → %s, nothing changed", async (_case, headers, status) => {
    expectRequestError(await expectNoChange(s, () => call("POST", `${s.base}/replay`, { body: { trace: csv([900]) }, headers: headers() })), status);
  });

  it("GET → 405 with Allow: POST; an undeclared query parameter → 400", async () => {
    const r = await expectNoChange(s, () => s.api.get(`${s.base}/replay`));
    expectRequestError(r, 405);
    expect(r.headers.get("Allow")).toBe("POST");
    expectRequestError(await replay(s, { trace: csv([1]) }).then(() => expectNoChange(s, () => s.api.post(`${s.base}/replay?zz=1`, { trace: csv([1]) }))), 400, "zz");
  });
});
