#!/usr/bin/env node
// `npm install` (the root package's `prepare` script) runs this (and scripts/console-assets.mjs): copies the Swagger UI bundle from
// node_modules/swagger-ui-dist into build/assets/docs/, the Worker's static assets (wrangler.toml
// [assets]), so that GET /docs works without any CDN. build/ is generated, never committed.
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const from = join(root, "node_modules", "swagger-ui-dist");
const to = join(root, "build", "assets", "docs");
/** [file in swagger-ui-dist, name served under /docs/] */
const FILES = [
  ["swagger-ui-bundle.js", "swagger-ui-bundle.js"],
  ["swagger-ui-standalone-preset.js", "swagger-ui-standalone-preset.js"],
  ["swagger-ui.css", "swagger-ui.css"],
  ["favicon-32x32.png", "favicon-32x32.png"],
  ["LICENSE", "LICENSE.txt"],
];

mkdirSync(to, { recursive: true }); // wrangler needs the assets directory to exist
// The browser console's assets (issue 12) are built by the same `prepare` step.
await (await import("./console-assets.mjs")).buildConsoleAssets();
if (!existsSync(from)) {
  // An install without devDependencies (--omit=dev) must not fail: /docs then answers 503 for its assets.
  console.warn("docs-assets: node_modules/swagger-ui-dist is missing (devDependencies not installed?): /docs will lack its assets");
  process.exit(0);
}
mkdirSync(to, { recursive: true });
for (const [src, dest] of FILES) copyFileSync(join(from, src), join(to, dest));
const { version } = JSON.parse(readFileSync(join(from, "package.json"), "utf8"));
console.log(`docs-assets: Swagger UI ${version} → build/assets/docs/ (${FILES.length} files)`);
