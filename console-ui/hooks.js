// Hooks: each hook's recent deliveries (accepted, deduplicated, refused and why) and the webhook
// provider's outbound deliveries with their attempts. GET /console/api/deliveries.
import { api } from "./api.js";
import { ago, badge, h, table, fill } from "./dom.js";

/** What a delivery did, in one word, and why. */
function outcome(r) {
  const results = r.result?.results ?? [];
  if (r.status === "failed") return [badge("refused", "bad"), r.reason_message ?? results[0]?.reason ?? "the trigger failed"];
  if (results.length && results.every((x) => x.duplicate)) return [badge("deduplicated", "neutral"), "already seen: the first delivery's outcome is answered, nothing acted again"];
  const acted = results.filter((x) => x.outcome === "acted");
  if (acted.length) return [badge("accepted", "ok"), acted.map((x) => `desired ${x.desired_size ?? "?"}`).join(", ")];
  const other = results[0];
  if (other?.outcome === "suppressed") return [badge("refused", "warn"), other.reason ?? "suppressed by min_interval_seconds"];
  return [badge(other?.outcome ?? r.status, "neutral"), other?.reason ?? ""];
}

const attempts = (r) => {
  const list = r.result?.attempts ?? [];
  if (!list.length) return "none yet";
  return h("ol", { class: "attempts" }, list.map((a) => h("li", {}, `#${a.attempt} ${a.status ?? a.error ?? "?"} in ${a.durationMs} ms`)));
};

export async function hooksView(main) {
  const d = await api("/console/api/deliveries");
  fill(
    main,
    h("h1", { tabindex: "-1" }, "Hooks"),
    d.hooks.length
      ? d.hooks.map((hk) =>
          h(
            "section",
            { class: "hook", "data-hook": hk.id },
            h("h2", {}, `${hk.name} → group ${hk.group}`),
            h("p", { class: "meta" }, `${hk.format} hook ${hk.id}`),
            table(
              `Recent deliveries of ${hk.name}`,
              ["When", "Outcome", "Why / effect", "Delivery"],
              hk.deliveries.map((r) => {
                const [o, why] = outcome(r);
                return [h("time", { datetime: r.created_at, title: r.created_at }, ago(r.created_at)), o, why, r.request?.delivery_id ?? r.id];
              }),
              { empty: "No delivery yet." },
            ),
          ),
        )
      : h("p", { class: "empty" }, "No hooks: POST /hooks creates one."),
    h("h2", {}, "Webhook provider: outbound deliveries"),
    table(
      "Outbound deliveries (newest first)",
      ["When", "Group", "Event", "Status", "Attempts", "URL"],
      d.provider_deliveries.map((r) => [h("time", { datetime: r.created_at, title: r.created_at }, ago(r.created_at)), r.target_id, r.request?.type ?? "—", badge(r.status, r.status === "succeeded" ? "ok" : r.status === "failed" ? "bad" : "busy"), attempts(r), r.request?.url ?? "—"]),
      { empty: "No outbound delivery: groups with the webhook provider send them." },
    ),
  );
  return {};
}
