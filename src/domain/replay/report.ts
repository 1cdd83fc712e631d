// The self-contained HTML report of a replay (or a comparison): inline CSS and inline SVG (the
// metric with the policies' step bands, the capacity of each run), the summaries side by side, and
// the decisions with their explanations. No script, no font, no URL: it opens offline.
import type { Run } from "./engine";
import { compareSummaries, type Summary } from "./summary";
import type { Trace, TraceMetric } from "./trace";

const W = 960;
const PAD = { l: 56, r: 16, t: 16, b: 28 };
const BUCKETS = 480;
const MAX_DECISION_ROWS = 500;
const COLORS = ["#1f77b4", "#d62728"];

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const iso = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");
const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));

type Scale = (v: number) => number;
const linear = (d0: number, d1: number, r0: number, r1: number): Scale => (v) => (d1 === d0 ? (r0 + r1) / 2 : r0 + ((v - d0) * (r1 - r0)) / (d1 - d0));

function axes(x: Scale, y: Scale, start: number, end: number, yMax: number, h: number, label: string): string {
  const out: string[] = [`<line x1="${PAD.l}" y1="${h - PAD.b}" x2="${W - PAD.r}" y2="${h - PAD.b}" class="axis"/>`, `<line x1="${PAD.l}" y1="${PAD.t}" x2="${PAD.l}" y2="${h - PAD.b}" class="axis"/>`];
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    out.push(`<text x="${PAD.l - 4}" y="${y(v) + 4}" text-anchor="end">${fmt(v)}</text>`);
  }
  for (let i = 0; i <= 4; i++) {
    const t = start + ((end - start) * i) / 4;
    out.push(`<text x="${x(t)}" y="${h - 8}" text-anchor="${i === 0 ? "start" : i === 4 ? "end" : "middle"}">${esc(iso(t).slice(5, 16).replace("T", " "))}</text>`);
  }
  out.push(`<text x="${PAD.l + 4}" y="${PAD.t + 10}">${esc(label)}</text>`);
  return out.join("");
}

/** The metric, bucketed to min/max pairs so a week of seconds stays a few hundred points. */
function metricChart(trace: Trace, metric: TraceMetric, runs: Run[]): string {
  const h = 260;
  const t = trace.t;
  const v = trace.values[metric]!;
  const start = t[0];
  const end = Math.max(t[t.length - 1], start + 1);
  const policies = runs.flatMap((r, i) => r.config.policies.filter((p) => p.metric === metric && p.enabled !== false).map((p) => ({ p, i })));
  let max = 0;
  for (let k = 0; k < v.length; k++) if (v[k] > max) max = v[k];
  for (const { p } of policies) for (const s of p.steps) for (const b of [s.lower_bound, s.upper_bound]) if (b !== null && b > max && b < max * 2) max = b;
  max = max > 0 ? max * 1.05 : 1;
  const x = linear(start, end, PAD.l, W - PAD.r);
  const y = linear(0, max, h - PAD.b, PAD.t);
  const clampY = (b: number | null, dflt: number) => (b === null ? dflt : Math.min(Math.max(b, 0), max));
  // Step bands: red where a step adds instances, green where it removes, of each run's policies.
  const bands = policies.flatMap(({ p, i }) =>
    p.steps.map((s) => {
      const lo = clampY(s.lower_bound, 0);
      const hi = clampY(s.upper_bound, max);
      const up = p.adjustment_type === "exact" ? null : s.adjustment > 0;
      const fill = up === null ? "#888" : up ? "#d62728" : "#2ca02c";
      return `<rect x="${PAD.l}" y="${y(hi)}" width="${W - PAD.l - PAD.r}" height="${Math.max(0, y(lo) - y(hi))}" fill="${fill}" fill-opacity="${0.06 + 0.04 * i}"><title>${esc(`run ${i + 1}: "${p.name}" [${s.lower_bound ?? "-inf"}, ${s.upper_bound ?? "inf"}) ${p.adjustment_type} ${s.adjustment}`)}</title></rect>` +
        (s.lower_bound !== null && s.lower_bound <= max ? `<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${y(s.lower_bound)}" y2="${y(s.lower_bound)}" stroke="${fill}" stroke-dasharray="${i ? "2 4" : "6 3"}" stroke-opacity="0.6"/>` : "");
    }),
  );
  const pts: string[] = [];
  const per = Math.max(1, Math.ceil(v.length / BUCKETS));
  for (let k0 = 0; k0 < v.length; k0 += per) {
    let lo = Infinity, hi = -Infinity;
    for (let k = k0; k < Math.min(v.length, k0 + per); k++) if (!Number.isNaN(v[k])) {
      if (v[k] < lo) lo = v[k];
      if (v[k] > hi) hi = v[k];
    }
    if (lo === Infinity) continue;
    const xx = x(t[k0]).toFixed(1);
    pts.push(`${xx},${y(hi).toFixed(1)}`, `${xx},${y(lo).toFixed(1)}`);
  }
  return `<svg viewBox="0 0 ${W} ${h}" width="${W}" height="${h}" role="img"><title>${esc(metric)}</title>${bands.join("")}${axes(x, y, start, end, max, h, `${metric} (per member)`)}<polyline points="${pts.join(" ")}" fill="none" stroke="#444" stroke-width="1"/></svg>`;
}

/** Desired (solid) and running (thin) of each run, as steps over the run. */
function capacityChart(runs: Run[]): string {
  const h = 200;
  const start = runs[0].start;
  const end = Math.max(runs[0].end, start + 1);
  let max = 1;
  for (const r of runs) for (let i = 0; i < r.timeline.at.length; i++) max = Math.max(max, r.timeline.desired[i], r.timeline.running[i] + r.timeline.booting[i]);
  max += 1;
  const x = linear(start, end, PAD.l, W - PAD.r);
  const y = linear(0, max, h - PAD.b, PAD.t);
  const lines = runs.map((r, ri) => {
    const step = (vals: number[]) => {
      const p: string[] = [];
      const tl = r.timeline;
      // At most a few thousand corners: beyond that, every n-th change (the summary is exact anyway).
      const every = Math.max(1, Math.ceil(tl.at.length / 4000));
      for (let i = 0; i < tl.at.length; i += every) {
        const xx = x(tl.at[i]).toFixed(1);
        if (p.length) p.push(`${xx},${p[p.length - 1].split(",")[1]}`);
        p.push(`${xx},${y(vals[i]).toFixed(1)}`);
      }
      p.push(`${x(end).toFixed(1)},${p[p.length - 1].split(",")[1]}`);
      return p.join(" ");
    };
    const windows = r.windows.slice(0, 2000).map((w) => `<rect x="${x(w.from)}" y="${h - PAD.b - 6 - ri * 6}" width="${Math.max(1, x(Math.min(w.until, end)) - x(w.from))}" height="5" fill="${w.kind === "warmup" ? "#ff7f0e" : "#9467bd"}" fill-opacity="0.7"><title>${w.kind} until ${iso(w.until)}</title></rect>`);
    return `${windows.join("")}<polyline points="${step(r.timeline.desired)}" fill="none" stroke="${COLORS[ri]}" stroke-width="2"${ri ? ' stroke-dasharray="6 3"' : ""}/><polyline points="${step(r.timeline.running)}" fill="none" stroke="${COLORS[ri]}" stroke-width="1" stroke-opacity="0.5"/>`;
  });
  return `<svg viewBox="0 0 ${W} ${h}" width="${W}" height="${h}" role="img"><title>capacity</title>${axes(x, y, start, end, max, h, "instances: desired (thick), running (thin); warmup ▬ orange, cooldown ▬ purple")}${lines.join("")}</svg>`;
}

function summaryTable(runs: Run[], labels: string[]): string {
  const keys = Object.keys(runs[0].summary) as (keyof Summary)[];
  const deltas = runs.length === 2 ? compareSummaries(runs[0].summary, runs[1].summary) : null;
  const head = `<tr><th>figure</th>${labels.map((l, i) => `<th style="color:${COLORS[i]}">${esc(l)}</th>`).join("")}${deltas ? "<th>delta (2 − 1)</th>" : ""}</tr>`;
  const rows = keys.map((k) => `<tr><td>${k}</td>${runs.map((r) => `<td>${fmt(r.summary[k])}</td>`).join("")}${deltas ? `<td>${deltas[k] > 0 ? "+" : ""}${fmt(deltas[k])}</td>` : ""}</tr>`);
  return `<table>${head}${rows.join("")}</table>`;
}

function decisionTable(run: Run, label: string): string {
  const rows = run.decisions.slice(0, MAX_DECISION_ROWS).map((d) => `<tr><td>${iso(d.at)}</td><td>${d.applied ? d.result.direction : `blocked (${d.result.blockedBy})`}</td><td>${d.result.desired}</td><td>${esc(d.result.explanation)}</td></tr>`);
  const more = run.decisions.length > MAX_DECISION_ROWS ? `<p>… and ${run.decisions.length - MAX_DECISION_ROWS} more decisions.</p>` : "";
  return `<h3>Decisions: ${esc(label)} (${run.decisions.length})</h3><table><tr><th>at</th><th>direction</th><th>desired</th><th>explanation</th></tr>${rows.join("")}</table>${more}`;
}

/** The report of one run, or of two runs on the same trace (then with the summary deltas). */
export function renderReport(trace: Trace, runs: Run[], labels = runs.map((_, i) => `config ${i + 1}`)): string {
  const metrics = trace.metrics.filter((m) => m !== "requests" || trace.metrics.length === 1);
  const config = runs.map((r, i) => `<h3 style="color:${COLORS[i]}">${esc(labels[i])}</h3><pre>${esc(JSON.stringify(r.config, null, 1))}</pre>`).join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Scalegate replay: ${esc(iso(runs[0].start))} – ${esc(iso(runs[0].end))}</title>
<style>body{font:14px system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}svg{display:block;margin:8px 0;background:#fafafa}svg text{font-size:11px;fill:#555}.axis{stroke:#999}pre{background:#f4f4f4;padding:8px;max-height:300px;overflow:auto}</style>
</head><body>
<h1>Replay of ${trace.t.length} samples, ${esc(iso(runs[0].start))} – ${esc(iso(runs[0].end))}</h1>
<p>Same engine as the live group (step policies, warmup and cooldown gates, scale-to-zero), in virtual time; boot delay ${runs[0].options.boot_delay_ms} ms, values ${runs[0].options.scope === "total" ? "in total, spread over the running members" : "per member"}.</p>
<h2>Summary</h2>${summaryTable(runs, labels)}
<h2>Metric and step bands</h2>${metrics.map((m) => metricChart(trace, m, runs)).join("")}
<h2>Capacity</h2>${capacityChart(runs)}
<h2>Configurations</h2>${config}
${runs.map((r, i) => decisionTable(r, labels[i])).join("")}
</body></html>
`;
}
