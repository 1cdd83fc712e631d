// Which proxied answers the front door watches to their end for in-flight counting
// (src/frontdoor/proxy.ts `watchesBody`; docs/decisions.md): what can last is watched, a short
// answer is passed on natively and counts as ended with its head.
import { describe, expect, it } from "vitest";
import { watchesBody } from "../src/frontdoor/proxy";

const answer = (headers: Record<string, string>) => new Response("x", { headers });

describe("front door: answers watched to their end", () => {
  it("a known length up to 64 KiB is not watched, a larger one is", () => {
    expect(watchesBody(answer({ "content-length": "11" }), false)).toBe(false);
    expect(watchesBody(answer({ "content-length": "0" }), true)).toBe(false);
    expect(watchesBody(answer({ "content-length": String(64 * 1024) }), false)).toBe(false);
    expect(watchesBody(answer({ "content-length": String(64 * 1024 + 1) }), false)).toBe(true);
  });

  it("an unknown length is watched when the group limits concurrency, or when it is an event stream", () => {
    expect(watchesBody(answer({ "content-type": "application/json" }), false)).toBe(false);
    expect(watchesBody(answer({ "content-type": "application/json" }), true)).toBe(true);
    expect(watchesBody(answer({ "content-type": "text/event-stream; charset=utf-8" }), false)).toBe(true);
    expect(watchesBody(answer({ "content-type": "Text/Event-Stream" }), false)).toBe(true);
  });

  it("a malformed length counts as unknown", () => {
    expect(watchesBody(answer({ "content-length": "abc" }), false)).toBe(false);
    expect(watchesBody(answer({ "content-length": "abc" }), true)).toBe(true);
  });
});
