// The replay engine: a group under autoscale in virtual time, driven by a trace. Every rule is the
// live group's (src/domain/autoscale: planDecision = evaluate + warmup/cooldown gates + explanation;
// src/domain/scale-to-zero.ts: idle, wake, release); this file only plays the part of the
// Durable Object around them: its timers (warmup end, cooldown end, idle check), its reconcile
// (launch clones, drain victims for cooldown_time_ms, call off drains first) and a provider whose
// instances run `boot_delay_ms` after launch. Deterministic: no clock, no randomness.
import { AUTOSCALE_DEFAULTS, type AutoscaleState } from "../autoscale/state";
import { planDecision } from "../autoscale/gates";
import { evaluate, type OtherMetrics } from "../autoscale/evaluate";
import type { Machine } from "../model";
import { planStartInstance } from "../instances";
import { groupTrafficAfter, groupWakes, planGroupIdle, planGroupRelease } from "../scale-to-zero";
import type { Trace } from "./trace";
import { scaleOutThresholds, type ReplayConfig, type ReplayOptions, type Run, type Timeline, type Window, type ReplayDecision, type ReplayEvent } from "./model";
import { summarize } from "./summary";

export * from "./model";

type Inst = { clone: boolean; launch: number; runAt: number; warmUntil: number; stopAt: number; draining: boolean };

export function replay(trace: Trace, config: ReplayConfig, options: ReplayOptions = {}): Run {
  const opts: Required<ReplayOptions> = {
    boot_delay_ms: options.boot_delay_ms ?? 0,
    initial_capacity: Math.min(config.max_size, Math.max(config.min_size, options.initial_capacity ?? Math.max(config.min_size, 1))),
    scope: options.scope ?? "member",
  };
  const T = trace.t;
  const start = T[0];
  const end = T[T.length - 1];
  const boot = opts.boot_delay_ms;

  let a: AutoscaleState = {
    ...AUTOSCALE_DEFAULTS,
    ...config,
    master: "master",
    createdAt: start,
    warmupUntil: null,
    cooldownUntil: null,
    lastSample: null,
    lastTrafficAt: start,
    heldRequests: 0,
  };
  let now = start;
  let desired = opts.initial_capacity;
  // Instances alive now (the master first while it runs); ended ones only add to the cost.
  const live: Inst[] = [];
  let instanceMs = 0;
  let master: Inst | null = null;
  let standby = false;
  let woke: number | null = null;

  // Timers of the live object: one each, set again = moved (src/objects/commands/autoscale.ts).
  let warmupEnd: number | null = null;
  let cooldownEnd: number | null = null;
  let idleCheck: number | null = config.min_size === 0 ? start + config.cooldown_time_ms : null;

  const decisions: ReplayDecision[] = [];
  const windows: Window[] = [];
  const events: ReplayEvent[] = [];
  const tl: Timeline = { at: [], desired: [], booting: [], running: [], warming: [], draining: [], standby: [] };

  // Before the trace: the initial instances run and are warm (they were there already); none
  // (min_size 0, initial_capacity 0) is a group asleep, its master in standby.
  if (opts.initial_capacity === 0) standby = true;
  else {
    master = { clone: false, launch: start, runAt: start, warmUntil: start, stopAt: Infinity, draining: false };
    live.push(master);
  }
  for (let i = 1; i < opts.initial_capacity; i++) live.push({ clone: true, launch: start, runAt: start, warmUntil: start, stopAt: Infinity, draining: false });

  const masterMachine = (): Machine =>
    ({ id: "master", standby, machineState: master === null ? "TERMINATED" : master.runAt <= now ? "RUNNING" : "PENDING" }) as Machine;
  const effective = () => {
    let n = 0;
    for (const i of live) if (!i.draining) n++;
    return n;
  };

  // ------------------------------------------------------------------ metric state
  const has = trace.values;
  const policyMetrics = (["cpu", "inflight_reqs", "reqs_per_sec"] as const).filter((m) => has[m]);
  const cur = { cpu: NaN, inflight_reqs: NaN, reqs_per_sec: NaN };
  const thresholds = scaleOutThresholds(config.policies);
  let underMs = 0;
  let acct = start;

  /** Members the metric is measured on: running, not draining (warming ones serve, but are left out of a mean; a total is spread over all). */
  const serving = () => {
    let n = 0;
    for (const i of live) if (i.runAt <= now && !i.draining && i.warmUntil <= now) n++;
    return n;
  };
  const receiving = () => {
    let n = 0;
    for (const i of live) if (i.runAt <= now && !i.draining) n++;
    return n;
  };
  const perMember = (v: number): number | null => {
    if (Number.isNaN(v)) return null;
    if (opts.scope === "member") return v;
    const n = receiving();
    return n === 0 ? null : v / n;
  };

  /** Adds [acct, to) to the under-provisioned time when the metric is above a scale-out bound while capacity is short. */
  function account(to: number) {
    if (to <= acct) return;
    if (thresholds.length) {
      const short = serving() < desired || desired >= config.max_size || standby;
      if (short) {
        for (const th of thresholds) {
          const v = perMember(cur[th.metric]);
          if (v !== null && v >= th.bound) {
            underMs += to - acct;
            break;
          }
        }
      }
    }
    acct = to;
  }

  function snapshot() {
    let booting = 0, running = 0, warming = 0, draining = 0;
    for (const i of live) {
      if (i.runAt > now) booting++;
      else {
        running++;
        if (i.warmUntil > now) warming++;
      }
      if (i.draining) draining++;
    }
    const n = tl.at.length - 1;
    const sb = standby ? 1 : 0;
    if (n >= 0 && tl.desired[n] === desired && tl.booting[n] === booting && tl.running[n] === running && tl.warming[n] === warming && tl.draining[n] === draining && tl.standby[n] === sb) return;
    if (n >= 0 && tl.at[n] === now) {
      tl.desired[n] = desired; tl.booting[n] = booting; tl.running[n] = running; tl.warming[n] = warming; tl.draining[n] = draining; tl.standby[n] = sb;
      return;
    }
    tl.at.push(now); tl.desired.push(desired); tl.booting.push(booting); tl.running.push(running); tl.warming.push(warming); tl.draining.push(draining); tl.standby.push(sb);
  }

  // ------------------------------------------------------------------ the object's reconcile
  function stop(i: Inst, at: number) {
    instanceMs += Math.max(0, Math.min(at, end) - i.launch);
    live.splice(live.indexOf(i), 1);
    if (i === master) master = null;
  }

  function reconcile() {
    let diff = desired - effective();
    if (diff > 0) {
      // Call off drains first, the latest-ending first (the instances already run).
      const drains = live.filter((i) => i.draining).sort((x, y) => y.stopAt - x.stopAt);
      for (const i of drains) {
        if (diff === 0) break;
        i.draining = false;
        i.stopAt = Infinity;
        diff--;
      }
      for (; diff > 0; diff--) live.push({ clone: true, launch: now, runAt: now + boot, warmUntil: now + a.warmup_time_ms, stopAt: Infinity, draining: false });
      return;
    }
    // Newest first, never the master; a clone that does not run yet is withdrawn at once, the others drain for the cooldown.
    const victims = live.filter((i) => i.clone && !i.draining).sort((x, y) => Number(y.runAt > now) - Number(x.runAt > now) || y.launch - x.launch);
    for (const v of victims.slice(0, -diff)) {
      if (v.runAt > now || a.cooldown_time_ms === 0) stop(v, now);
      else {
        v.draining = true;
        v.stopAt = now + a.cooldown_time_ms;
      }
    }
  }

  // ------------------------------------------------------------------ the object's commands
  const seen = { cpu: NaN, inflight_reqs: NaN, reqs_per_sec: NaN, capacity: -1 };
  /** `trigger`: the timer's name, or the index of the sample (its text is built only for a record). */
  function evaluateAndApply(trigger: string | number) {
    const cap = effective();
    const cpu = perMember(cur.cpu);
    let metrics: OtherMetrics | undefined;
    for (const m of ["inflight_reqs", "reqs_per_sec"] as const) {
      const v = perMember(cur[m]);
      if (v !== null) (metrics ??= {})[m] = v;
    }
    if (cpu === null && !metrics) return;
    // A repeat of inputs that changed nothing changes nothing again (pure rule, no gate involved):
    // skipping it keeps a week of steady samples fast.
    const same = seen.capacity === cap && Object.is(seen.cpu, cpu ?? NaN) && Object.is(seen.inflight_reqs, metrics?.inflight_reqs ?? NaN) && Object.is(seen.reqs_per_sec, metrics?.reqs_per_sec ?? NaN);
    if (same) return;
    if (a.policies.length === 0) return;
    // planDecision's first step on its own: a decision that changes nothing is neither applied nor
    // recorded whatever the gates, so the full plan (and its sentence) is made only for the others.
    const probe = evaluate(a.policies, { metric: cpu, capacity: cap, min_size: a.min_size, max_size: a.max_size, ...(metrics ? { metrics } : {}) });
    if (probe.direction === "none") {
      seen.cpu = cpu ?? NaN;
      seen.inflight_reqs = metrics?.inflight_reqs ?? NaN;
      seen.reqs_per_sec = metrics?.reqs_per_sec ?? NaN;
      seen.capacity = cap;
      return;
    }
    a.lastSample = { cpu, at: now, ...(metrics ? { metrics } : {}) };
    const plan = planDecision(a, cap, now);
    if (!plan || !plan.record) return;
    seen.capacity = -1;
    const o = plan.outcome;
    decisions.push({ at: now, trigger: typeof trigger === "string" ? trigger : sampleText(trigger), applied: plan.apply !== null, result: { ...o.decision, blockedBy: o.blockedBy, explanation: o.explanation } });
    if (!plan.apply) return;
    account(now);
    a = plan.apply.autoscale;
    desired = plan.apply.desiredSize;
    if (plan.apply.warmupEnd !== null) {
      warmupEnd = plan.apply.warmupEnd;
      windows.push({ kind: "warmup", from: now, until: warmupEnd });
    }
    if (plan.apply.cooldownEnd !== null) {
      cooldownEnd = plan.apply.cooldownEnd;
      windows.push({ kind: "cooldown", from: now, until: cooldownEnd });
    }
    reconcile();
  }

  function traffic(requests: number) {
    account(now);
    // The common case, a serving group with nothing held: traffic only moves the idle clock (what
    // groupTrafficAfter answers then), without a new state object per sample.
    if (master !== null && master.runAt <= now && a.heldRequests === 0) {
      a.lastTrafficAt = now;
      if (config.min_size === 0) idleCheck = now + a.cooldown_time_ms;
      return;
    }
    // The live traffic(): wake the master in standby when starting it is allowed (planStartInstance
    // refuses beyond max_size, e.g. when clones scaled out while the master slept).
    let wakes = false;
    if (groupWakes(master === null && standby ? masterMachine() : null)) {
      const plan = planStartInstance({ desiredSize: desired, minSize: config.min_size, maxSize: config.max_size, autoscale: a }, masterMachine());
      if (plan.kind === "start") {
        wakes = true;
        standby = false;
        master = { clone: false, launch: now, runAt: now + boot, warmUntil: now, stopAt: Infinity, draining: false };
        live.unshift(master);
        desired = plan.desiredSize;
        woke = now;
        reconcile();
      }
    }
    const after = groupTrafficAfter(a, a.heldRequests, masterMachine(), requests, now);
    a = after.autoscale;
    if (after.idleCheckAt !== null) idleCheck = after.idleCheckAt;
    if (wakes) events.push({ at: now, kind: "wake", held_requests: a.heldRequests });
  }

  function onIdleCheck() {
    idleCheck = null;
    const plan = planGroupIdle(a, masterMachine(), now);
    if (plan.kind === "rearm") idleCheck = plan.at;
    if (plan.kind !== "sleep") return;
    account(now);
    stop(master!, now);
    standby = true;
    desired = 0;
    reconcile();
    events.push({ at: now, kind: "sleep", idle_for_ms: plan.idleForMs });
  }

  function onMasterRunning() {
    const plan = planGroupRelease(a, masterMachine(), now);
    if (plan.kind !== "release") return;
    a = plan.autoscale;
    if (plan.idleCheckAt !== null) idleCheck = plan.idleCheckAt;
    events.push({ at: now, kind: "released", requests: plan.requests, waited_ms: woke === null ? 0 : now - woke });
  }

  /** Runs everything due up to `t` in time order: instance transitions, then the timers. */
  function advanceTo(t: number) {
    for (;;) {
      let next = Infinity;
      for (const i of live) {
        if (i.runAt > now && i.runAt < next) next = i.runAt;
        if (i.warmUntil > now && i.warmUntil < next) next = i.warmUntil;
        if (i.stopAt > now && i.stopAt < next) next = i.stopAt;
      }
      // A timer set for now (a zero warmup) runs before anything later, as an overdue alarm.
      if (warmupEnd !== null && warmupEnd < next) next = Math.max(warmupEnd, now);
      if (cooldownEnd !== null && cooldownEnd < next) next = Math.max(cooldownEnd, now);
      if (idleCheck !== null && idleCheck < next) next = Math.max(idleCheck, now);
      if (next > t) break;
      account(next);
      now = next;
      // The live alarm runs the timers due in (time, kind) order: autoscale-idle-check,
      // cooldown-end, machine-step (an instance comes to run), terminate (a drain ends), warmup-end.
      // What one of them sets for `now` runs in the next round, as the next alarm would.
      const idleDue = idleCheck !== null && idleCheck <= now;
      const coolDue = cooldownEnd !== null && cooldownEnd <= now;
      const warmDue = warmupEnd !== null && warmupEnd <= now;
      const masterRuns = master !== null && master.runAt === now && master.launch !== now;
      if (idleDue) onIdleCheck();
      if (coolDue) {
        cooldownEnd = null;
        evaluateAndApply("cooldown ended");
      }
      if (masterRuns && master !== null && master.runAt === now) onMasterRunning();
      for (const i of [...live]) if (i.stopAt <= now) stop(i, i.stopAt);
      if (warmDue) {
        warmupEnd = null;
        evaluateAndApply("warmup ended");
      }
      snapshot();
    }
    account(t);
    now = t;
  }

  // ------------------------------------------------------------------ the trace
  /** The live trigger's words for a cpu sample; other metrics named the same way. */
  const sampleText = (k: number) => {
    const parts = policyMetrics.filter((m) => !Number.isNaN(has[m]![k]));
    if (parts.length === 1 && parts[0] === "cpu" && opts.scope === "member") return `metric sample (cpu ${has.cpu![k]} millicores per instance)`;
    return `metric sample (${parts.map((m) => `${m} ${has[m]![k]}`).join(", ")}${opts.scope === "total" ? " in total" : " per member"})`;
  };
  const requests = has.requests;
  const inferTraffic = !requests;
  snapshot();
  for (let k = 0; k < T.length; k++) {
    advanceTo(T[k]);
    let anyPolicyMetric = false;
    let busy = false;
    for (const m of policyMetrics) {
      const v = has[m]![k];
      if (!Number.isNaN(v)) {
        account(now);
        cur[m] = v;
        anyPolicyMetric = true;
        if (v > 0) busy = true;
      }
    }
    // Traffic: the `requests` metric when the trace has it (0 is no traffic), else any load above 0.
    const r = requests ? requests[k] : NaN;
    if (requests ? r > 0 : inferTraffic && busy) traffic(requests ? r : 1);
    if (anyPolicyMetric) evaluateAndApply(k);
    snapshot();
  }
  account(end);
  for (const i of [...live]) stop(i, end);

  const run = { config, options: opts, start, end, samples: T.length, timeline: tl, decisions, windows, events } as Omit<Run, "summary">;
  return { ...run, summary: summarize(run, { instanceMs, underMs }) };
}
