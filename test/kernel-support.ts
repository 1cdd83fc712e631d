// Interrupting an object the way a crash would, for the kernel suites: D1 pushes that never answer,
// and killing every object of the file at once (storage kept, memory and in-flight work lost).
import { abortAllDurableObjects, env, runInDurableObject } from "cloudflare:test";
import type { CommandContext, TargetKind } from "../src/domain/operations";
import { objectStub } from "./helpers";

/** Replaces the object's D1 `batch` (its outbox pushes) with `batch(real, statements)`. */
async function wrapBatch(stub: DurableObjectStub, batch: (real: D1Database, stmts: D1PreparedStatement[]) => Promise<unknown>): Promise<void> {
  await runInDurableObject(stub, (instance) => {
    const e = (instance as unknown as { env: { DB: D1Database } }).env;
    const real = e.DB;
    const proxy = new Proxy(real, {
      get(target, prop) {
        if (prop === "batch") return (stmts: D1PreparedStatement[]) => batch(real, stmts);
        const v = Reflect.get(target, prop);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    Object.defineProperty(e, "DB", { value: proxy, configurable: true, writable: true });
  });
}

/**
 * Makes the object's D1 batches (its outbox pushes) hang until `gate.hang` is set false (a batch
 * begun meanwhile never ends: for objects about to be killed). The object's env is the one it was
 * constructed with, reached through runInDurableObject.
 */
export async function hangPushes(stub: DurableObjectStub): Promise<{ hang: boolean }> {
  const gate = { hang: true };
  await wrapBatch(stub, (real, stmts) => (gate.hang ? new Promise(() => {}) : real.batch(stmts)));
  return gate;
}

/**
 * Holds the object's D1 batches while `gate.hold`, then lets them through; `gate.sizes` lists each
 * batch's statement count. Polled inside the object: a promise resolved from the test's context
 * would be another request's I/O, which the runtime refuses.
 */
export async function holdPushes(stub: DurableObjectStub): Promise<{ hold: boolean; sizes: number[] }> {
  const gate = { hold: true, sizes: [] as number[] };
  await wrapBatch(stub, async (real, stmts) => {
    gate.sizes.push(stmts.length);
    while (gate.hold) await new Promise((r) => setTimeout(r, 5));
    return real.batch(stmts);
  });
  return gate;
}

/**
 * Makes the object's calls to another namespace (e.g. a container's call to its same-named group)
 * hang while `gate.hang`; `gate.reached` says one was made.
 */
export async function hangCalls(stub: DurableObjectStub, binding: "GROUPS" | "ACTIONS" | "TARGETS"): Promise<{ hang: boolean; reached: boolean }> {
  const gate = { hang: true, reached: false };
  await runInDurableObject(stub, (instance) => {
    const e = (instance as unknown as { env: Record<string, DurableObjectNamespace> }).env;
    const real = e[binding];
    const never = new Proxy({}, { get: () => () => ((gate.reached = true), new Promise(() => {})) });
    const proxy = new Proxy(real, {
      get(target, prop) {
        if (prop === "get" && gate.hang) return () => never;
        const v = Reflect.get(target, prop);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    Object.defineProperty(e, binding, { value: proxy, configurable: true, writable: true });
  });
  return gate;
}

/**
 * Kills every object of this test file at once (as a crash, a deploy or an operator would). A stub
 * of a killed object stays broken: get new stubs afterwards.
 */
export async function killAll(): Promise<void> {
  await abortAllDurableObjects();
}

/** Polls `check` (real time, a few ms apart) until it holds. */
export async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error("condition never met");
}

/** Stubs and command contexts of one tenant's objects, called straight over RPC (a group acts as elastisys, the rest as Quilt). */
export function kernelTenant(tenant: string) {
  return {
    stubOf: <K extends TargetKind>(kind: K, id: string) => objectStub(tenant, kind, id),
    ctx: (kind: TargetKind, id: string, extra: Partial<CommandContext> = {}): CommandContext => ({
      tenantId: tenant,
      group: id,
      targetKind: kind,
      dialect: kind === "group" ? "elastisys" : "quilt",
      requestId: crypto.randomUUID(),
      idempotencyKey: null,
      ...extra,
    }),
  };
}
