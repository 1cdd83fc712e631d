// One timers table multiplexed on the Durable Object's single alarm (DESIGN.md, "Durable Object
// rules"). Every timer is one of a closed set of kinds, each with its own payload type; a timer is
// stored as (kind, key, due_ms, payload), where `key` tells apart the timers of one kind that exist
// per machine (a lifecycle step, a scheduled termination) and is '' for the per-object kinds.
// The alarm runs each due timer through one handler table (./timer-handlers.ts and the kernel's
// own kinds); handlers are idempotent because alarms are at-least-once.

/** Every kind of timer an object can have, with the payload it carries. */
export interface TimerPayloads {
  /** Periodic reconcile of a group (replaces lost members, finishes instance-hour waits). */
  reconcile: null;
  /** One lifecycle step of a simulated machine (key: machine id); the provider's own payload. */
  "machine-step": unknown;
  /** A scheduled termination: an instance-hour wait or an autoscale drain (key: machine id). */
  terminate: null;
  /** Autoscale warmup ended: evaluate the policies again. */
  "warmup-end": null;
  /** Autoscale cooldown ended: evaluate the policies again. */
  "cooldown-end": null;
  /** Autoscale with min_size 0: has the service been idle long enough to put its master to sleep? */
  "autoscale-idle-check": null;
  /** Instance scale-to-zero: which sleepers have been idle for their cooldown? */
  "instance-idle-check": null;
  /** A Quilt workload's planned function rotation comes due. */
  "rotation-cutover": { next: string };
  /** Idempotency records past their 24 h retention are deleted. */
  "idempotency-expiry": null;
  /** The outbox is pushed to D1 (a safety net after a commit, a backoff after a failed push). */
  "outbox-flush": null;
  /** Outbound webhook deliveries are due (first attempts and retries). */
  delivery: null;
}

export type TimerKind = keyof TimerPayloads;

/** The kinds a group's object runs (GroupObject: groups, function pools). */
export type GroupTimerKind = "reconcile" | "machine-step" | "terminate" | "warmup-end" | "cooldown-end" | "autoscale-idle-check" | "instance-idle-check";
/** The kinds a Quilt target's object runs (TargetObject: containers, workloads). */
export type TargetTimerKind = "rotation-cutover";

export const TIMER_KINDS: readonly TimerKind[] = [
  "reconcile",
  "machine-step",
  "terminate",
  "warmup-end",
  "cooldown-end",
  "autoscale-idle-check",
  "instance-idle-check",
  "rotation-cutover",
  "idempotency-expiry",
  "outbox-flush",
  "delivery",
];

/** A stored timer of kind K. */
export type Timer<K extends TimerKind = TimerKind> = { [P in K]: { kind: P; key: string; dueMs: number; payload: TimerPayloads[P] } }[K];

/** A timer of a per-machine kind (or any kind, with key ''): what set/get/clear take besides a bare kind. */
export interface TimerRef<K extends TimerKind = TimerKind> {
  kind: K;
  key: string;
}

type RefArg<K extends TimerKind> = K | TimerRef<K>;
const slot = (kind: string, key: string) => `${kind}\u0000${key}`;
/** At most this many due times are kept in memory (Timers `#known`). */
const KNOWN_MAX = 1024;
const ref = <K extends TimerKind>(r: RefArg<K>): TimerRef<K> => (typeof r === "string" ? { kind: r, key: "" } : r);

/** The timer of a machine's next lifecycle step (simulated provider). */
export const machineStepTimer = (machineId: string): TimerRef<"machine-step"> => ({ kind: "machine-step", key: machineId });
/** The timer of a machine's scheduled termination. */
export const terminateTimer = (machineId: string): TimerRef<"terminate"> => ({ kind: "terminate", key: machineId });

interface Row {
  kind: string;
  key: string;
  due_ms: number;
  payload: string | null;
}

const toTimer = (r: Row): Timer => ({ kind: r.kind as TimerKind, key: r.key, dueMs: r.due_ms, payload: r.payload === null ? null : JSON.parse(r.payload) }) as Timer;

export class Timers {
  /**
   * What this instance last set the alarm to (null: deleted; undefined: unknown), so a commit that
   * did not move the earliest timer writes no alarm. Forgotten when the alarm fires (the runtime
   * clears it) and by a new instance.
   */
  #armed: number | null | undefined = undefined;

  constructor(private readonly storage: DurableObjectStorage) {}

  /**
   * What this instance knows of per-object timers' due times (null: known absent), so that
   * `setEarliest` — a few times in every write, issue 10 — reads no row. Kept by every write here;
   * forgotten when a transaction rolls back and when the alarm runs (`forget`).
   */
  readonly #known = new Map<string, number | null>();

  /**
   * Whether a timer was written since `arm` last read the earliest one: a commit that wrote none
   * (most writes: their `setEarliest` calls find the timers due sooner already) reads nothing.
   */
  #dirty = true;

  /** The alarm fired (the runtime cleared it): the next `arm` writes it whatever it was. */
  forgetArmed(): void {
    this.#armed = undefined;
  }

  /** A transaction rolled back, or the alarm runs: what this instance knew of due times may not hold. */
  forget(): void {
    this.#known.clear();
    this.#dirty = true;
  }

  #note(at: string, due: number | null): void {
    if (this.#known.size >= KNOWN_MAX && !this.#known.has(at)) this.#known.clear(); // per-machine keys come and go
    this.#known.set(at, due);
  }

  set<K extends TimerKind>(r: RefArg<K>, dueMs: number, payload?: TimerPayloads[K]): void {
    const { kind, key } = ref(r);
    this.storage.sql.exec(
      `INSERT INTO timers (kind, key, due_ms, payload) VALUES (?, ?, ?, ?)
       ON CONFLICT(kind, key) DO UPDATE SET due_ms = excluded.due_ms, payload = excluded.payload`,
      kind,
      key,
      Math.floor(dueMs),
      payload === undefined || payload === null ? null : JSON.stringify(payload),
    );
    this.#note(slot(kind, key), Math.floor(dueMs));
    this.#dirty = true;
  }

  /** Sets the timer only when it is absent or due later than `dueMs` (its payload is kept). */
  setEarliest<K extends TimerKind>(r: RefArg<K>, dueMs: number): void {
    const { kind, key } = ref(r);
    const known = this.#known.get(slot(kind, key));
    if (known !== undefined && known !== null && known <= dueMs) return; // already due sooner
    const current = known === null ? null : this.get(r);
    if (!current || current.dueMs > dueMs) this.set(r, dueMs, current?.payload as TimerPayloads[K] | undefined);
  }

  get<K extends TimerKind>(r: RefArg<K>): Timer<K> | null {
    const { kind, key } = ref(r);
    const row = this.storage.sql.exec<Row & Record<string, SqlStorageValue>>(`SELECT kind, key, due_ms, payload FROM timers WHERE kind = ? AND key = ?`, kind, key).toArray()[0];
    this.#note(slot(kind, key), row ? row.due_ms : null);
    return row ? (toTimer(row) as Timer<K>) : null;
  }

  clear(r: RefArg<TimerKind>): void {
    const { kind, key } = ref(r);
    this.storage.sql.exec(`DELETE FROM timers WHERE kind = ? AND key = ?`, kind, key);
    this.#note(slot(kind, key), null);
    this.#dirty = true;
  }

  /** Clears every timer of a machine (its lifecycle step and its scheduled termination). */
  clearMachine(machineId: string): void {
    this.clear(machineStepTimer(machineId));
    this.clear(terminateTimer(machineId));
  }

  /** Clears every timer except those of the kinds kept (the object's own machinery on group deletion). */
  clearAll(except: TimerKind[] = []): void {
    const keep = new Set<string>(except);
    for (const t of this.all()) if (!keep.has(t.kind)) this.clear(t);
  }

  /**
   * Removes a timer that ran, unless its handler re-armed it: a new due time, or a new payload at
   * the same millisecond (a lifecycle step whose successor has a zero delay).
   */
  consume(t: Timer): void {
    this.storage.sql.exec(
      `DELETE FROM timers WHERE kind = ? AND key = ? AND due_ms = ? AND payload IS ?`,
      t.kind,
      t.key,
      t.dueMs,
      t.payload === undefined || t.payload === null ? null : JSON.stringify(t.payload),
    );
    this.#known.delete(slot(t.kind, t.key)); // gone, or re-armed by its handler
    this.#dirty = true;
  }

  due(now: number): Timer[] {
    return this.storage.sql
      .exec<Row & Record<string, SqlStorageValue>>(`SELECT kind, key, due_ms, payload FROM timers WHERE due_ms <= ? ORDER BY due_ms, kind, key`, now)
      .toArray()
      .map(toTimer);
  }

  all(): Timer[] {
    return this.due(Number.MAX_SAFE_INTEGER);
  }

  /** The earliest due time of any timer, or null when there is none. */
  earliest(): number | null {
    return this.storage.sql.exec<{ due: number | null }>(`SELECT MIN(due_ms) AS due FROM timers`).one().due;
  }

  /**
   * Points the alarm at the earliest timer (never in the past: clamped to now + 1 ms), or deletes
   * it when there is none. Called right after every commit that may have changed the timers, with
   * no `await` in between, so the alarm write is part of the same atomic write batch as the
   * commit (the runtime coalesces storage writes until the next I/O): there is no moment where a
   * committed timer has no alarm at or before it. The promise is returned for callers that await.
   */
  arm(now: number): Promise<void> {
    if (!this.#dirty && this.#armed !== undefined) return Promise.resolve(); // no timer written since
    this.#dirty = false;
    const due = this.earliest();
    const at = due === null ? null : Math.max(due, now + 1);
    if (this.#armed !== undefined && at === this.#armed) return Promise.resolve(); // already there
    this.#armed = at;
    const p = at === null ? this.storage.deleteAlarm() : this.storage.setAlarm(at);
    return p.catch((err: unknown) => {
      this.#armed = undefined;
      this.#dirty = true;
      console.error("setting the alarm failed", String(err));
    });
  }

  /**
   * On wake (constructor, after loading): an alarm missing or later than the earliest timer is set
   * to it — overdue timers after a restart run at once (now + 1 ms).
   */
  async rearmOnWake(now: number): Promise<void> {
    const due = this.earliest();
    if (due === null) return;
    const at = Math.max(due, now + 1);
    const current = await this.storage.getAlarm();
    if (current === null || current > at) await this.storage.setAlarm(at);
    this.#armed = current === null || current > at ? at : current;
  }
}
