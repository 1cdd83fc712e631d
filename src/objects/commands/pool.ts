// Pool commands: desired size, membership and service state of machines, configuration,
// deletion. Used by the elastisys dialect (and by the others where they mean the same thing).
// Each runs inside the group's storage transaction; a failure result rolls everything back.
import {
  DEFAULT_CONFIG,
  newGroup,
  clampDesired,
  isAllocated,
  type GroupConfig,
  type GroupState,
  type Machine,
  type ProviderConfig,
  type ServiceState,
  publicConfig,
  REDACTED,
} from "../../domain/model";
import { fail, type Result } from "../../domain/operations";
import { simulatorEvent, type SimulatorEvent } from "../../providers/simulated";
import { terminateTimer, type GroupTx } from "../tx";

/** A partial provider block keeps the fields it does not name (from the current or default config). */
export type ConfigPatch = Partial<Omit<GroupConfig, "provider">> & { provider?: Partial<ProviderConfig> & Pick<ProviderConfig, "type"> };

export const DEFAULT_WEBHOOK_TIMEOUT_MS = 5000;

/** The provider a patch makes, or why it cannot (a webhook needs a url and a secret). */
export function patchedProvider(tx: GroupTx, base: ProviderConfig, patch: NonNullable<ConfigPatch["provider"]>): Result<{ provider: ProviderConfig }> {
  const from = base.type === patch.type ? base : patch.type === "simulated" ? DEFAULT_CONFIG.provider : { timeoutMs: DEFAULT_WEBHOOK_TIMEOUT_MS };
  let provider = { ...from, ...patch } as ProviderConfig;
  if (provider.type === "webhook") {
    if (!provider.url || !provider.secret) return fail("INVALID", "a webhook provider needs 'url' and 'secret' (they are kept from the current webhook config when omitted)");
    provider = { type: "webhook", url: provider.url, secret: provider.secret, timeoutMs: provider.timeoutMs };
  }
  const prior = tx.store.group;
  if (prior && prior.config.provider.type !== provider.type && tx.allocatedIds().length > 0) {
    return fail("CONFLICT", `the provider type can change only while the pool has no allocated machines (it has ${tx.allocatedIds().length}); scale to 0 first`);
  }
  return { ok: true, provider };
}

const redactPatch = (patch: ConfigPatch): ConfigPatch =>
  patch.provider && "secret" in patch.provider ? { ...patch, provider: { ...patch.provider, secret: REDACTED } } : patch;

/** Creates the group (desired size 0) or merges the patch into its config. */
export function configure(tx: GroupTx, patch: ConfigPatch, uuid: string): Result<{ created: boolean; config: GroupConfig }> {
  const prior = tx.store.group;
  const base = prior?.config ?? DEFAULT_CONFIG;
  const p = patch.provider ? patchedProvider(tx, base.provider, patch.provider) : { ok: true as const, provider: base.provider };
  if (!p.ok) return p;
  const config: GroupConfig = { ...base, ...patch, provider: p.provider };
  const ctx = tx.ctx!;
  const group: GroupState = prior
    ? { ...prior, config, updatedAt: tx.now }
    : newGroup(ctx.tenantId, ctx.group, uuid, config, tx.now);
  tx.store.putGroup(group);
  tx.registry();
  if (!prior || prior.config.updatePeriodSeconds !== config.updatePeriodSeconds) {
    tx.timers.set("reconcile", tx.now + config.updatePeriodSeconds * 1000);
  }
  tx.op("pool.configure", { request: redactPatch(patch), result: { created: !prior, before: prior ? publicConfig(prior.config) : null, after: publicConfig(config) } });
  tx.reconcile({ text: "pool configured" });
  // The secret stays in the object: answers (and the idempotency record) show it redacted.
  return { ok: true, created: !prior, config: publicConfig(config) };
}

export function setDesiredSize(tx: GroupTx, desiredSize: number): Result<{ before: number; desiredSize: number }> {
  const g = tx.group;
  if (!Number.isInteger(desiredSize) || desiredSize < g.minSize || desiredSize > g.maxSize) {
    return fail("INVALID", `desiredSize must be an integer within the group's bounds [${g.minSize}, ${g.maxSize}]`);
  }
  tx.setGroup({ desiredSize });
  const op = tx.op("pool.set_desired_size", { request: { desiredSize }, result: { before: g.desiredSize, after: desiredSize } });
  tx.reconcile({ text: `desired size ${g.desiredSize} -> ${desiredSize} (operation ${op.id})` });
  return { ok: true, before: g.desiredSize, desiredSize };
}

export function terminateMachine(tx: GroupTx, machineId: string, decrementDesiredSize: boolean): Result<{ desiredSize: number }> {
  const g = tx.group;
  const m = tx.member(machineId);
  if (!m) return fail("MACHINE_NOT_FOUND", `machine '${machineId}' is not a member of the pool`);
  // Terminating a machine that is already on its way out changes nothing (no second decrement).
  if (!isAllocated(m)) return { ok: true, desiredSize: g.desiredSize };
  // A machine already chosen for scale-in no longer counts toward the desired size: terminating it
  // early must not take the desired size down a second time.
  const decrement = decrementDesiredSize && m.terminateAt === null;
  const desiredSize = decrement ? clampDesired(g, g.desiredSize - 1) : g.desiredSize;
  tx.setGroup({ desiredSize });
  tx.apply(tx.provider().terminate(m, tx.now));
  tx.timers.clear(terminateTimer(m.id));
  const op = tx.op("machine.terminate", {
    request: { machineId, decrementDesiredSize },
    result: { machineId, desiredSize: { before: g.desiredSize, after: desiredSize } },
  });
  tx.reconcile({ text: `machine ${machineId} terminated (operation ${op.id})`, replace: !decrementDesiredSize && m.terminateAt === null });
  return { ok: true, desiredSize };
}

export function detachMachine(tx: GroupTx, machineId: string, decrementDesiredSize: boolean): Result<{ desiredSize: number }> {
  const g = tx.group;
  const m = tx.member(machineId);
  if (!m || !isAllocated(m)) return fail("MACHINE_NOT_FOUND", `machine '${machineId}' is not an active member of the pool`);
  const desiredSize = decrementDesiredSize ? clampDesired(g, g.desiredSize - 1) : g.desiredSize;
  tx.setGroup({ desiredSize });
  tx.store.putMachine({ ...m, member: false, terminateAt: null });
  tx.timers.clear(terminateTimer(m.id));
  const op = tx.op("machine.detach", {
    request: { machineId, decrementDesiredSize },
    result: { machineId, desiredSize: { before: g.desiredSize, after: desiredSize } },
  });
  tx.reconcile({ text: `machine ${machineId} detached (operation ${op.id})`, replace: !decrementDesiredSize });
  return { ok: true, desiredSize };
}

export function attachMachine(tx: GroupTx, machineId: string): Result<{ desiredSize: number }> {
  const g = tx.group;
  const m = tx.machine(machineId);
  if (!m || !isAllocated(m)) return fail("MACHINE_NOT_FOUND", `machine '${machineId}' is not known to the pool's provider`);
  if (m.member) return { ok: true, desiredSize: g.desiredSize };
  const desiredSize = clampDesired(g, g.desiredSize + 1);
  tx.setGroup({ desiredSize });
  tx.store.putMachine({ ...m, member: true });
  const op = tx.op("machine.attach", { request: { machineId }, result: { machineId, desiredSize: { before: g.desiredSize, after: desiredSize } } });
  tx.reconcile({ text: `machine ${machineId} attached (operation ${op.id})` });
  return { ok: true, desiredSize };
}

export function setServiceState(tx: GroupTx, machineId: string, serviceState: ServiceState): Result<{ serviceState: ServiceState }> {
  const m = tx.member(machineId);
  if (!m) return fail("MACHINE_NOT_FOUND", `machine '${machineId}' is not a member of the pool`);
  tx.store.putMachine({ ...m, serviceState });
  const op = tx.op("machine.set_service_state", { request: { machineId, serviceState }, result: { machineId, before: m.serviceState, after: serviceState } });
  const replace = serviceState === "OUT_OF_SERVICE" && m.serviceState !== "OUT_OF_SERVICE";
  tx.reconcile({ text: `machine ${machineId} service state ${m.serviceState} -> ${serviceState} (operation ${op.id})`, replace });
  return { ok: true, serviceState };
}

/** Removes the group: every machine its provider runs for it is terminated. */
export function deleteGroup(tx: GroupTx): Result<{ terminated: string[] }> {
  const g = tx.group;
  const terminated = tx.allocatedIds();
  const op = tx.op("pool.delete", { request: {}, result: { terminated, desiredSize: g.desiredSize } });
  // A webhook provider is told to terminate what it runs for the pool (sent after the pool is gone).
  const provider = tx.provider();
  for (const id of terminated) tx.emit(provider.terminate(tx.machine(id)!, tx.now).events);
  for (const id of terminated) {
    tx.op("machine.terminated", { result: { machineId: id, reason: "pool deleted" }, cause: `pool deleted (operation ${op.id})` }, null);
  }
  // The simulated cloud of this group goes with it: nothing is left to step on timers.
  for (const m of tx.store.machines.values()) tx.instanceRegistry(m, true);
  tx.store.dropGroup();
  tx.timers.clearAll(["outbox-flush", "idempotency-expiry", "delivery"]);
  tx.registry(g);
  return { ok: true, terminated };
}

/** Simulated provider only: events that happen outside Scalegate, corrected by the next reconcile. */
export function simulate(tx: GroupTx, event: SimulatorEvent): Result<{ machine: Machine }> {
  if (tx.group.config.provider.type !== "simulated") return fail("CONFLICT", "simulator events apply to the simulated provider only");
  const r = simulatorEvent(event, tx.store.machines, tx.now);
  if (!r.ok) return fail("MACHINE_NOT_FOUND", r.message);
  tx.apply({ machines: [r.machine], timers: [], clear: r.clear, events: [] });
  tx.op("simulator.event", { request: event, result: { machine: r.machine } });
  return { ok: true, machine: r.machine };
}
