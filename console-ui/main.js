// The console's entry: sign-in, the hash router (#/groups, #/groups/<name>, #/actions, #/hooks, #/front-door)
// and the live feed. A change event from the feed re-reads the view it concerns within a second;
// nothing polls, so an idle console costs nothing on the server (the feed object hibernates).
import { ApiFailure, loadSession, pageSession, session, signIn, signOut } from "./api.js";
import { actionsView } from "./actions.js";
import { destroyCharts } from "./charts.js";
import { h } from "./dom.js";
import { frontDoorView } from "./frontdoor.js";
import { groupView } from "./group.js";
import { groupsView } from "./groups.js";
import { hooksView } from "./hooks.js";

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const who = document.getElementById("who");
const liveEl = document.getElementById("live");
const signoutBtn = document.getElementById("signout");

function route() {
  const [, view = "groups", arg] = location.hash.replace(/^#/, "").split("/");
  return { view: ["groups", "actions", "hooks", "front-door"].includes(view) ? view : "groups", arg: arg ? decodeURIComponent(arg) : null };
}

let rendering = null;
let again = false;

/** Renders the current view; `live` keeps focus and scroll (a refresh, not a navigation). */
async function render(live = false) {
  if (rendering) {
    again = true;
    return rendering;
  }
  rendering = (async () => {
    const { view, arg } = route();
    for (const a of nav.querySelectorAll("a")) {
      if (a.dataset.view === view) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    }
    try {
      // Built off-screen, swapped in at once: a live refresh does not flash.
      const fresh = document.createElement("div");
      let shown;
      if (view === "groups" && arg) shown = await groupView(fresh, arg);
      else if (view === "groups") shown = await groupsView(fresh);
      else if (view === "actions") shown = await actionsView(fresh, () => render(true));
      else if (view === "front-door") shown = await frontDoorView(fresh);
      else shown = await hooksView(fresh);
      if (document.querySelector("dialog[open]") && live) return; // never pull a dialog from under the user
      // What has the focus at the swap (the user may have moved it while the view was built),
      // found again in the new view: by id, or a link by where it leads (the tables' links have
      // no id; a keyboard user tabbing through them must not lose their place).
      const active = live ? document.activeElement : null;
      const focused = active?.id || null;
      const link = !focused && active?.tagName === "A" ? active.getAttribute("href") : null;
      const caret = focused && active.selectionStart;
      const scroll = window.scrollY;
      destroyCharts();
      main.replaceChildren(...fresh.childNodes);
      shown?.mount?.();
      if (live) {
        window.scrollTo(0, scroll);
        const el = (focused && document.getElementById(focused)) || (link && [...main.querySelectorAll("a[href]")].find((a) => a.getAttribute("href") === link));
        if (el) {
          el.focus();
          if (typeof caret === "number" && el.setSelectionRange) el.setSelectionRange(caret, caret);
        }
      } else main.querySelector("h1")?.focus();
      document.title = `${main.querySelector("h1")?.textContent ?? "Console"} · Scalegate`;
    } catch (e) {
      if (e instanceof ApiFailure && e.status === 401) return showSignIn("Your session ended (expired, signed out, or its token was revoked). Sign in again.");
      main.replaceChildren(h("h1", { tabindex: "-1" }, "Something went wrong"), h("p", { class: "error", role: "alert" }, e.message));
    }
  })();
  try {
    await rendering;
  } finally {
    rendering = null;
    if (again) {
      again = false;
      void render(true);
    }
  }
}

function showSignIn(message) {
  closeFeed();
  nav.hidden = true;
  signoutBtn.hidden = true;
  who.textContent = "";
  const input = h("input", { type: "password", id: "token", name: "token", autocomplete: "off", required: true, "aria-describedby": "token-help" });
  const error = h("p", { class: "error", role: "alert", id: "signin-error" }, message ?? "");
  const form = h(
    "form",
    { class: "signin", id: "signin" },
    h("h1", { tabindex: "-1" }, "Sign in"),
    h("label", { for: "token" }, "Tenant token"),
    input,
    h("p", { class: "hint", id: "token-help" }, "A tenant-wide token (sg_…) from POST /admin/tenants/{tenant}/tokens. It is exchanged for a session cookie of one hour and not kept by the page."),
    error,
    h("button", { type: "submit" }, "Sign in"),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      await signIn(input.value.trim());
      input.value = "";
      await start();
    } catch (e) {
      error.textContent = e instanceof ApiFailure && e.status === 400 ? `Check the token: ${e.message}` : e.message === "missing or invalid credentials" ? "Unknown or revoked token." : e.message;
      input.focus();
    }
  });
  main.replaceChildren(form);
  input.focus();
}

// ------------------------------------------------------------------ live feed

let ws = null;
let retry = 0;
let pingTimer = null;
let pending = null;
let reconnect = null;

function setLive(text) {
  liveEl.textContent = text;
  liveEl.dataset.state = text;
}

function closeFeed() {
  clearTimeout(reconnect);
  if (ws) {
    ws.onclose = null;
    ws.close();
    ws = null;
  }
  clearInterval(pingTimer);
  setLive("");
}

/** Whether a change concerns the view on screen. */
function concerns(ev) {
  const { view, arg } = route();
  if (view === "groups") return !arg || (ev.target.kind === "group" && ev.target.id === arg);
  if (view === "front-door") return ev.target.kind === "group";
  if (view === "actions") return ev.target.kind !== "group" || ev.types.some((t) => t.startsWith("elasticity."));
  return ev.target.kind === "hook" || ev.types.includes("provider.delivery") || ev.types.some((t) => t.startsWith("hook."));
}

function openFeed() {
  closeFeed();
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/console/api/feed`;
  ws = new WebSocket(url);
  setLive("connecting");
  ws.onopen = () => {
    retry = 0;
    setLive("live");
    pingTimer = setInterval(() => ws?.readyState === 1 && ws.send("ping"), 30_000);
  };
  ws.onmessage = (m) => {
    if (m.data === "pong") return;
    let ev;
    try {
      ev = JSON.parse(m.data);
    } catch {
      return;
    }
    if (ev.type !== "change" || !concerns(ev)) return;
    // Changes come in bursts (a command and its reconcile): one re-read per 150 ms at most.
    clearTimeout(pending);
    pending = setTimeout(() => render(true), 150);
  };
  ws.onclose = (ev) => {
    clearInterval(pingTimer);
    // 4001: the session ended (expired, or its token was revoked).
    if (ev.code === 4001) {
      ws = null;
      return showSignIn("Your session ended (expired, or its token was revoked). Sign in again.");
    }
    ws = null;
    setLive("reconnecting");
    retry = Math.min(retry + 1, 6);
    reconnect = setTimeout(async () => {
      if (!session.tenant) return;
      if (await loadSession().catch(() => false)) openFeed();
      else showSignIn("Your session ended. Sign in again.");
    }, 500 * 2 ** retry);
  };
}

// ------------------------------------------------------------------ start

async function start() {
  nav.hidden = false;
  signoutBtn.hidden = false;
  who.textContent = `tenant ${session.tenant}`;
  openFeed();
  await render();
}

signoutBtn.addEventListener("click", async () => {
  closeFeed(); // first: a reconnect racing the sign-out would be refused
  await signOut().catch(() => {});
  showSignIn("Signed out.");
});
window.addEventListener("hashchange", () => session.tenant && render());

if (pageSession()) void start();
else showSignIn();
