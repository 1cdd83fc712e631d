#!/usr/bin/env node
// The documented safe Quilt workflow, driven the way an orchestrator would against a running
// Scalegate (`npm start`): health → contract (its control_base_url and path templates, never
// hard-coded) → a control write → a safe retry of it (a replay) → operation lookup → action
// listing → rollback of the action. Prints every step; exits 1 at the first unexpected answer.
// docs/quilt.md, "Running the workflow script".
//
//   node scripts/quilt-workflow.mjs [--base URL] [--token T --tenant ID | --admin-token A [--tenant ID]]
//                                   [--group NAME] [--delta N] [--action ID]
//
// Environment instead of flags: QUILT_BASE_URL, QUILT_TOKEN, QUILT_TENANT, ADMIN_TOKEN, QUILT_GROUP,
// QUILT_DELTA, QUILT_ACTION. Without a token, one is issued for the tenant (default `workflow`)
// with the admin token (ADMIN_TOKEN, else the dev token `npm start` keeps in
// .wrangler/dev-admin-token).
import { existsSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    base: { type: "string" },
    token: { type: "string" },
    tenant: { type: "string" },
    "admin-token": { type: "string" },
    group: { type: "string" },
    delta: { type: "string" },
    action: { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});
if (args.help) {
  console.log(readFileSync(new URL(import.meta.url), "utf8").split("\n").slice(1, 17).map((l) => l.replace(/^\/\/ ?/, "")).join("\n"));
  process.exit(0);
}

const base = (args.base ?? process.env.QUILT_BASE_URL ?? "http://localhost:8787").replace(/\/+$/, "");
const group = args.group ?? process.env.QUILT_GROUP ?? "web";
const delta = Number(args.delta ?? process.env.QUILT_DELTA ?? 1);
const action = args.action ?? process.env.QUILT_ACTION ?? `wf-${Date.now()}`;
if (!Number.isInteger(delta) || delta === 0) die(`--delta must be a non-zero integer, got '${args.delta ?? process.env.QUILT_DELTA}'`);

let step = 0;
function die(message, answer) {
  console.error(`\nworkflow failed: ${message}`);
  if (answer) console.error(`  ${answer.status} ${JSON.stringify(answer.body, null, 2).replace(/\n/g, "\n  ")}`);
  process.exit(1);
}
const title = (text) => console.log(`\n[${++step}] ${text}`);
const show = (label, value) => console.log(`    ${label}: ${typeof value === "string" ? value : JSON.stringify(value)}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * One HTTP call. Retryable answers (409 IDEMPOTENCY_IN_FLIGHT, 503, any `retryable: true`) are
 * retried after Retry-After with the same headers, hence the same Idempotency-Key — the safe retry.
 */
async function send(method, url, { headers = {}, body } = {}) {
  for (let attempt = 1; ; attempt++) {
    console.log(`    ${method} ${url}${attempt > 1 ? ` (attempt ${attempt})` : ""}`);
    let res;
    try {
      res = await fetch(url, { method, headers: { ...headers, ...(body === undefined ? {} : { "Content-Type": "application/json" }) }, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (err) {
      die(`cannot reach ${url}: ${err.cause?.code ?? err.message} (is \`npm start\` running? --base sets the URL)`);
    }
    const text = await res.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = text;
    }
    const answer = { status: res.status, headers: res.headers, body: json };
    const retryable = res.status === 503 || (res.status === 409 && res.headers.has("retry-after")) || json?.retryable === true;
    if (!retryable || attempt >= 5) return answer;
    const wait = Math.min(30, Number(res.headers.get("retry-after")) || 1);
    console.log(`    → ${res.status} ${json?.error_code ?? ""}, retrying in ${wait} s with the same Idempotency-Key`);
    await sleep(wait * 1000);
  }
}

function expectStatus(answer, want, what) {
  console.log(`    → ${answer.status}${answer.headers.get("idempotent-replayed") ? " (Idempotent-Replayed: true)" : ""}`);
  if (answer.status !== want) die(`${what}: expected ${want}`, answer);
  return answer.body;
}

const fill = (template, params) => template.replace(/\{(\w+)\}/g, (_m, name) => encodeURIComponent(params[name]));
const summary = (op) => ({ operation_id: op.operation_id, operation_type: op.operation_type, status: op.status, target: op.target, action_id: op.action_id });

async function credentials() {
  const token = args.token ?? process.env.QUILT_TOKEN;
  const tenant = args.tenant ?? process.env.QUILT_TENANT;
  if (token) {
    if (!tenant) die("--tenant (or QUILT_TENANT) is required with --token: Quilt routes require X-Tenant-Id");
    return { token, tenant };
  }
  const devFile = ".wrangler/dev-admin-token";
  const admin = args["admin-token"] ?? process.env.ADMIN_TOKEN ?? (existsSync(devFile) ? readFileSync(devFile, "utf8").trim() : null);
  if (!admin) die("no credentials: pass --token and --tenant, or --admin-token (ADMIN_TOKEN) to issue a tenant token");
  title(`Setup: issue a token for tenant '${tenant ?? "workflow"}' (admin API)`);
  const r = await send("POST", `${base}/admin/tenants/${encodeURIComponent(tenant ?? "workflow")}/tokens`, { headers: { Authorization: `Bearer ${admin}` } });
  const body = expectStatus(r, 201, "token issue");
  show("token_id", body.token_id);
  return { token: body.token, tenant: body.tenant_id };
}

async function main() {
  console.log(`Quilt safe workflow against ${base}: node group '${group}', delta ${delta}, action '${action}'`);
  const { token, tenant } = await credentials();
  const auth = { "X-Api-Key": token, "X-Tenant-Id": tenant };
  const write = (key, actionId) => ({ ...auth, "Idempotency-Key": key, "X-Orch-Action-Id": actionId });

  title("Health");
  show("body", expectStatus(await send("GET", `${base}/api/elasticity/health`), 200, "health"));

  title("Contract: where the control routes are, and the idempotency rules");
  const contract = expectStatus(await send("GET", `${base}/api/elasticity/control/contract`, { headers: auth }), 200, "contract");
  const control = contract.control_base_url;
  show("control_base_url", control);
  show("idempotency", { scope: contract.idempotency?.scope, retention: contract.idempotency?.retention });
  if (!control || !contract.paths?.node_group_scale || !contract.paths?.rollback_action) die("the contract lacks control_base_url or paths", { status: 200, body: contract });
  // control_base_url is the origin and `paths` are full paths from it; the read routes (operation
  // lookup, action listing) are not in the contract: they live beside the writes, under /control.
  const reads = `${control}/api/elasticity/control`;

  title("Setup: the node group exists (node groups are the groups of the other dialects; create-or-merge, safe to repeat)");
  expectStatus(await send("POST", `${base}/cloudpools/${encodeURIComponent(group)}/config`, { headers: { Authorization: `Bearer ${token}` }, body: {} }), 200, "node group setup");
  const sizeUrl = `${base}/cloudpools/${encodeURIComponent(group)}/pool/size`;
  const before = expectStatus(await send("GET", sizeUrl, { headers: { Authorization: `Bearer ${token}` } }), 200, "node group size");
  show("desired size before", before.desiredSize);

  title(`Control write: scale node group '${group}' by ${delta}`);
  const scaleUrl = control + fill(contract.paths.node_group_scale, { group });
  const scale = { headers: write(`${action}-scale`, action), body: { delta_units: delta } };
  const op = expectStatus(await send("POST", scaleUrl, scale), 200, "control write");
  show("operation", summary(op));
  show("result", op.result);
  if (op.status !== "succeeded") die(`the operation ended ${op.status}`, { status: 200, body: op });

  title("Safe retry: the same request with the same Idempotency-Key is a replay, executed once");
  const again = await send("POST", scaleUrl, scale);
  const replay = expectStatus(again, 200, "replay");
  if (again.headers.get("idempotent-replayed") !== "true" || replay.operation_id !== op.operation_id) die("the retry was not a replay of the first write", again);
  show("operation_id", replay.operation_id);

  title("Operation lookup");
  const found = expectStatus(await send("GET", `${reads}/operations/${encodeURIComponent(op.operation_id)}`, { headers: auth }), 200, "operation lookup");
  show("operation", summary(found));

  title(`Action listing: the operations of '${action}', oldest first`);
  const listed = expectStatus(await send("GET", `${reads}/actions/${encodeURIComponent(action)}/operations`, { headers: auth }), 200, "action listing");
  for (const o of listed) show("-", summary(o));
  if (!listed.some((o) => o.operation_id === op.operation_id)) die("the write is missing from its action's listing", { status: 200, body: listed });

  title(`Rollback of '${action}' (an action of its own: '${action}-rollback')`);
  const rollbackUrl = control + fill(contract.paths.rollback_action, { action_id: action });
  const rollback = await send("POST", rollbackUrl, {
    headers: write(`${action}-rollback`, `${action}-rollback`),
    body: { target_action_id: action, reason_code: "WORKFLOW_DEMO", reason_message: `scripts/quilt-workflow.mjs undoes ${action}` },
  });
  const rb = expectStatus(rollback, 200, "rollback");
  show("operation", summary(rb));
  for (const u of rb.result?.undone ?? []) show(`  ${u.target.kind} ${u.target.id}`, `${u.status}${u.undo_operation_id ? ` (undo operation ${u.undo_operation_id})` : ""}${u.message ? `: ${u.message}` : ""}`);
  if (rb.status !== "succeeded") die(`the rollback ended ${rb.status} (${rb.reason_code}: ${rb.reason_message})`, rollback);

  const after = expectStatus(await send("GET", sizeUrl, { headers: { Authorization: `Bearer ${token}` } }), 200, "node group size");
  show("desired size after the rollback", after.desiredSize);
  if (after.desiredSize !== before.desiredSize) die(`desired size ${after.desiredSize}, expected ${before.desiredSize} again`);
  console.log(`\nworkflow complete: wrote, replayed, read, listed and rolled back action '${action}'.`);
}

main().catch((err) => die(err?.stack ?? String(err)));
