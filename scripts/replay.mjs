#!/usr/bin/env node
// `npm run replay -- --trace load.csv --config autoscale.json [--compare other.json] [--out report.html] [--json]`:
// the replay engine offline, no gateway (docs/replay.md). Bundles src/domain/replay/cli.ts with
// esbuild to a temporary ES module, imports it and runs it with node's files.
// `--bench` instead replays a generated week of 1-s samples and prints the time (npm run bench).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The replay modules as one ES module (run.ts for the bench, cli.ts for the CLI). */
export async function loadReplay() {
  const dir = mkdtempSync(join(tmpdir(), "scalegate-replay-"));
  const entry = join(dir, "entry.ts");
  writeFileSync(entry, `export * from ${JSON.stringify(join(root, "src/domain/replay/cli.ts"))};\nexport * from ${JSON.stringify(join(root, "src/domain/replay/run.ts"))};\n`);
  const outfile = join(dir, "replay.mjs");
  await build({ entryPoints: [entry], bundle: true, platform: "neutral", format: "esm", target: "es2022", outfile, logLevel: "warning" });
  try {
    return await import(pathToFileURL(outfile).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A week of 1-s cpu samples: a daily wave, a weekday bump and deterministic noise. */
export function weekTrace(seconds = 604_800) {
  const start = Date.UTC(2026, 10, 23) / 1000;
  const lines = ["timestamp,value"];
  let x = 1;
  for (let i = 0; i < seconds; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const day = Math.sin((i / 86400) * 2 * Math.PI);
    lines.push(`${start + i},${Math.max(0, Math.round(420 + 320 * day + (x % 200) - 100))}`);
  }
  return lines.join("\n");
}

export const WEEK_CONFIG = {
  min_size: 1, max_size: 12, warmup_time_ms: 60_000, cooldown_time_ms: 300_000,
  policies: [
    { name: "out", type: "step", metric: "cpu", adjustment_type: "percent", steps: [{ lower_bound: 600, upper_bound: 800, adjustment: 20 }, { lower_bound: 800, adjustment: 50 }] },
    { name: "in", type: "step", metric: "cpu", adjustment_type: "change", steps: [{ upper_bound: 200, adjustment: -1 }] },
  ],
};

/** Replays the generated week `rounds` times; the times (ms) of each round, parse included. */
export async function benchWeek(rounds = 3) {
  const m = await loadReplay();
  const text = weekTrace();
  const times = [];
  let summary;
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    const r = m.replayRequest({ trace: text, config: WEEK_CONFIG, options: { boot_delay_ms: 5000 } });
    times.push(performance.now() - t0);
    if (!r.ok) throw new Error(r.message);
    summary = r.run.summary;
  }
  return { points: 604_800, times, summary };
}

async function main() {
  const argv = process.argv.slice(2);
  if (argv[0] === "--bench") {
    const b = await benchWeek(Number(process.env.BENCH_ROUNDS ?? 3));
    console.log(`replay: ${b.points} samples, ${b.times.map((t) => `${(t / 1000).toFixed(2)} s`).join(", ")} (parse + run); ${b.summary.scale_events} scale events`);
    return;
  }
  const m = await loadReplay();
  const r = m.runCli(argv, { readFile: (p) => readFileSync(p, "utf8"), writeFile: (p, text) => writeFileSync(p, text) });
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  process.exitCode = r.code;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
