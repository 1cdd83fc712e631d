// The push lane (src/objects/push-lane.ts) on its own: one push in flight, callers during a push
// wait for the next one, a gathering lane sends what was asked within its window in one push and
// gathers again after each push, `now` cuts the window short, a failed push releases its waiters;
// a spacing lane lets pushes that follow each other leave no closer than its spacing, except for
// a push somebody awaits.
import { describe, expect, it } from "vitest";
import { PushLane } from "../src/objects/push-lane";

/** A lane whose sends are recorded (how many were pending when each left) and finished by the test. */
function lane(gatherMs: number, spacingMs = 0) {
  let pending = 0;
  const sent: number[] = [];
  const finish: ((ok: boolean) => void)[] = [];
  let idle = 0;
  const l = new PushLane(
    () => {
      if (pending === 0) return null;
      sent.push(pending);
      pending = 0;
      return new Promise<boolean>((r) => finish.push(r));
    },
    () => void idle++,
    gatherMs,
    spacingMs,
  );
  return {
    l,
    sent,
    commit: () => void pending++,
    end: (ok = true) => finish.shift()!(ok),
    idle: () => idle,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("a lane without gathering", () => {
  it("sends at once; what is asked during a push goes in one more push after it", async () => {
    const t = lane(0);
    t.commit();
    const first = t.l.push();
    expect(t.sent).toEqual([1]);
    t.commit();
    t.commit();
    const a = t.l.push();
    const b = t.l.push();
    expect(t.sent).toEqual([1]); // one in flight
    t.end();
    await first;
    expect(t.sent).toEqual([1, 2]);
    t.end();
    await Promise.all([a, b]);
    expect(t.idle()).toBe(1);
  });

  it("a failed push releases who waits for the next one (the outbox timer retries)", async () => {
    const t = lane(0);
    t.commit();
    const first = t.l.push();
    t.commit();
    const second = t.l.push();
    t.end(false);
    await Promise.all([first, second]);
    expect(t.sent).toEqual([1]);
  });
});

describe("a gathering lane", () => {
  it("sends once for everything asked within the window, gathers again after each push", async () => {
    const t = lane(20);
    t.commit();
    const a = t.l.push();
    t.commit();
    const b = t.l.push();
    expect(t.sent).toEqual([]); // gathering
    await sleep(40);
    expect(t.sent).toEqual([2]);
    t.commit();
    const c = t.l.push(); // during the push: waits for the next one
    t.end();
    await Promise.all([a, b]);
    expect(t.sent).toEqual([2]); // the next one gathers first
    await sleep(40);
    expect(t.sent).toEqual([2, 1]);
    t.end();
    await c;
    expect(t.idle()).toBe(1);
  });

  it("a push asked `now` cuts the window short and carries what was gathered", async () => {
    const t = lane(1_000);
    t.commit();
    const gathered = t.l.push();
    t.commit();
    const awaited = t.l.push(true);
    expect(t.sent).toEqual([2]);
    t.end();
    await Promise.all([gathered, awaited]);
    await sleep(20);
    expect(t.sent).toEqual([2]); // the cancelled window sends nothing more
  });

  it("a window that finds nothing to send resolves its callers and ends idle", async () => {
    const t = lane(10);
    const w = t.l.push(); // nothing committed
    await sleep(30);
    await w;
    expect(t.sent).toEqual([]);
    expect(t.idle()).toBe(1);
  });
});

describe("a spacing lane (the D1 lane under continuous load)", () => {
  it("the next push leaves no sooner than the spacing after the last one left, with all that was asked meanwhile", async () => {
    const t = lane(2, 80);
    t.commit();
    const a = t.l.push();
    await sleep(10);
    expect(t.sent).toEqual([1]);
    const left = performance.now();
    t.commit();
    const b = t.l.push(); // during the push
    t.end(); // done at once: the next one waits out the spacing
    await a;
    t.commit();
    const c = t.l.push(); // during the spaced wait: goes with b
    await sleep(20);
    expect(t.sent).toEqual([1]);
    await sleep(100);
    expect(t.sent).toEqual([1, 2]);
    expect(performance.now() - left).toBeGreaterThanOrEqual(60);
    t.end();
    await Promise.all([b, c]);
    expect(t.idle()).toBe(1);
  });

  it("a push asked `now` during a push leaves as soon as that one is done", async () => {
    const t = lane(2, 10_000);
    t.commit();
    const a = t.l.push(true);
    expect(t.sent).toEqual([1]);
    t.commit();
    const gathered = t.l.push();
    t.commit();
    const awaited = t.l.push(true); // during the push: the next one is not spaced
    t.end();
    await a;
    await sleep(0);
    expect(t.sent).toEqual([1, 2]);
    t.end();
    await Promise.all([gathered, awaited]);
  });

  it("a push asked `now` during the spaced wait leaves at once", async () => {
    const t = lane(2, 10_000);
    t.commit();
    const a = t.l.push(true);
    t.commit();
    const gathered = t.l.push();
    t.end();
    await a;
    await sleep(5);
    expect(t.sent).toEqual([1]); // spaced
    t.commit();
    const awaited = t.l.push(true);
    expect(t.sent).toEqual([1, 2]);
    t.end();
    await Promise.all([gathered, awaited]);
  });

  it("after a push slower than the spacing, the next waits only the gathering window", async () => {
    const t = lane(2, 20);
    t.commit();
    const a = t.l.push(true);
    await sleep(40); // the push takes longer than the spacing
    t.commit();
    const b = t.l.push();
    t.end();
    await a;
    await sleep(15);
    expect(t.sent).toEqual([1, 1]);
    t.end();
    await b;
  });
});
