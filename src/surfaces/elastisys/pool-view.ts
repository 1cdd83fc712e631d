// GET /pool of a large pool (issue 10: 1,000 machines should cost little more than 10): the
// isolate keeps the rendered machine list of each pool it served, with the object's revision
// (GroupObject.getPool). The next read sends that revision; while nothing changed the object
// answers without the machines, and the stored JSON is sent with a fresh timestamp. Any change to
// the group or a machine (a command, a timer, a reload) gives a new revision, so a stale list is
// never served; each isolate has its own copies.
import type { Machine } from "../../domain/model";
import { machineJson } from "./format";

interface View {
  revision: string;
  /** UTF-8, encoded once: a large list is not encoded again for every response. */
  machinesJson: Uint8Array;
}

const utf8 = new TextEncoder();

/** Bounded: the least recently used pool's view goes first. */
const MAX_VIEWS = 256;
const views = new Map<string, View>();

/** The revision of the view held for this pool (object name), if any. */
export function heldRevision(pool: string): string | undefined {
  return views.get(pool)?.revision;
}

/** The machine list as JSON (UTF-8 bytes): the fresh one rendered (and kept), or the held one when unchanged. */
export function machinesJson(pool: string, revision: string, machines: Machine[] | null): Uint8Array {
  const held = views.get(pool);
  views.delete(pool);
  let view: View;
  if (machines === null && held && held.revision === revision) view = held;
  else if (machines === null) throw new Error(`no view of pool ${pool} at revision ${revision}`);
  else view = { revision, machinesJson: utf8.encode(JSON.stringify(machines.map(machineJson))) };
  views.set(pool, view);
  if (views.size > MAX_VIEWS) views.delete(views.keys().next().value!);
  return view.machinesJson;
}

/** `{"timestamp": …, "machines": <the list>}` as one byte array: the held list is copied, not re-encoded. */
export function poolBody(timestamp: string, machines: Uint8Array): Uint8Array<ArrayBuffer> {
  const head = utf8.encode(`{"timestamp":${JSON.stringify(timestamp)},"machines":`);
  const body = new Uint8Array(head.length + machines.length + 1);
  body.set(head);
  body.set(machines, head.length);
  body[body.length - 1] = 0x7d; // }
  return body;
}
