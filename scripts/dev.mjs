#!/usr/bin/env node
// `npm start`: applies the D1 migrations to the local database, then serves the gateway with
// `wrangler dev` on http://localhost:8787 (simulated provider), with a dev admin token.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const port = process.env.PORT ?? "8787";
// The project's own wrangler, run directly (not through `npm exec`), so that a SIGTERM reaches it
// and it stops its workerd processes instead of leaving them behind.
const wranglerBin = fileURLToPath(new URL("../node_modules/.bin/wrangler", import.meta.url));

// Keep the dev admin token stable across restarts (the file is git-ignored under .wrangler/).
const tokenFile = ".wrangler/dev-admin-token";
let admin = process.env.ADMIN_TOKEN;
if (!admin) {
  if (existsSync(tokenFile)) admin = readFileSync(tokenFile, "utf8").trim();
  else {
    admin = `dev-admin-${randomBytes(16).toString("hex")}`;
    mkdirSync(".wrangler", { recursive: true });
    writeFileSync(tokenFile, admin + "\n");
  }
}

const migrate = spawnSync(wranglerBin, ["d1", "migrations", "apply", "DB", "--local"], {
  stdio: "inherit",
  env: { ...process.env, CI: "true" }, // never prompt
});
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

const base = `http://localhost:${port}`;
console.log(`
Scalegate dev server: ${base} (simulated provider, local D1)
Dev admin token: ${admin}

Create a tenant token, then a pool of 3 simulated machines:

  TOKEN=$(curl -s -X POST ${base}/admin/tenants/demo/tokens -H 'Authorization: Bearer ${admin}' | sed -E 's/.*"token":"([^"]+)".*/\\1/')
  curl -s -X POST ${base}/cloudpools/web/config -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d '{}'
  curl -s -X POST ${base}/cloudpools/web/pool/size -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d '{"desiredSize": 3}'
  curl -s ${base}/cloudpools/web/pool -H "Authorization: Bearer $TOKEN"
`);

const dev = spawn(wranglerBin, ["dev", "--port", port, "--var", `ADMIN_TOKEN:${admin}`, ...process.argv.slice(2)], { stdio: "inherit" });
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => dev.kill(sig));
dev.on("exit", (code) => process.exit(code ?? 0));
