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
// I in docs/benchmarks.md). A push asked with `now` (a caller that awaits it: a created object's
// registry row, the alarm, a replay) cuts the gathering short.

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

  /**
   * @param send starts a push of what is pending and resolves whether it succeeded; null when
   *   nothing is pending.
   * @param idle called when the lane has nothing in flight and nobody waiting.
   * @param gatherMs how long a push asked of an idle lane waits for more (0: it leaves at once).
   */
  constructor(
    private readonly send: () => Promise<boolean> | null,
    private readonly idle: () => void,
    private readonly gatherMs = 0,
  ) {}

  /**
   * Resolves when what was pending at the call has been handed over (or its push failed).
   * `now`: do not gather (the caller awaits the push).
   */
  push(now = false): Promise<void> {
    if (this.#inFlight) return (this.#next ??= waiters()).promise;
    if (this.gatherMs > 0 && !now) return this.#gather();
    if (this.#gathering) {
      clearTimeout(this.#gathering);
      this.#gathering = null;
    }
    return this.#start();
  }

  /** Waits `gatherMs` (once for everybody asking meanwhile), then sends. */
  #gather(): Promise<void> {
    const w = (this.#next ??= waiters());
    this.#gathering ??= setTimeout(() => {
      this.#gathering = null;
      void this.#start();
    }, this.gatherMs);
    return w.promise;
  }

  /** Sends what is pending now, for the callers waiting so far. */
  #start(): Promise<void> {
    const mine = this.#next;
    this.#next = null;
    const run = this.send();
    if (!run) {
      mine?.resolve();
      this.idle();
      return Promise.resolve();
    }
    this.#inFlight = true;
    return run.then((ok) => {
      this.#inFlight = false;
      mine?.resolve();
      const next = this.#next;
      if (!next) return this.idle();
      // What was committed during the push goes next; a gathering lane gathers for it again.
      if (ok) return void (this.gatherMs > 0 ? this.#gather() : this.#start());
      // A failed push: release who waits; the outbox timer's backoff retries.
      this.#next = null;
      next.resolve();
    });
  }
}
