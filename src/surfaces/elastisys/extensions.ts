// Scalegate's extensions of one elastisys pool (docs/elastisys.md): its activities (the operation
// ledger) and the simulator's events. Served under /cloudpools/{pool} only, never at the root.
import { Hono } from "hono";
import { listTargetOperations } from "../../db/ledger";
import type { Failure } from "../../domain/operations";
import { allowOnly, fromFailure, unwrap } from "../../http/errors";
import { jsonBody } from "../../http/body";
import { query } from "../../http/query";
import type { AppEnv } from "../../http/types";
import { activityJson, machineJson } from "./format";
import { poolContext, poolOf, poolStub, poolSubject } from "./pool";
import { activitiesQuery, simulatorEventBody } from "./schemas";

export const poolExtensions = new Hono<AppEnv>();

poolExtensions.get("/activities", query(activitiesQuery), async (c) => {
  const limit = c.req.valid("query").limit ?? 50;
  const stub = poolStub(c);
  // The outbox first, then D1: a record the pool acknowledges between the two reads was in D1
  // before the second one, so it is found in one or the other (read in parallel, it could be
  // missed by both while another request's push completes).
  const [exists, pending] = await Promise.all([stub.getConfig(), stub.pendingOperations()]);
  // While D1 is unreachable the pool's outbox still holds everything written since it went away.
  const stored = await listTargetOperations(c.env.DB, { tenantId: c.get("tenantId"), targetKind: "group", targetId: poolOf(c), limit }).catch((err) => {
    console.warn("activities: D1 read failed, serving the pool's unflushed records only", String(err));
    c.header("Warning", '199 scalegate "ledger unavailable: only records not yet in D1 are listed"');
    return [];
  });
  // A deleted pool keeps its history; a pool that never existed has none to show.
  if (!exists.ok && stored.length === 0 && pending.length === 0) throw fromFailure(exists as Failure, poolSubject(c));
  // Records not yet flushed to D1 come from the pool's outbox; D1 wins where both have a record.
  const byId = new Map(pending.map((r) => [r.id, r]));
  for (const r of stored) byId.set(r.id, byId.get(r.id)?.version! > r.version ? byId.get(r.id)! : r);
  const activities = [...byId.values()].sort((a, b) => b.seq - a.seq).slice(0, limit);
  return c.json({ activities: activities.map(activityJson) });
});

poolExtensions.post("/simulator/events", jsonBody(simulatorEventBody), async (c) => {
  const r = unwrap(await poolStub(c).simulate(poolContext(c), c.req.valid("json")));
  if (r.replayed) c.header("Idempotent-Replayed", "true");
  return c.json({ machine: machineJson(r.machine) });
});

allowOnly(poolExtensions, { "/activities": "GET", "/simulator/events": "POST" });
