// The bench's dev server: the same local runtime `wrangler dev` starts (wrangler's own
// unstable_startWorker: its proxy worker, Miniflare, workerd, the D1 and Durable Object simulators,
// persisted to the given directory), with the DevTools inspector switched off unless a profile was
// asked for (BENCH_PROFILE).
//
// Why not the `wrangler dev` command: it always attaches wrangler's inspector proxy, which enables
// the DevTools Network domain in the Worker. Every subrequest the Worker makes (each local D1 call
// is one, and so is every request the front door proxies or a webhook delivery sends) then emits
// four Network events that wrangler relays through its proxy runtime to Node and appends, formatted,
// to its debug log file (~/.config/.wrangler/logs). That costs more CPU than the request itself on
// the machine being measured, and none of it exists on Cloudflare's network, so it was charged to
// the paths with subrequests and not to the bare route (docs/benchmarks.md, "Inspector").
//
// Usage (scripts/bench.mjs spawns it): node scripts/bench-dev.mjs <port> <persist dir> <inspector port|off>
// with ADMIN_TOKEN in the environment. Prints "ready <url>" once serving; stops on SIGTERM/SIGINT.
import { unstable_startWorker } from "wrangler";

const [port, persist, inspector] = process.argv.slice(2);
const HOST = "127.0.0.1";

const worker = await unstable_startWorker({
  config: "wrangler.toml",
  bindings: { ADMIN_TOKEN: { type: "plain_text", value: process.env.ADMIN_TOKEN ?? "" } },
  dev: {
    remote: false,
    server: { hostname: HOST, port: Number(port) },
    inspector: inspector === "off" ? false : { hostname: HOST, port: Number(inspector) },
    persist,
    // Per-request log lines would cost CPU on the machine being measured; warnings still show.
    logLevel: "warn",
    watch: false,
    liveReload: false,
  },
});
await worker.ready;
console.log(`ready ${await worker.url}`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await worker.dispose().catch(() => {});
  process.exit(0);
};
for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"]) process.on(signal, () => void stop());
