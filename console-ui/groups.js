// The groups table: every group of the tenant whatever dialect made it, filterable by text and by
// dialect. GET /console/api/groups.
import { api } from "./api.js";
import { badge, h, table, fill } from "./dom.js";

const filters = { text: "", dialect: "" };
/**
 * Brings the groups view on screen up to date with `filters`. A live refresh is built off-screen
 * and swapped in (main.js), so a keystroke can land in the filter of the view just replaced: its
 * handler then updates the view now on screen, not the detached one.
 */
let onScreen = null;

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
  const sync = () => {
    if (text.value !== filters.text) text.value = filters.text;
    if (dialect.value !== filters.dialect) dialect.value = filters.dialect;
    render();
  };
  text.addEventListener("input", () => {
    filters.text = text.value;
    (onScreen ?? sync)();
  });
  dialect.addEventListener("change", () => {
    filters.dialect = dialect.value;
    (onScreen ?? sync)();
  });
  render();
  fill(
    main,
    h("h1", { tabindex: "-1" }, "Groups"),
    h("div", { class: "filters", role: "search" }, h("label", { for: "filter-text" }, "Filter "), text, h("label", { for: "filter-dialect" }, " Dialect "), dialect),
    holder,
  );
  // main.js gives the focused filter its focus back after a live refresh (by id). Once swapped
  // in, this view catches up with what was typed into the old one while it was being built.
  return {
    mount() {
      onScreen = sync;
      sync();
    },
  };
}
