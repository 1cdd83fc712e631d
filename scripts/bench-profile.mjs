// BENCH_PROFILE=<route names>: a V8 CPU profile of the Worker (and its Durable Objects, same
// isolate under wrangler dev) while each of those routes is measured, through the dev server's
// inspector. Written to .bench/<name>.cpuprofile (open in Chrome DevTools / speedscope), with
// .bench/<name>.profile.txt: the heaviest functions by self and by inclusive time. Measuring with
// the profiler on slows everything down: ratios from a profiled run are not figures for
// docs/benchmarks.md.
import WebSocket from "ws";

export async function startProfile(inspectorPort) {
  const list = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
  const target = list.find((t) => t.webSocketDebuggerUrl) ?? list[0];
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  let id = 0;
  const waiting = new Map();
  ws.on("message", (data) => {
    const msg = JSON.parse(String(data));
    if (msg.id && waiting.has(msg.id)) {
      waiting.get(msg.id)(msg);
      waiting.delete(msg.id);
    }
  });
  const send = (method, params = {}) =>
    new Promise((resolve) => {
      const n = ++id;
      waiting.set(n, resolve);
      ws.send(JSON.stringify({ id: n, method, params }));
    });
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: 100 });
  await send("Profiler.start");
  return {
    async stop() {
      const r = await send("Profiler.stop");
      ws.close();
      return r.result?.profile ?? null;
    },
  };
}

/** Self and inclusive time by function (name + url:line), heaviest first. */
export function summarizeProfile(profile, top = 40) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const keyOf = (n) => {
    const f = n.callFrame;
    return `${f.functionName || "(anon)"} ${f.url.split("/").slice(-2).join("/")}:${f.lineNumber + 1}`;
  };
  const counts = new Map();
  for (const s of profile.samples) counts.set(s, (counts.get(s) ?? 0) + 1);
  const self = new Map();
  const incl = new Map();
  let total = 0;
  for (const [nodeId, c] of counts) {
    const k = keyOf(byId.get(nodeId));
    self.set(k, (self.get(k) ?? 0) + c);
    total += c;
    const seen = new Set();
    for (let id = nodeId; id !== undefined; id = parent.get(id)) {
      const key = keyOf(byId.get(id));
      if (seen.has(key)) continue;
      seen.add(key);
      incl.set(key, (incl.get(key) ?? 0) + c);
    }
  }
  const fmt = (m) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, c]) => `${((100 * c) / total).toFixed(1).padStart(5)}%  ${k}`);
  return ["self:", ...fmt(self), "inclusive:", ...fmt(incl)];
}
