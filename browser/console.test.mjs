// The console in a real browser: playwright-core driving Debian's chromium (headless, no sandbox,
// background networking off) against the project's own `wrangler dev` (clients/harness/gateway.mjs,
// a fresh D1). It signs in, sees groups made through each dialect, watches a machine change state
// without a reload, opens a decision's explanation, rolls back an action and sees its operations,
// checks that tenant B's session never sees tenant A's groups, asserts no console errors, and
// takes a screenshot of each view at 1280 and 390 px wide into docs/console/.
//
//   npm run test:browser            (CHROMIUM=/path/to/chromium to use another binary)
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { createServer } from "node:http";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { chromium } from "playwright-core";
import { REPO_ROOT, startGateway, unique } from "../clients/harness/gateway.mjs";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const SHOTS = path.join(REPO_ROOT, "docs", "console");
const WIDTHS = { wide: { width: 1280, height: 900 }, narrow: { width: 390, height: 844 } };
/** The live feed's promise: a change shows within a second (plus the page's re-read). */
const LIVE_MS = 3000;

let gw;
let browser;
/** The webhook provider's receiver (127.0.0.1): refuses its first delivery (503), accepts the rest. */
let receiver;
let receiverHits = 0;
const A = {};
const B = {};

/** A call to the gateway with a tenant token, as any client makes it. */
async function api(token, method, p, body, headers = {}) {
  const res = await fetch(gw.base + p, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  // KraftCloud answers an item's failure with HTTP 200 and status "error".
  if (!res.ok || json?.status === "error") throw new Error(`${method} ${p} → ${res.status}: ${text.slice(0, 300)}`);
  return json;
}

const quiltHeaders = (tenant, action) => ({ "X-Tenant-Id": tenant, "Idempotency-Key": unique("k"), "X-Orch-Action-Id": action });

/** A browser context with its console errors collected (`allowed`: expected messages). */
async function context(viewport = WIDTHS.wide) {
  const ctx = await browser.newContext({ viewport, reducedMotion: "reduce" });
  const page = await ctx.newPage();
  const errors = [];
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  return { ctx, page, errors };
}

async function signIn(page, token) {
  await page.goto(`${gw.base}/console`);
  await page.getByLabel("Tenant token").fill(token);
  await page.keyboard.press("Enter"); // keyboard only
  await page.getByRole("heading", { level: 1, name: "Groups" }).waitFor();
}

async function shot(page, name) {
  for (const [size, viewport] of Object.entries(WIDTHS)) {
    await page.setViewportSize(viewport);
    await page.waitForTimeout(300); // the charts follow the width (100 ms debounce)
    await page.screenshot({ path: path.join(SHOTS, `${name}-${viewport.width}.png`), fullPage: true });
    if (size === "narrow") {
      // Nothing but the tables' own scroll regions may be wider than the screen.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `${name} at 390 px: the page is ${overflow} px wider than the screen`);
    }
  }
  await page.setViewportSize(WIDTHS.wide);
}

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  gw = await startGateway();
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
  for (const [t, name] of [[A, "console-a"], [B, "console-b"]]) {
    t.tenant = unique(name);
    const issued = await gw.issueToken(t.tenant);
    t.token = issued.token;
  }
  // Tenant A: a group through each dialect.
  A.pool = unique("web");
  A.svc = unique("api");
  A.nodes = unique("nodes");
  A.action = unique("deploy");
  await api(A.token, "POST", `/cloudpools/${A.pool}/config`, { provider: { type: "simulated", requestDelayMs: 1500, bootDelayMs: 2500, terminateDelayMs: 1000 } });
  await api(A.token, "POST", `/cloudpools/${A.pool}/pool/size`, { desiredSize: 1 });
  await api(A.token, "POST", `/api/elasticity/control/node-groups/${A.pool}/scale`, { delta_units: 1 }, quiltHeaders(A.tenant, unique("ops")));
  // The action rolled back later: a node group and a container that nothing else changes (a
  // later change by someone else would make the rollback a conflict, without force).
  await api(A.token, "POST", `/cloudpools/${A.nodes}/config`, {});
  await api(A.token, "POST", `/api/elasticity/control/node-groups/${A.nodes}/scale`, { delta_units: 2 }, quiltHeaders(A.tenant, A.action));
  await api(A.token, "POST", `/api/elasticity/control/containers/${A.nodes}-db/resize`, { memory_limit_mb: 1024, cpu_limit_percent: 150 }, quiltHeaders(A.tenant, A.action));
  const svc = await api(A.token, "POST", "/v1/services", { name: A.svc, services: [{ port: 443, destination_port: 8080, handlers: ["tls", "http"] }], domains: [{ name: `${A.svc}.example.com` }] });
  const uuid = svc.data.service_groups[0].uuid;
  await api(A.token, "POST", "/v1/instances", { name: `${A.svc}-m`, image: "user/app:latest", service_group: { name: A.svc } });
  // Decisions count running members: the master first comes up (simulated provider, ~1.2 s).
  for (let i = 0; ; i++) {
    const { groups } = await api(A.token, "GET", "/console/api/groups");
    if (groups.find((g) => g.name === A.svc)?.running === 1) break;
    if (i > 100) throw new Error(`${A.svc}'s master did not come up`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await api(A.token, "POST", `/v1/services/${uuid}/autoscale`, { master: { name: `${A.svc}-m` }, min_size: 1, max_size: 6 });
  await api(A.token, "POST", `/v1/services/${uuid}/autoscale/policies`, {
    name: "cpu-steps", metric: "cpu", adjustment_type: "change",
    steps: [{ upper_bound: 200, adjustment: -1 }, { lower_bound: 200, upper_bound: 600, adjustment: 0 }, { lower_bound: 600, upper_bound: 900, adjustment: 1 }, { lower_bound: 900, adjustment: 2 }],
  });
  await api(A.token, "POST", `/v1/services/${uuid}/autoscale/metrics`, { cpu: 950 });
  // Hooks: Alertmanager repeating one alert (the repeat is deduplicated), and a generic hook whose
  // second delivery within min_interval_seconds is refused (suppressed).
  const deliver = (hook, key, payload) =>
    fetch(`${gw.base}/hooks/${hook.id}`, { method: "POST", headers: { Authorization: `Bearer ${hook.secret}`, "Content-Type": "application/json", "Idempotency-Key": key }, body: JSON.stringify(payload) });
  const am = await api(A.token, "POST", "/hooks", { name: "alertmanager", group: A.pool, format: "alertmanager", action: { type: "change", value: 1 } });
  const alert = { version: "4", status: "firing", receiver: "scalegate", groupLabels: { alertname: "HighCPU" }, alerts: [{ status: "firing", labels: { alertname: "HighCPU" }, startsAt: "2026-12-05T09:00:00Z", fingerprint: "f1" }] };
  assert.equal((await deliver(am, "am-1", alert)).status, 202);
  assert.equal((await deliver(am, "am-2", alert)).status, 200); // the same alert again: deduplicated
  const gen = await api(A.token, "POST", "/hooks", { name: "deploy-script", group: A.pool, format: "generic", action: { type: "change", value: 1 }, min_interval_seconds: 3600 });
  assert.equal((await deliver(gen, "g-1", {})).status, 202);
  assert.ok([200, 202].includes((await deliver(gen, "g-2", {})).status)); // suppressed: within min_interval_seconds
  // A group on the webhook provider: its outbound deliveries and their attempts (the first refused).
  receiver = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      receiverHits++;
      res.writeHead(receiverHits === 1 ? 503 : 200, { "Content-Type": "application/json" });
      res.end("{}");
    });
  });
  await new Promise((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  A.edge = unique("edge");
  await api(A.token, "POST", `/cloudpools/${A.edge}/config`, { provider: { type: "webhook", url: `http://127.0.0.1:${receiver.address().port}/scalegate`, secret: "whsec_console_0123456789abcdef", timeoutMs: 2000 } });
  await api(A.token, "POST", `/cloudpools/${A.edge}/pool/size`, { desiredSize: 1 });
  // Tenant B: one group of its own, named like nothing of A's.
  B.pool = unique("b-only");
  await api(B.token, "POST", `/cloudpools/${B.pool}/config`, {});
});

after(async () => {
  receiver?.close();
  await browser?.close();
  await gw?.stop();
});

describe("the console in chromium", () => {
  it("signs in with the keyboard and lists the groups made through each dialect", async () => {
    const { ctx, page, errors } = await context(WIDTHS.narrow);
    await page.goto(`${gw.base}/console`);
    await page.getByLabel("Tenant token").waitFor();
    await page.screenshot({ path: path.join(SHOTS, "signin-390.png") });
    // A wrong token is refused on the page, with a message.
    await page.getByLabel("Tenant token").fill("sg_0000000000000000_" + "A".repeat(43));
    await page.keyboard.press("Enter");
    await page.getByRole("alert").filter({ hasText: /Unknown or revoked/ }).waitFor();
    // The browser logs the refused sign-in's 401 itself; that one is expected.
    assert.deepEqual(errors.splice(0), ["Failed to load resource: the server responded with a status of 401 (Unauthorized)"]);
    await page.setViewportSize(WIDTHS.wide);
    await signIn(page, A.token);
    const row = (name) => page.locator(`tr[data-group="${name}"]`);
    await row(A.pool).waitFor();
    assert.match(await row(A.pool).innerText(), /elastisys, quilt, hooks/);
    assert.match(await row(A.nodes).innerText(), /elastisys, quilt/);
    assert.match(await row(A.svc).innerText(), /kraftcloud/);
    assert.match(await row(A.svc).innerText(), new RegExp(`${A.svc}\\.example\\.com`));
    assert.match(await row(A.svc).innerText(), /on/); // autoscale
    // Filter by dialect and by text.
    await page.getByLabel("Dialect").selectOption("kraftcloud");
    assert.equal(await page.locator("tr[data-group]").count(), 1);
    await page.getByLabel("Dialect").selectOption("");
    await page.getByLabel("Filter").fill(A.pool);
    assert.equal(await page.locator("tr[data-group]").count(), 1);
    await page.getByLabel("Filter").fill("");
    await shot(page, "groups");
    // The session cookie is HttpOnly: the page's script cannot read it.
    assert.equal(await page.evaluate(() => document.cookie), "");
    const [cookie] = await ctx.cookies();
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, "Strict");
    assert.deepEqual(errors, []);
    await ctx.close();
  });

  it("watches a machine change state without reloading", async () => {
    const { ctx, page, errors } = await context();
    await signIn(page, A.token);
    // Keyboard only: Tab from the top of the page to the group's link, Enter.
    await page.locator(`tr[data-group="${A.pool}"]`).waitFor();
    await page.evaluate(() => document.activeElement?.blur());
    let reached = false;
    for (let i = 0; i < 40 && !reached; i++) {
      await page.keyboard.press("Tab");
      reached = await page.evaluate((name) => document.activeElement?.textContent === name && document.activeElement.tagName === "A", A.pool);
    }
    assert.ok(reached, "the group's link is reachable with Tab");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { level: 1, name: `Group ${A.pool}` }).waitFor();
    await page.locator("#live").filter({ hasText: "live" }).waitFor();
    await page.evaluate(() => (window.__notReloaded = true));
    const before = await page.locator("tr[data-machine]").count();
    // Another client scales the pool out; the page follows on its own.
    await api(A.token, "POST", `/cloudpools/${A.pool}/pool/size`, { desiredSize: before + 1 });
    await page.locator("tr[data-machine]").nth(before).waitFor({ timeout: LIVE_MS });
    const fresh = page.locator("tr[data-machine]").nth(before);
    assert.match(await fresh.innerText(), /REQUESTED|PENDING/);
    // REQUESTED → PENDING → RUNNING on the provider's timers, each shown as it happens.
    await fresh.filter({ hasText: "PENDING" }).waitFor({ timeout: 1500 + LIVE_MS });
    await fresh.filter({ hasText: "RUNNING" }).waitFor({ timeout: 2500 + LIVE_MS });
    assert.equal(await page.evaluate(() => window.__notReloaded), true);
    assert.match(await page.locator(".facts").innerText(), new RegExp(`Running\\s*${before + 1}`));
    await shot(page, "group");
    assert.deepEqual(errors, []);
    await ctx.close();
  });

  it("opens a decision's explanation: inputs, matched step per policy, raw and rounded adjustment, clamp, result", async () => {
    const { ctx, page, errors } = await context();
    await signIn(page, A.token);
    await page.getByRole("link", { name: A.svc, exact: true }).click();
    await page.getByRole("heading", { level: 2, name: /Decisions \(\d+\)/ }).waitFor();
    // The first decision (the list is newest first; warmup ends may have added more since).
    const decision = page.locator("details[data-decision]").last();
    assert.match(await decision.locator("summary").innerText(), /scale out: desired 3 \(policy cpu-steps\)/);
    await decision.locator("summary").focus();
    await page.keyboard.press("Enter"); // keyboard opens it
    const text = await decision.innerText();
    assert.match(text, /metric 950, capacity 1, min 1, max 6/);
    assert.match(text, /step 3: \[900, ∞\) → 2/);
    assert.match(text, /Clamp\s*none/);
    assert.match(text, /desired 3 \(unclamped 3, change 2, out\)/);
    assert.equal(await page.locator(".chart .uplot").count(), 2); // capacity and metric charts (uPlot)
    await shot(page, "decision");
    assert.deepEqual(errors, []);
    await ctx.close();
  });

  it("rolls back an action after a confirmation naming what will be undone, and shows its operations", async () => {
    const { ctx, page, errors } = await context();
    await signIn(page, A.token);
    await page.getByRole("link", { name: "Actions" }).click();
    const section = page.locator(`section[data-action="${A.action}"]`);
    await section.waitFor();
    assert.match(await section.innerText(), /elasticity\.scale_node_group/);
    assert.match(await section.innerText(), /elasticity\.resize_container/);
    await shot(page, "actions");
    await section.getByRole("button", { name: `Roll back ${A.action}…` }).click();
    const dialog = page.getByRole("dialog");
    await dialog.waitFor();
    const named = await dialog.innerText();
    assert.match(named, new RegExp(`container ${A.nodes}-db: resize_container`));
    assert.match(named, new RegExp(`group ${A.nodes}: scale_node_group`));
    assert.match(named, /without force/);
    await page.screenshot({ path: path.join(SHOTS, "rollback-confirm-1280.png") });
    // Keyboard: the dialog opens on Cancel; Tab reaches "Roll back", Enter confirms.
    assert.equal(await page.evaluate(() => document.activeElement?.id), "rollback-cancel");
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "rollback-confirm");
    await page.keyboard.press("Enter");
    await page.locator("#rollback-result").filter({ hasText: "succeeded" }).waitFor();
    const rollback = page.locator("section[data-action]").first();
    assert.match(await rollback.innerText(), new RegExp(`rollback of ${A.action}`));
    assert.match(await rollback.innerText(), /elasticity\.rollback_action/);
    assert.match(await section.innerText(), /rolled back by/);
    await shot(page, "actions-rolled-back");
    assert.deepEqual(errors, []);
    await ctx.close();
  });

  it("shows hooks with their deliveries (accepted, deduplicated, refused), the provider's outbound attempts, and the front door", async () => {
    const { ctx, page, errors } = await context();
    await signIn(page, A.token);
    await page.getByRole("link", { name: "Hooks" }).click();
    const hooks = page.locator("section[data-hook]");
    await hooks.first().waitFor();
    const text = await page.locator("main").innerText();
    assert.match(text, new RegExp(`alertmanager → group ${A.pool}`));
    assert.match(text, new RegExp(`deploy-script → group ${A.pool}`));
    assert.match(text, /accepted/);
    assert.match(text, /deduplicated/);
    assert.match(text, /refused/);
    // The provider's delivery: attempt 1 refused (503), attempt 2 accepted after its backoff (5 s),
    // shown without a reload when the retry's record reaches the ledger.
    const outbound = page.locator("table", { has: page.locator("caption", { hasText: "Outbound deliveries" }) });
    await outbound.locator("tr", { hasText: A.edge }).first().waitFor();
    await outbound.locator("tr", { hasText: "#2 200" }).first().waitFor({ timeout: 15_000 });
    assert.match(await outbound.innerText(), /#1 503/);
    await shot(page, "hooks");
    // Front door (issue 11): the service group with a domain, its traffic and cold starts.
    await page.getByRole("link", { name: "Front door" }).click();
    const fd = page.locator(`tr[data-frontdoor="${A.svc}"]`);
    await fd.waitFor();
    assert.match(await fd.innerText(), new RegExp(`${A.svc}\\.example\\.com`));
    await shot(page, "front-door");
    assert.deepEqual(errors, []);
    await ctx.close();
  });

  it("tenant B's session never sees tenant A's groups", async () => {
    const { ctx, page, errors } = await context();
    await signIn(page, B.token);
    await page.locator(`tr[data-group="${B.pool}"]`).waitFor();
    assert.equal(await page.locator("tr[data-group]").count(), 1);
    const body = await page.locator("main").innerText();
    assert.ok(![A.pool, A.svc, A.nodes, A.edge].some((g) => body.includes(g)), "A's groups shown to B");
    // A's group by its URL: not found for B.
    await page.goto(`${gw.base}/console#/groups/${A.pool}`);
    await page.getByRole("alert").filter({ hasText: /not found/ }).waitFor();
    // Even the API, called from B's page with B's cookie.
    const listed = await page.evaluate(async () => (await (await fetch("/console/api/groups")).json()).groups.map((g) => g.name));
    assert.deepEqual(listed, [B.pool]);
    await page.getByRole("link", { name: "Actions" }).click();
    await page.getByRole("heading", { level: 1, name: "Actions" }).waitFor();
    assert.ok(!(await page.locator("main").innerText()).includes(A.action));
    // Sign out: the cookie is gone, the sign-in form is back.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("Tenant token").waitFor();
    assert.equal((await ctx.cookies()).length, 0);
    // The only error: the browser's own log line for A's group answered 404.
    assert.deepEqual(errors.filter((e) => !/status of 404/.test(e)), []);
    assert.ok(errors.length <= 1, errors.join("\n"));
    await ctx.close();
  });
});
