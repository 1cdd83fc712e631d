// Waiting for an object's outbox pushes, for suites that read D1 as the ledger.
import { runInDurableObject } from "cloudflare:test";

/**
 * Waits until what the object's outbox held has been handed to D1 and the action objects (or the
 * push failed: the outbox timer retries). A D1 push nobody awaits leaves a moment after the answer
 * (src/objects/push-lane.ts, `D1_GATHER_MS`): suites that read D1 as the ledger settle first.
 */
export async function settle(stub: DurableObjectStub): Promise<void> {
  await runInDurableObject(stub, (instance) => (instance as unknown as { k: { flush(): Promise<void> } }).k.flush());
}
