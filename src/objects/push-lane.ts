// One destination of an object's outbox pushes (D1, or the action objects that index operations),
// with at most one push in flight: what is committed while a push is in flight goes out together
// in the next one, a group commit. Under load one push then carries the records of many commands
// instead of one round trip, one remote commit and one acknowledgement commit each (issue 10,
// docs/benchmarks.md). Callers that arrive during a push wait for the next one, which carries
// their records; after a failed push they are released and the outbox timer's backoff retries.
//
// A lane may also gather: a push asked of an idle lane leaves `gatherMs` later, with whatever the
// object committed meanwhile (the D1 lane, ./kernel.ts: nobody awaits it on a hot path; under
// `POST /pool/size` load one D1 batch then carries about seven commands instead of one or two, run
// I in docs/benchmarks.md). And it may space its pushes: under continuous load the next push
// leaves no sooner than `spacingMs` after the previous one left, so one batch carries more records
// (a local D1 batch costs ~1.1 ms plus ~55 µs a record: nine records cost ~180 µs each, thirty
// ~90 µs; docs/benchmarks.md, "D1 pushes spaced"). A push asked with `now` (a caller that awaits it:
// a created object's registry row, the alarm, a replay) cuts the gathering and the spacing short,
// also when it is asked during a push: the next push then leaves as soon as that one is done.

interface Waiters {
  promise: Promise<void>;
  resolve: () => void;
}

function waiters(): Waiters {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

export class PushLane {
  #inFlight = false;
  /** Callers waiting for the next push (after the one in flight, or the gathering one). */
  #next: Waiters | null = null;
  #gathering: ReturnType<typeof setTimeout> | null = null;
  /** Somebody awaiting the next push asked it `now` during the one in flight. */
  #urgent = false;
  /** When the last push left (performance.now(): tests fake `Date`, never this clock). */
  #startedAt = 0;

  /**
   * @param send starts a push of what is pending and resolves whether it succeeded; null when
   *   nothing is pending.
   * @param idle called when the lane has nothing in flight and nobody waiting.
   * @param gatherMs how long a push asked of an idle lane waits for more (0: it leaves at once).
   * @param spacingMs the least time from one push leaving to the next leaving while pushes follow
   *   each other (0: the next leaves once the last is done, or `gatherMs` later).
   */
  constructor(
    private readonly send: () => Promise<boolean> | null,
    private readonly idle: () => void,
    private readonly gatherMs = 0,
    private readonly spacingMs = 0,
  ) {}

  /**
   * Resolves when what was pending at the call has been handed over (or its push failed).
   * `now`: do not gather nor space (the caller awaits the push).
   */
  push(now = false): Promise<void> {
    if (this.#inFlight) {
      if (now) this.#urgent = true;
      return (this.#next ??= waiters()).promise;
    }
    if (this.gatherMs > 0 && !now) return this.#gather(this.gatherMs);
    if (this.#gathering) {
      clearTimeout(this.#gathering);
      this.#gathering = null;
    }
    return this.#start();
  }

  /** Waits `ms` (once for everybody asking meanwhile), then sends. */
  #gather(ms: number): Promise<void> {
    const w = (this.#next ??= waiters());
    this.#gathering ??= setTimeout(() => {
      this.#gathering = null;
      void this.#start();
    }, ms);
    return w.promise;
  }

  /** Sends what is pending now, for the callers waiting so far. */
  #start(): Promise<void> {
    const mine = this.#next;
    this.#next = null;
    this.#urgent = false;
    const run = this.send();
    if (!run) {
      mine?.resolve();
      this.idle();
      return Promise.resolve();
    }
    this.#inFlight = true;
    this.#startedAt = performance.now();
    return run.then((ok) => {
      this.#inFlight = false;
      mine?.resolve();
      const next = this.#next;
      if (!next) return this.idle();
      if (ok) {
        // What was committed during the push goes next: at once when awaited, else after the
        // gathering window or what is left of the spacing, whichever is longer.
        const wait = this.#urgent ? 0 : Math.max(this.gatherMs, this.#startedAt + this.spacingMs - performance.now());
        return void (wait > 0 ? this.#gather(wait) : this.#start());
      }
      // A failed push: release who waits; the outbox timer's backoff retries.
      this.#next = null;
      this.#urgent = false;
      next.resolve();
    });
  }
}
