// elastisys:scale cloud pool REST API 2.0 under /cloudpools/{pool}, plus the documented
// extensions (pool config, listing, deletion, activities, simulator events). docs/elastisys.md.
import { Hono, type Context } from "hono";
import { listGroups, listTargetOperations } from "../../db/ledger";
import type { Failure } from "../../domain/operations";
import { allowOnly, badRequest, fromFailure, unwrap } from "../../http/errors";
import { jsonBody } from "../../http/body";
import { query } from "../../http/query";
import { tenantAuth } from "../../http/auth";
import type { AppEnv } from "../../http/types";
import { GROUP_NAME_RE, commandContext, groupStub } from "../groups";
import { activityJson, machineJson } from "./format";
import { activitiesQuery, attachBody, configBody, decrementBody, serviceStateBody, setSizeBody, simulatorEventBody } from "./schemas";

type Ctx = Context<AppEnv, "/:pool/*">;

/** Writes answer 200 with no entity, like the reference server; a replay says so in a header. */
function accepted(c: Ctx, r: { replayed: boolean }) {
  if (r.replayed) c.header("Idempotent-Replayed", "true");
  return c.body(null, 200);
}

const pool = (c: Ctx) => groupStub(c, c.req.param("pool"));
const ctxOf = (c: Ctx) => commandContext(c, "elastisys", c.req.param("pool"));

export const elastisys = new Hono<AppEnv>();

elastisys.use("*", tenantAuth());

elastisys.use("/:pool/*", async (c, next) => {
  if (!GROUP_NAME_RE.test(c.req.param("pool")!)) {
    throw badRequest("invalid pool name", "1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit", "pool");
  }
  await next();
});
elastisys.use("/:pool", async (c, next) => {
  if (!GROUP_NAME_RE.test(c.req.param("pool")!)) throw badRequest("invalid pool name", undefined, "pool");
  await next();
});

elastisys.get("/", async (c) => {
  const rows = await listGroups(c.env.DB, c.get("tenantId"));
  return c.json({
    pools: rows.map((r) => ({ name: r.name, provider: r.providerType, createdAt: new Date(r.createdAt).toISOString(), updatedAt: new Date(r.updatedAt).toISOString() })),
  });
});

elastisys.post("/:pool/config", jsonBody(configBody), async (c) => {
  const r = unwrap(await pool(c).configure(ctxOf(c), c.req.valid("json")));
  if (r.replayed) c.header("Idempotent-Replayed", "true");
  return c.json({ name: c.req.param("pool"), ...r.config }, 200);
});

elastisys.get("/:pool/config", async (c) => {
  const r = unwrap(await pool(c).getConfig(), `pool '${c.req.param("pool")}'`);
  return c.json({ name: r.name, ...r.config });
});

elastisys.delete("/:pool", async (c) => {
  const r = unwrap(await pool(c).deleteGroup(ctxOf(c)), `pool '${c.req.param("pool")}'`);
  if (r.replayed) c.header("Idempotent-Replayed", "true");
  return c.json({ message: `pool '${c.req.param("pool")}' deleted`, terminated: r.terminated });
});

elastisys.get("/:pool/pool", async (c) => {
  const r = unwrap(await pool(c).getPool(), `pool '${c.req.param("pool")}'`);
  return c.json({ timestamp: new Date(r.timestamp).toISOString(), machines: r.machines.map(machineJson) });
});

elastisys.get("/:pool/pool/size", async (c) => {
  const r = unwrap(await pool(c).getSize(), `pool '${c.req.param("pool")}'`);
  return c.json({ desiredSize: r.desiredSize, allocated: r.allocated, outOfService: r.outOfService });
});

elastisys.post("/:pool/pool/size", jsonBody(setSizeBody), async (c) => {
  const r = unwrap(await pool(c).setDesiredSize(ctxOf(c), c.req.valid("json").desiredSize), `pool '${c.req.param("pool")}'`);
  return accepted(c, r);
});

elastisys.post("/:pool/pool/:machineId/terminate", jsonBody(decrementBody), async (c) => {
  const r = unwrap(await pool(c).terminateMachine(ctxOf(c), c.req.param("machineId"), c.req.valid("json").decrementDesiredSize));
  return accepted(c, r);
});

elastisys.post("/:pool/pool/:machineId/detach", jsonBody(decrementBody), async (c) => {
  const r = unwrap(await pool(c).detachMachine(ctxOf(c), c.req.param("machineId"), c.req.valid("json").decrementDesiredSize));
  return accepted(c, r);
});

elastisys.post("/:pool/pool/:machineId/attach", jsonBody(attachBody, { emptyAs: {} }), async (c) => {
  const r = unwrap(await pool(c).attachMachine(ctxOf(c), c.req.param("machineId")));
  return accepted(c, r);
});

elastisys.post("/:pool/pool/:machineId/serviceState", jsonBody(serviceStateBody), async (c) => {
  const r = unwrap(await pool(c).setServiceState(ctxOf(c), c.req.param("machineId"), c.req.valid("json").serviceState));
  return accepted(c, r);
});

elastisys.get("/:pool/activities", query(activitiesQuery), async (c) => {
  const limit = c.req.valid("query").limit ?? 50;
  const stub = pool(c);
  const [exists, pending, stored] = await Promise.all([
    stub.getConfig(),
    stub.pendingOperations(),
    // While D1 is unreachable the pool's outbox still holds everything written since it went away.
    listTargetOperations(c.env.DB, { tenantId: c.get("tenantId"), targetKind: "group", targetId: c.req.param("pool"), limit }).catch((err) => {
      console.warn("activities: D1 read failed, serving the pool's unflushed records only", String(err));
      c.header("Warning", '199 scalegate "ledger unavailable: only records not yet in D1 are listed"');
      return [];
    }),
  ]);
  // A deleted pool keeps its history; a pool that never existed has none to show.
  if (!exists.ok && stored.length === 0 && pending.length === 0) throw fromFailure(exists as Failure, `pool '${c.req.param("pool")}'`);
  // Records not yet flushed to D1 come from the pool's outbox; D1 wins where both have a record.
  const byId = new Map(pending.map((r) => [r.id, r]));
  for (const r of stored) byId.set(r.id, byId.get(r.id)?.version! > r.version ? byId.get(r.id)! : r);
  const activities = [...byId.values()].sort((a, b) => b.seq - a.seq).slice(0, limit);
  return c.json({ activities: activities.map(activityJson) });
});

elastisys.post("/:pool/simulator/events", jsonBody(simulatorEventBody), async (c) => {
  const r = unwrap(await pool(c).simulate(ctxOf(c), c.req.valid("json")));
  if (r.replayed) c.header("Idempotent-Replayed", "true");
  return c.json({ machine: machineJson(r.machine) });
});

// Known paths with a method they do not support: 405, not 404.
const methods: Record<string, string> = {
  "/": "GET",
  "/:pool": "DELETE",
  "/:pool/config": "GET, POST",
  "/:pool/pool": "GET",
  "/:pool/pool/size": "GET, POST",
  "/:pool/pool/:machineId/terminate": "POST",
  "/:pool/pool/:machineId/detach": "POST",
  "/:pool/pool/:machineId/attach": "POST",
  "/:pool/pool/:machineId/serviceState": "POST",
  "/:pool/activities": "GET",
  "/:pool/simulator/events": "POST",
};
allowOnly(elastisys, methods);
