// What every object class shares: its kernel (./kernel.ts), the alarm dispatcher, and the read of a
// record it wrote that D1 may not hold yet. The classes by kind (issue 10) extend this with their
// own RPC methods only: ./group.ts, ./target.ts, ./action.ts, ./hook.ts.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import type { OperationRecord, Result } from "../domain/operations";
import { ObjectKernel, type KernelOptions } from "./kernel";

export abstract class KernelObject extends DurableObject<Env> {
  protected readonly k: ObjectKernel;

  constructor(ctx: DurableObjectState, env: Env, options: KernelOptions) {
    super(ctx, env);
    this.k = new ObjectKernel(ctx, env, options);
  }

  /**
   * An operation this object recorded and D1 has not acknowledged yet (its id names this object:
   * ../domain/operations.ts `objectOfOperation`), or null: then D1 holds it, or it does not exist.
   * Another tenant's record is null.
   */
  async getOperation(tenantId: string, id: string): Promise<Result<{ operation: OperationRecord | null }>> {
    return { ok: true, operation: this.k.pendingOperation(tenantId, id) };
  }

  /**
   * The records this object wrote under a Quilt action, oldest first (asked by the action's object,
   * ./action.ts, when it lists or rolls back the action). Another tenant's are not answered.
   */
  async actionOperations(tenantId: string, actionId: string): Promise<Result<{ operations: OperationRecord[] }>> {
    return { ok: true, operations: this.k.outbox.actions.list(actionId).filter((r) => r.tenantId === tenantId) };
  }

  /** Ledger records written here but not yet acknowledged by D1 (elastisys activities merge them). */
  async pendingOperations(): Promise<OperationRecord[]> {
    return this.k.outbox.pendingOperations();
  }

  /** Runs the due timers through the handler table (./timer-handlers.ts and the kernel's). */
  override async alarm(): Promise<void> {
    await this.k.alarm();
  }
}
