// One human sentence per decision, for the ledger and the what-if answer. Derived only from the
// Decision, so a stored decision can be re-rendered later (and the wording can change freely).
import type { Decision, PolicyEvaluation } from "./evaluate";

const signed = (n: number) => (n > 0 ? `+${n}` : String(n));
const range = (lo: number | null, up: number | null) => `${lo === null ? "(-inf" : `[${lo}`}, ${up ?? "inf"})`;

function describePolicy(e: PolicyEvaluation, capacity: number, cpu: number | null): string {
  const m = e.match;
  const metric = e.metric ?? "cpu";
  if (!m && (e.metric ? e.value === null : cpu === null)) return `"${e.name}" has no ${metric} sample`;
  if (!m) return `"${e.name}" matched no step${e.metric ? ` (${metric})` : ""}`;
  const where = `"${e.name}" step ${m.step} ${e.metric ? `${metric} ` : ""}${range(m.lower_bound, m.upper_bound)}`;
  switch (e.adjustment_type) {
    case "change":
      return `${where} change ${signed(m.adjustment)} → ${m.resulting_capacity}`;
    case "exact":
      return `${where} exact ${m.adjustment} → ${m.resulting_capacity}`;
    case "percent": {
      const rounding =
        m.raw_adjustment === m.rounded_adjustment ? "" : `${signed(m.raw_adjustment)} rounded to `;
      return `${where} ${signed(m.adjustment)}% of ${capacity} = ${rounding}${signed(m.rounded_adjustment)} → ${m.resulting_capacity}`;
    }
  }
}

/**
 * e.g. `cpu 750 millicores on 10 instances (min 1, max 20): "out" step 1 [500, inf) +10% of 10 =
 * +1 → 11; "in" matched no step. "out" wins: desired 11, scale out by 1.`
 */
export function explainDecision(d: Decision): string {
  const { metric, metrics, capacity, min_size, max_size } = d.inputs;
  // A cpu-only sample reads as it always has; other metrics are named after it, per member.
  const values = [
    ...(metric === null ? [] : [`cpu ${metric} millicores`]),
    ...(metrics?.inflight_reqs === undefined ? [] : [`inflight_reqs ${metrics.inflight_reqs}`]),
    ...(metrics?.reqs_per_sec === undefined ? [] : [`reqs_per_sec ${metrics.reqs_per_sec}`]),
  ];
  const head = `${values.length ? values.join(", ") : "no metric"}${values.length > 1 || (values.length === 1 && metric === null) ? " per member" : ""} on ${capacity} instance${capacity === 1 ? "" : "s"} (min ${min_size}, max ${max_size})`;
  const parts = d.policies.length ? d.policies.map((e) => describePolicy(e, capacity, metric)).join("; ") : "no policies";
  if (d.winner === null) return `${head}: ${parts}. No policy matched: no change, desired stays ${d.desired}.`;
  const clamp = d.clamp ? `, clamped from ${d.clamp.from} to ${d.clamp.bound} ${d.clamp.to}` : "";
  const outcome =
    d.direction === "out" ? `scale out by ${d.change}` : d.direction === "in" ? `scale in by ${-d.change}` : "no change";
  return `${head}: ${parts}. "${d.winner}" wins${clamp}: desired ${d.desired}, ${outcome}.`;
}
