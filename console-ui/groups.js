// The groups table: every group of the tenant whatever dialect made it, filterable by text and by
// dialect. GET /console/api/groups.
import { api } from "./api.js";
import { badge, h, table, fill } from "./dom.js";

const filters = { text: "", dialect: "" };

export async function groupsView(main) {
  const { groups } = await api("/console/api/groups");
  const text = h("input", { type: "search", id: "filter-text", value: filters.text, placeholder: "name, provider, domain…", autocomplete: "off" });
  const dialect = h(
    "select",
    { id: "filter-dialect" },
    h("option", { value: "" }, "any dialect"),
    ["elastisys", "kraftcloud", "quilt", "hooks"].map((d) => h("option", { value: d, selected: filters.dialect === d }, d)),
  );
  const holder = h("div", {});
  const render = () => {
    const q = filters.text.trim().toLowerCase();
    const shown = groups.filter(
      (g) =>
        (!filters.dialect || g.dialects.includes(filters.dialect)) &&
        (!q || [g.name, g.provider, ...g.domains, ...g.dialects, g.autoscale ? "autoscale" : ""].some((x) => x.toLowerCase().includes(q))),
    );
    holder.replaceChildren(
      table(
        `Groups (${shown.length} of ${groups.length})`,
        ["Name", "Dialects", "Desired", "Running", "Starting", "Draining", "Provider", "Autoscale", "Front-door domains"],
        shown.map((g) => ({
          attrs: { "data-group": g.name },
          cells: [
            h("a", { href: `#/groups/${encodeURIComponent(g.name)}` }, g.name),
            g.dialects.length ? g.dialects.join(", ") : "—",
            String(g.desired),
            String(g.running),
            String(g.starting),
            String(g.draining),
            g.provider,
            g.autoscale ? badge("on", "ok") : badge("off", "neutral"),
            g.domains.length ? g.domains.join(", ") : "—",
          ],
        })),
        { empty: groups.length ? "No group matches the filter." : "No groups yet: create one through any dialect.", class: "groups" },
      ),
    );
  };
  text.addEventListener("input", () => {
    filters.text = text.value;
    render();
  });
  dialect.addEventListener("change", () => {
    filters.dialect = dialect.value;
    render();
  });
  render();
  fill(
    main,
    h("h1", { tabindex: "-1" }, "Groups"),
    h("div", { class: "filters", role: "search" }, h("label", { for: "filter-text" }, "Filter "), text, h("label", { for: "filter-dialect" }, " Dialect "), dialect),
    holder,
  );
  // main.js gives the focused filter its focus back after a live refresh (by id).
  return {};
}
