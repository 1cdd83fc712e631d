#!/usr/bin/env node
// `npm run test:frontdoor`: the front door's real-upstream suites (frontdoor/*.test.mjs, issue 11)
// against one `wrangler dev` started here (clients/harness/gateway.mjs), with node's test runner,
// one file at a time. Exit code non-zero on any failure.
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startGateway } from "../clients/harness/gateway.mjs";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const chosen = process.argv.slice(2);
const files = readdirSync(HERE)
  .filter((f) => f.endsWith(".test.mjs") && (chosen.length === 0 || chosen.some((c) => f.startsWith(c))))
  .sort()
  .map((f) => path.join(HERE, f));

const gw = await startGateway();
let code = 1;
try {
  code = await new Promise((resolve) => {
    const child = spawn(process.execPath, ["--test", "--test-concurrency=1", "--test-reporter=spec", ...files], {
      stdio: "inherit",
      env: { ...process.env, SCALEGATE_URL: gw.base, SCALEGATE_ADMIN_TOKEN: gw.adminToken },
    });
    child.on("exit", (c) => resolve(c ?? 1));
  });
} finally {
  await gw.stop();
}
process.exit(code);
