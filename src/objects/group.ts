// The object of a group: an elastisys pool, a KraftCloud service group, a Quilt node group, or a
// Quilt function pool (a group with bounds) — one per (tenant, kind, id), binding GROUPS. Its public
// methods are the RPC surface the dialects call: thin, returning result objects; the rules live in
// ./commands and src/domain, the machinery (transactions, idempotency, timers, outbox) in
// ./kernel. The other kinds of object have their own classes (./target.ts, ./action.ts, ./hook.ts).
import type { Env } from "../env";
import type { StepPolicyInput } from "../domain/autoscale";
import type { AutoscaleState, Outcome } from "../domain/autoscale/state";
import { groupUuid, poolSize, publicConfig, type GroupConfig, type GroupState, type Machine, type PoolSize, type ServiceSpec, type ServiceState, type WebhookProviderConfig } from "../domain/model";
import { fail, objectName, type CommandContext, type CommandResult, type OperationRecord, type Result } from "../domain/operations";
import type { SimulatorEvent } from "../providers/simulated";
import type { MachineReport } from "../providers/webhook";
import * as webhook from "./commands/webhook";
import { FrontDoorDesk } from "./commands/front-door";
import type { FrontDoorView, HoldAnswer, HoldRequest, SyncReport } from "../domain/front-door";
import * as autoscale from "./commands/autoscale";
import * as hooks from "./commands/hooks";
import * as instances from "./commands/instances";
import * as pool from "./commands/pool";
import * as quilt from "./commands/quilt";
import { KernelObject } from "./base";
import { PROVIDER_CACHE_MS } from "./target";
import { groupTimerHandlers } from "./timer-handlers";

export type { ConfigPatch } from "./commands/pool";
export type { SimulatorEvent };

/** What a Quilt write answers: its operation and the target's state after it. */
type QuiltWrite<S> = { operation: OperationRecord; state: S };

export class GroupObject extends KernelObject {
  /** The front door's side of the group (issue 11): traffic reports and held requests, in memory. */
  readonly #door: FrontDoorDesk;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env, {
      handlers: groupTimerHandlers,
      binding: "g",
      missing: (store) => (store.group ? null : fail("GROUP_NOT_FOUND", "group is not configured")),
    });
    this.#door = new FrontDoorDesk(this.k, () => this.alarm());
  }

  /** Machines move on timers (the simulated provider's lifecycle): held requests may be released now. */
  override async alarm(): Promise<void> {
    // The due timers commit before the alarm's first await (its D1 push): held requests are
    // released then, not after the push.
    const done = super.alarm();
    this.#door.poke();
    await done;
    this.#door.poke();
  }

  /**
   * Lets the front door see what a command changed (a machine may run now, or be gone): once its
   * transaction has committed (before the command's first await, when it has no idempotency key)
   * and again once it has answered.
   */
  async #poked<T>(result: Promise<T>): Promise<T> {
    this.#door.poke();
    const r = await result;
    this.#door.poke();
    return r;
  }

  // ---------------------------------------------------------------- front door (issue 11, ./commands/front-door.ts)

  /** An isolate's batched report (at most one a second): traffic and request metrics; answers the group's view. */
  async frontDoorSync(report: SyncReport): Promise<Result<{ view: FrontDoorView }>> {
    return this.#door.sync(report);
  }

  /** A request for a group with no running member: held (bounded) while the group wakes. */
  async frontDoorHold(request: HoldRequest): Promise<HoldAnswer> {
    return this.#door.hold(request);
  }

  /** A released held request has finished (its member's slot is free). */
  async frontDoorDone(ticket: string): Promise<void> {
    this.#door.done(ticket);
  }

  // ---------------------------------------------------------------- reads

  async getConfig(): Promise<Result<{ name: string; config: GroupConfig; createdAt: number; updatedAt: number }>> {
    const g = this.k.store.group;
    if (!g) return fail("GROUP_NOT_FOUND", "group is not configured");
    return { ok: true, name: g.name, config: publicConfig(g.config), createdAt: g.createdAt, updatedAt: g.updatedAt };
  }

  /**
   * Members of the pool (detached machines are not listed), oldest request first, and the revision
   * they are at. `known`: the revision of a view the caller already holds — when it is still the
   * current one, `machines` is null and the caller uses its own copy (a 1,000-machine pool is not
   * copied over RPC for every read; src/surfaces/elastisys/pool-view.ts).
   */
  async getPool(known?: string): Promise<Result<{ timestamp: number; revision: string; machines: Machine[] | null }>> {
    if (!this.k.store.group) return fail("GROUP_NOT_FOUND", "group is not configured");
    const revision = this.k.store.revision;
    if (known === revision) return { ok: true, timestamp: Date.now(), revision, machines: null };
    const machines = [...this.k.store.machines.values()].filter((m) => m.member).sort((a, b) => a.requestedAt - b.requestedAt || (a.id < b.id ? -1 : 1));
    return { ok: true, timestamp: Date.now(), revision, machines };
  }

  async getSize(): Promise<Result<PoolSize>> {
    const g = this.k.store.group;
    if (!g) return fail("GROUP_NOT_FOUND", "group is not configured");
    return { ok: true, ...poolSize(g, this.k.store.machines.values()) };
  }

  // ---------------------------------------------------------------- commands

  async configure(ctx: CommandContext, patch: pool.ConfigPatch): Promise<CommandResult<{ created: boolean; config: GroupConfig }>> {
    return this.#tellingContainer(ctx, async () => {
      const uuid = await groupUuid(ctx.tenantId, ctx.group);
      return this.k.command(ctx, "pool.configure", patch, (tx) => pool.configure(tx, patch, uuid), { creates: true });
    });
  }

  async setDesiredSize(ctx: CommandContext, desiredSize: number): Promise<CommandResult<{ before: number; desiredSize: number }>> {
    return this.k.command(ctx, "pool.set_desired_size", { desiredSize }, (tx) => pool.setDesiredSize(tx, desiredSize));
  }

  async terminateMachine(ctx: CommandContext, machineId: string, decrementDesiredSize: boolean): Promise<CommandResult<{ desiredSize: number }>> {
    return this.k.command(ctx, "machine.terminate", { machineId, decrementDesiredSize }, (tx) => pool.terminateMachine(tx, machineId, decrementDesiredSize));
  }

  async detachMachine(ctx: CommandContext, machineId: string, decrementDesiredSize: boolean): Promise<CommandResult<{ desiredSize: number }>> {
    return this.k.command(ctx, "machine.detach", { machineId, decrementDesiredSize }, (tx) => pool.detachMachine(tx, machineId, decrementDesiredSize));
  }

  async attachMachine(ctx: CommandContext, machineId: string): Promise<CommandResult<{ desiredSize: number }>> {
    return this.k.command(ctx, "machine.attach", { machineId }, (tx) => pool.attachMachine(tx, machineId));
  }

  async setServiceState(ctx: CommandContext, machineId: string, serviceState: ServiceState): Promise<CommandResult<{ serviceState: ServiceState }>> {
    return this.#poked(this.k.command(ctx, "machine.set_service_state", { machineId, serviceState }, (tx) => pool.setServiceState(tx, machineId, serviceState)));
  }

  async deleteGroup(ctx: CommandContext): Promise<CommandResult<{ terminated: string[] }>> {
    return this.#tellingContainer(ctx, () => this.#poked(this.k.command(ctx, "pool.delete", {}, (tx) => pool.deleteGroup(tx))));
  }

  /** Webhook provider callbacks: machine states reported by the user's infrastructure. */
  async reportMachines(ctx: CommandContext, reports: MachineReport[]): Promise<CommandResult<{ results: webhook.ReportResult[] }>> {
    return this.#poked(this.k.command(ctx, "provider.webhook.report", reports, (tx) => webhook.reportMachines(tx, reports)));
  }

  async simulate(ctx: CommandContext, event: SimulatorEvent): Promise<CommandResult<{ machine: Machine }>> {
    return this.#poked(this.k.command(ctx, "simulator.event", event, (tx) => pool.simulate(tx, event)));
  }

  // ---------------------------------------------------------------- KraftCloud: services, instances, autoscale

  async getGroup(): Promise<Result<{ group: GroupState; machines: Machine[] }>> {
    const g = this.k.store.group;
    if (!g) return fail("GROUP_NOT_FOUND", "service group not found");
    return { ok: true, group: g, machines: [...this.k.store.machines.values()] };
  }

  async createService(ctx: CommandContext, service: ServiceSpec, provider?: pool.ConfigPatch["provider"]): Promise<CommandResult<{ uuid: string; createdAt: number }>> {
    return this.#tellingContainer(ctx, async () => {
      const uuid = await groupUuid(ctx.tenantId, ctx.group);
      const request = provider ? { ...service, provider } : service;
      return this.k.command(ctx, "service.create", request, (tx) => instances.createService(tx, uuid, service, provider), { creates: true });
    });
  }

  async deleteService(ctx: CommandContext): Promise<CommandResult<{ uuid: string }>> {
    return this.#tellingContainer(ctx, () => this.#poked(this.k.command(ctx, "service.delete", {}, (tx) => instances.deleteService(tx))));
  }

  async createInstance(ctx: CommandContext, input: instances.NewInstance): Promise<CommandResult<{ instance: Machine }>> {
    return this.k.command(ctx, "instance.create", input, (tx) => instances.createInstance(tx, input), { awaitsInstanceRows: true });
  }

  async startInstance(ctx: CommandContext, id: string): Promise<CommandResult<{ instance: Machine }>> {
    return this.#poked(this.k.command(ctx, "instance.start", { id }, (tx) => instances.startInstance(tx, id)));
  }

  async stopInstance(ctx: CommandContext, id: string): Promise<CommandResult<{ instance: Machine }>> {
    return this.k.command(ctx, "instance.stop", { id }, (tx) => instances.stopInstance(tx, id));
  }

  async deleteInstance(ctx: CommandContext, id: string): Promise<CommandResult<{ uuid: string; name: string }>> {
    return this.k.command(ctx, "instance.delete", { id }, (tx) => instances.deleteInstance(tx, id), { awaitsInstanceRows: true });
  }

  async configureAutoscale(ctx: CommandContext, input: autoscale.AutoscaleInput): Promise<CommandResult<{ autoscale: AutoscaleState }>> {
    return this.k.command(ctx, "autoscale.configure", input, (tx) => autoscale.configureAutoscale(tx, input));
  }

  async deleteAutoscale(ctx: CommandContext): Promise<CommandResult<{ draining: string[] }>> {
    return this.k.command(ctx, "autoscale.delete", {}, (tx) => autoscale.deleteAutoscale(tx));
  }

  async addPolicy(ctx: CommandContext, input: StepPolicyInput): Promise<CommandResult<{ name: string }>> {
    return this.k.command(ctx, "autoscale.policy.create", input, (tx) => autoscale.addPolicy(tx, input));
  }

  async deletePolicies(ctx: CommandContext, names: string[] | null): Promise<CommandResult<{ deleted: string[] }>> {
    return this.k.command(ctx, "autoscale.policy.delete", { names }, (tx) => autoscale.deletePolicies(tx, names));
  }

  async pushMetrics(ctx: CommandContext, sample: autoscale.MetricSample): Promise<CommandResult<autoscale.MetricsResult>> {
    return this.k.command(ctx, "autoscale.metrics", sample, (tx) => autoscale.pushMetrics(tx, sample));
  }

  /** What-if evaluation: read-only, so it runs outside the command path (no ledger, no idempotency). */
  async whatIf(input: { cpu: number; instances?: number }): Promise<Result<{ outcome: Outcome; capacity: number }>> {
    if (!this.k.store.group) return fail("GROUP_NOT_FOUND", "service group not found");
    return autoscale.whatIf(this.k.tx(Date.now(), null), input);
  }

  // ---------------------------------------------------------------- Quilt: containers, function pools, workloads, node groups

  async getFunctionPool(): Promise<Result<{ state: quilt.FunctionPoolState }>> {
    const state = quilt.functionPool(this.k.tx(Date.now(), null));
    return state ? { ok: true, state } : fail("GROUP_NOT_FOUND", "function not found");
  }

  /** The group's webhook provider config (secret included: internal, for its same-named container). */
  async webhookProvider(): Promise<WebhookProviderConfig | null> {
    this.#providerAnsweredAt = Date.now();
    return this.#webhook();
  }

  /** When this instance last answered `webhookProvider`, and when it started (an earlier instance may have answered). */
  #providerAnsweredAt = -Infinity;
  readonly #startedAt = Date.now();

  #webhook(): WebhookProviderConfig | null {
    const p = this.k.store.group?.config.provider;
    return p?.type === "webhook" ? p : null;
  }

  /** The webhook provider as of the last command that could change it (set before the first such command). */
  #providerSeen: string | undefined;

  /**
   * Runs a command that may change the group's provider (configure, create or delete); when it did,
   * tells the container of the same name, which keeps the provider for a few seconds
   * (./target.ts `forgetProvider`), so that its next write uses the new one. Awaited: rare writes,
   * and a Quilt resize right after the change must reach the new provider.
   */
  async #tellingContainer<T>(ctx: CommandContext, run: () => Promise<T>): Promise<T> {
    this.#providerSeen ??= JSON.stringify(this.#webhook());
    const r = await run();
    const now = JSON.stringify(this.#webhook());
    if (now !== this.#providerSeen) {
      this.#providerSeen = now;
      // Only a container that asked less than PROVIDER_CACHE_MS ago holds the old provider (twice
      // that, for the clocks of two objects): no call, and no empty container object, otherwise.
      const recent = Date.now() - 2 * PROVIDER_CACHE_MS;
      if (this.#providerAnsweredAt < recent && this.#startedAt < recent) return r;
      try {
        await this.env.TARGETS.get(this.env.TARGETS.idFromName(objectName(ctx.tenantId, "container", ctx.group))).forgetProvider();
      } catch (err) {
        // The container asks again within PROVIDER_CACHE_MS anyway.
        console.warn(`telling container '${ctx.group}' of its new provider failed`, String(err));
      }
    }
    return r;
  }

  async setFunctionPoolTarget(ctx: CommandContext, input: { min_instances: number; max_instances: number }): Promise<CommandResult<QuiltWrite<quilt.FunctionPoolState>>> {
    const uuid = await groupUuid(ctx.tenantId, `function:${ctx.group}`);
    return this.k.command(ctx, "elasticity.set_function_pool_target", input, (tx) => quilt.setPoolTarget(tx, input, uuid), { creates: true });
  }

  async scaleNodeGroup(ctx: CommandContext, delta: number): Promise<CommandResult<QuiltWrite<{ group: string; desired_size: number }>>> {
    return this.k.command(ctx, "elasticity.scale_node_group", { delta_units: delta }, (tx) => quilt.scaleNodeGroup(tx, delta));
  }

  /** Undoes one operation that was applied to this function pool or node group (called by a rollback). */
  async undoOperation(ctx: CommandContext, op: OperationRecord, force: boolean): Promise<CommandResult<{ undo: quilt.UndoResult }>> {
    return this.k.command(ctx, "elasticity.undo", { operation_id: op.id, force }, (tx) => quilt.undo(tx, op, force, null), { creates: true });
  }

  /** A hook's action on this group: desired size by change/exact/percent, or a metric sample. */
  async applyTrigger(ctx: CommandContext, trigger: hooks.Trigger): Promise<CommandResult<{ desiredSize: number }>> {
    return this.k.command(ctx, "hook.trigger", trigger, (tx) => hooks.applyTrigger(tx, trigger));
  }

}
