// The gateway the client suites drive: the project's own `wrangler dev` on 127.0.0.1 and a free
// port, with its own persistence directory (a fresh D1 with the migrations applied first) and a
// random admin token. Node 20 only, no dependencies.
//
//   const gw = await useGateway();              // SCALEGATE_URL + SCALEGATE_ADMIN_TOKEN if set, else start one
//   const { token } = await gw.issueToken("acme");                  // tenant token
//   const scoped = await gw.issueToken("acme", { pool: "web" });   // pool-scoped token
//   await gw.stop();                             // stops wrangler and workerd (the process group)
//
// `clients/run.mjs` starts one gateway for every client suite and passes it down through
// SCALEGATE_URL / SCALEGATE_ADMIN_TOKEN; a suite run on its own (`npm test` in its folder) starts
// its own.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HOST = "127.0.0.1";
/** The repository root: this file is clients/harness/gateway.mjs. */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
/**
 * The checkout the gateway is built from: the repository itself, or SCALEGATE_ROOT (e.g. an
 * export of the committed tree while the working tree is being edited).
 */
const GATEWAY_ROOT = process.env.SCALEGATE_ROOT ? path.resolve(process.env.SCALEGATE_ROOT) : REPO_ROOT;
const WRANGLER = path.join(GATEWAY_ROOT, "node_modules", ".bin", "wrangler");

/** A port the OS says is free right now on 127.0.0.1. */
export function freePort() {
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

// Never prompt (CI), and keep wrangler off the network: no telemetry, no update check, no fetch
// of the Request.cf object. The only traffic is to 127.0.0.1.
const wranglerEnv = () => ({
  ...process.env,
  CI: "true",
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_HIDE_BANNER: "true",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  NO_COLOR: "1",
  FORCE_COLOR: "0",
});

/** Every process group started here, so that an abrupt exit still stops them. */
const running = new Set();
process.on("exit", () => {
  for (const child of running) {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      /* already gone */
    }
  }
});
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.once(sig, () => process.exit(128 + (sig === "SIGINT" ? 2 : sig === "SIGTERM" ? 15 : 1)));
}

const readLog = (file) => {
  try {
    return readFileSync(file, "utf8").replace(/\x1b\[[0-9;]*m/g, "");
  } catch {
    return "";
  }
};
const tail = (file, lines = 40) => readLog(file).split("\n").slice(-lines).join("\n") || "(no log)";

/** Admin and setup calls (not part of any client's behaviour). */
async function adminCall(base, adminToken, method, p, body) {
  const headers = { authorization: `Bearer ${adminToken}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(base + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.status, json, text };
}

function gatewayApi(base, adminToken, stop, logFile) {
  return {
    base,
    adminToken,
    logFile,
    stop,
    /**
     * A tenant token (`POST /admin/tenants/{tenant}/tokens`), or a pool-scoped one with `{pool}`
     * (body `{"pool": "<name>"}`). Resolves to the answer's `{token, token_id, tenant_id, ...}`.
     */
    async issueToken(tenant, { pool } = {}) {
      const r = await adminCall(base, adminToken, "POST", `/admin/tenants/${encodeURIComponent(tenant)}/tokens`, pool === undefined ? undefined : { pool });
      if (r.status !== 201 || typeof r.json?.token !== "string") {
        throw new Error(`POST /admin/tenants/${tenant}/tokens${pool === undefined ? "" : ` {"pool": "${pool}"}`} answered ${r.status}: ${r.text.slice(0, 400)}`);
      }
      return r.json;
    },
  };
}

/**
 * Starts `wrangler dev` of the repository with a fresh persistence directory. Resolves once
 * `GET /healthz` answers 200. `stop()` kills the process group (wrangler, esbuild, workerd) and
 * removes the directory; it is safe to call twice.
 */
export async function startGateway({ timeoutMs = 120_000 } = {}) {
  // A free port can be taken by someone else between the check and wrangler's bind (other
  // servers start on this machine too): try again with new ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(timeoutMs);
    } catch (err) {
      if (attempt >= 3 || !/Address already in use/i.test(err.message)) throw err;
    }
  }
}

async function startOnce(timeoutMs) {
  if (!existsSync(WRANGLER)) throw new Error(`${WRANGLER} is missing: run \`npm ci\` in the repository root first`);
  const dir = mkdtempSync(path.join(os.tmpdir(), "scalegate-clients-"));
  const state = path.join(dir, "state");
  const logFile = path.join(dir, "wrangler.log");
  const env = wranglerEnv();

  const migrate = spawnSync(WRANGLER, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", state], { cwd: GATEWAY_ROOT, env, encoding: "utf8" });
  if (migrate.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`wrangler d1 migrations apply failed (${migrate.status}):\n${migrate.stdout}\n${migrate.stderr}`);
  }

  const port = await freePort();
  const inspectorPort = await freePort();
  const adminToken = `clients-admin-${randomBytes(16).toString("hex")}`;
  const base = `http://${HOST}:${port}`;
  const log = createWriteStream(logFile);
  const child = spawn(
    WRANGLER,
    [
      "dev",
      "--ip", HOST,
      "--port", String(port),
      "--inspector-ip", HOST,
      "--inspector-port", String(inspectorPort),
      "--persist-to", state,
      "--var", `ADMIN_TOKEN:${adminToken}`,
      "--show-interactive-dev-session=false",
      "--log-level", "warn",
    ],
    { cwd: GATEWAY_ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] },
  );
  running.add(child);
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  let spawnError = null;
  child.on("error", (err) => (spawnError = err));

  let stopping = null;
  const kill = (sig) => {
    try {
      process.kill(-child.pid, sig); // the whole group: wrangler, esbuild, workerd
    } catch {
      /* already gone */
    }
  };
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  const stop = () => {
    stopping ??= (async () => {
      if (!exited()) {
        const gone = new Promise((resolve) => child.once("exit", resolve));
        kill("SIGTERM");
        const hard = setTimeout(() => kill("SIGKILL"), 5000);
        await gone;
        clearTimeout(hard);
      }
      kill("SIGKILL"); // wrangler is gone; nothing of its group may stay behind (workerd)
      running.delete(child);
      log.end();
      rmSync(dir, { recursive: true, force: true });
    })();
    return stopping;
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // A Worker that does not build leaves wrangler running, waiting for a change: stop at once.
    if (/Build failed/.test(readLog(logFile))) {
      const logText = tail(logFile);
      await stop();
      throw new Error(`the Worker did not build (wrangler dev, ${GATEWAY_ROOT}):\n${logText}`);
    }
    if (spawnError || exited()) {
      const why = spawnError ? spawnError.message : `exit code ${child.exitCode}, signal ${child.signalCode}`;
      const logText = tail(logFile);
      await stop();
      throw new Error(`wrangler dev stopped before it served (${why}):\n${logText}`);
    }
    try {
      const r = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      const logText = tail(logFile);
      await stop();
      throw new Error(`GET ${base}/healthz did not answer within ${timeoutMs / 1000} s:\n${logText}`);
    }
    await sleep(250);
  }
  return gatewayApi(base, adminToken, stop, logFile);
}

/**
 * The gateway of this run: the one named by SCALEGATE_URL and SCALEGATE_ADMIN_TOKEN (started by
 * clients/run.mjs; `stop()` then leaves it running), else a new one.
 */
export async function useGateway() {
  const url = process.env.SCALEGATE_URL;
  const adminToken = process.env.SCALEGATE_ADMIN_TOKEN;
  if (url && adminToken) return gatewayApi(url.replace(/\/+$/, ""), adminToken, async () => {}, null);
  return startGateway();
}

/** A name unique to this run, for tenants and groups: `<prefix>-<6 hex>`. */
export const unique = (prefix) => `${prefix}-${randomBytes(3).toString("hex")}`;
