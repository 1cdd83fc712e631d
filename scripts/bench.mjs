#!/usr/bin/env node
// `npm run bench`: starts its own `wrangler dev` on 127.0.0.1 (own persistence dir, fresh D1 with
// the migrations applied, random admin token), creates a tenant token and a pool, then measures
// with autocannon, one after the other and with the same settings:
//   healthz   GET  /healthz                       (baseline: no auth, no D1, no Durable Object)
//   size.get  GET  /cloudpools/bench/pool/size    (token check, cached 5 s per isolate + one DO RPC)
//   size.set  POST /cloudpools/bench/pool/size    (token lookup + DO command + ledger row to D1)
//   autoscale.metrics   POST /v1/services/{uuid}/autoscale/metrics   (token check + group uuid
//                       lookup, both cached in the isolate, DO command: sample stored, policies evaluated; no decision row)
//   autoscale.evaluate  POST /v1/services/{uuid}/autoscale/evaluate  (token + uuid lookups,
//                       read-only what-if in the DO)
//   quilt.write   POST /api/elasticity/control/containers/bench-c/resize  (token lookup + Quilt
//                 control write: a fresh Idempotency-Key per request, DO command + ledger row)
//   quilt.replay  the same request with one fixed Idempotency-Key (token lookup + DO RPC answering
//                 the stored operation; nothing executed, nothing written)
//   pool.10 / pool.1000  GET /cloudpools/bench-p{10,1000}/pool: a 10- and a 1,000-machine pool
//                 (simulated, all RUNNING before measuring); their ratio is reported
// and, outside autocannon, one request at a time: the time from POST /cloudpools/bench-hook/pool/size
// (a webhook-provider pool) to its `machine.launch` event arriving at a local HTTP receiver
// (Node, 127.0.0.1, started here), BENCH_LAUNCHES samples per round, p50 and p99.
// Issue 11, the front door: `frontdoor` GET / with Host bench-fd.localhost (proxied to a trivial
// Node upstream on 127.0.0.1, started here, behind a webhook-provider service whose instance is
// reported there) and `upstream` (the same upstream directly, no gateway); and, one request at a
// time, the wake latency of a simulated service with min_size 0: from the first (held) request to
// its answer, minus the provider's boot delay (requestDelayMs + bootDelayMs), BENCH_WAKES samples.
// After each route, healthz is measured again (BENCH_BASELINE s): each route's ratio is to the
// baseline windows right before and after it, so a machine whose speed drifts during a round
// compares each route with the bare route at the same moment (the ratio to the round's first
// healthz run is printed too, as rps/start). Each round after the first runs on a fresh dev
// runtime over the same persisted state (BENCH_RESTART): the local runtime slows as it serves.
// Prints req/s, p50, p99, non-2xx, the ratios to the baseline, the runtime's CPU per request and
// its busiest thread's per request; writes .bench/results.json.
// Then, offline (no server): the replay engine (issue 13) on a generated week of 1-s samples
// (604,800 points, parse + run), three times, the median (target < 5 s).
// Exits non-zero when any measured route saw a non-2xx answer or a connection error.
// docs/benchmarks.md explains the figures.
//
// Settings (environment): BENCH_DURATION (s per route, default 10), BENCH_CONNECTIONS (10),
// BENCH_WARMUP (s of unmeasured traffic per route before its run, default 2; 0 disables),
// BENCH_DESIRED (desired size of the pool, default 2), BENCH_ROUNDS (default 1: repeat the whole
// sequence N times and report per-route medians; useful on a shared, noisy machine),
// BENCH_PORT (default: a free port), BENCH_LAUNCHES (POST /pool/size → machine.launch samples per
// round, default 40), BENCH_BASELINE (s of healthz after each route, default half of
// BENCH_DURATION; 0: none), BENCH_RESTART (1: a fresh runtime for each round, the default; 0: one
// runtime for the run), BENCH_ONLY (comma-separated route names: only those and healthz), BENCH_PROFILE
// (route names: a CPU profile of the Worker while each is measured, .bench/<name>.cpuprofile).
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, request as httpRequest } from "node:http";
import { createServer } from "node:net";
import { performance } from "node:perf_hooks";
import os from "node:os";
import autocannon from "autocannon";
import { startProfile, summarizeProfile } from "./bench-profile.mjs";
import { benchWeek } from "./replay.mjs";

const HOST = "127.0.0.1";
const DIR = ".bench";
const STATE = `${DIR}/state`;
const LOG = `${DIR}/wrangler.log`;
const RESULTS = `${DIR}/results.json`;
const WRANGLER = "node_modules/.bin/wrangler";

const intEnv = (name, dflt, min) => {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    console.error(`${name} must be an integer >= ${min}, got '${raw}'`);
    process.exit(2);
  }
  return n;
};
const duration = intEnv("BENCH_DURATION", 10, 1);
const connections = intEnv("BENCH_CONNECTIONS", 10, 1);
const warmup = intEnv("BENCH_WARMUP", 2, 0);
const desired = intEnv("BENCH_DESIRED", 2, 0);
const rounds = intEnv("BENCH_ROUNDS", 1, 1);
const launches = intEnv("BENCH_LAUNCHES", 40, 1);
/** Wake samples of the front door's cold path (issue 11). */
const wakes = intEnv("BENCH_WAKES", 10, 1);
/**
 * Seconds of healthz measured after each route (default: half a route's duration; 0: none). Each
 * route's ratio is to the windows right before and after it (docs/benchmarks.md, "Why against a
 * bare route, in the same run"): this small shared machine's speed drifts within a round.
 */
const baselineDuration = intEnv("BENCH_BASELINE", Math.max(1, Math.round(duration / 2)), 0);
/**
 * BENCH_RESTART=1 (default): each round after the first starts a fresh dev runtime on the same
 * state, so every round measures the runtime as the first one does; 0: one runtime for the run.
 */
const restart = intEnv("BENCH_RESTART", 1, 0) !== 0;
/** Quiet time between a route and the baseline window after it. */
const BASELINE_GAP_MS = 500;
/** BENCH_ONLY=size.set,quilt.write: measure only these routes (and the healthz baseline). */
const only = process.env.BENCH_ONLY ? process.env.BENCH_ONLY.split(",").map((s) => s.trim()) : null;

/** A port the OS says is free right now on 127.0.0.1. */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// wrangler dev, in its own process group so that it and workerd go away together.

let dev = null;
let stopping = null;

function stopDev() {
  if (!dev || dev.exitCode !== null || dev.signalCode !== null) return Promise.resolve();
  if (stopping) return stopping;
  const child = dev;
  stopping = new Promise((resolve) => {
    const done = () => {
      clearTimeout(hard);
      resolve();
    };
    child.once("exit", done);
    const kill = (sig) => {
      try {
        process.kill(-child.pid, sig); // the whole group: wrangler, esbuild, workerd
      } catch {
        /* already gone */
      }
    };
    kill("SIGTERM");
    const hard = setTimeout(() => {
      kill("SIGKILL");
      setTimeout(resolve, 500);
    }, 5000);
  });
  return stopping;
}

// Synchronous last resort if we exit without going through stopDev (e.g. an uncaught throw).
process.on("exit", () => {
  if (dev && dev.exitCode === null && dev.signalCode === null) {
    try {
      process.kill(-dev.pid, "SIGKILL");
    } catch {
      /* gone */
    }
  }
});
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(sig, async () => {
    console.error(`\n${sig}: stopping wrangler dev`);
    await stopDev();
    process.exit(128 + (sig === "SIGINT" ? 2 : sig === "SIGTERM" ? 15 : 1));
  });
}

function tailLog(lines = 40) {
  try {
    return readFileSync(LOG, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

async function fail(message) {
  console.error(`\nbench failed: ${message}`);
  console.error(`--- last lines of ${LOG} ---\n${tailLog()}`);
  await stopDev();
  process.exit(1);
}

// ---------------------------------------------------------------------------------------------
// Small HTTP helpers for the setup calls (not measured).

async function call(base, method, path, { token, body, headers: extra } = {}) {
  const headers = { ...extra };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.status, json, text, headers: res.headers };
}

async function expectStatus(base, method, path, opts, want) {
  const r = await call(base, method, path, opts);
  if (r.status !== want) await fail(`${method} ${path} answered ${r.status}, expected ${want}: ${r.text.slice(0, 300)}`);
  return r;
}

async function waitHealthy(base, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (dev.exitCode !== null || dev.signalCode !== null) await fail(`wrangler dev exited early (code ${dev.exitCode}, signal ${dev.signalCode})`);
    try {
      const r = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (r.ok) return;
    } catch {
      /* not up yet */
    }
    await sleep(250);
  }
  await fail(`GET /healthz did not answer within ${timeoutMs / 1000} s`);
}

// ---------------------------------------------------------------------------------------------
// The webhook provider's receiver: answers every delivery 200 at once and notes when each
// `machine.launch` arrived (performance.now(), the clock the sender side uses too).

function startReceiver() {
  const arrivals = [];
  let waiter = null;
  const server = createHttpServer((req, res) => {
    const chunks = [];
    req.on("data", (d) => chunks.push(d));
    req.on("end", () => {
      const at = performance.now();
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
      let event = null;
      try {
        event = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        /* not JSON: not ours */
      }
      if (event?.type !== "machine.launch") return;
      arrivals.push(at);
      if (waiter) {
        const w = waiter;
        waiter = null;
        w(at);
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.on("error", reject);
    server.listen(0, HOST, () =>
      resolve({
        url: `http://${HOST}:${server.address().port}/scalegate`,
        /** The arrival time of the next launch (rejects after `ms`). */
        nextLaunch: (ms) =>
          new Promise((res, rej) => {
            const t = setTimeout(() => {
              waiter = null;
              rej(new Error(`no machine.launch within ${ms} ms`));
            }, ms);
            waiter = (at) => {
              clearTimeout(t);
              res(at);
            };
          }),
        arrivals,
        close: () => new Promise((r) => server.close(() => r())),
      }),
    );
  });
}

/** Nearest-rank percentile of a list of numbers. */
function percentile(xs, p) {
  if (xs.length === 0) return null;
  const v = [...xs].sort((a, b) => a - b);
  return v[Math.min(v.length - 1, Math.max(0, Math.ceil((p / 100) * v.length) - 1))];
}

// ---------------------------------------------------------------------------------------------
// Measurement.

/** One autocannon run; also keeps the per-second response counts (to see drift within a run). */
function run(opts) {
  return new Promise((resolve, reject) => {
    const perSecond = [];
    const instance = autocannon(opts, (err, result) => (err ? reject(err) : resolve({ ...result, perSecond })));
    instance.on("tick", ({ counter }) => perSecond.length < opts.duration && perSecond.push(counter));
  });
}

/**
 * CPU time (ms) each of the runtime's processes (every workerd in wrangler's process group) has
 * used so far, by pid, from /proc (Linux; null elsewhere). The delta over a route's run divided by
 * its responses is its CPU cost per request: steadier than req/s on a small, shared machine
 * (docs/benchmarks.md). `cpuDelta` gives no figure when the set of processes changed meanwhile
 * (run M once read a negative delta: a process's counter left the sum).
 */
function runtimeCpuMs() {
  if (!dev || process.platform !== "linux") return null;
  const tick = 1000 / 100; // USER_HZ is 100 on Linux
  const byPid = new Map();
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue;
    }
    const close = stat.lastIndexOf(")");
    const comm = stat.slice(stat.indexOf("(") + 1, close);
    const f = stat.slice(close + 2).split(" "); // f[0] = state (field 3)
    if (comm !== "workerd" || Number(f[2]) !== dev.pid) continue; // f[2] = pgrp (field 5)
    byPid.set(pid, (Number(f[11]) + Number(f[12])) * tick); // utime, stime (fields 14, 15)
  }
  return byPid.size > 0 ? byPid : null;
}

/**
 * CPU ms of each thread of the runtime's workerd processes (`pid/tid` → user + system). A workerd
 * process runs its Workers, Durable Objects and the local D1 on one thread, so the busiest
 * thread's time per request is what bounds a route that one runtime serves (docs/benchmarks.md run R).
 */
function runtimeThreadsMs() {
  const byThread = new Map();
  for (const pid of runtimeCpuMs()?.keys() ?? []) {
    let tids = [];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      let stat;
      try {
        stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      } catch {
        continue;
      }
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      byThread.set(`${pid}/${tid}`, (Number(f[11]) + Number(f[12])) * 10);
    }
  }
  return byThread.size > 0 ? byThread : null;
}

/** The thread that used the most CPU between two readings: its ms, or null. */
function busiestThreadMs(before, after) {
  if (!before || !after) return null;
  let max = null;
  for (const [id, t] of after) if (before.has(id)) max = Math.max(max ?? 0, t - before.get(id));
  return max;
}

/** CPU ms the same runtime processes used between two readings, or null (no reading, or the processes changed). */
function cpuDelta(before, after) {
  if (!before || !after || before.size !== after.size) return null;
  let ms = 0;
  for (const [pid, t] of after) {
    if (!before.has(pid) || t < before.get(pid)) return null;
    ms += t - before.get(pid);
  }
  return ms;
}

function summarize(name, method, path, r) {
  const statusCounts = Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([k, v]) => [k, Number(v.count)]));
  const responses = Object.values(statusCounts).reduce((a, b) => a + b, 0);
  return {
    name,
    method,
    path,
    duration_s: r.duration,
    connections: r.connections,
    requests_per_s: r.requests.average,
    requests_per_s_stddev: r.requests.stddev,
    responses,
    responses_per_second: r.perSecond,
    latency_ms: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max, mean: r.latency.average },
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    status_counts: statusCounts,
  };
}

const fmt = (n, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "-");
function pad(cells, widths) {
  return cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join("  ");
}

// ---------------------------------------------------------------------------------------------
// The front door (issue 11): a trivial upstream answering every request 200 with a small JSON body
// (it also takes the bench-fd service's webhook deliveries), and one request with a chosen Host.

function startUpstream() {
  const server = createHttpServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}'));
  });
  server.keepAliveTimeout = 120_000;
  return new Promise((resolve, reject) => {
    server.on("error", reject);
    server.listen(0, HOST, () => {
      const port = server.address().port;
      resolve({ port, url: `http://${HOST}:${port}/`, close: () => new Promise((r) => (server.closeAllConnections?.(), server.close(() => r()))) });
    });
  });
}

/** GET `path` from the gateway with `Host: host` (fetch cannot set Host); resolves status + headers. */
function viaHost(base, host, path) {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path, headers: { host }, agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers }));
    });
    req.on("error", reject);
    req.end();
  });
}

async function main() {
  // Other work on the machine skews the figures (the ratios less than the absolute numbers).
  const loadBefore = os.loadavg()[0];
  if (loadBefore > os.cpus().length / 2) {
    console.warn(`note: 1-min load average is ${loadBefore.toFixed(2)} on ${os.cpus().length} CPUs before starting; figures will be noisy`);
  }
  // What was measured: the working tree (which may hold uncommitted changes) at this commit.
  const git = spawnSync("git", ["describe", "--always", "--dirty", "--abbrev=12"], { encoding: "utf8" });
  const revision = git.status === 0 ? git.stdout.trim() : null;
  const version = JSON.parse(readFileSync("node_modules/wrangler/package.json", "utf8")).version;
  rmSync(STATE, { recursive: true, force: true }); // every run starts from an empty D1 and no DOs
  mkdirSync(DIR, { recursive: true });

  // CI: never prompt. The others keep wrangler off the network, so that the only traffic is to
  // 127.0.0.1: no telemetry, no npm update check (banner), no fetch of the `Request.cf` object
  // from workers.cloudflare.com (the placeholder is fine here).
  const env = {
    ...process.env,
    CI: "true",
    WRANGLER_SEND_METRICS: "false",
    WRANGLER_HIDE_BANNER: "true",
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    NO_COLOR: "1",
    FORCE_COLOR: "0",
  };

  console.log(`applying D1 migrations to ${STATE} ...`);
  const migrate = spawnSync(WRANGLER, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", STATE], { env, encoding: "utf8" });
  if (migrate.status !== 0) {
    console.error(migrate.stdout, migrate.stderr);
    console.error("bench failed: D1 migrations did not apply");
    process.exit(1);
  }

  const port = process.env.BENCH_PORT ? intEnv("BENCH_PORT", 0, 1) : await freePort();
  const inspectorPort = await freePort();
  const admin = `bench-admin-${randomBytes(16).toString("hex")}`;
  const base = `http://${HOST}:${port}`;
  const log = createWriteStream(LOG);
  // BENCH_SERVER=cli: the `wrangler dev` command itself, with its DevTools inspector attached;
  // the default starts the same dev runtime through wrangler's API with the inspector off (its
  // per-subrequest relay is a dev-tool cost, not ours: scripts/bench-dev.mjs, docs/benchmarks.md).
  const profiling = (process.env.BENCH_PROFILE ?? "") !== "";
  const server = process.env.BENCH_SERVER === "cli" ? "cli" : "api";
  console.log(`starting wrangler ${version} dev (${server === "cli" ? "the wrangler dev command" : `unstable_startWorker, inspector ${profiling ? "on" : "off"}`}) on ${base} (log: ${LOG}) ...`);
  /** Starts the dev runtime on `port` with the persisted state (D1, Durable Objects) of this run. */
  async function startDev() {
    stopping = null;
    dev = spawn(
      server === "cli" ? WRANGLER : process.execPath,
      server === "cli"
        ? [
            "dev",
            "--ip", HOST,
            "--port", String(port),
            "--inspector-ip", HOST,
            "--inspector-port", String(inspectorPort),
            "--persist-to", STATE,
            "--var", `ADMIN_TOKEN:${admin}`,
            "--show-interactive-dev-session=false",
            // Per-request log lines would cost CPU on the machine being measured; warnings still show.
            "--log-level", "warn",
          ]
        : ["scripts/bench-dev.mjs", String(port), STATE, profiling ? String(inspectorPort) : "off"],
      { env: { ...env, ADMIN_TOKEN: admin }, detached: true, stdio: ["ignore", "pipe", "pipe"] },
    );
    dev.stdout.pipe(log, { end: false });
    dev.stderr.pipe(log, { end: false });
    dev.on("error", (err) => void fail(`could not start wrangler: ${err.message}`));
    await waitHealthy(base, 90_000);
  }
  await startDev();

  // Setup: tenant token, pool with the simulated provider, desired size.
  const tokenRes = await expectStatus(base, "POST", "/admin/tenants/bench/tokens", { token: admin }, 201);
  const token = tokenRes.json?.token;
  if (!token) await fail(`no token in ${tokenRes.text}`);
  await expectStatus(base, "POST", "/cloudpools/bench/config", { token, body: {} }, 200);
  await expectStatus(base, "POST", "/cloudpools/bench/pool/size", { token, body: { desiredSize: desired } }, 200);
  const size = await expectStatus(base, "GET", "/cloudpools/bench/pool/size", { token }, 200);
  console.log(`pool 'bench' of tenant 'bench': ${size.text}`);

  // KraftCloud autoscale: a service group, one instance as its master, autoscale with a scale-out
  // step at 800 millicores and a scale-in step below 200.
  const svc = await expectStatus(base, "POST", "/v1/services", { token, body: { name: "bench-svc", services: [] } }, 200);
  const svcUuid = svc.json?.data?.service_groups?.[0]?.uuid;
  if (!svcUuid) await fail(`no service group uuid in ${svc.text}`);
  await expectStatus(base, "POST", "/v1/instances", { token, body: { name: "bench-master", image: "bench/app:latest", service_group: { uuid: svcUuid } } }, 200);
  const policies = [
    { name: "out", type: "step", steps: [{ lower_bound: 800, adjustment: 1 }] },
    { name: "in", type: "step", steps: [{ upper_bound: 200, adjustment: -1 }] },
  ];
  await expectStatus(base, "POST", `/v1/services/${svcUuid}/autoscale`, { token, body: { master: { name: "bench-master" }, max_size: 4, policies } }, 200);
  console.log(`service group 'bench-svc' (${svcUuid}) with autoscale`);

  // Quilt: the container `bench-c` comes into existence on its first control write, made with the
  // key the replay route then repeats.
  const quilt = { "x-api-key": token, "x-tenant-id": "bench", "x-orch-action-id": "bench-action", "content-type": "application/json" };
  const resize = { memory_limit_mb: 512, cpu_limit_percent: 100 };
  const first = await expectStatus(base, "POST", "/api/elasticity/control/containers/bench-c/resize", { headers: { ...quilt, "idempotency-key": "bench-replay" }, body: resize }, 200);
  const again = await expectStatus(base, "POST", "/api/elasticity/control/containers/bench-c/resize", { headers: { ...quilt, "idempotency-key": "bench-replay" }, body: resize }, 200);
  if (again.headers.get("idempotent-replayed") !== "true") await fail(`the Quilt replay route does not replay: ${again.text.slice(0, 300)}`);
  console.log(`container 'bench-c': operation ${first.json?.operation_id} (${first.json?.status}), replayed with its key`);

  // A webhook-provider pool whose machine.launch events go to this process's receiver.
  const receiver = await startReceiver();
  await expectStatus(base, "POST", "/cloudpools/bench-hook/config", { token, body: { provider: { type: "webhook", url: receiver.url, secret: "whsec_bench_0123456789abcdef", timeoutMs: 5000 } } }, 200);
  let hookSize = 0;

  // Pools of 10 and 1,000 simulated machines, all RUNNING before anything is measured.
  const fast = { type: "simulated", requestDelayMs: 0, bootDelayMs: 0, terminateDelayMs: 0 };
  for (const n of [10, 1000]) {
    await expectStatus(base, "POST", `/cloudpools/bench-p${n}/config`, { token, body: { provider: fast } }, 200);
    await expectStatus(base, "POST", `/cloudpools/bench-p${n}/pool/size`, { token, body: { desiredSize: n } }, 200);
    const deadline = Date.now() + 120_000;
    for (;;) {
      const pool = await expectStatus(base, "GET", `/cloudpools/bench-p${n}/pool`, { token }, 200);
      const running = (pool.json?.machines ?? []).filter((m) => m.machineState === "RUNNING").length;
      if (running === n) break;
      if (Date.now() > deadline) await fail(`pool bench-p${n}: ${running} of ${n} machines RUNNING after 120 s`);
      await sleep(500);
    }
    console.log(`pool 'bench-p${n}': ${n} machines RUNNING`);
  }

  // Issue 11, the front door: bench-fd.localhost → a webhook-provider service whose one instance is
  // reported RUNNING at 127.0.0.1, destination port = the trivial upstream's.
  const upstream = await startUpstream();
  const fdProvider = { type: "webhook", url: upstream.url, secret: "whsec_bench_0123456789abcdef", timeoutMs: 5000 };
  await expectStatus(base, "POST", "/v1/services", { token, body: { name: "bench-fd", services: [{ port: 443, destination_port: upstream.port }], domains: [{ name: "bench-fd.localhost" }], provider: fdProvider } }, 200);
  const fdInstance = await expectStatus(base, "POST", "/v1/instances", { token, body: { name: "bench-fd-0", image: "bench/app:latest", service_group: { name: "bench-fd" } } }, 200);
  const fdId = fdInstance.json?.data?.instances?.[0]?.uuid;
  await expectStatus(base, "POST", "/providers/webhook/bench-fd/machines", { token, body: { id: fdId, state: "RUNNING", privateIps: [HOST] } }, 200);
  const fdProbe = await viaHost(base, "bench-fd.localhost", "/");
  if (fdProbe.status !== 200) await fail(`GET / via the front door answered ${fdProbe.status}`);
  console.log(`service 'bench-fd' behind bench-fd.localhost → upstream ${upstream.url}`);
  // The wake bench: a simulated service with min_size 0 (boot delay WAKE_BOOT_MS) asleep between samples.
  const WAKE_BOOT_MS = 200;
  const wakeProvider = { type: "simulated", requestDelayMs: 0, bootDelayMs: WAKE_BOOT_MS, terminateDelayMs: 0 };
  const wakeSvc = await expectStatus(base, "POST", "/v1/services", { token, body: { name: "bench-wake", services: [{ port: 443, destination_port: 8080 }], domains: [{ name: "bench-wake.localhost" }], provider: wakeProvider } }, 200);
  const wakeUuid = wakeSvc.json?.data?.service_groups?.[0]?.uuid;
  await expectStatus(base, "POST", "/v1/instances", { token, body: { name: "bench-wake-0", image: "bench/app:latest", service_group: { name: "bench-wake" } } }, 200);
  await expectStatus(base, "POST", `/v1/services/${wakeUuid}/autoscale`, { token, body: { master: { name: "bench-wake-0" }, min_size: 0, max_size: 1, cooldown_time_ms: 300 } }, 200);

  const auth = { authorization: `Bearer ${token}` };
  const routes = [
    { name: "healthz", method: "GET", path: "/healthz", headers: {} },
    { name: "size.get", method: "GET", path: "/cloudpools/bench/pool/size", headers: auth },
    {
      name: "size.set",
      method: "POST",
      path: "/cloudpools/bench/pool/size",
      headers: { ...auth, "content-type": "application/json" },
      // Fixed at the pool's current size: every request is a full accepted write (DO transaction
      // + operation record flushed to D1) while the reconciler has nothing to launch or stop, so
      // the figure does not depend on simulated machine churn. See docs/benchmarks.md.
      body: JSON.stringify({ desiredSize: desired }),
    },
    {
      name: "autoscale.metrics",
      method: "POST",
      path: `/v1/services/${svcUuid}/autoscale/metrics`,
      headers: { ...auth, "content-type": "application/json" },
      // Between the two policies' steps: every push is a full DO command (the sample stored, the
      // policies evaluated) that decides nothing, so the group does not scale under the bench and
      // no decision row is written. docs/benchmarks.md.
      body: JSON.stringify({ cpu: 500 }),
    },
    {
      name: "autoscale.evaluate",
      method: "POST",
      path: `/v1/services/${svcUuid}/autoscale/evaluate`,
      headers: { ...auth, "content-type": "application/json" },
      // What-if on 10 instances at 900 millicores: the scale-out step matches; nothing changes.
      body: JSON.stringify({ cpu: 900, instances: 10 }),
    },
    {
      name: "quilt.write",
      method: "POST",
      path: "/api/elasticity/control/containers/bench-c/resize",
      // autocannon's idReplacement puts a unique id in place of [<id>] in every request: each one
      // is a new Idempotency-Key, so a full control write (idempotency record, DO transaction,
      // operation record flushed to D1) answering the terminal operation. Same limits each time:
      // the container's state does not drift. docs/benchmarks.md.
      headers: { ...quilt, "idempotency-key": "bench-[<id>]" },
      idReplacement: true,
      body: JSON.stringify(resize),
    },
    {
      name: "quilt.replay",
      method: "POST",
      path: "/api/elasticity/control/containers/bench-c/resize",
      // The setup's key and body: every request is a replay (Idempotent-Replayed: true).
      headers: { ...quilt, "idempotency-key": "bench-replay" },
      body: JSON.stringify(resize),
    },
    { name: "pool.10", method: "GET", path: "/cloudpools/bench-p10/pool", headers: auth },
    { name: "pool.1000", method: "GET", path: "/cloudpools/bench-p1000/pool", headers: auth },
    // Issue 11: proxied through the front door, and the same upstream without the gateway.
    { name: "frontdoor", method: "GET", path: "/", headers: { host: "bench-fd.localhost" } },
    { name: "upstream", method: "GET", path: "/", url: upstream.url, headers: {} },
  ].filter((r) => !only || r.name === "healthz" || only.includes(r.name));
  // Routes sharing a method and path (a write and its replay) are told apart by their name.
  const label = (r) => `${r.method} ${r.url ?? r.path}` + (r.headers?.host ? ` (Host ${r.headers.host})` : "") + (routes.filter((x) => x.method === r.method && x.path === r.path).length > 1 ? ` (${r.name})` : "");

  console.log(
    `\nmeasuring: ${connections} connections, ${duration} s per route, ${rounds} round(s)` +
      (warmup > 0 ? ` (+${warmup} s unmeasured warm-up per route before ${restart ? "each" : "the first"} round)` : ""),
  );
  /**
   * One autocannon run of route `r` for `seconds`, with the runtime's CPU per response. `warm`:
   * after `warmup` s of unmeasured traffic; `baseline`: an adjacent healthz window (never profiled).
   */
  async function measure(r, seconds, { warm = false, baseline = false } = {}) {
    const opts = { url: r.url ?? base + r.path, method: r.method, headers: r.headers, body: r.body, connections, pipelining: 1, timeout: 10, ...(r.idReplacement ? { idReplacement: true } : {}) };
    if (warm && warmup > 0) await run({ ...opts, duration: warmup });
    process.stdout.write(`${baseline ? "      adjacent baseline: " : "    "}${label(r)} ... `);
    const profiler = !baseline && (process.env.BENCH_PROFILE ?? "").split(",").includes(r.name) ? await startProfile(inspectorPort) : null;
    const cpu0 = runtimeCpuMs();
    const threads0 = runtimeThreadsMs();
    const out = summarize(r.name, r.method, r.path, await run({ ...opts, duration: seconds }));
    const cpu1 = runtimeCpuMs();
    const threads1 = runtimeThreadsMs();
    // The upstream route runs outside the runtime: its CPU is not the gateway's.
    const cpuMs = cpuDelta(cpu0, cpu1);
    out.cpu_ms_per_req = cpuMs !== null && !r.url && out.responses > 0 ? cpuMs / out.responses : null;
    const threadMs = r.url ? null : busiestThreadMs(threads0, threads1);
    out.busiest_thread = threadMs !== null && out.responses > 0 ? { ms_per_req: threadMs / out.responses, busy: threadMs / (out.duration_s * 1000) } : null;
    if (profiler) {
      const profile = await profiler.stop();
      writeFileSync(`${DIR}/${r.name}.cpuprofile`, JSON.stringify(profile));
      writeFileSync(`${DIR}/${r.name}.profile.txt`, summarizeProfile(profile, 60).join("\n") + "\n");
    }
    console.log(`${fmt(out.requests_per_s, 0)} req/s, p50 ${fmt(out.latency_ms.p50)} ms` + (out.cpu_ms_per_req !== null ? `, runtime CPU ${fmt(out.cpu_ms_per_req, 2)} ms/req` : "") +
        (out.busiest_thread ? `, busiest thread ${fmt(out.busiest_thread.ms_per_req, 2)} ms/req (${fmt(100 * out.busiest_thread.busy, 0)} % busy)` : ""));
    return out;
  }
  /** What a ratio needs of a baseline window (kept in results.json with each route). */
  const windowOf = (w) => ({ requests_per_s: w.requests_per_s, p50_ms: w.latency_ms.p50, cpu_ms_per_req: w.cpu_ms_per_req, non2xx: w.non2xx, errors: w.errors, timeouts: w.timeouts });

  const perRound = [];
  const launchRounds = [];
  const wakeRounds = [];
  for (let i = 0; i < rounds; i++) {
    if (rounds > 1) console.log(`  round ${i + 1}/${rounds}`);
    if (i > 0 && restart) {
      // Each round on a fresh runtime, the state (D1, Durable Objects) kept: the local runtime
      // slows down as it serves (docs/benchmarks.md, "A fresh runtime for each round").
      await stopDev();
      // Its workerd processes gone (and the port free) before the next one starts.
      for (let t = 0; t < 100 && runtimeCpuMs() !== null; t++) await sleep(100);
      await startDev();
      console.log(`    (the dev runtime restarted; each route warmed up again)`);
    }
    const warm = i === 0 || restart;
    const round = [];
    // The baseline window before the route being measured: the round's first healthz run, then
    // the adjacent window measured after the previous route.
    let before = null;
    for (const r of routes) {
      const out = await measure(r, duration, { warm });
      round.push(out);
      if (r === routes[0]) {
        before = out;
        continue;
      }
      out.baseline_before = windowOf(before);
      if (baselineDuration > 0 && !r.url) {
        // Work a route left behind (a D1 push gathered after its last answer) finishes before the
        // baseline is measured, so that it is not charged to the bare route.
        await sleep(BASELINE_GAP_MS);
        const after = await measure(routes[0], baselineDuration, { baseline: true });
        out.baseline_after = windowOf(after);
        before = after;
      }
    }
    // POST /pool/size → machine.launch at the receiver, one request at a time.
    process.stdout.write(`    POST /cloudpools/bench-hook/pool/size → machine.launch (${launches} samples) ... `);
    const samples = [];
    for (let k = 0; k < launches; k++) {
      hookSize++;
      const arrived = receiver.nextLaunch(10_000);
      const t0 = performance.now();
      const r = await call(base, "POST", "/cloudpools/bench-hook/pool/size", { token, body: { desiredSize: hookSize } });
      if (r.status !== 200) await fail(`POST /cloudpools/bench-hook/pool/size answered ${r.status}: ${r.text.slice(0, 300)}`);
      const at = await arrived.catch((err) => fail(String(err)));
      samples.push(at - t0);
    }
    const launch = { samples: samples.length, p50_ms: percentile(samples, 50), p99_ms: percentile(samples, 99), max_ms: Math.max(...samples) };
    console.log(`p50 ${fmt(launch.p50_ms)} ms, p99 ${fmt(launch.p99_ms)} ms`);
    launchRounds.push(launch);
    // Issue 11: wake latency of the front door's cold path, one request at a time, the group asleep
    // before each (standby after its 300 ms cooldown), minus the provider's boot delay.
    process.stdout.write(`    GET / via bench-wake.localhost, asleep → answered (${wakes} samples) ... `);
    const wakeSamples = [];
    for (let k = 0; k < wakes; k++) {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const pool = await call(base, "GET", "/cloudpools/bench-wake/pool", { token });
        if ((pool.json?.machines ?? []).every((m) => m.machineState === "TERMINATED")) break;
        if (Date.now() > deadline) await fail("bench-wake did not go to standby within 30 s");
        await sleep(100);
      }
      await sleep(1200); // the isolate's view of the group is refreshed before the request, as after any idle second
      const t0 = performance.now();
      const r = await viaHost(base, "bench-wake.localhost", "/");
      const total = performance.now() - t0;
      if (r.status !== 200) await fail(`GET / via bench-wake.localhost answered ${r.status}`);
      wakeSamples.push({ total, minusBoot: total - WAKE_BOOT_MS, coldStart: Number(r.headers["scalegate-cold-start"]) });
    }
    const wakeRound = {
      samples: wakeSamples.length,
      boot_delay_ms: WAKE_BOOT_MS,
      p50_ms: percentile(wakeSamples.map((x) => x.minusBoot), 50),
      p99_ms: percentile(wakeSamples.map((x) => x.minusBoot), 99),
      cold_start_header_p50_ms: percentile(wakeSamples.map((x) => x.coldStart), 50),
    };
    console.log(`minus boot: p50 ${fmt(wakeRound.p50_ms)} ms, p99 ${fmt(wakeRound.p99_ms)} ms (Scalegate-Cold-Start p50 ${fmt(wakeRound.cold_start_header_p50_ms)} ms)`);
    wakeRounds.push(wakeRound);
    // Ratios within the round. `ratio_rps`: to the baseline windows measured right before and
    // right after the route (their mean), so that a machine whose speed drifts over the minutes of
    // a round compares each route with the bare route at the same moment. `ratio_rps_round_start`:
    // to the round's first healthz run (the only baseline before BENCH_BASELINE existed).
    for (const r of round) {
      const adjacent = r === round[0] ? [windowOf(r)] : [r.baseline_before, r.baseline_after].filter(Boolean);
      const baseRps = adjacent.reduce((a, w) => a + w.requests_per_s, 0) / adjacent.length;
      const baseP50 = adjacent.reduce((a, w) => a + w.p50_ms, 0) / adjacent.length;
      r.ratio_rps = r.requests_per_s / baseRps;
      r.ratio_p50 = baseP50 > 0 ? r.latency_ms.p50 / baseP50 : null;
      r.ratio_rps_round_start = r.requests_per_s / round[0].requests_per_s;
    }
    perRound.push(round);
  }

  // Same state after the run: the pool still exists at the desired size.
  const after = await call(base, "GET", "/cloudpools/bench/pool/size", { token });

  await stopDev();
  await receiver.close();
  await upstream.close();

  // One line per route: medians over the rounds (with one round, simply that round's figures).
  const median = (xs) => {
    const v = xs.filter((x) => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
    if (v.length === 0) return null;
    const m = Math.floor(v.length / 2);
    return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
  };
  const sum = (xs) => xs.reduce((a, b) => a + b, 0);
  const results = routes.map((route, k) => {
    const runs = perRound.map((round) => round[k]);
    return {
      name: route.name,
      method: route.method,
      path: route.path,
      rounds: runs.length,
      requests_per_s: median(runs.map((x) => x.requests_per_s)),
      latency_ms: { p50: median(runs.map((x) => x.latency_ms.p50)), p99: median(runs.map((x) => x.latency_ms.p99)) },
      non2xx: sum(runs.map((x) => x.non2xx)),
      errors: sum(runs.map((x) => x.errors)),
      timeouts: sum(runs.map((x) => x.timeouts)),
      ratio_rps: median(runs.map((x) => x.ratio_rps)),
      ratio_rps_round_start: median(runs.map((x) => x.ratio_rps_round_start)),
      // A baseline p50 of 0 ms (autocannon's latencies are whole ms) gives no p50 ratio.
      ratio_p50: runs.some((x) => x.ratio_p50 === null) ? null : median(runs.map((x) => x.ratio_p50)),
      cpu_ms_per_req: median(runs.map((x) => x.cpu_ms_per_req)),
      thread_ms_per_req: median(runs.map((x) => x.busiest_thread?.ms_per_req ?? null)),
      status_counts: runs.reduce((acc, x) => {
        for (const [code, n] of Object.entries(x.status_counts)) acc[code] = (acc[code] ?? 0) + n;
        return acc;
      }, {}),
    };
  });

  const widths = [Math.max(32, ...results.map((r) => label(r).length)), 9, 8, 8, 7, 7, 10, 10, 10, 11, 14];
  console.log(rounds > 1 ? `\nmedians over ${rounds} rounds (ratios: median of the per-round ratios)` : "");
  console.log(
    baselineDuration > 0
      ? `rps/base, p50/base: to the mean of the ${baselineDuration}-s GET /healthz windows right before and after the route; rps/start: to the round's first GET /healthz run`
      : "rps/base, p50/base, rps/start: to the round's first GET /healthz run (BENCH_BASELINE=0)",
  );
  console.log(pad(["route", "req/s", "p50 ms", "p99 ms", "non2xx", "errors", "rps/base", "p50/base", "rps/start", "cpu ms/req", "thread ms/req"], widths));
  for (const r of results) {
    console.log(
      pad(
        [label(r), fmt(r.requests_per_s, 0), fmt(r.latency_ms.p50), fmt(r.latency_ms.p99), r.non2xx, r.errors, fmt(r.ratio_rps, 3), r.ratio_p50 === null ? "-" : `${fmt(r.ratio_p50, 1)}x`, fmt(r.ratio_rps_round_start, 3), fmt(r.cpu_ms_per_req, 2), fmt(r.thread_ms_per_req, 2)],
        widths,
      ),
    );
  }

  // GET /pool of 1,000 machines over 10: how much longer a request takes (req/s ratio, per round).
  const poolRatio = routes.some((r) => r.name === "pool.1000")
    ? median(perRound.map((round) => round.find((x) => x.name === "pool.10").requests_per_s / round.find((x) => x.name === "pool.1000").requests_per_s))
    : null;
  const launch = {
    p50_ms: median(launchRounds.map((x) => x.p50_ms)),
    p99_ms: median(launchRounds.map((x) => x.p99_ms)),
    samples_per_round: launches,
    rounds: launchRounds,
  };
  console.log(`\nGET /pool, 1,000 machines over 10: ${fmt(poolRatio, 2)}x the time per request (req/s of pool.10 / pool.1000)`);
  console.log(`POST /pool/size → machine.launch at the receiver: p50 ${fmt(launch.p50_ms)} ms, p99 ${fmt(launch.p99_ms)} ms (${launches} samples per round, median over rounds)`);
  // Issue 11: the front door against the healthz baseline and the upstream directly; wake latency.
  const fdRatio = (a, b) => median(perRound.map((round) => round.find((x) => x.name === a)?.requests_per_s / round.find((x) => x.name === b)?.requests_per_s));
  const frontdoor = {
    over_healthz: routes.some((r) => r.name === "frontdoor") ? median(perRound.map((round) => round.find((x) => x.name === "frontdoor").ratio_rps)) : null,
    over_upstream: routes.some((r) => r.name === "frontdoor") ? fdRatio("frontdoor", "upstream") : null,
    wake: { p50_ms: median(wakeRounds.map((x) => x.p50_ms)), p99_ms: median(wakeRounds.map((x) => x.p99_ms)), samples_per_round: wakes, rounds: wakeRounds },
  };
  console.log(`front door: GET / proxied ${fmt(frontdoor.over_healthz, 2)} of GET /healthz (target ≥ 0.5), ${fmt(frontdoor.over_upstream, 2)} of the upstream directly`);
  console.log(`front door wake, first held request → answer, minus the ${WAKE_BOOT_MS} ms boot delay: p50 ${fmt(frontdoor.wake.p50_ms)} ms, p99 ${fmt(frontdoor.wake.p99_ms)} ms (target p50 ≤ 20 ms)`);
  // Issue 13: the replay engine offline on one week of 1-s samples (parse + run).
  const week = await benchWeek(3);
  const replay = { points: week.points, times_ms: week.times.map((t) => Math.round(t)), median_s: median(week.times) / 1000, scale_events: week.summary.scale_events };
  console.log(`replay: one week of 1-s samples (${week.points} points) in ${fmt(replay.median_s, 2)} s (median of ${week.times.length}, parse + run; target < 5 s)`);

  const report = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpu_model: os.cpus()[0]?.model ?? null, loadavg_1m_start: loadBefore, loadavg_1m_end: os.loadavg()[0], platform: `${os.platform()} ${os.release()}`, node: process.version, wrangler: version },
    revision,
    settings: { duration_s: duration, connections, rounds, warmup_s: warmup, baseline_s: baselineDuration, restart_each_round: restart, desired_size: desired, pipelining: 1 },
    pool_after: after.json,
    results,
    pool_1000_over_10: poolRatio,
    webhook_launch: launch,
    frontdoor,
    replay,
    rounds: perRound,
  };
  writeFileSync(RESULTS, JSON.stringify(report, null, 2) + "\n");
  console.log("(latencies are whole milliseconds: autocannon's histogram resolution)");
  console.log(`\nresults written to ${RESULTS} (1-min load average at the end: ${fmt(os.loadavg()[0], 2)} on ${os.cpus().length} CPUs)`);

  // The adjacent baseline windows count as healthz runs.
  const healthzRow = results[0];
  for (const w of perRound.flatMap((round) => round.map((x) => x.baseline_after).filter(Boolean))) {
    healthzRow.non2xx += w.non2xx;
    healthzRow.errors += w.errors;
    healthzRow.timeouts += w.timeouts;
  }
  const bad = results.filter((r) => r.non2xx > 0 || r.errors > 0 || r.timeouts > 0);
  if (bad.length > 0) {
    for (const r of bad) console.error(`error: ${label(r)}: ${r.non2xx} non-2xx (${JSON.stringify(r.status_counts)}), ${r.errors} errors, ${r.timeouts} timeouts`);
    process.exit(1);
  }
}

main().catch(async (err) => {
  await fail(err?.stack ?? String(err));
});
