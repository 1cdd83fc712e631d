// Load traces for the replay (docs/replay.md): CSV (`timestamp,value` or
// `timestamp,metric,value`, an optional header), JSON arrays, and the JSON of a Prometheus range
// query (`resultType: matrix`). Parsed into columns (one Float64Array per metric, NaN where a
// sample time has no value of that metric), because a week of 1-s samples is 604,800 points and
// an object per point would cost more than the replay itself. Every refusal names where it is:
// `line 7` (CSV, 1-based), `[7]` (JSON array), `result[1].values[7]` (Prometheus).

/** The metrics a trace may carry: the policies' three, and `requests` (traffic, scale-to-zero). */
export const TRACE_METRICS = ["cpu", "inflight_reqs", "reqs_per_sec", "requests"] as const;
export type TraceMetric = (typeof TRACE_METRICS)[number];

/** At most this many rows (a week of 1-s samples of three metrics fits). */
export const MAX_TRACE_ROWS = 2_000_000;
/** Default largest gap between two consecutive sample times. */
export const DEFAULT_MAX_GAP_SECONDS = 900;
/** Largest value of a sample (int32, as the metrics route). */
export const MAX_SAMPLE_VALUE = 2_147_483_647;

export type Trace = {
  /** Sample times (ms since the epoch), strictly increasing. */
  t: Float64Array;
  /** Per metric present in the trace, its value at each sample time (NaN: none at that time). */
  values: Partial<Record<TraceMetric, Float64Array>>;
  /** The metrics present, in TRACE_METRICS order. */
  metrics: TraceMetric[];
  /** Rows read (one value each). */
  rows: number;
};

export type TraceError = { ok: false; code: "INVALID" | "TOO_LARGE"; message: string; where: string };
export type TraceResult = { ok: true; trace: Trace } | TraceError;

export type TraceOptions = {
  /** The metric of values given without one (CSV `timestamp,value`, `[t, v]`, one unnamed series). */
  metric?: TraceMetric;
  max_gap_seconds?: number;
  max_rows?: number;
};

const isMetric = (m: string): m is TraceMetric => (TRACE_METRICS as readonly string[]).includes(m);
const err = (where: string, message: string, code: TraceError["code"] = "INVALID"): TraceError => ({ ok: false, code, message: `${where}: ${message}`, where });

/** A timestamp: Unix seconds (fractions allowed) or an ISO 8601 date-time with a zone. → ms, or null. */
export function parseTimestamp(raw: unknown): number | null {
  if (typeof raw === "number") return Number.isFinite(raw) && raw >= 0 ? Math.round(raw * 1000) : null;
  if (typeof raw !== "string") return null;
  const s = raw.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(s)) return null;
  const ms = Date.parse(s);
  return Number.isFinite(ms) ? ms : null;
}

/** A sample value: a finite number in [0, MAX_SAMPLE_VALUE] (a string holding one too: CSV, Prometheus). */
function parseValue(raw: unknown): number | string {
  let v: number;
  if (typeof raw === "number") v = raw;
  else if (typeof raw === "string" && /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/.test(raw)) v = Number(raw);
  else return `value ${JSON.stringify(raw ?? null)} is not a number`;
  if (!Number.isFinite(v)) return `value ${JSON.stringify(raw)} is not a finite number`;
  if (v < 0 || v > MAX_SAMPLE_VALUE) return `value ${v} is out of range (0 to ${MAX_SAMPLE_VALUE})`;
  return v + 0;
}

/**
 * Rows as they are read, then checked and turned into columns by one builder: sorted (a time
 * never goes back), one value per metric and time, no gap beyond the limit, at most max_rows.
 */
class Builder {
  private times: number[] = [];
  private cols = new Map<TraceMetric, number[]>();
  rows = 0;
  constructor(private readonly o: Required<TraceOptions>) {}

  add(where: string, t: number, metric: TraceMetric, v: number): TraceError | null {
    if (++this.rows > this.o.max_rows) return err(where, `the trace has more than ${this.o.max_rows} samples`, "TOO_LARGE");
    const n = this.times.length;
    const last = n ? this.times[n - 1] : -Infinity;
    if (t < last) return err(where, `timestamp ${new Date(t).toISOString()} is before the previous one (${new Date(last).toISOString()}): samples must be sorted by time`);
    if (n && t - last > this.o.max_gap_seconds * 1000)
      return err(where, `a gap of ${(t - last) / 1000} s after ${new Date(last).toISOString()} is longer than max_gap_seconds ${this.o.max_gap_seconds}`);
    let col = this.cols.get(metric);
    if (!col) this.cols.set(metric, (col = []));
    if (t !== last) this.times.push(t);
    const i = this.times.length - 1;
    if (col.length > i) return err(where, `a second ${metric} value at ${new Date(t).toISOString()}`);
    while (col.length < i) col.push(NaN);
    col.push(v);
    return null;
  }

  build(where: string): TraceResult {
    if (this.times.length === 0) return err(where, "the trace has no samples");
    const t = Float64Array.from(this.times);
    const values: Trace["values"] = {};
    const metrics = TRACE_METRICS.filter((m) => this.cols.has(m));
    for (const m of metrics) {
      const col = new Float64Array(t.length).fill(NaN);
      col.set(this.cols.get(m)!);
      values[m] = col;
    }
    return { ok: true, trace: { t, values, metrics, rows: this.rows } };
  }
}

const withDefaults = (o: TraceOptions): Required<TraceOptions> => ({
  metric: o.metric ?? "cpu",
  max_gap_seconds: o.max_gap_seconds ?? DEFAULT_MAX_GAP_SECONDS,
  max_rows: o.max_rows ?? MAX_TRACE_ROWS,
});

function metricOf(where: string, raw: unknown): TraceMetric | TraceError {
  if (typeof raw === "string" && isMetric(raw.trim())) return raw.trim() as TraceMetric;
  return err(where, `unknown metric ${JSON.stringify(raw ?? null)}: one of ${TRACE_METRICS.join(", ")}`);
}

/** CSV: `timestamp,value` or `timestamp,metric,value` lines; a first line naming the columns is a header. */
export function parseCsv(text: string, options: TraceOptions = {}): TraceResult {
  const o = withDefaults(options);
  const b = new Builder(o);
  let columns = 0;
  let lineNo = 0;
  let start = 0;
  const len = text.length;
  while (start <= len) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = len;
    lineNo++;
    let line = text.slice(start, end);
    start = end + 1;
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (line.trim() === "" || line.startsWith("#")) continue;
    const where = `line ${lineNo}`;
    const cells = line.split(",");
    if (columns === 0) {
      columns = cells.length;
      if (columns !== 2 && columns !== 3) return err(where, `expected 2 columns (timestamp,value) or 3 (timestamp,metric,value), got ${columns}`);
      const head = cells.map((c) => c.trim().toLowerCase());
      if (head[0] === "timestamp" || head[0] === "time") {
        if (head[columns - 1] !== "value" || (columns === 3 && head[1] !== "metric"))
          return err(where, `header must be timestamp,value or timestamp,metric,value`);
        continue;
      }
    }
    if (cells.length !== columns) return err(where, `expected ${columns} columns like the first line, got ${cells.length}`);
    const t = parseTimestamp(cells[0]);
    if (t === null) return err(where, `timestamp ${JSON.stringify(cells[0])} is neither Unix seconds nor an ISO 8601 date-time with a zone`);
    const metric = columns === 3 ? metricOf(where, cells[1]) : o.metric;
    if (typeof metric !== "string") return metric;
    const v = parseValue(cells[columns - 1]);
    if (typeof v === "string") return err(where, v);
    const e = b.add(where, t, metric, v);
    if (e) return e;
  }
  return b.build("trace");
}

/**
 * A JSON array of samples: `[t, value]`, `[t, metric, value]`, `{timestamp, value, metric?}`, or
 * a wide `{timestamp, cpu?, inflight_reqs?, reqs_per_sec?, requests?}` (each metric present is a row).
 */
export function parseJsonSamples(items: unknown[], options: TraceOptions = {}): TraceResult {
  const o = withDefaults(options);
  const b = new Builder(o);
  for (let i = 0; i < items.length; i++) {
    const where = `[${i}]`;
    const s = items[i];
    let t: number | null;
    const rows: [TraceMetric, unknown][] = [];
    if (Array.isArray(s)) {
      if (s.length !== 2 && s.length !== 3) return err(where, `a sample array is [timestamp, value] or [timestamp, metric, value], got ${s.length} elements`);
      t = parseTimestamp(s[0]);
      const m = s.length === 3 ? metricOf(where, s[1]) : o.metric;
      if (typeof m !== "string") return m;
      rows.push([m, s[s.length - 1]]);
    } else if (typeof s === "object" && s !== null) {
      const r = s as Record<string, unknown>;
      t = parseTimestamp(r.timestamp);
      const extra = Object.keys(r).filter((k) => k !== "timestamp" && k !== "value" && k !== "metric" && !isMetric(k));
      if (extra.length) return err(where, `unknown field '${extra[0]}': a sample has timestamp and value (and metric), or timestamp and ${TRACE_METRICS.join(", ")}`);
      if ("value" in r) {
        if (TRACE_METRICS.some((k) => k in r)) return err(where, "send value (with metric) or the metrics by name, not both");
        const m = "metric" in r ? metricOf(where, r.metric) : o.metric;
        if (typeof m !== "string") return m;
        rows.push([m, r.value]);
      } else {
        if ("metric" in r) return err(where, "metric without value");
        for (const m of TRACE_METRICS) if (m in r) rows.push([m, r[m]]);
        if (!rows.length) return err(where, `a sample needs value or one of ${TRACE_METRICS.join(", ")}`);
      }
    } else return err(where, "a sample is an array or an object");
    if (t === null) return err(where, "timestamp is neither Unix seconds nor an ISO 8601 date-time with a zone");
    for (const [m, raw] of rows) {
      const v = parseValue(raw);
      if (typeof v === "string") return err(where, `${m} ${v}`);
      const e = b.add(where, t, m, v);
      if (e) return e;
    }
  }
  return b.build("trace");
}

/**
 * The answer of a Prometheus range query (`/api/v1/query_range`), whole or its `data`. A series'
 * metric is its `__name__` label or `metric` label when that is a trace metric, else `options.metric`
 * (so one unnamed series, e.g. `avg(rate(...))`, is fine; two unnamed ones are refused).
 */
export function parsePrometheus(doc: unknown, options: TraceOptions = {}): TraceResult {
  const o = withDefaults(options);
  const root = doc as Record<string, unknown>;
  const data = (root && typeof root === "object" && "data" in root ? root.data : root) as Record<string, unknown> | null;
  if (!data || typeof data !== "object") return err("data", "not a Prometheus query answer");
  if (data.resultType !== "matrix") return err("data.resultType", `must be "matrix" (a range query), got ${JSON.stringify(data.resultType ?? null)}`);
  if (!Array.isArray(data.result)) return err("data.result", "must be an array of series");
  // Each series is sorted on its own; they are merged by time into one builder.
  const series: { metric: TraceMetric; values: unknown[]; index: number }[] = [];
  const seen = new Set<TraceMetric>();
  for (const [i, s] of (data.result as unknown[]).entries()) {
    const where = `result[${i}]`;
    const r = s as { metric?: Record<string, unknown>; values?: unknown };
    if (!r || typeof r !== "object" || !Array.isArray(r.values)) return err(where, "a series has metric labels and values");
    const labels = r.metric && typeof r.metric === "object" ? r.metric : {};
    const named = [labels.__name__, labels.metric].find((x) => typeof x === "string" && isMetric(x)) as TraceMetric | undefined;
    const metric = named ?? o.metric;
    if (seen.has(metric)) return err(where, `a second series for ${metric}: name each series by a __name__ or metric label (${TRACE_METRICS.join(", ")})`);
    seen.add(metric);
    series.push({ metric, values: r.values, index: i });
  }
  const rows: { t: number; m: TraceMetric; v: number; where: string }[] = [];
  let count = 0;
  for (const s of series) {
    let prev = -Infinity;
    for (let j = 0; j < s.values.length; j++) {
      const where = `result[${s.index}].values[${j}]`;
      if (++count > o.max_rows) return err(where, `the trace has more than ${o.max_rows} samples`, "TOO_LARGE");
      const pair = s.values[j];
      if (!Array.isArray(pair) || pair.length !== 2) return err(where, "a value is [unix_seconds, \"value\"]");
      const t = parseTimestamp(pair[0]);
      if (t === null) return err(where, "timestamp is not Unix seconds");
      const v = parseValue(pair[1]);
      if (typeof v === "string") return err(where, v);
      if (t < prev) return err(where, "timestamps must be sorted within a series");
      prev = t;
      rows.push({ t, m: s.metric, v, where });
    }
  }
  if (series.length > 1) rows.sort((a, b) => a.t - b.t);
  const b = new Builder(o);
  for (const r of rows) {
    const e = b.add(r.where, r.t, r.m, r.v);
    if (e) return e;
  }
  return b.build("data.result");
}

/** Any accepted format, told apart by its first character: JSON (`[` or `{`) or CSV. */
export function parseTrace(text: string, options: TraceOptions = {}): TraceResult {
  const head = text.trimStart()[0];
  if (head !== "[" && head !== "{") return parseCsv(text, options);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return err("trace", `malformed JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  return parseTraceJson(doc, options);
}

/** A trace already parsed from JSON: an array of samples, or a Prometheus answer. */
export function parseTraceJson(doc: unknown, options: TraceOptions = {}): TraceResult {
  if (Array.isArray(doc)) return parseJsonSamples(doc, options);
  if (doc && typeof doc === "object") return parsePrometheus(doc, options);
  return err("trace", "a trace is CSV text, a JSON array of samples, or a Prometheus range query answer");
}
