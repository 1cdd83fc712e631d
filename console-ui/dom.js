// DOM helpers: elements are built with text nodes only (no innerHTML), so nothing from the API
// is ever parsed as HTML.

/** h("a", {href: "#/x", class: "y"}, "text", child) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Replaces an element's children (arrays flattened, null/false left out). */
export function fill(el, ...children) {
  el.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
}

/** Relative time: "12 s ago", "3 min ago". */
export function ago(iso) {
  if (!iso) return "—";
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  return s < 60 ? `${s} s ago` : s < 3600 ? `${Math.floor(s / 60)} min ago` : s < 86400 ? `${Math.floor(s / 3600)} h ago` : `${Math.floor(s / 86400)} d ago`;
}

export function age(seconds) {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h`;
  return `${Math.floor(seconds / 86400)} d`;
}

export const time = (iso) => (iso ? new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" }) : "—");

/** A table with a caption and a header row; `rows` are arrays of cells (strings or nodes). */
export function table(caption, headers, rows, opts = {}) {
  return h(
    "div",
    { class: "table-wrap", tabindex: "0", role: "region", "aria-label": caption },
    h(
      "table",
      { class: opts.class },
      h("caption", {}, caption),
      h("thead", {}, h("tr", {}, headers.map((x) => h("th", { scope: "col" }, x)))),
      h("tbody", {}, rows.length ? rows.map((r) => h("tr", r.attrs ?? {}, (r.cells ?? r).map((c) => h("td", {}, c)))) : h("tr", {}, h("td", { colspan: headers.length, class: "empty" }, opts.empty ?? "Nothing yet."))),
    ),
  );
}

/** A status shown as a word and a symbol, so it reads without colour. */
export function badge(text, kind = "neutral") {
  const sym = { ok: "●", warn: "▲", bad: "✕", neutral: "○", busy: "◐" }[kind] ?? "○";
  return h("span", { class: `badge badge-${kind}` }, h("span", { "aria-hidden": "true" }, sym + " "), text);
}

export const stateKind = (s) =>
  ({ RUNNING: "ok", IN_SERVICE: "ok", succeeded: "ok", acted: "ok", REQUESTED: "busy", PENDING: "busy", BOOTING: "busy", running: "busy", accepted: "busy", TERMINATING: "warn", OUT_OF_SERVICE: "warn", UNKNOWN: "neutral", suppressed: "warn", ignored: "neutral", TERMINATED: "neutral", REJECTED: "bad", UNHEALTHY: "bad", failed: "bad", cancelled: "bad", timed_out: "bad" })[s] ?? "neutral";

export const json = (v) => (v === null || v === undefined ? "—" : typeof v === "string" ? v : JSON.stringify(v));
