// The object of a Quilt target that is not a group: a container (its limits) or a workload (its
// function binding, rotation and placement) — one per (tenant, kind, id), binding TARGETS. Both are
// created by their first write; a read of one never written is TARGET_NOT_FOUND.
import type { Env } from "../env";
import type { WebhookProviderConfig } from "../domain/model";
import { fail, objectName, type CommandContext, type CommandResult, type OperationRecord, type Result } from "../domain/operations";
import * as quilt from "./commands/quilt";
import { KernelObject } from "./base";
import { targetTimerHandlers } from "./timer-handlers";

/** What a Quilt write answers: its operation and the target's state after it. */
type QuiltWrite<S> = { operation: OperationRecord; state: S };

export class TargetObject extends KernelObject {
  constructor(ctx: DurableObjectState, env: Env) {
    // Every command of a target creates it: there is no "missing" failure for commands.
    super(ctx, env, { handlers: targetTimerHandlers, binding: "t", missing: () => null });
  }

  async getContainer(): Promise<Result<{ state: quilt.ContainerState }>> {
    const state = quilt.container(this.k.tx(Date.now(), null));
    return state ? { ok: true, state } : fail("TARGET_NOT_FOUND", "container not found");
  }

  async getWorkload(): Promise<Result<{ state: quilt.WorkloadState }>> {
    const state = quilt.workload(this.k.tx(Date.now(), null));
    return state ? { ok: true, state } : fail("TARGET_NOT_FOUND", "workload not found");
  }

  async resizeContainer(ctx: CommandContext, input: { memory_limit_mb: number; cpu_limit_percent: number }): Promise<CommandResult<QuiltWrite<quilt.ContainerState>>> {
    const type = "elasticity.resize_container";
    // A replay answers before the provider lookup (a call to another object) it does not need.
    const replay = await this.k.replayed<QuiltWrite<quilt.ContainerState>>(ctx, type, input);
    if (replay) return replay;
    const webhook = await this.#providerOf(ctx);
    return this.k.command(ctx, type, input, (tx) => quilt.resizeContainer(tx, input, webhook), { creates: true });
  }

  async bindFunction(ctx: CommandContext, functionId: string): Promise<CommandResult<QuiltWrite<quilt.WorkloadState>>> {
    return this.k.command(ctx, "elasticity.workload_function_binding", { function_id: functionId }, (tx) => quilt.bindFunction(tx, functionId), { creates: true });
  }

  async rotateFunction(ctx: CommandContext, next: string, cutoverAt: number): Promise<CommandResult<QuiltWrite<quilt.WorkloadState>>> {
    return this.k.command(ctx, "elasticity.rotate_workload_function_binding", { next_function_id: next, cutover_at: cutoverAt }, (tx) => quilt.rotateFunction(tx, next, cutoverAt), { creates: true });
  }

  async setPlacement(ctx: CommandContext, placement: quilt.Placement): Promise<CommandResult<QuiltWrite<quilt.WorkloadState>>> {
    return this.k.command(ctx, "elasticity.workload_placement_preference", placement, (tx) => quilt.setPlacement(tx, placement), { creates: true });
  }

  /** Undoes one operation that was applied to this target (called by a rollback). */
  async undoOperation(ctx: CommandContext, op: OperationRecord, force: boolean): Promise<CommandResult<{ undo: quilt.UndoResult }>> {
    const webhook = ctx.targetKind === "container" ? await this.#providerOf(ctx) : null;
    return this.k.command(ctx, "elasticity.undo", { operation_id: op.id, force }, (tx) => quilt.undo(tx, op, force, webhook), { creates: true });
  }

  /**
   * The group of this container's name changed its provider (GroupObject tells this object after
   * the change committed): the next write asks the group again.
   */
  async forgetProvider(): Promise<{ ok: true }> {
    this.#provider = null;
    this.#providerAsks++;
    return { ok: true };
  }

  /** The group's webhook provider as last asked, and until when it is used without asking again. */
  #provider: { value: WebhookProviderConfig | null; until: number } | null = null;
  /** Bumped by `forgetProvider`: an answer to a question asked before it is not kept. */
  #providerAsks = 0;

  /**
   * A container's provider is the one of the tenant's group of the same name (webhook or none).
   * Kept for PROVIDER_CACHE_MS (a call to another object per write was ~4% of a Quilt control
   * write's CPU, issue 10): a change of the group's provider reaches here at once through
   * `forgetProvider`, and within PROVIDER_CACHE_MS if that call failed. docs/decisions.md.
   */
  async #providerOf(ctx: CommandContext): Promise<WebhookProviderConfig | null> {
    const cached = this.#provider;
    if (cached && cached.until > Date.now()) return cached.value;
    const asks = this.#providerAsks;
    const value = await this.env.GROUPS.get(this.env.GROUPS.idFromName(objectName(ctx.tenantId, "group", ctx.group))).webhookProvider();
    if (asks === this.#providerAsks) this.#provider = { value, until: Date.now() + PROVIDER_CACHE_MS };
    return value;
  }
}

/** How long a container uses its group's provider without asking again (the bound when a change's notice was lost). */
export const PROVIDER_CACHE_MS = 5_000;
