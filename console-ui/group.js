// One group: its machines, desired vs running over time, the metric with the policy steps as
// bands, the decisions with their explanations, and its activities. GET /console/api/groups/{name}.
import { api } from "./api.js";
import { capacityChart, metricChart } from "./charts.js";
import { age, ago, badge, h, json, stateKind, table, time, fill } from "./dom.js";

/** Decisions whose explanation is open stay open across live refreshes. */
const open = new Set();

function explanation(r) {
  const d = r.result ?? {};
  const inputs = d.inputs ?? {};
  const rows = (d.policies ?? []).map((p) => [
    p.name,
    p.adjustment_type,
    p.match ? `step ${p.match.step}: [${p.match.lower_bound ?? "−∞"}, ${p.match.upper_bound ?? "∞"}) → ${p.match.adjustment}` : "no step matched",
    p.match ? String(p.match.raw_adjustment) : "—",
    p.match ? String(p.match.rounded_adjustment) : "—",
    p.match ? String(p.match.resulting_capacity) : "—",
    d.winner === p.name ? badge("winner", "ok") : "",
  ]);
  return h(
    "div",
    { class: "explain" },
    h("p", {}, d.explanation ?? r.cause ?? ""),
    h(
      "dl",
      {},
      h("dt", {}, "Trigger"),
      h("dd", {}, r.request?.trigger ?? "—"),
      h("dt", {}, "Inputs"),
      h("dd", {}, `metric ${inputs.metric ?? "—"}, capacity ${inputs.capacity ?? "—"}, min ${inputs.min_size ?? "—"}, max ${inputs.max_size ?? "—"}`),
      h("dt", {}, "Clamp"),
      h("dd", {}, d.clamp ? `${d.clamp.from} → ${d.clamp.to} (${d.clamp.bound})` : "none"),
      h("dt", {}, "Result"),
      h("dd", {}, `desired ${d.desired ?? "—"} (unclamped ${d.unclamped_desired ?? "—"}, change ${d.change ?? "—"}, ${d.direction ?? "—"})${d.blockedBy ? `, blocked by ${d.blockedBy}` : ""}`),
    ),
    table("Policies evaluated", ["Policy", "Type", "Matched step", "Raw adjustment", "Rounded", "Resulting capacity", ""], rows, { empty: "No policy." }),
  );
}

function decisionSummary(r) {
  const d = r.result ?? {};
  const verb = d.blockedBy ? `blocked by ${d.blockedBy}` : d.direction === "out" ? "scale out" : d.direction === "in" ? "scale in" : "no change";
  return `${time(r.created_at)} — ${verb}: desired ${d.desired ?? "?"}${d.winner ? ` (policy ${d.winner})` : ""}`;
}

export async function groupView(main, name) {
  const data = await api(`/console/api/groups/${encodeURIComponent(name)}`);
  const g = data.group;
  const decisions = data.records.filter((r) => r.type === "autoscale.decision");
  const activities = data.records.filter((r) => r.type !== "autoscale.decision");
  const cap = h("div", { class: "chart", role: "img", "aria-label": `Desired and running machines of ${g.name} over time` });
  const met = h("div", { class: "chart", role: "img", "aria-label": `Scaling metric of ${g.name} with its policy steps` });
  fill(
    main,
    h("p", { class: "crumbs" }, h("a", { href: "#/groups" }, "Groups"), " / ", g.name),
    h("h1", { tabindex: "-1" }, `Group ${g.name}`),
    factList(g),
    h("h2", {}, "Machines"),
    table(
      `Machines of ${g.name}`,
      ["Machine", "State", "Service state", "Address", "Age"],
      data.machines.map((m) => ({
        attrs: { "data-machine": m.id },
        cells: [m.name === m.id ? m.id : `${m.name} (${m.id})`, badge(m.state, stateKind(m.state)), badge(m.service_state, stateKind(m.service_state)), m.address ?? "—", age(m.age_seconds)],
      })),
      { empty: "No machines." },
    ),
    g.front_door
      ? [
          h("h2", {}, "Front door"),
          h(
            "p",
            {},
            `${g.front_door.reqs_per_sec ?? "—"} requests/s and ${g.front_door.inflight_reqs ?? "—"} in flight per member; ${g.front_door.held} held; ${data.cold_starts.length} cold start(s)`,
            data.cold_starts[0] ? `, the last waited ${data.cold_starts[0].waited_ms === null ? "(still waking)" : `${data.cold_starts[0].waited_ms} ms`}` : "",
            ".",
          ),
        ]
      : null,
    h("h2", {}, "Capacity over time"),
    cap,
    g.autoscale ? h("h2", {}, "Metric and policy steps") : null,
    g.autoscale ? met : null,
    h("h2", {}, `Decisions (${decisions.length})`),
    decisions.length
      ? h(
          "ul",
          { class: "decisions" },
          decisions.map((r) => {
            const det = h("details", { "data-decision": r.id, open: open.has(r.id) }, h("summary", {}, decisionSummary(r)), explanation(r));
            det.addEventListener("toggle", () => (det.open ? open.add(r.id) : open.delete(r.id)));
            return h("li", {}, det);
          }),
        )
      : h("p", { class: "empty" }, g.autoscale ? "No decision yet: decisions come with metric samples." : "Autoscale is off for this group."),
    h("h2", {}, "Activities"),
    table(
      `Activities of ${g.name} (newest first)`,
      ["When", "Type", "Dialect", "Status", "Details"],
      activities.map((r) => [h("time", { datetime: r.created_at, title: r.created_at }, ago(r.created_at)), r.type, r.dialect, badge(r.status, stateKind(r.status)), r.reason_message ?? r.cause ?? json(r.result)]),
      { empty: "No activity." },
    ),
  );
  // Drawn once in the page, where their width is known.
  return {
    mount() {
      capacityChart(cap, data.series);
      if (g.autoscale) metricChart(met, data.series, data.bands);
    },
  };
}

function factList(g) {
  const facts = [
    ["Dialects", g.dialects.join(", ") || "—"],
    ["Desired", String(g.desired)],
    ["Running", String(g.running)],
    ["Starting", String(g.starting)],
    ["Draining", String(g.draining)],
    ["Range", `${g.min_size} – ${g.max_size}`],
    ["Provider", g.provider],
    ["Autoscale", g.autoscale ? "on" : "off"],
    ["Domains", g.domains.join(", ") || "—"],
  ];
  return h("dl", { class: "facts" }, facts.map(([k, v]) => h("div", {}, h("dt", {}, k), h("dd", {}, v))));
}
