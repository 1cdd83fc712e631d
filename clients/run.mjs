#!/usr/bin/env node
// `npm run test:clients`: every client suite under clients/ against one Scalegate started here
// (clients/harness/gateway.mjs: the project's own `wrangler dev` on 127.0.0.1, a fresh D1, a
// random admin token), non-interactively. A client folder without node_modules is installed
// first with `npm ci` (its own lockfile and .npmrc). Each suite runs with node's test runner;
// the closing line is `N passed, N failed`, and the exit code is non-zero on any failure.
//
//   node clients/run.mjs [unikraft quilt elastisys]     (default: all of them)
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startGateway } from "./harness/gateway.mjs";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const ALL = ["unikraft", "quilt", "elastisys"];
const chosen = process.argv.slice(2);
for (const c of chosen) if (!ALL.includes(c)) (console.error(`unknown client '${c}' (one of ${ALL.join(", ")})`), process.exit(2));
const clients = chosen.length ? chosen : ALL;

/** `npm ci` in a client folder that has no node_modules yet (a fresh clone). */
function install(dir) {
  const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
  const deps = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies });
  if (deps.length === 0 || existsSync(path.join(dir, "node_modules"))) return true;
  console.log(`\n[clients] npm ci in ${path.relative(process.cwd(), dir) || dir}`);
  // The folder's own .npmrc applies (legacy-peer-deps for the Unikraft SDK).
  const r = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: dir, stdio: "inherit", env: { ...process.env, CI: "true" } });
  return r.status === 0;
}

/** Runs one client's tests: spec output on the console, TAP into a file to count. */
function runSuite(dir, env) {
  const tests = readdirSync(path.join(dir, "test"))
    .filter((f) => f.endsWith(".test.mjs"))
    .sort()
    .map((f) => path.join("test", f));
  const tmp = mkdtempSync(path.join(os.tmpdir(), "scalegate-clients-tap-"));
  const tap = path.join(tmp, "out.tap");
  const args = ["--test", "--test-concurrency=1", "--test-reporter=spec", "--test-reporter-destination=stdout", "--test-reporter=tap", `--test-reporter-destination=${tap}`, ...tests];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: dir, stdio: ["ignore", "inherit", "inherit"], env });
    child.on("exit", (code, signal) => {
      let text = "";
      try {
        text = readFileSync(tap, "utf8");
      } catch {
        /* no report */
      }
      rmSync(tmp, { recursive: true, force: true });
      const count = (name) => Number(text.match(new RegExp(`^# ${name} (\\d+)$`, "m"))?.[1] ?? 0);
      resolve({ code: code ?? 1, signal, passed: count("pass"), failed: count("fail") + count("cancelled"), files: tests.length });
    });
  });
}

async function main() {
  let failedInstalls = 0;
  for (const c of clients) if (!install(path.join(HERE, c))) (console.error(`[clients] npm ci failed in clients/${c}`), failedInstalls++);
  if (failedInstalls) {
    console.log(`0 passed, ${failedInstalls} failed`);
    process.exit(1);
  }

  console.log("\n[clients] starting the gateway (wrangler dev) ...");
  let gw;
  try {
    gw = await startGateway();
  } catch (err) {
    console.error(`[clients] the gateway did not start: ${err.message}`);
    console.log("0 passed, 1 failed");
    process.exit(1);
  }
  console.log(`[clients] gateway at ${gw.base}`);
  const env = { ...process.env, SCALEGATE_URL: gw.base, SCALEGATE_ADMIN_TOKEN: gw.adminToken };
  const results = [];
  try {
    for (const c of clients) {
      console.log(`\n[clients] ${c}`);
      results.push([c, await runSuite(path.join(HERE, c), env)]);
    }
  } finally {
    await gw.stop();
  }

  console.log("\n[clients] summary");
  let passed = 0;
  let failed = 0;
  for (const [c, r] of results) {
    // A suite that exited non-zero without a failing test (crash, bad import) still fails.
    const f = r.failed || (r.code !== 0 ? 1 : 0);
    console.log(`  ${c.padEnd(10)} ${r.passed} passed, ${f} failed${r.code !== 0 ? ` (exit ${r.code}${r.signal ? `, ${r.signal}` : ""})` : ""}`);
    passed += r.passed;
    failed += f;
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
}

main().catch((err) => {
  console.error(err);
  console.log("0 passed, 1 failed");
  process.exit(1);
});
