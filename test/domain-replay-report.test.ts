// The replay's HTML report (self-contained: inline SVG, no URL, no script) and the CLI as pure
// functions (src/domain/replay/cli.ts): argument parsing, reading the files through the reader it
// is given, the text summary, --json, --out, --compare, and every error with its exit code.
import { describe, expect, it } from "vitest";
import { parseCliArgs, readConfig, runCli } from "../src/domain/replay/cli";
import { renderReport } from "../src/domain/replay/report";
import { replayRequest } from "../src/domain/replay/run";

const T = 1_800_000_000;
const CSV = ["timestamp,value", ...[500, 900, 900, 950, 300, 100, 100, 100].map((v, i) => `${T + i * 10},${v}`)].join("\n");
const CONFIG = { min_size: 1, max_size: 4, warmup_time_ms: 15_000, cooldown_time_ms: 20_000, policies: [
  { name: "out", type: "step", adjustment_type: "change", steps: [{ lower_bound: 800, adjustment: 1 }] },
  { name: "in", type: "step", adjustment_type: "change", steps: [{ upper_bound: 200, adjustment: -1 }] },
] };
const AGGRESSIVE = { ...CONFIG, warmup_time_ms: 5000, policies: [{ name: "out", type: "step", adjustment_type: "percent", steps: [{ lower_bound: 700, adjustment: 100 }] }] };

function files(extra: Record<string, string> = {}) {
  const fs: Record<string, string> = { "load.csv": CSV, "autoscale.json": JSON.stringify(CONFIG), "aggressive.json": JSON.stringify(AGGRESSIVE), ...extra };
  const written: Record<string, string> = {};
  return {
    written,
    io: {
      readFile: (p: string) => {
        if (!(p in fs)) throw new Error(`ENOENT: no such file, open '${p}'`);
        return fs[p];
      },
      writeFile: (p: string, text: string) => {
        if (p.startsWith("/readonly/")) throw new Error("EACCES");
        written[p] = text;
      },
    },
  };
}

describe("HTML report", () => {
  const r = replayRequest({ trace: CSV, config: CONFIG, compare: AGGRESSIVE });
  if (!r.ok || !r.compare) throw new Error("replay failed");
  const one = renderReport(r.trace, [r.run]);
  const two = renderReport(r.trace, [r.run, r.compare.run], ["autoscale.json", "aggressive.json"]);

  it("is self-contained: inline SVG charts, no URL, no script, no external resource", () => {
    for (const html of [one, two]) {
      expect(html.startsWith("<!doctype html>")).toBe(true);
      expect(html.match(/<svg /g)?.length).toBe(2); // metric with step bands, capacity
      expect(html).not.toMatch(/https?:/i);
      expect(html).not.toMatch(/<script|<link|<img|<iframe|\ssrc=|\shref=|@import|url\(/i);
      expect(html).toContain("<polyline");
      expect(html).toContain("</html>");
    }
  });
  it("shows the summary (side by side with deltas when comparing), the step bands, the decisions escaped", () => {
    expect(one).toContain("under_provisioned_s");
    expect(one).not.toContain("delta (2 − 1)");
    expect(two).toContain("delta (2 − 1)");
    expect(two).toContain("aggressive.json");
    expect(two).toContain('run 1: &quot;out&quot; [800, inf) change 1');
    expect(two).toContain('run 2: &quot;out&quot; [700, inf) percent 100');
    expect(one).toContain("cpu 900 millicores on 1 instance (min 1, max 4): &quot;out&quot; step 0 [800, inf) change +1 → 2");
    expect(one).not.toContain('"out" step 0');
  });
});

describe("CLI arguments", () => {
  it("flags with a space or =, --json, defaults", () => {
    expect(parseCliArgs(["--trace", "a.csv", "--config=c.json", "--compare", "d.json", "--out", "r.html", "--json", "--boot-delay-ms=1500", "--scope", "total", "--metric", "requests", "--max-gap-seconds", "60", "--initial-capacity", "2"])).toEqual({
      ok: true,
      args: { trace: "a.csv", config: "c.json", compare: "d.json", out: "r.html", json: true, boot_delay_ms: 1500, scope: "total", metric: "requests", max_gap_seconds: 60, initial_capacity: 2 },
    });
    expect(parseCliArgs(["--trace", "a", "--config", "c"])).toEqual({ ok: true, args: { trace: "a", config: "c", json: false } });
  });
  it.each([
    [["--config", "c"], "--trace is required"],
    [["--trace", "a"], "--config is required"],
    [["--trace", "a", "--config", "c", "--bogus", "1"], "unknown argument '--bogus'"],
    [["--trace", "a", "--trace", "b", "--config", "c"], "--trace given twice"],
    [["--trace"], "--trace needs a value"],
    [["--trace", "a", "--config", "c", "--boot-delay-ms", "-5"], "non-negative integer"],
    [["--trace", "a", "--config", "c", "--boot-delay-ms", "1.5"], "non-negative integer"],
    [["--trace", "a", "--config", "c", "--scope", "all"], "member or total"],
    [["--trace", "a", "--config", "c", "--metric", "memory"], "--metric must be one of"],
    [["--help"], "usage: npm run replay"],
  ])("%j → %s", (argv, message) => {
    const r = parseCliArgs(argv);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain(message);
  });
  it("a configuration file: the configuration fields, a GET answer item's other fields ignored, unknown ones refused", () => {
    expect(readConfig(JSON.stringify({ status: "success", uuid: "u", name: "n", enabled: true, master: {}, template: {}, min_size: 2 }), "f")).toEqual({ ok: true, config: { min_size: 2 } });
    expect(readConfig('{"min_size": 1, "maxsize": 2}', "f.json")).toEqual({ ok: false, message: expect.stringContaining("f.json: unknown field 'maxsize'") });
    expect(readConfig("[1]", "f")).toMatchObject({ ok: false, message: "f: a configuration is a JSON object" });
    expect(readConfig("{", "f")).toMatchObject({ ok: false, message: expect.stringContaining("malformed JSON") });
    expect(readConfig('{"policies": {}}', "f")).toMatchObject({ ok: false, message: "f: policies must be an array" });
  });
});

describe("runCli", () => {
  it("prints the text summary of one run with its first decisions", () => {
    const { io } = files();
    const r = runCli(["--trace", "load.csv", "--config", "autoscale.json"], io);
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout).toContain("Replay of 8 samples (cpu), 2027-01-15T08:00:00.000Z – 2027-01-15T08:01:10.000Z, boot delay 0 ms");
    // Out at 10 s, at the warmup ends 25 and 40 s; in at 50 s and at the cooldown end 70 s; five
    // blocked (20, 30 by warmups; 55 — a warmup end —, 60, 70 by cooldowns).
    expect(r.stdout).toMatch(/scale_events\s+5\n/);
    expect(r.stdout).toMatch(/instance_seconds\s+205\n/);
    expect(r.stdout).toContain("Decisions of autoscale.json: 5 applied, 5 blocked\n");
    expect(r.stdout).toContain('applied: cpu 900 millicores on 1 instance (min 1, max 4): "out" step 0 [800, inf) change +1 → 2');
  });
  it("--compare prints both with the deltas; --out writes the report; --json prints the runs", () => {
    const { io, written } = files();
    const r = runCli(["--trace", "load.csv", "--config", "autoscale.json", "--compare", "aggressive.json", "--out", "report.html"], io);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ {24}autoscale\.json +aggressive\.json +delta\n/);
    expect(r.stdout).toMatch(/instance_seconds +\d+ +\d+ +\+\d+/);
    expect(r.stdout).toContain("Report written to report.html");
    expect(written["report.html"]).toContain("<svg ");
    const j = runCli(["--trace", "load.csv", "--config", "autoscale.json", "--compare", "aggressive.json", "--json"], io);
    const doc = JSON.parse(j.stdout);
    expect(doc.run.summary.scale_events).toBe(5);
    expect(doc.compare.deltas.instance_seconds).toBe(doc.compare.run.summary.instance_seconds - doc.run.summary.instance_seconds);
    expect(doc.run.decisions[0]).toMatchObject({ at: "2027-01-15T08:00:10.000Z", applied: true, decision: { desired: 2 } });
  });
  it.each([
    [["--trace", "missing.csv", "--config", "autoscale.json"], 2, "cannot read missing.csv: ENOENT"],
    [["--trace", "load.csv", "--config", "bad.json"], 1, "bad.json: unknown field 'maxsize'"],
    [["--trace", "load.csv", "--config", "sizes.json"], 1, "sizes.json: min_size 5 and max_size 4 must satisfy"],
    [["--trace", "load.csv", "--config", "autoscale.json", "--compare", "rule.json"], 1, "rule.json: steps_gap: steps[1]"],
    [["--trace", "broken.csv", "--config", "autoscale.json"], 1, "broken.csv: trace line 3: "],
    [["--trace", "load.csv", "--config", "autoscale.json", "--out", "/readonly/r.html"], 2, "cannot write /readonly/r.html"],
    [["--trace", "load.csv"], 2, "--config is required"],
  ])("%j → exit %i: %s", (argv, code, message) => {
    const { io } = files({
      "bad.json": '{"maxsize": 3}',
      "sizes.json": '{"min_size": 5}',
      "rule.json": JSON.stringify({ policies: [{ name: "g", type: "step", steps: [{ lower_bound: 0, upper_bound: 1, adjustment: 1 }, { lower_bound: 2, adjustment: 1 }] }] }),
      "broken.csv": `${T},1\n${T + 1},2\n${T - 1},3`,
    });
    const r = runCli(argv, io);
    expect(r.code).toBe(code);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(message);
  });
});
