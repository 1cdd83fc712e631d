// The console's aggregate reads under /console/api (Scalegate extensions, declared in
// /openapi/scalegate.json): what no dialect answers in one call — every group of the tenant
// whatever dialect made it, one group with its machines, ledger and chart, the orchestrator
// actions, hook and provider deliveries — and the live feed's WebSocket. Authenticated like every
// route (tenantAuth: the session cookie or a tenant-wide token), so tenant isolation is the API's.
import { Hono, type Context } from "hono";
import { listTargetOperations } from "../db/ledger";
import { listGroups, listHooks } from "../db/registry";
import { buildSeries, coldStarts, frontDoorLive, groupActions, groupCounts, machineView, mergeRecords, orderDialects, policyBands, recordView, type SamplePoint } from "../domain/console";
import type { GroupState } from "../domain/model";
import type { OperationRecord } from "../domain/operations";
import { tenantAuth } from "../http/auth";
import { ApiError, badRequest, methodNotAllowed, notFound } from "../http/errors";
import { query } from "../http/query";
import type { AppEnv } from "../http/types";
import { groupStub } from "../surfaces/groups";
import { FEED_EXPIRES_HEADER, FEED_TOKEN_HEADER, SAMPLE_RETENTION_MS } from "../objects/feed";
import { feedOf } from "./feeds";
import { actionRecords, dialectsByGroup, recordsOfActions, recordsOfType } from "./reads";
import { groupParam, limitQuery } from "./schemas";

export const consoleApi = new Hono<AppEnv>();

consoleApi.use("*", tenantAuth());

/** A D1 read; unreachable → 503 with Retry-After, never a 500. */
async function ledger<T>(c: Context<AppEnv>, read: Promise<T>): Promise<T> {
  try {
    return await read;
  } catch (err) {
    console.warn("console: D1 read failed", c.get("requestId"), String(err));
    c.header("Retry-After", "5");
    throw new ApiError(503, "INTERNAL", "the ledger is unavailable, retry later", "UNAVAILABLE");
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

function summary(g: GroupState, machines: Parameters<typeof groupCounts>[1], dialects: Iterable<string>) {
  return {
    name: g.name,
    uuid: g.uuid ?? null,
    dialects: orderDialects(dialects),
    ...groupCounts(g, machines),
    provider: g.config.provider.type,
    autoscale: g.autoscale !== null,
    domains: (g.service?.domains ?? []).map((d) => d.fqdn),
    front_door: frontDoorLive(g),
    created_at: iso(g.createdAt),
    updated_at: iso(g.updatedAt),
  };
}

consoleApi.get("/groups", async (c) => {
  const tenant = c.get("tenantId");
  const [rows, used] = await Promise.all([ledger(c, listGroups(c.env.DB, tenant)), ledger(c, dialectsByGroup(c.env.DB, tenant))]);
  const groups = await Promise.all(
    rows.map(async (row) => {
      const stub = groupStub(c, row.name);
      const [g, pending] = await Promise.all([stub.getGroup(), stub.pendingOperations()]);
      // Deleted between the registry read and the object's: not listed.
      if (!g.ok) return null;
      const dialects = new Set(used.get(row.name) ?? []);
      for (const r of pending) if (r.targetKind === "group" && r.dialect !== "system") dialects.add(r.dialect);
      return summary(g.group, g.machines, dialects);
    }),
  );
  return c.json({ groups: groups.filter((g) => g !== null) });
});
consoleApi.all("/groups", methodNotAllowed("GET"));

consoleApi.get("/groups/:name", query(limitQuery), async (c) => {
  const name = c.req.param("name");
  if (!groupParam.safeParse(name).success) throw badRequest(`invalid group name '${name.slice(0, 80)}'`, "1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit", "name");
  const limit = c.req.valid("query").limit ?? 200;
  const tenant = c.get("tenantId");
  const stub = groupStub(c, name);
  // The outbox first, then D1 (as the elastisys activities route): a record acknowledged between
  // the two reads is found in one of them.
  const [g, pending] = await Promise.all([stub.getGroup(), stub.pendingOperations()]);
  if (!g.ok) throw notFound(`group '${name}' not found`);
  const now = Date.now();
  const feed = feedOf(c.env, c.get("tenantId"));
  const [stored, samples] = await Promise.all([
    ledger(c, listTargetOperations(c.env.DB, { tenantId: tenant, targetKind: "group", targetId: name, limit })),
    feed ? feed.series(name, now - SAMPLE_RETENTION_MS).then((r) => r.points as SamplePoint[]).catch(() => []) : Promise.resolve([] as SamplePoint[]),
  ]);
  const records = mergeRecords(stored, pending as OperationRecord[], limit);
  const group = g.group;
  const dialects = new Set(records.filter((r) => r.dialect !== "system").map((r) => r.dialect));
  const counts = groupCounts(group, g.machines);
  const decisions = records.filter((r) => r.type === "autoscale.decision");
  const a = group.autoscale;
  return c.json({
    group: {
      ...summary(group, g.machines, dialects),
      min_size: group.minSize,
      max_size: group.maxSize,
      autoscale_config: a
        ? { min_size: a.min_size, max_size: a.max_size, warmup_time_ms: a.warmup_time_ms, cooldown_time_ms: a.cooldown_time_ms, policies: a.policies, last_sample: a.lastSample ? { cpu: a.lastSample.cpu, at: iso(a.lastSample.at) } : null }
        : null,
    },
    machines: g.machines
      .filter((m) => m.machineState !== "TERMINATED" || m.member)
      .sort((x, y) => x.requestedAt - y.requestedAt || (x.id < y.id ? -1 : 1))
      .map((m) => machineView(m, now)),
    records: records.map(recordView),
    series: buildSeries(samples, decisions, { ...counts, cpu: a?.lastSample?.cpu ?? null }, now),
    cold_starts: coldStarts(records),
    bands: policyBands(a?.policies ?? []),
  });
});
consoleApi.all("/groups/:name", methodNotAllowed("GET"));

consoleApi.get("/actions", query(limitQuery), async (c) => {
  const limit = c.req.valid("query").limit ?? 50;
  const tenant = c.get("tenantId");
  const recent = await ledger(c, actionRecords(c.env.DB, tenant, limit * 20));
  // The newest `limit` actions, each with all its operations (not only those in the recent window).
  const ids = groupActions(recent, limit).map((a) => a.action_id);
  const all = await ledger(c, recordsOfActions(c.env.DB, tenant, ids));
  return c.json({ actions: groupActions(all, limit) });
});
consoleApi.all("/actions", methodNotAllowed("GET"));

consoleApi.get("/deliveries", query(limitQuery), async (c) => {
  const limit = c.req.valid("query").limit ?? 100;
  const tenant = c.get("tenantId");
  const [hooks, inbound, outbound] = await Promise.all([
    ledger(c, listHooks(c.env.DB, tenant)),
    ledger(c, recordsOfType(c.env.DB, tenant, "hook.delivery", limit)),
    ledger(c, recordsOfType(c.env.DB, tenant, "provider.delivery", limit)),
  ]);
  return c.json({
    hooks: hooks.map((h) => ({
      id: h.id,
      name: h.name,
      group: h.groupName,
      format: h.format,
      deliveries: inbound.filter((r) => r.targetId === h.id).map(recordView),
    })),
    provider_deliveries: outbound.map(recordView),
  });
});
consoleApi.all("/deliveries", methodNotAllowed("GET"));

// Front door (issue 11), per service group with domains: traffic as last measured, requests held,
// cold starts and how long their held requests waited (from the ledger).
consoleApi.get("/front-door", query(limitQuery), async (c) => {
  const limit = c.req.valid("query").limit ?? 500;
  const tenant = c.get("tenantId");
  const [rows, wakes, releases] = await Promise.all([
    ledger(c, listGroups(c.env.DB, tenant)),
    ledger(c, recordsOfType(c.env.DB, tenant, "frontdoor.wake", limit)),
    ledger(c, recordsOfType(c.env.DB, tenant, "scale_to_zero.released", limit)),
  ]);
  const groups = await Promise.all(
    rows.map(async (row) => {
      const g = await groupStub(c, row.name).getGroup();
      const live = g.ok ? frontDoorLive(g.group) : null;
      if (!g.ok || !live) return null;
      const starts = coldStarts([...wakes, ...releases].filter((r) => r.targetKind === "group" && r.targetId === row.name));
      const waits = starts.map((x) => x.waited_ms).filter((x): x is number => x !== null);
      return {
        name: row.name,
        domains: (g.group.service?.domains ?? []).map((d) => d.fqdn),
        ...live,
        cold_starts: starts.length,
        cold_start_wait_ms: waits.length ? { last: waits[0], mean: Math.round(waits.reduce((x, y) => x + y, 0) / waits.length), max: Math.max(...waits) } : null,
        recent_cold_starts: starts.slice(0, 10),
      };
    }),
  );
  return c.json({ groups: groups.filter((g) => g !== null) });
});
consoleApi.all("/front-door", methodNotAllowed("GET"));

// The live feed: a WebSocket to the tenant's ConsoleFeed object (src/objects/feed.ts).
consoleApi.get("/feed", async (c) => {
  if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
    c.header("Upgrade", "websocket");
    throw new ApiError(426, "INVALID_ARGUMENT", "this route is a WebSocket: send Upgrade: websocket", "a browser's new WebSocket(url) does", "Upgrade");
  }
  // A page of another origin must not open the feed with the cookie (SameSite=Strict already keeps
  // the cookie from cross-site requests; this also covers same-site other origins).
  const origin = c.req.header("Origin");
  if (origin !== undefined && origin !== new URL(c.req.url).origin) throw new ApiError(403, "FORBIDDEN", `Origin '${origin.slice(0, 100)}' may not open this feed`, "open it from the console's own page", "Origin");
  const feed = feedOf(c.env, c.get("tenantId"));
  if (!feed) throw new ApiError(503, "INTERNAL", "the live feed is not configured (no FEEDS binding)", "UNAVAILABLE");
  // Whose socket: the token (a revocation closes it) and, for a session, its expiry.
  const s = c.get("session");
  const headers: Record<string, string> = { Upgrade: "websocket", [FEED_TOKEN_HEADER]: c.get("tokenId") ?? "" };
  if (s) headers[FEED_EXPIRES_HEADER] = String(s.expiresAt);
  const r = await feed.fetch(new Request(c.req.url, { headers }));
  // The app adds X-Request-Id to every answer: the stub's response headers are immutable.
  return new Response(null, { status: r.status, webSocket: r.webSocket, headers: new Headers(r.headers) });
});
consoleApi.all("/feed", methodNotAllowed("GET"));
