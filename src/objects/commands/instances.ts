// KraftCloud service groups and instances on the one group model. An explicit instance is a
// retained member: it counts in the desired size while it runs, and persists when stopped.
import { DEFAULT_CONFIG, MAX_GROUP_SIZE, isAllocated, newGroup, publicConfig, type InstanceSpec, type Machine, type ScaleToZero, type ServiceSpec } from "../../domain/model";
import { planDeleteInstance, planStartInstance, planStopInstance, startsNow } from "../../domain/instances";
import { fail, type Result } from "../../domain/operations";
import type { GroupTx } from "../tx";
import { patchedProvider, type ConfigPatch } from "./pool";
import { terminateTimer } from "../tx";

export function createService(tx: GroupTx, uuid: string, service: ServiceSpec, providerPatch?: ConfigPatch["provider"]): Result<{ uuid: string; createdAt: number }> {
  if (tx.store.group) return fail("ALREADY_EXISTS", `service group '${tx.ctx!.group}' already exists`);
  const ctx = tx.ctx!;
  const provider = providerPatch ? patchedProvider(tx, DEFAULT_CONFIG.provider, providerPatch) : { ok: true as const, provider: DEFAULT_CONFIG.provider };
  if (!provider.ok) return provider;
  const config = { ...DEFAULT_CONFIG, provider: provider.provider };
  const group = { ...newGroup(ctx.tenantId, ctx.group, uuid, config, tx.now), service };
  tx.store.putGroup(group);
  tx.registry();
  tx.timers.set("reconcile", tx.now + group.config.updatePeriodSeconds * 1000);
  tx.op("service.create", { request: providerPatch ? { ...service, provider: publicConfig(config).provider } : service, result: { uuid } });
  return { ok: true, uuid, createdAt: group.createdAt };
}

/** KraftCloud refuses to delete a service group while instances are attached to it. */
export function deleteService(tx: GroupTx): Result<{ uuid: string }> {
  const g = tx.group;
  const attached = [...tx.store.machines.values()].filter((m) => m.member && (isAllocated(m) || m.retained));
  if (attached.length > 0) {
    return fail("CONFLICT", `service group '${g.name}' still has ${attached.length} instance(s) attached: ${attached.map((m) => m.name).join(", ")}`);
  }
  for (const m of tx.store.machines.values()) tx.instanceRegistry(m, true);
  tx.op("service.delete", { result: { uuid: g.uuid } });
  tx.store.dropGroup();
  tx.timers.clearAll(["outbox-flush", "idempotency-expiry", "delivery"]);
  tx.registry(g);
  return { ok: true, uuid: g.uuid };
}

export interface NewInstance {
  uuid: string;
  name: string;
  spec: InstanceSpec;
  autostart: boolean;
  scaleToZero: ScaleToZero | null;
}

export function createInstance(tx: GroupTx, input: NewInstance): Result<{ instance: Machine }> {
  const g = tx.group;
  // A deleted instance still winding down (no longer a member nor retained) does not hold its name.
  if ([...tx.store.machines.values()].some((m) => (m.member || m.retained) && m.name === input.name)) {
    return fail("ALREADY_EXISTS", `instance '${input.name}' already exists`);
  }
  if (input.autostart && g.desiredSize + 1 > g.maxSize) {
    return fail("OUT_OF_RANGE", `starting another instance would exceed the group's max size ${g.maxSize}`);
  }
  const provider = tx.provider();
  const launched = provider.launch(1, tx.now, {
    origin: "instance",
    spec: input.spec,
    namePrefix: input.name,
    name: input.name,
    uuid: input.uuid,
    retained: true,
    scaleToZero: input.scaleToZero,
  });
  tx.apply(launched);
  let instance = launched.machines[0];
  if (input.autostart) tx.setGroup({ desiredSize: g.desiredSize + 1 });
  else {
    // Created stopped: the request is withdrawn at once and the instance waits for a start call.
    tx.apply(provider.terminate(instance, tx.now));
    instance = tx.machine(instance.id)!;
  }
  tx.op("instance.create", { request: input, result: { uuid: instance.uuid, name: instance.name, state: instance.machineState } });
  tx.reconcile({ text: `instance ${input.name} created` });
  return { ok: true, instance: tx.machine(instance.id)! };
}

function instance(tx: GroupTx, id: string): Machine | null {
  const m = tx.machine(id);
  return m && (m.member || m.retained) ? m : null;
}

/** Starts a stopped or standby instance (a standby one wakes the group from scale-to-zero). Rules: src/domain/instances.ts. */
export function startInstance(tx: GroupTx, id: string): Result<{ instance: Machine }> {
  const m = instance(tx, id);
  if (!m) return fail("MACHINE_NOT_FOUND", `instance '${id}' not found`);
  const plan = planStartInstance(tx.group, m);
  if (plan.kind === "refuse") return fail(plan.code, plan.message);
  if (plan.kind === "already") return { ok: true, instance: m }; // already starting or running
  if (plan.kind === "when-stopped") {
    // Stopping (or going to standby): remembered, and started by startWhenStopped once it has stopped.
    if (plan.record) {
      tx.store.putMachine({ ...m, standby: false, startWhenStopped: true });
      tx.op("instance.start", { request: { uuid: m.uuid }, result: { uuid: m.uuid, name: m.name, whenStopped: true, wasStandby: m.standby } });
    }
    return { ok: true, instance: tx.machine(id)! };
  }
  tx.apply(tx.provider().start({ ...m, member: true }, tx.now));
  tx.setGroup({ desiredSize: plan.desiredSize });
  tx.op("instance.start", { request: { uuid: m.uuid }, result: { uuid: m.uuid, name: m.name, wasStandby: m.standby } });
  tx.reconcile({ text: `instance ${m.name} started` });
  return { ok: true, instance: tx.machine(id)! };
}

export function stopInstance(tx: GroupTx, id: string, standby = false): Result<{ instance: Machine }> {
  const m = instance(tx, id);
  if (!m) return fail("MACHINE_NOT_FOUND", `instance '${id}' not found`);
  const plan = planStopInstance(tx.group, m, standby);
  if (plan.kind === "refuse") return fail(plan.code, plan.message);
  if (plan.kind === "stopped") {
    // Already stopping or stopped; a start wanted after the stop is called off.
    if (plan.callOffStart) {
      tx.store.putMachine({ ...m, startWhenStopped: false });
      tx.op("instance.stop", { request: { uuid: m.uuid }, result: { uuid: m.uuid, name: m.name, startCalledOff: true } });
    }
    return { ok: true, instance: tx.machine(id)! };
  }
  const desiredSize = plan.desiredSize;
  tx.apply(tx.provider().terminate(m, tx.now));
  tx.timers.clear(terminateTimer(m.id));
  tx.store.putMachine({ ...tx.machine(id)!, retained: true, standby });
  tx.setGroup({ desiredSize });
  tx.op(standby ? "instance.standby" : "instance.stop", { request: { uuid: m.uuid }, result: { uuid: m.uuid, name: m.name } });
  tx.reconcile({ text: `instance ${m.name} ${standby ? "went to standby" : "stopped"}` });
  return { ok: true, instance: tx.machine(id)! };
}

/** Deletes an instance; deleting the autoscale master resets autoscale (KraftCloud). */
export function deleteInstance(tx: GroupTx, id: string): Result<{ uuid: string; name: string }> {
  const g = tx.group;
  const m = instance(tx, id);
  if (!m) return fail("MACHINE_NOT_FOUND", `instance '${id}' not found`);
  const plan = planDeleteInstance(g, tx.store.machines.values(), m);
  if (plan.resetAutoscale) {
    // The master is gone: autoscale is reset and every instance it created goes with it.
    for (const cloneId of plan.stopClones) {
      tx.apply(tx.provider().terminate(tx.machine(cloneId)!, tx.now));
      tx.timers.clear(terminateTimer(cloneId));
    }
    tx.setGroup({ autoscale: null, minSize: 0, maxSize: MAX_GROUP_SIZE });
  }
  if (isAllocated(m)) tx.apply(tx.provider().terminate(m, tx.now));
  tx.timers.clear(terminateTimer(m.id));
  // Out of the group at once; the provider finishes stopping it and the record is then forgotten.
  tx.store.putMachine({ ...tx.machine(id)!, member: false, retained: false });
  tx.instanceRegistry(m, true);
  tx.setGroup({ desiredSize: plan.desiredSize });
  tx.op("instance.delete", { request: { uuid: m.uuid }, result: { uuid: m.uuid, name: m.name, resetAutoscale: g.autoscale?.master === m.id } });
  tx.reconcile({ text: `instance ${m.name} deleted` });
  return { ok: true, uuid: m.uuid, name: m.name };
}

/** Lifecycle step: an instance whose start was asked for while it was stopping starts now that it has stopped. */
export function startWhenStopped(tx: GroupTx, machineId: string): void {
  const m = tx.machine(machineId);
  if (!m || !startsNow(m)) return;
  tx.store.putMachine({ ...m, startWhenStopped: false });
  const r = startInstance(tx, m.id);
  if (!r.ok) tx.op("instance.start", { request: { uuid: m.uuid }, result: { uuid: m.uuid, name: m.name, dropped: r.message } }, null);
}
