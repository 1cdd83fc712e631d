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

/** Lists at least this long are streamed from the held bytes instead of copied into each answer. */
export const STREAM_FROM_BYTES = 64 * 1024;

const CLOSE = utf8.encode("}");

/**
 * `{"timestamp": …, "machines": <the list>}`. A small list is copied into one byte array. A large
 * one is not: the answer is a stream of three chunks with a fixed length (it keeps its
 * Content-Length), and the held list is handed to the runtime as it is. In the local runtime a
 * 380-KB byte array as a Response body cost ~1.2 ms of its thread per answer and the same bytes
 * through a FixedLengthStream ~0.2 ms (docs/benchmarks.md, "GET /pool of 1,000 streamed"). The list
 * is never written again: a change renders a new one.
 */
export function poolBody(timestamp: string, machines: Uint8Array): Uint8Array<ArrayBuffer> | ReadableStream {
  const head = utf8.encode(`{"timestamp":${JSON.stringify(timestamp)},"machines":`);
  if (machines.length < STREAM_FROM_BYTES) {
    const body = new Uint8Array(head.length + machines.length + 1);
    body.set(head);
    body.set(machines, head.length);
    body[body.length - 1] = 0x7d; // }
    return body;
  }
  const { readable, writable } = new FixedLengthStream(head.length + machines.length + CLOSE.length);
  const w = writable.getWriter();
  // Not awaited: the runtime reads the chunks as it sends the answer; a client that went away fails them.
  const ignore = () => {};
  w.write(head).catch(ignore);
  w.write(machines).catch(ignore);
  w.write(CLOSE).catch(ignore);
  w.close().catch(ignore);
  return readable;
}
