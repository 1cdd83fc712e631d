// Front door (issue 11), per service group with domains: requests/s and in flight as the group
// last measured them, requests held while it wakes, cold starts and how long they waited.
// GET /console/api/front-door.
import { api } from "./api.js";
import { ago, fill, h, table } from "./dom.js";

const num = (v) => (v === null || v === undefined ? "—" : String(v));
const ms = (v) => (v === null || v === undefined ? "—" : v < 1000 ? `${v} ms` : `${(v / 1000).toFixed(1)} s`);

export async function frontDoorView(main) {
  const { groups } = await api("/console/api/front-door");
  fill(
    main,
    h("h1", { tabindex: "-1" }, "Front door"),
    h("p", { class: "hint" }, "Service groups with domains: traffic proxied at the edge, requests held while a group wakes from zero."),
    table(
      `Front door (${groups.length} service group${groups.length === 1 ? "" : "s"})`,
      ["Group", "Domains", "Requests/s per member", "In flight per member", "Held", "Cold starts", "Cold-start wait (last · mean · max)"],
      groups.map((g) => ({
        attrs: { "data-frontdoor": g.name },
        cells: [
          h("a", { href: `#/groups/${encodeURIComponent(g.name)}` }, g.name),
          g.domains.join(", "),
          num(g.reqs_per_sec),
          num(g.inflight_reqs),
          String(g.held),
          String(g.cold_starts),
          g.cold_start_wait_ms ? `${ms(g.cold_start_wait_ms.last)} · ${ms(g.cold_start_wait_ms.mean)} · ${ms(g.cold_start_wait_ms.max)}` : "—",
        ],
      })),
      { empty: "No service group has a domain: POST /v1/services with domains." },
    ),
    groups.some((g) => g.recent_cold_starts.length)
      ? [
          h("h2", {}, "Recent cold starts"),
          table(
            "Recent cold starts (newest first)",
            ["Group", "When", "Request that woke it", "Waited"],
            groups.flatMap((g) => g.recent_cold_starts.map((c) => [g.name, h("time", { datetime: c.at, title: c.at }, ago(c.at)), c.request ?? "—", c.waited_ms === null ? "still waking" : ms(c.waited_ms)])),
          ),
        ]
      : null,
  );
  return {};
}
