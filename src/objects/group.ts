// One Durable Object class for every target: a group (elastisys pool, KraftCloud service group,
// Quilt node group), a Quilt function pool, container or workload, and a Quilt action (whose
// rollbacks it serializes) — one object per (tenant, kind, id). Its public methods are the RPC
// surface the dialects call: thin, returning result objects; the rules live in ./commands and
// src/domain, the machinery (transactions, idempotency, timers, outbox) in ./kernel.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import type { StepPolicyInput } from "../domain/autoscale";
import type { AutoscaleState, Outcome } from "../domain/autoscale/state";
import { groupUuid, poolSize, publicConfig, type GroupConfig, type GroupState, type Machine, type PoolSize, type ServiceSpec, type ServiceState, type WebhookProviderConfig } from "../domain/model";
import { fail, objectName, type CommandContext, type CommandResult, type OperationRecord, type Result, type TargetKind } from "../domain/operations";
import type { SimulatorEvent } from "../providers/simulated";
import type { MachineReport } from "../providers/webhook";
import * as webhook from "./commands/webhook";
import * as autoscale from "./commands/autoscale";
import * as hooks from "./commands/hooks";
import * as instances from "./commands/instances";
import * as pool from "./commands/pool";
import * as quilt from "./commands/quilt";
import { rollbackPlan, type RollbackInput } from "./rollback";
import { rollbackOutcome } from "../domain/undo";
import { ObjectKernel } from "./kernel";
import { groupTimerHandlers } from "./timer-handlers";

export type { ConfigPatch } from "./commands/pool";
export type { SimulatorEvent };

/** What a Quilt write answers: its operation and the target's state after it. */
type QuiltWrite<S> = { operation: OperationRecord; state: S };

export class GroupObject extends DurableObject<Env> {
  #k: ObjectKernel;
  /** The inbound-trigger side, used when this object is a hook (`<tenant>:hook:<id>`). */
  #hooks: hooks.HookDesk;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#k = new ObjectKernel(ctx, env, groupTimerHandlers);
    this.#hooks = new hooks.HookDesk(ctx.storage, this.#k, env);
  }

  // ---------------------------------------------------------------- reads

  async getConfig(): Promise<Result<{ name: string; config: GroupConfig; createdAt: number; updatedAt: number }>> {
    const g = this.#k.store.group;
    if (!g) return fail("GROUP_NOT_FOUND", "group is not configured");
    return { ok: true, name: g.name, config: publicConfig(g.config), createdAt: g.createdAt, updatedAt: g.updatedAt };
  }

  /** Members of the pool (detached machines are not listed), oldest request first. */
  async getPool(): Promise<Result<{ timestamp: number; machines: Machine[] }>> {
    if (!this.#k.store.group) return fail("GROUP_NOT_FOUND", "group is not configured");
    const machines = [...this.#k.store.machines.values()].filter((m) => m.member).sort((a, b) => a.requestedAt - b.requestedAt || (a.id < b.id ? -1 : 1));
    return { ok: true, timestamp: Date.now(), machines };
  }

  async getSize(): Promise<Result<PoolSize>> {
    const g = this.#k.store.group;
    if (!g) return fail("GROUP_NOT_FOUND", "group is not configured");
    return { ok: true, ...poolSize(g, this.#k.store.machines.values()) };
  }

  /** Ledger records written here but not yet acknowledged by D1. */
  async pendingOperations(): Promise<OperationRecord[]> {
    return this.#k.outbox.pendingOperations();
  }

  // ---------------------------------------------------------------- commands

  async configure(ctx: CommandContext, patch: pool.ConfigPatch): Promise<CommandResult<{ created: boolean; config: GroupConfig }>> {
    const uuid = await groupUuid(ctx.tenantId, ctx.group);
    return this.#k.command(ctx, "pool.configure", patch, (tx) => pool.configure(tx, patch, uuid), { creates: true });
  }

  async setDesiredSize(ctx: CommandContext, desiredSize: number): Promise<CommandResult<{ before: number; desiredSize: number }>> {
    return this.#k.command(ctx, "pool.set_desired_size", { desiredSize }, (tx) => pool.setDesiredSize(tx, desiredSize));
  }

  async terminateMachine(ctx: CommandContext, machineId: string, decrementDesiredSize: boolean): Promise<CommandResult<{ desiredSize: number }>> {
    return this.#k.command(ctx, "machine.terminate", { machineId, decrementDesiredSize }, (tx) => pool.terminateMachine(tx, machineId, decrementDesiredSize));
  }

  async detachMachine(ctx: CommandContext, machineId: string, decrementDesiredSize: boolean): Promise<CommandResult<{ desiredSize: number }>> {
    return this.#k.command(ctx, "machine.detach", { machineId, decrementDesiredSize }, (tx) => pool.detachMachine(tx, machineId, decrementDesiredSize));
  }

  async attachMachine(ctx: CommandContext, machineId: string): Promise<CommandResult<{ desiredSize: number }>> {
    return this.#k.command(ctx, "machine.attach", { machineId }, (tx) => pool.attachMachine(tx, machineId));
  }

  async setServiceState(ctx: CommandContext, machineId: string, serviceState: ServiceState): Promise<CommandResult<{ serviceState: ServiceState }>> {
    return this.#k.command(ctx, "machine.set_service_state", { machineId, serviceState }, (tx) => pool.setServiceState(tx, machineId, serviceState));
  }

  async deleteGroup(ctx: CommandContext): Promise<CommandResult<{ terminated: string[] }>> {
    return this.#k.command(ctx, "pool.delete", {}, (tx) => pool.deleteGroup(tx));
  }

  /** Webhook provider callbacks: machine states reported by the user's infrastructure. */
  async reportMachines(ctx: CommandContext, reports: MachineReport[]): Promise<CommandResult<{ results: webhook.ReportResult[] }>> {
    return this.#k.command(ctx, "provider.webhook.report", reports, (tx) => webhook.reportMachines(tx, reports));
  }

  async simulate(ctx: CommandContext, event: SimulatorEvent): Promise<CommandResult<{ machine: Machine }>> {
    return this.#k.command(ctx, "simulator.event", event, (tx) => pool.simulate(tx, event));
  }

  // ---------------------------------------------------------------- KraftCloud: services, instances, autoscale

  async getGroup(): Promise<Result<{ group: GroupState; machines: Machine[] }>> {
    const g = this.#k.store.group;
    if (!g) return fail("GROUP_NOT_FOUND", "service group not found");
    return { ok: true, group: g, machines: [...this.#k.store.machines.values()] };
  }

  async createService(ctx: CommandContext, service: ServiceSpec, provider?: pool.ConfigPatch["provider"]): Promise<CommandResult<{ uuid: string; createdAt: number }>> {
    const uuid = await groupUuid(ctx.tenantId, ctx.group);
    const request = provider ? { ...service, provider } : service;
    return this.#k.command(ctx, "service.create", request, (tx) => instances.createService(tx, uuid, service, provider), { creates: true });
  }

  async deleteService(ctx: CommandContext): Promise<CommandResult<{ uuid: string }>> {
    return this.#k.command(ctx, "service.delete", {}, (tx) => instances.deleteService(tx));
  }

  async createInstance(ctx: CommandContext, input: instances.NewInstance): Promise<CommandResult<{ instance: Machine }>> {
    return this.#k.command(ctx, "instance.create", input, (tx) => instances.createInstance(tx, input));
  }

  async startInstance(ctx: CommandContext, id: string): Promise<CommandResult<{ instance: Machine }>> {
    return this.#k.command(ctx, "instance.start", { id }, (tx) => instances.startInstance(tx, id));
  }

  async stopInstance(ctx: CommandContext, id: string): Promise<CommandResult<{ instance: Machine }>> {
    return this.#k.command(ctx, "instance.stop", { id }, (tx) => instances.stopInstance(tx, id));
  }

  async deleteInstance(ctx: CommandContext, id: string): Promise<CommandResult<{ uuid: string; name: string }>> {
    return this.#k.command(ctx, "instance.delete", { id }, (tx) => instances.deleteInstance(tx, id));
  }

  async configureAutoscale(ctx: CommandContext, input: autoscale.AutoscaleInput): Promise<CommandResult<{ autoscale: AutoscaleState }>> {
    return this.#k.command(ctx, "autoscale.configure", input, (tx) => autoscale.configureAutoscale(tx, input));
  }

  async deleteAutoscale(ctx: CommandContext): Promise<CommandResult<{ draining: string[] }>> {
    return this.#k.command(ctx, "autoscale.delete", {}, (tx) => autoscale.deleteAutoscale(tx));
  }

  async addPolicy(ctx: CommandContext, input: StepPolicyInput): Promise<CommandResult<{ name: string }>> {
    return this.#k.command(ctx, "autoscale.policy.create", input, (tx) => autoscale.addPolicy(tx, input));
  }

  async deletePolicies(ctx: CommandContext, names: string[] | null): Promise<CommandResult<{ deleted: string[] }>> {
    return this.#k.command(ctx, "autoscale.policy.delete", { names }, (tx) => autoscale.deletePolicies(tx, names));
  }

  async pushMetrics(ctx: CommandContext, sample: autoscale.MetricSample): Promise<CommandResult<autoscale.MetricsResult>> {
    return this.#k.command(ctx, "autoscale.metrics", sample, (tx) => autoscale.pushMetrics(tx, sample));
  }

  /** What-if evaluation: read-only, so it runs outside the command path (no ledger, no idempotency). */
  async whatIf(input: { cpu: number; instances?: number }): Promise<Result<{ outcome: Outcome; capacity: number }>> {
    if (!this.#k.store.group) return fail("GROUP_NOT_FOUND", "service group not found");
    return autoscale.whatIf(this.#k.tx(Date.now(), null), input);
  }

  // ---------------------------------------------------------------- Quilt: containers, function pools, workloads, node groups

  async getContainer(): Promise<Result<{ state: quilt.ContainerState }>> {
    const state = quilt.container(this.#k.tx(Date.now(), null));
    return state ? { ok: true, state } : fail("GROUP_NOT_FOUND", "container not found");
  }

  async getFunctionPool(): Promise<Result<{ state: quilt.FunctionPoolState }>> {
    const state = quilt.functionPool(this.#k.tx(Date.now(), null));
    return state ? { ok: true, state } : fail("GROUP_NOT_FOUND", "function not found");
  }

  async getWorkload(): Promise<Result<{ state: quilt.WorkloadState }>> {
    const state = quilt.workload(this.#k.tx(Date.now(), null));
    return state ? { ok: true, state } : fail("GROUP_NOT_FOUND", "workload not found");
  }

  async resizeContainer(ctx: CommandContext, input: { memory_limit_mb: number; cpu_limit_percent: number }): Promise<CommandResult<QuiltWrite<quilt.ContainerState>>> {
    // A container's provider is the one of the tenant's group of the same name (webhook or none).
    const webhook = await this.#sameNamedGroup(ctx).webhookProvider();
    return this.#k.command(ctx, "elasticity.resize_container", input, (tx) => quilt.resizeContainer(tx, input, webhook), { creates: true });
  }

  /** The tenant's group named like this target (a container's provider is that group's). */
  #sameNamedGroup(ctx: CommandContext) {
    return this.env.GROUPS.get(this.env.GROUPS.idFromName(objectName(ctx.tenantId, "group", ctx.group)));
  }

  /** The group's webhook provider config (secret included: internal, for its same-named container). */
  async webhookProvider(): Promise<WebhookProviderConfig | null> {
    const p = this.#k.store.group?.config.provider;
    return p?.type === "webhook" ? p : null;
  }

  async setFunctionPoolTarget(ctx: CommandContext, input: { min_instances: number; max_instances: number }): Promise<CommandResult<QuiltWrite<quilt.FunctionPoolState>>> {
    const uuid = await groupUuid(ctx.tenantId, `function:${ctx.group}`);
    return this.#k.command(ctx, "elasticity.set_function_pool_target", input, (tx) => quilt.setPoolTarget(tx, input, uuid), { creates: true });
  }

  async bindFunction(ctx: CommandContext, functionId: string): Promise<CommandResult<QuiltWrite<quilt.WorkloadState>>> {
    return this.#k.command(ctx, "elasticity.workload_function_binding", { function_id: functionId }, (tx) => quilt.bindFunction(tx, functionId), { creates: true });
  }

  async rotateFunction(ctx: CommandContext, next: string, cutoverAt: number): Promise<CommandResult<QuiltWrite<quilt.WorkloadState>>> {
    return this.#k.command(ctx, "elasticity.rotate_workload_function_binding", { next_function_id: next, cutover_at: cutoverAt }, (tx) => quilt.rotateFunction(tx, next, cutoverAt), { creates: true });
  }

  async setPlacement(ctx: CommandContext, placement: quilt.Placement): Promise<CommandResult<QuiltWrite<quilt.WorkloadState>>> {
    return this.#k.command(ctx, "elasticity.workload_placement_preference", placement, (tx) => quilt.setPlacement(tx, placement), { creates: true });
  }

  async scaleNodeGroup(ctx: CommandContext, delta: number): Promise<CommandResult<QuiltWrite<{ group: string; desired_size: number }>>> {
    return this.#k.command(ctx, "elasticity.scale_node_group", { delta_units: delta }, (tx) => quilt.scaleNodeGroup(tx, delta));
  }

  /** Undoes one operation that was applied to this object (called by a rollback). */
  async undoOperation(ctx: CommandContext, op: OperationRecord, force: boolean): Promise<CommandResult<{ undo: quilt.UndoResult }>> {
    const webhook = ctx.targetKind === "container" ? await this.#sameNamedGroup(ctx).webhookProvider() : null;
    return this.#k.command(ctx, "elasticity.undo", { operation_id: op.id, force }, (tx) => quilt.undo(tx, op, force, webhook), { creates: true });
  }

  /**
   * Rolls back an orchestrator action (this object is the action's: `<tenant>:action:<id>`, so
   * rollbacks of one action are serialized). Reaches every target the action's operations
   * changed, newest first. It awaits other objects before its command, so it begins its request
   * itself (the one idempotency mechanism, ./idempotency.ts): a second rollback of this action
   * while one runs → IN_FLIGHT (known in memory only: an eviction mid-way leaves nothing behind).
   */
  async rollbackAction(ctx: CommandContext, input: RollbackInput): Promise<CommandResult<{ operation: OperationRecord }>> {
    const type = "elasticity.rollback_action";
    const begun = await this.#k.begin(ctx, type, input, { serialize: true });
    if (begun.state === "conflict") return fail("IDEMPOTENCY_CONFLICT", `Idempotency-Key '${ctx.idempotencyKey}' was used with a different request`);
    if (begun.state === "replay") {
      await this.#k.settleReplay();
      return { ...(begun.response as { operation: OperationRecord }), ok: true, replayed: true };
    }
    if (begun.state === "in-flight") return fail("IN_FLIGHT", `a rollback with Idempotency-Key '${ctx.idempotencyKey}' is still executing`);
    const claim = begun.claim;
    try {
      const planned = await rollbackPlan(this.env.DB, ctx.tenantId, input);
      if (!planned.ok) return planned;
      const undone: quilt.UndoResult[] = [];
      for (const op of planned.ops) {
        const stub = this.env.GROUPS.get(this.env.GROUPS.idFromName(objectName(ctx.tenantId, op.targetKind as TargetKind, op.targetId)));
        const undoCtx: CommandContext = { ...ctx, group: op.targetId, targetKind: op.targetKind as TargetKind, idempotencyKey: null };
        const r = await stub.undoOperation(undoCtx, op, input.force);
        undone.push(r.ok ? r.undo : { operation_id: op.id, undo_operation_id: null, target: { kind: op.targetKind, id: op.targetId }, status: "conflict", message: r.message });
      }
      return await this.#k.command(ctx, type, input, (tx) => {
        const operation = tx.op(type, { request: input, result: { target_action_id: input.target_action_id, undone }, ...rollbackOutcome(undone) });
        return { ok: true, operation };
      }, { creates: true, claim });
    } finally {
      this.#k.idempotency.abandon(claim); // a no-op once the command completed it
    }
  }

  // ---------------------------------------------------------------- inbound scale triggers (docs/webhooks.md)

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

  /** A hook's action on this group: desired size by change/exact/percent, or a metric sample. */
  async applyTrigger(ctx: CommandContext, trigger: hooks.Trigger): Promise<CommandResult<{ desiredSize: number }>> {
    return this.#k.command(ctx, "hook.trigger", trigger, (tx) => hooks.applyTrigger(tx, trigger));
  }

  // ---------------------------------------------------------------- alarm

  /** Runs the due timers through the handler table (./timer-handlers.ts and the kernel's). */
  override async alarm(): Promise<void> {
    await this.#k.alarm();
  }
}
