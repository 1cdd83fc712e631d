// One replay request, as the route and the CLI both make it: a trace, a configuration (and maybe
// a second one to compare), the options → the run(s) as plain JSON (ISO times), or the first
// problem, naming where it is. Pure: the callers read files or bodies and render the answer.
import type { Failure } from "../operations";
import { replayConfig, DEFAULT_REPLAY_CONFIG, type ConfigInput } from "./config";
import { replay, type ReplayConfig, type ReplayOptions, type Run } from "./engine";
import { compareSummaries, type Deltas } from "./summary";
import { parseTrace, parseTraceJson, type Trace, type TraceError, type TraceOptions } from "./trace";

/** Entries of the timeline and decisions answered at most (the summary always covers the whole run). */
export const MAX_ANSWERED_ENTRIES = 10_000;

export type ReplayRequest = {
  /** CSV text, or JSON text; or an already parsed JSON value (array of samples, Prometheus answer). */
  trace: string | unknown;
  traceOptions?: TraceOptions;
  config?: ConfigInput;
  compare?: ConfigInput;
  options?: ReplayOptions;
  /** The live configuration the tried ones start from (defaults when none). */
  base?: ReplayConfig;
  limit?: number;
};

const iso = (ms: number) => new Date(ms).toISOString();

/** A run as JSON: ISO times, the timeline as entries, capped at `limit` entries per list. */
export function runJson(run: Run, limit = MAX_ANSWERED_ENTRIES) {
  const tl = run.timeline;
  const n = Math.min(tl.at.length, limit);
  const timeline = [];
  for (let i = 0; i < n; i++) {
    timeline.push({ at: iso(tl.at[i]), desired: tl.desired[i], booting: tl.booting[i], running: tl.running[i], warming: tl.warming[i], draining: tl.draining[i], standby: tl.standby[i] === 1 });
  }
  return {
    start: iso(run.start),
    end: iso(run.end),
    samples: run.samples,
    config: run.config,
    options: run.options,
    summary: run.summary,
    timeline,
    decisions: run.decisions.slice(0, limit).map((d) => ({ at: iso(d.at), trigger: d.trigger, applied: d.applied, decision: d.result })),
    windows: run.windows.slice(0, limit).map((w) => ({ kind: w.kind, from: iso(w.from), until: iso(w.until) })),
    events: run.events.slice(0, limit).map((e) => ({ ...e, at: iso(e.at) })),
    truncated:
      tl.at.length > limit || run.decisions.length > limit || run.windows.length > limit || run.events.length > limit
        ? { limit, timeline: tl.at.length, decisions: run.decisions.length, windows: run.windows.length, events: run.events.length }
        : null,
  };
}

export type ReplayOutcome =
  | { ok: true; trace: Trace; run: Run; compare: { run: Run; deltas: Deltas } | null }
  | (Failure & { field: "trace" | "config" | "compare"; where?: string; tooLarge?: boolean });

/** Parses, validates and runs. `config`/`compare` failures are the configuration routes' failures. */
export function replayRequest(req: ReplayRequest): ReplayOutcome {
  const base = req.base ?? DEFAULT_REPLAY_CONFIG;
  const a = replayConfig(req.config ?? {}, base);
  if (!a.ok) return { ...a, field: "config" };
  const b = req.compare ? replayConfig(req.compare, base) : null;
  if (b && !b.ok) return { ...b, field: "compare" };
  // A trace of one unnamed metric is the metric the policies use, when they all use one.
  const used = [...new Set([...a.config.policies, ...(b?.ok ? b.config.policies : [])].map((p) => p.metric))];
  const traceOptions: TraceOptions = { ...(used.length === 1 ? { metric: used[0] } : {}), ...req.traceOptions };
  const parsed = typeof req.trace === "string" ? parseTrace(req.trace, traceOptions) : parseTraceJson(req.trace, traceOptions);
  if (!parsed.ok) return traceFailure(parsed);
  const run = replay(parsed.trace, a.config, req.options);
  const other = b?.ok ? replay(parsed.trace, b.config, req.options) : null;
  return { ok: true, trace: parsed.trace, run, compare: other ? { run: other, deltas: compareSummaries(run.summary, other.summary) } : null };
}

const traceFailure = (e: TraceError): ReplayOutcome => ({ ok: false, code: "INVALID", message: `trace ${e.message}`, field: "trace", where: e.where, tooLarge: e.code === "TOO_LARGE" });
