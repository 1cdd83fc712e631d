// The replay CLI (`npm run replay -- --trace load.csv --config autoscale.json [--compare other.json]
// [--out report.html] [--json]`), as pure functions of the arguments and of a file reader/writer,
// so the Workers test suite runs it with an in-memory file system; scripts/replay.mjs gives it
// node's. Text summary on stdout; HTML report with --out; the full run(s) as JSON with --json.
import type { ConfigInput } from "./config";
import type { Run } from "./engine";
import { renderReport } from "./report";
import { replayRequest, runJson } from "./run";
import type { Summary } from "./summary";
import { TRACE_METRICS, type TraceMetric } from "./trace";

export type CliArgs = {
  trace: string;
  config: string;
  compare?: string;
  out?: string;
  json: boolean;
  boot_delay_ms?: number;
  initial_capacity?: number;
  scope?: "member" | "total";
  metric?: TraceMetric;
  max_gap_seconds?: number;
};

export const USAGE = `usage: npm run replay -- --trace <file> --config <file> [--compare <file>] [--out report.html] [--json]
         [--boot-delay-ms N] [--initial-capacity N] [--scope member|total] [--metric ${TRACE_METRICS.join("|")}] [--max-gap-seconds N]
  --trace    CSV (timestamp,value | timestamp,metric,value), a JSON array of samples, or a Prometheus range query answer
  --config   autoscale configuration JSON: min_size, max_size, warmup_time_ms, cooldown_time_ms, policies
             (GET /v1/services/{uuid}/autoscale's item works as is)
  --compare  a second configuration replayed on the same trace; the summary shows both and the deltas`;

type Io = { readFile(path: string): string; writeFile(path: string, text: string): void };
export type CliResult = { code: number; stdout: string; stderr: string };

const FLAGS: Record<string, keyof CliArgs> = {
  "--trace": "trace", "--config": "config", "--compare": "compare", "--out": "out",
  "--boot-delay-ms": "boot_delay_ms", "--initial-capacity": "initial_capacity", "--scope": "scope", "--metric": "metric", "--max-gap-seconds": "max_gap_seconds",
};
const NUMERIC = new Set<keyof CliArgs>(["boot_delay_ms", "initial_capacity", "max_gap_seconds"]);

export function parseCliArgs(argv: string[]): { ok: true; args: CliArgs } | { ok: false; message: string } {
  const out: Record<string, unknown> = { json: false };
  for (let i = 0; i < argv.length; i++) {
    let flag = argv[i];
    let value: string | undefined;
    if (flag === "--json") {
      out.json = true;
      continue;
    }
    if (flag === "--help" || flag === "-h") return { ok: false, message: USAGE };
    const eq = flag.indexOf("=");
    if (flag.startsWith("--") && eq > 0) [flag, value] = [flag.slice(0, eq), flag.slice(eq + 1)];
    const key = FLAGS[flag];
    if (!key) return { ok: false, message: `unknown argument '${flag}'\n${USAGE}` };
    if (out[key] !== undefined) return { ok: false, message: `${flag} given twice` };
    value ??= argv[++i];
    if (value === undefined || value === "") return { ok: false, message: `${flag} needs a value` };
    if (NUMERIC.has(key)) {
      if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) return { ok: false, message: `${flag} must be a non-negative integer, got '${value}'` };
      out[key] = Number(value);
    } else if (key === "scope" && value !== "member" && value !== "total") return { ok: false, message: `--scope must be member or total, got '${value}'` };
    else if (key === "metric" && !(TRACE_METRICS as readonly string[]).includes(value)) return { ok: false, message: `--metric must be one of ${TRACE_METRICS.join(", ")}, got '${value}'` };
    else out[key] = value;
  }
  if (out.trace === undefined) return { ok: false, message: `--trace is required\n${USAGE}` };
  if (out.config === undefined) return { ok: false, message: `--config is required\n${USAGE}` };
  return { ok: true, args: out as CliArgs };
}

/** Fields of a configuration file; those of a GET answer item that are not configuration are ignored. */
const CONFIG_FIELDS = new Set(["min_size", "max_size", "warmup_time_ms", "cooldown_time_ms", "policies"]);
const ANSWER_FIELDS = new Set(["status", "uuid", "name", "enabled", "master", "template"]);

export function readConfig(text: string, file: string): { ok: true; config: ConfigInput } | { ok: false; message: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { ok: false, message: `${file}: malformed JSON (${e instanceof Error ? e.message : String(e)})` };
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return { ok: false, message: `${file}: a configuration is a JSON object` };
  const config: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc)) {
    if (CONFIG_FIELDS.has(k)) config[k] = v;
    else if (!ANSWER_FIELDS.has(k)) return { ok: false, message: `${file}: unknown field '${k}' (a configuration has ${[...CONFIG_FIELDS].join(", ")})` };
  }
  if (config.policies !== undefined && !Array.isArray(config.policies)) return { ok: false, message: `${file}: policies must be an array` };
  return { ok: true, config: config as ConfigInput };
}

const pad = (s: string, n: number) => s.padEnd(n);
const num = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(3).replace(/\.?0+$/, ""));

/** The text summary: both runs side by side with the deltas, then the first decisions. */
export function textSummary(runs: Run[], labels: string[], metrics: string[]): string {
  const r0 = runs[0];
  const lines = [`Replay of ${r0.samples} samples (${metrics.join(", ")}), ${new Date(r0.start).toISOString()} – ${new Date(r0.end).toISOString()}, boot delay ${r0.options.boot_delay_ms} ms`, ""];
  const keys = Object.keys(r0.summary) as (keyof Summary)[];
  const w = Math.max(14, ...labels.map((l) => l.length + 2));
  lines.push((pad("", 24) + labels.map((l) => pad(l, w)).join("") + (runs.length === 2 ? "delta" : "")).trimEnd());
  for (const k of keys) {
    const d = runs.length === 2 ? runs[1].summary[k] - r0.summary[k] : null;
    lines.push((pad(k, 24) + runs.map((r) => pad(num(r.summary[k]), w)).join("") + (d === null ? "" : `${d > 0 ? "+" : ""}${num(d)}`)).trimEnd());
  }
  for (const [i, r] of runs.entries()) {
    lines.push("", `Decisions of ${labels[i]}: ${r.summary.scale_events} applied, ${r.summary.blocked} blocked${r.decisions.length > 10 ? "; the first 10:" : ""}`);
    for (const d of r.decisions.slice(0, 10)) lines.push(`  ${new Date(d.at).toISOString()} ${d.applied ? "applied" : "blocked"}: ${d.result.explanation}`);
  }
  return lines.join("\n") + "\n";
}

export function runCli(argv: string[], io: Io): CliResult {
  const parsed = parseCliArgs(argv);
  if (!parsed.ok) return { code: 2, stdout: "", stderr: parsed.message + "\n" };
  const a = parsed.args;
  const read = (file: string): string | CliResult => {
    try {
      return io.readFile(file);
    } catch (e) {
      return { code: 2, stdout: "", stderr: `cannot read ${file}: ${e instanceof Error ? e.message : String(e)}\n` };
    }
  };
  const traceText = read(a.trace);
  if (typeof traceText !== "string") return traceText;
  const configs: ConfigInput[] = [];
  for (const file of [a.config, a.compare].filter((f): f is string => f !== undefined)) {
    const text = read(file);
    if (typeof text !== "string") return text;
    const c = readConfig(text, file);
    if (!c.ok) return { code: 1, stdout: "", stderr: c.message + "\n" };
    configs.push(c.config);
  }
  const r = replayRequest({
    trace: traceText,
    traceOptions: { ...(a.metric ? { metric: a.metric } : {}), ...(a.max_gap_seconds !== undefined ? { max_gap_seconds: a.max_gap_seconds } : {}) },
    config: configs[0],
    compare: configs[1],
    options: { boot_delay_ms: a.boot_delay_ms, initial_capacity: a.initial_capacity, scope: a.scope },
    limit: Infinity,
  });
  if (!r.ok) {
    const file = r.field === "trace" ? a.trace : r.field === "config" ? a.config : a.compare;
    return { code: 1, stdout: "", stderr: `${file}: ${r.message}\n` };
  }
  const runs = r.compare ? [r.run, r.compare.run] : [r.run];
  const labels = [a.config, ...(a.compare ? [a.compare] : [])].map((f) => f.split("/").pop()!);
  if (a.out) {
    try {
      io.writeFile(a.out, renderReport(r.trace, runs, labels));
    } catch (e) {
      return { code: 2, stdout: "", stderr: `cannot write ${a.out}: ${e instanceof Error ? e.message : String(e)}\n` };
    }
  }
  const stdout = a.json
    ? JSON.stringify({ run: runJson(r.run, Infinity), compare: r.compare ? { run: runJson(r.compare.run, Infinity), deltas: r.compare.deltas } : null }) + "\n"
    : textSummary(runs, labels, r.trace.metrics) + (a.out ? `\nReport written to ${a.out}\n` : "");
  return { code: 0, stdout, stderr: "" };
}
