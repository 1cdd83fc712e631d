import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// (globalThis: the project's type check has no Node types; this file runs in Node.)
const environment = (globalThis as unknown as { process: { env: Record<string, string | undefined> } }).process.env;
const numberEnv = (name: string): number | undefined => (environment[name] ? Number(environment[name]) : undefined);

export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations");
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: { ADMIN_TOKEN: "test-admin-token", TEST_MIGRATIONS: migrations },
        },
      }),
    ],
    test: {
      include: ["test/**/*.test.ts"],
      setupFiles: ["./test/setup.ts"],
      // A real HTTP receiver (Node, 127.0.0.1) for the webhook provider suites: inject("receiverUrl").
      globalSetup: ["./test/webhook-receiver.global.mjs"],
      // The fuzz suites' seed and runs: fixed in `npm test`, chosen by `npm run fuzz` (scripts/fuzz.mjs).
      provide: { fuzz: { seed: numberEnv("FUZZ_SEED"), runs: numberEnv("FUZZ_RUNS") } },
    },
  };
});
