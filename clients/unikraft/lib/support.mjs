// What the two suites share: a fetch that records each exchange (passed to the SDK through its
// documented `fetch` option; it forwards every request unchanged to Node's fetch), the model
// checker, and a wrapper that turns an SDK failure into a report naming the request, the answer
// and what the SDK expected.
import assert from "node:assert/strict";
import { makeChecker } from "./models.mjs";

const checker = makeChecker();

/** A fetch for the SDK's `fetch` option that keeps the last exchanges for failure reports. */
export function recordingFetch() {
  const log = [];
  async function recordedFetch(url, init = {}) {
    const entry = { method: init.method ?? "GET", url: String(url), body: init.body ?? null };
    log.push(entry);
    if (log.length > 20) log.shift();
    const res = await fetch(url, init);
    const text = await res.clone().text();
    entry.status = res.status;
    entry.answer = text;
    return res;
  }
  recordedFetch.log = log;
  recordedFetch.last = (n = 1) => log.slice(-n);
  return recordedFetch;
}

const describeExchange = (e) =>
  `  ${e.method} ${e.url}${e.body ? ` body ${e.body}` : ""}\n  → ${e.status ?? "(no answer)"} ${String(e.answer ?? "").slice(0, 1200)}`;

/**
 * Runs one SDK call. When the SDK throws, the test fails with the SDK's error and the exchanges
 * the call made; otherwise its result is returned for the test to check.
 */
export async function sdk(recorder, label, call) {
  const mark = recorder.log[recorder.log.length - 1];
  try {
    return await call();
  } catch (err) {
    const start = mark ? recorder.log.indexOf(mark) + 1 : 0;
    const exchanges = recorder.log.slice(Math.max(0, start), recorder.log.length);
    const detail = [
      `${label}: the SDK threw ${err?.name ?? "an error"}: ${err?.message}` + (err?.status !== undefined ? ` (status ${err.status})` : ""),
      exchanges.length ? `requests of this call:\n${exchanges.map(describeExchange).join("\n")}` : "no request was sent",
    ].join("\n");
    const e = new Error(detail);
    e.cause = err;
    throw e;
  }
}

/** Fails with every field of `value` the SDK's model `name` requires and does not get. */
export function expectModel(value, name, where) {
  const problems = checker.problems(value, name, where);
  assert.deepEqual(problems, [], `the answer does not satisfy the SDK's model ${name}:\n  ${problems.join("\n  ")}\nanswer: ${JSON.stringify(value).slice(0, 1500)}`);
  return value;
}

/** A plumbing envelope: the model, then `status: "success"` and the first item of `data[key]`. */
export function expectSuccess(envelope, model, key) {
  expectModel(envelope, model);
  assert.equal(envelope.status, "success", `status is ${envelope.status}: ${JSON.stringify(envelope).slice(0, 1200)}`);
  const items = envelope.data?.[key];
  assert.ok(Array.isArray(items) && items.length > 0, `data.${key} is empty: ${JSON.stringify(envelope).slice(0, 800)}`);
  for (const item of items) assert.equal(item.status ?? "success", "success", `an item of data.${key} failed: ${JSON.stringify(item)}`);
  return items;
}

/** Polls `read` until `done(value)` holds (the simulated provider moves machines on timers). */
export async function eventually(read, done, { timeoutMs = 20_000, what = "the condition" } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await read();
    if (done(last)) return last;
    if (Date.now() > deadline) assert.fail(`${what} did not hold within ${timeoutMs / 1000} s; last value: ${JSON.stringify(last).slice(0, 800)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Runs every step even when one fails (creating three instances: the third is tried when the
 * first is refused), then fails with all the failures.
 */
export async function everyStep(steps) {
  const failures = [];
  for (const step of steps) {
    try {
      await step();
    } catch (err) {
      failures.push(err);
    }
  }
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new Error(failures.map((f, i) => `(${i + 1}) ${f.message}`).join("\n\n"));
}
