// Charts with uPlot (no chart code of our own beyond its options): desired vs running capacity
// over time, and the scaling metric with each cpu policy step drawn as a band between two
// constant series (uPlot's own `bands`).
import uPlot from "uplot";

const width = (el) => Math.max(280, Math.min(1100, el.clientWidth || 600));

/** Destroys charts of a view that is being replaced. */
export const live = new Set();

// Charts follow the page's width (a phone turned, a window resized).
let resizing = null;
window.addEventListener("resize", () => {
  clearTimeout(resizing);
  resizing = setTimeout(() => {
    for (const c of live) c.setSize({ width: width(c.root.parentElement), height: c.height });
  }, 100);
});
export function destroyCharts() {
  for (const c of live) c.destroy();
  live.clear();
}

export function capacityChart(el, series) {
  const data = [series.t, series.desired, series.running];
  const chart = new uPlot(
    {
      title: "Desired vs running",
      width: width(el),
      height: 220,
      scales: { y: { range: (_u, min, max) => [0, Math.max(1, max ?? 1) + 1] } },
      series: [
        {},
        { label: "desired", stroke: "#1f5fbf", width: 2, dash: [6, 4], spanGaps: true, paths: uPlot.paths.stepped({ align: 1 }) },
        { label: "running", stroke: "#0a7a3a", width: 2, spanGaps: true, paths: uPlot.paths.stepped({ align: 1 }) },
      ],
      axes: [{}, { label: "machines" }],
    },
    data,
    el,
  );
  live.add(chart);
  return chart;
}

const BAND_FILLS = ["rgba(31,95,191,0.10)", "rgba(191,95,31,0.10)", "rgba(10,122,58,0.10)", "rgba(120,31,191,0.10)"];

export function metricChart(el, series, bands) {
  const cpu = series.cpu;
  const values = cpu.filter((v) => v !== null);
  const bounds = bands.flatMap((b) => [b.lower, b.upper]).filter((v) => v !== null);
  const top = Math.max(1, ...values, ...bounds) * 1.1;
  const data = [series.t, cpu];
  const seriesOpts = [{}, { label: "cpu (millicores per instance)", stroke: "#222", width: 2, spanGaps: true, points: { show: true } }];
  const bandOpts = [];
  bands.forEach((b, i) => {
    const lower = b.lower ?? 0;
    const upper = b.upper ?? top;
    const sign = b.adjustment > 0 ? "+" : "";
    const unit = b.adjustment_type === "percent" ? "%" : b.adjustment_type === "exact" ? " (exact)" : "";
    const label = `${b.policy}: [${b.lower ?? "−∞"}, ${b.upper ?? "∞"}) → ${sign}${b.adjustment}${unit}`;
    const fill = BAND_FILLS[i % BAND_FILLS.length];
    data.push(series.t.map(() => upper), series.t.map(() => lower));
    seriesOpts.push({ label, stroke: fill.replace("0.10", "0.6"), width: 1, dash: [2, 3] }, { label: `${b.policy} lower`, stroke: fill.replace("0.10", "0.6"), width: 1, dash: [2, 3] });
    const hi = data.length - 2;
    bandOpts.push({ series: [hi, hi + 1], fill });
  });
  const chart = new uPlot(
    {
      title: "Scaling metric and policy steps",
      width: width(el),
      height: 220,
      scales: { y: { range: () => [0, top] } },
      series: seriesOpts,
      bands: bandOpts,
      axes: [{}, { label: "millicores" }],
      legend: { live: false },
    },
    data,
    el,
  );
  // Each band needs a lower series; the legend lists the step once (on its upper series).
  const rows = chart.root.querySelectorAll(".u-legend .u-series");
  bandOpts.forEach((b) => rows[b.series[1]]?.setAttribute("hidden", ""));
  live.add(chart);
  return chart;
}
