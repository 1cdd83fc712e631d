import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

const numberEnv = (name: string): number | undefined => (process.env[name] ? Number(process.env[name]) : undefined);

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
