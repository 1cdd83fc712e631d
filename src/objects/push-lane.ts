// One destination of an object's outbox pushes (D1, or the action objects that index operations),
// with at most one push in flight: what is committed while a push is in flight goes out together
// in the next one, a group commit. Under load one push then carries the records of many commands
// instead of one round trip, one remote commit and one acknowledgement commit each (issue 10,
// docs/benchmarks.md). Callers that arrive during a push wait for the next one, which carries
// their records; after a failed push they are released and the outbox timer's backoff retries.

export class PushLane {
  #inFlight = false;
  #next: { promise: Promise<void>; resolve: () => void } | null = null;

  /**
   * @param send starts a push of what is pending and resolves whether it succeeded; null when
   *   nothing is pending.
   * @param idle called when the lane has nothing in flight and nobody waiting.
   */
  constructor(
    private readonly send: () => Promise<boolean> | null,
    private readonly idle: () => void,
  ) {}

  /** Resolves when what was pending at the call has been handed over (or its push failed). */
  push(): Promise<void> {
    if (this.#inFlight) {
      if (!this.#next) {
        let resolve!: () => void;
        const promise = new Promise<void>((r) => (resolve = r));
        this.#next = { promise, resolve };
      }
      return this.#next.promise;
    }
    const run = this.send();
    if (!run) {
      this.idle();
      return Promise.resolve();
    }
    this.#inFlight = true;
    return run.then((ok) => {
      this.#inFlight = false;
      const next = this.#next;
      this.#next = null;
      if (next) (ok ? this.push() : Promise.resolve()).then(next.resolve);
      else this.idle();
    });
  }
}
