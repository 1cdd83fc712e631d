// Where machines really come from. A provider is pure: it returns the machines' new records and
// the timers the Durable Object must arm; the DO persists both in one storage transaction.
import type { Machine } from "../domain/model";

export interface TimerRequest {
  name: string;
  at: number;
  payload?: unknown;
}

export interface ProviderChange {
  machines: Machine[];
  timers: TimerRequest[];
  /** Timers made obsolete by the change. */
  clear: string[];
}

export interface Provider {
  /** Requests `count` new machines in one call. */
  launch(count: number, now: number): ProviderChange;
  /** Starts terminating a machine (cancels it outright while it is only requested). */
  terminate(machine: Machine, now: number): ProviderChange;
  /** Runs one lifecycle step due on a provider timer; null when the step no longer applies. */
  step(machine: Machine, payload: unknown, now: number): ProviderChange | null;
}
