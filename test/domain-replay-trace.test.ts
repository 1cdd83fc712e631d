// Trace parsers (src/domain/replay/trace.ts): every format — CSV with and without a header and a
// metric column, JSON arrays of pairs/triples/objects/wide objects, Prometheus range answers —
// and every refusal naming its line / index / series: unsorted, gaps beyond the limit,
// non-numeric, out of range, unknown metric, duplicates, too large, empty.
import { describe, expect, it } from "vitest";
import { parseCsv, parseJsonSamples, parsePrometheus, parseTimestamp, parseTrace, type TraceResult } from "../src/domain/replay/trace";

const T = 1_800_000_000;
const ok = (r: TraceResult) => {
  if (!r.ok) throw new Error(r.message);
  return r.trace;
};
const bad = (r: TraceResult, where: string, what: string, code = "INVALID") => {
  expect(r.ok).toBe(false);
  if (r.ok) return;
  expect(r.where).toBe(where);
  expect(r.code).toBe(code);
  expect(r.message.startsWith(`${where}: `)).toBe(true);
  expect(r.message).toContain(what);
};
const col = (a: Float64Array | undefined) => Array.from(a ?? [], (x) => (Number.isNaN(x) ? null : x));

describe("timestamps", () => {
  it("Unix seconds (fractions to the ms) and ISO 8601 with a zone", () => {
    expect(parseTimestamp(T)).toBe(T * 1000);
    expect(parseTimestamp(`${T}.25`)).toBe(T * 1000 + 250);
    expect(parseTimestamp("2027-01-15T08:00:00Z")).toBe(T * 1000);
    expect(parseTimestamp("2027-01-15T09:00:00.5+01:00")).toBe(T * 1000 + 500);
    for (const x of ["2027-01-15", "2027-01-15T08:00:00", "yesterday", "-1", "", null, -5, Infinity, "1e9"]) expect(parseTimestamp(x)).toBeNull();
  });
});

describe("CSV", () => {
  it("timestamp,value with or without a header, CRLF, blank and # lines; the metric given", () => {
    for (const text of [`timestamp,value\n${T},1\n${T + 1},2.5\n`, `${T},1\r\n\r\n# comment\n${T + 1},2.5`]) {
      const t = ok(parseCsv(text, { metric: "reqs_per_sec" }));
      expect(Array.from(t.t)).toEqual([T * 1000, T * 1000 + 1000]);
      expect(t.metrics).toEqual(["reqs_per_sec"]);
      expect(col(t.values.reqs_per_sec)).toEqual([1, 2.5]);
      expect(t.rows).toBe(2);
    }
    expect(ok(parseCsv(`${T},1`)).metrics).toEqual(["cpu"]); // default metric
  });
  it("timestamp,metric,value: several metrics, one time may carry several (NaN where absent)", () => {
    const t = ok(parseCsv(`timestamp,metric,value\n${T},cpu,500\n${T},requests,3\n${T + 5},cpu,600\n${T + 7},requests,0`));
    expect(Array.from(t.t)).toEqual([T, T + 5, T + 7].map((x) => x * 1000));
    expect(t.metrics).toEqual(["cpu", "requests"]);
    expect(col(t.values.cpu)).toEqual([500, 600, null]);
    expect(col(t.values.requests)).toEqual([3, null, 0]);
  });
  it.each([
    ["unsorted", `${T},1\n${T - 1},1`, "line 2", "sorted"],
    ["a gap over 900 s", `${T},1\n${T + 900},1\n${T + 1801},1`, "line 3", "gap of 901 s"],
    ["non-numeric", `${T},abc`, "line 1", "not a number"],
    ["Infinity", `${T},Infinity`, "line 1", "not a number"],
    ["negative", `timestamp,value\n${T},-3`, "line 2", "out of range"],
    ["over int32", `${T},3000000000`, "line 1", "out of range"],
    ["unknown metric", `${T},memory,1`, "line 1", "unknown metric \"memory\""],
    ["bad timestamp", `${T},1\nnow,1`, "line 2", "timestamp \"now\""],
    ["column count", `${T},cpu,1\n${T + 1},1`, "line 2", "expected 3 columns"],
    ["one column", `${T}`, "line 1", "expected 2 columns"],
    ["bad header", `time,metric,v\n${T},cpu,1`, "line 1", "header"],
    ["duplicate", `${T},cpu,1\n${T},cpu,2`, "line 2", "second cpu value"],
    ["nothing", `timestamp,value\n`, "trace", "no samples"],
  ])("%s → names %s", (_case, text, where, what) => bad(parseCsv(text), where, what));
  it("a gap limit of its own; more rows than the limit is TOO_LARGE at the first row over it", () => {
    bad(parseCsv(`${T},1\n${T + 11},1`, { max_gap_seconds: 10 }), "line 2", "max_gap_seconds 10");
    ok(parseCsv(`${T},1\n${T + 10},1`, { max_gap_seconds: 10 }));
    bad(parseCsv(`${T},1\n${T + 1},1\n${T + 2},1`, { max_rows: 2 }), "line 3", "more than 2 samples", "TOO_LARGE");
  });
});

describe("JSON arrays", () => {
  it("pairs, triples, {timestamp,value,metric}, and wide objects give the same columns", () => {
    const forms = [
      [[T, 1], [T + 1, 2]],
      [[T, "cpu", 1], [`${T + 1}`, "cpu", "2"]],
      [{ timestamp: T, value: 1 }, { timestamp: "2027-01-15T08:00:01Z", value: 2, metric: "cpu" }],
      [{ timestamp: T, cpu: 1 }, { timestamp: T + 1, cpu: 2 }],
    ];
    for (const f of forms) {
      const t = ok(parseJsonSamples(f));
      expect(col(t.values.cpu)).toEqual([1, 2]);
      expect(Array.from(t.t)).toEqual([T * 1000, T * 1000 + 1000]);
    }
    const wide = ok(parseJsonSamples([{ timestamp: T, cpu: 100, reqs_per_sec: 5, requests: 9, inflight_reqs: 2 }]));
    expect(wide.metrics).toEqual(["cpu", "inflight_reqs", "reqs_per_sec", "requests"]);
  });
  it.each([
    ["a short array", [[T, 1], [T + 1]], "[1]", "[timestamp, value]"],
    ["a scalar", [[T, 1], 5], "[1]", "an array or an object"],
    ["an unknown field", [{ timestamp: T, value: 1, unit: "m" }], "[0]", "unknown field 'unit'"],
    ["value and a metric by name", [{ timestamp: T, value: 1, cpu: 2 }], "[0]", "not both"],
    ["no value", [{ timestamp: T }], "[0]", "needs value"],
    ["metric without value", [{ timestamp: T, metric: "cpu" }], "[0]", "metric without value"],
    ["a bad timestamp", [{ timestamp: "soon", value: 1 }], "[0]", "timestamp"],
    ["a null value", [[T, null]], "[0]", "not a number"],
    ["a boolean value", [{ timestamp: T, cpu: true }], "[0]", "cpu value true is not a number"],
    ["an unknown metric", [[T, "memory", 1]], "[0]", "unknown metric"],
    ["unsorted", [[T, 1], [T - 5, 1]], "[1]", "sorted"],
    ["empty", [], "trace", "no samples"],
  ])("%s → names %s", (_case, items, where, what) => bad(parseJsonSamples(items as unknown[]), where, what));
});

describe("Prometheus range query answers", () => {
  const answer = (result: unknown[]) => ({ status: "success", data: { resultType: "matrix", result } });
  it("one unnamed series is the given metric; named series (__name__ or metric label) are merged by time", () => {
    const one = ok(parsePrometheus(answer([{ metric: { job: "web" }, values: [[T, "1"], [T + 15, "2"]] }]), { metric: "reqs_per_sec" }));
    expect(col(one.values.reqs_per_sec)).toEqual([1, 2]);
    const two = ok(parsePrometheus({ resultType: "matrix", result: [
      { metric: { __name__: "cpu" }, values: [[T, "500"], [T + 30, "700"]] },
      { metric: { metric: "requests" }, values: [[T + 15, "4"], [T + 30, "0"]] },
    ] }));
    expect(Array.from(two.t)).toEqual([T, T + 15, T + 30].map((x) => x * 1000));
    expect(col(two.values.cpu)).toEqual([500, null, 700]);
    expect(col(two.values.requests)).toEqual([null, 4, 0]);
  });
  it.each([
    ["a vector", { data: { resultType: "vector", result: [] } }, "data.resultType", "matrix"],
    ["no result array", { data: { resultType: "matrix" } }, "data.result", "array"],
    ["a series without values", answer([{ metric: {} }]), "result[0]", "values"],
    ["two unnamed series", answer([{ metric: {}, values: [[T, "1"]] }, { metric: {}, values: [[T, "1"]] }]), "result[1]", "second series"],
    ["NaN", answer([{ metric: {}, values: [[T, "1"], [T + 1, "NaN"]] }]), "result[0].values[1]", "not a number"],
    ["+Inf", answer([{ metric: {}, values: [[T, "+Inf"]] }]), "result[0].values[0]", "not a number"],
    ["a bad pair", answer([{ metric: {}, values: [[T]] }]), "result[0].values[0]", "[unix_seconds"],
    ["unsorted in a series", answer([{ metric: {}, values: [[T + 1, "1"], [T, "1"]] }]), "result[0].values[1]", "sorted"],
    ["a gap", answer([{ metric: {}, values: [[T, "1"], [T + 3600, "1"]] }]), "result[0].values[1]", "gap"],
    ["no samples", answer([]), "data.result", "no samples"],
  ])("%s → names %s", (_case, doc, where, what) => bad(parsePrometheus(doc), where, what));
});

describe("parseTrace tells the formats apart", () => {
  it("CSV text, a JSON array in text, a Prometheus answer in text; malformed JSON", () => {
    expect(ok(parseTrace(`${T},1`)).rows).toBe(1);
    expect(ok(parseTrace(` [[${T}, 1]]`)).rows).toBe(1);
    expect(ok(parseTrace(JSON.stringify({ data: { resultType: "matrix", result: [{ metric: {}, values: [[T, "1"]] }] } }))).rows).toBe(1);
    bad(parseTrace("[1,"), "trace", "malformed JSON");
  });
});
