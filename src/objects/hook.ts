// The object of an inbound scale trigger (docs/webhooks.md): its definition, secrets, seen
// signatures, alert dedup and last action — one per (tenant, hook id), binding HOOKS. A delivery's
// action is a command on the group's object (GroupObject.applyTrigger).
import type { Env } from "../env";
import type { CommandContext, CommandResult, Result } from "../domain/operations";
import * as hooks from "./commands/hooks";
import { KernelObject } from "./base";

export class HookObject extends KernelObject {
  #hooks: hooks.HookDesk;

  constructor(ctx: DurableObjectState, env: Env) {
    // The desk answers HOOK_NOT_FOUND itself; its commands all run with `creates`.
    super(ctx, env, { handlers: {}, binding: "h", missing: () => null });
    this.#hooks = new hooks.HookDesk(ctx.storage, this.k, env);
  }

  async hookCreate(ctx: CommandContext, def: hooks.HookDefinition): Promise<CommandResult<{ hook: hooks.HookView; secret: string }>> {
    return this.#hooks.create(ctx, def);
  }

  async hookGet(): Promise<Result<{ hook: hooks.HookView }>> {
    return this.#hooks.get();
  }

  async hookRotateSecret(ctx: CommandContext): Promise<CommandResult<{ hook: hooks.HookView; secret: string }>> {
    return this.#hooks.rotate(ctx);
  }

  async hookDelete(ctx: CommandContext): Promise<CommandResult<{ id: string }>> {
    return this.#hooks.delete(ctx);
  }

  async hookDeliver(input: hooks.DeliveryInput): Promise<hooks.DeliveryAnswer> {
    return this.#hooks.deliver(input);
  }
}
