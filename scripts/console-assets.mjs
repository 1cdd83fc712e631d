#!/usr/bin/env node
// Builds the browser console's static assets into build/assets/console/ (run by `npm install`
// through scripts/docs-assets.mjs, and by itself: `node scripts/console-assets.mjs`): the front end
// in console-ui/ bundled with esbuild into one app.js (uPlot included), its stylesheet, uPlot's
// stylesheet and licence. Served by the Worker under /console/assets/ (src/console/index.ts); no
// CDN at run time. build/ is generated, never committed.
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const to = join(root, "build", "assets", "console");
mkdirSync(to, { recursive: true });

export async function buildConsoleAssets() {
  const uplot = join(root, "node_modules", "uplot");
  let esbuild;
  try {
    esbuild = await import("esbuild");
  } catch {
    esbuild = null;
  }
  if (!esbuild || !existsSync(uplot)) {
    // An install without devDependencies (--omit=dev) must not fail: /console then answers 503 for its assets.
    console.warn("console-assets: esbuild or uplot is missing (devDependencies not installed?): /console will lack its assets");
    return false;
  }
  await esbuild.build({
    entryPoints: [join(root, "console-ui", "main.js")],
    bundle: true,
    format: "esm",
    target: ["chrome110", "firefox110", "safari16"],
    minify: true,
    sourcemap: false,
    legalComments: "eof",
    outfile: join(to, "app.js"),
    logLevel: "warning",
  });
  copyFileSync(join(root, "console-ui", "app.css"), join(to, "app.css"));
  copyFileSync(join(uplot, "dist", "uPlot.min.css"), join(to, "uPlot.min.css"));
  copyFileSync(join(uplot, "LICENSE"), join(to, "LICENSE-uplot.txt"));
  console.log("console-assets: console-ui → build/assets/console/ (app.js, app.css, uPlot.min.css, LICENSE-uplot.txt)");
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await buildConsoleAssets();
