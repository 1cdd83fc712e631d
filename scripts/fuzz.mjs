// `npm run fuzz [-- test/fuzz-<dialect>.test.ts ...]`: the fuzz suites with a random seed (or
// FUZZ_SEED) and more runs (FUZZ_RUNS, default 600 per suite), printed first so that a failure can
// be replayed: `FUZZ_SEED=<seed> FUZZ_RUNS=<runs> npm run fuzz -- <file>`. The values reach the
// tests through vitest.config.ts (`provide: {fuzz}`). docs/security.md, "Fuzzing".
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const seed = process.env.FUZZ_SEED ?? String(Math.floor(Math.random() * 0x7fffffff));
const runs = process.env.FUZZ_RUNS ?? "600";
const files = process.argv.slice(2);
console.log(`fuzz: FUZZ_SEED=${seed} FUZZ_RUNS=${runs} ${files.length ? files.join(" ") : "(every test/fuzz-*.test.ts)"}`);

const vitest = fileURLToPath(new URL("../node_modules/vitest/vitest.mjs", import.meta.url));
const child = spawn(process.execPath, [vitest, "run", ...(files.length ? files : ["test/fuzz-"])], {
  stdio: "inherit",
  env: { ...process.env, FUZZ_SEED: seed, FUZZ_RUNS: runs },
});
const forward = (signal) => child.kill(signal);
process.on("SIGINT", forward);
process.on("SIGTERM", forward);
child.on("exit", (code, signal) => {
  console.log(`fuzz: done (FUZZ_SEED=${seed} FUZZ_RUNS=${runs}), ${signal ?? `exit ${code}`}`);
  process.exit(code ?? 1);
});
