// Extension `POST /v1/services/{uuid}/autoscale/replay` (docs/replay.md): a load trace replayed
// through the group's autoscale configuration — the live one read with getGroup, or one to try
// merged over it, and optionally a second one to compare — in virtual time. Read-only: the group,
// its ledger and D1 are not touched. Whole-request errors (JSON, schema, a bad trace naming its
// line, size) are 400/413; a bad configuration is the per-item error the configuration routes give.
import { Hono } from "hono";
import { z } from "zod";
import { INT32_LIMIT } from "../../domain/autoscale";
import { MAX_GROUP_SIZE, type GroupState } from "../../domain/model";
import type { ConfigInput } from "../../domain/replay/config";
import type { ReplayConfig } from "../../domain/replay/engine";
import { replayRequest, runJson } from "../../domain/replay/run";
import { TRACE_METRICS } from "../../domain/replay/trace";
import { allowLargeBody, jsonBody } from "../../http/body";
import { ApiError, allowOnly, badRequest } from "../../http/errors";
import type { AppEnv } from "../../http/types";
import { groupStub } from "../groups";
import { toPolicyInput } from "./autoscale";
import { configFields } from "./autoscale-schemas";
import { KC, fromFailure, itemError, single } from "./envelope";
import { groupByUuid } from "./refs";

/** A week of 1-s samples as CSV is about 9 MiB: this route reads up to 16 MiB (the API's other routes 64 KiB). */
export const MAX_REPLAY_BODY_BYTES = 16 * 1024 * 1024;
allowLargeBody("POST", /^\/v1\/services\/[^/]+\/autoscale\/replay\/?$/, MAX_REPLAY_BODY_BYTES);

/** A configuration to try: the configuration route's fields that shape decisions, nothing else. */
export const replayConfigBody = z.strictObject({
  min_size: configFields.min_size,
  max_size: configFields.max_size,
  warmup_time_ms: configFields.warmup_time_ms,
  cooldown_time_ms: configFields.cooldown_time_ms,
  policies: configFields.policies,
});

export const replayBody = z.strictObject({
  trace: z
    .union([z.string().min(1), z.array(z.unknown()).min(1), z.looseObject({})])
    .describe("CSV text (timestamp,value or timestamp,metric,value), JSON text, a JSON array of samples, or a Prometheus range query answer"),
  metric: z.enum(TRACE_METRICS).optional().describe("the metric of values given without one (default: the one the policies use, else cpu)"),
  max_gap_seconds: z.int().min(1).max(7 * 86_400).optional().describe("largest gap between two sample times (default 900)"),
  scope: z.enum(["member", "total"]).optional().describe("member (default): values are per member, as the policies see them; total: spread over the running members"),
  boot_delay_ms: z.int().min(0).max(INT32_LIMIT).optional().describe("launch to running (default: the group's simulated provider delays, else 0)"),
  initial_capacity: z.int().min(0).max(MAX_GROUP_SIZE).optional().describe("instances running when the trace starts (default min_size, at least 1)"),
  config: replayConfigBody.optional().describe("a configuration to try, merged over the live one"),
  compare: replayConfigBody.optional().describe("a second configuration on the same trace, merged over the live one"),
});

export const replayRoutes = new Hono<AppEnv>();

const liveConfig = (g: GroupState): ReplayConfig | null =>
  g.autoscale && { min_size: g.autoscale.min_size, max_size: g.autoscale.max_size, warmup_time_ms: g.autoscale.warmup_time_ms, cooldown_time_ms: g.autoscale.cooldown_time_ms, policies: g.autoscale.policies };

const bootDelayOf = (g: GroupState) => (g.config.provider.type === "simulated" ? g.config.provider.requestDelayMs + g.config.provider.bootDelayMs : 0);

type ConfigBody = z.output<typeof replayConfigBody>;

/** The domain input of a body configuration (policies in the flat or nested form), or the item error. */
function configInput(body: ConfigBody | undefined, field: string): { ok: true; input: ConfigInput | undefined } | { ok: false; message: string } {
  if (!body) return { ok: true, input: undefined };
  const { policies, ...sizes } = body;
  const inputs = [];
  for (const [i, p] of (policies ?? []).entries()) {
    const r = toPolicyInput(p);
    if (!r.ok) return { ok: false, message: `${field}: policies[${i}]: ${r.message}` };
    inputs.push(r.input);
  }
  return { ok: true, input: { ...sizes, ...(policies ? { policies: inputs } : {}) } };
}

replayRoutes.post("/services/:uuid/autoscale/replay", jsonBody(replayBody), async (c) => {
  const found = await groupByUuid(c, c.req.param("uuid"));
  if (!found.ok) return single(c, "service_groups", found.error);
  const identity = { ...found.identity, name: found.name };
  const body = c.req.valid("json");
  const configs = [configInput(body.config, "config"), configInput(body.compare, "compare")];
  for (const r of configs) if (!r.ok) return single(c, "service_groups", itemError(KC.INVALID, r.message, identity));
  const g = await groupStub(c, found.name).getGroup();
  if (!g.ok) return single(c, "service_groups", fromFailure(g, identity));
  const live = liveConfig(g.group);
  if (!live && !body.config) {
    return single(c, "service_groups", itemError(KC.AUTOSCALE_NOT_CONFIGURED, `autoscale is not configured for service group '${found.name}': send a config to replay`, identity, 409));
  }
  const r = replayRequest({
    trace: body.trace,
    traceOptions: { ...(body.metric ? { metric: body.metric } : {}), ...(body.max_gap_seconds ? { max_gap_seconds: body.max_gap_seconds } : {}) },
    config: (configs[0] as { input?: ConfigInput }).input,
    compare: (configs[1] as { input?: ConfigInput }).input,
    options: { boot_delay_ms: body.boot_delay_ms ?? bootDelayOf(g.group), initial_capacity: body.initial_capacity, scope: body.scope },
    ...(live ? { base: live } : {}),
  });
  if (!r.ok) {
    if (r.field === "trace") {
      if (r.tooLarge) throw new ApiError(413, "PAYLOAD_TOO_LARGE", r.message, undefined, "trace");
      throw badRequest(r.message, r.where, "trace");
    }
    return single(c, "service_groups", fromFailure({ ...r, message: `${r.field}: ${r.message}` }, identity));
  }
  return single(c, "service_groups", {
    status: "success",
    ...identity,
    source: body.config ? "tried" : "live",
    run: runJson(r.run),
    compare: r.compare ? { run: runJson(r.compare.run), deltas: r.compare.deltas } : null,
  });
});

allowOnly(replayRoutes, { "/services/:uuid/autoscale/replay": "POST" });
