// The elastisys cloud pool REST API 2.0 of ONE pool, relative to that pool: mounted under
// /cloudpools/{pool} for every token, and at the root of the host (/pool, /config) for a
// pool-scoped token (./root.ts) — the URL shape elastisys' splitter builds. One router, two mounts.
import { Hono, type Context } from "hono";
import { allowOnly, unwrap } from "../../http/errors";
import { jsonBody } from "../../http/body";
import type { AppEnv } from "../../http/types";
import { commandContext, groupStub } from "../groups";
import { objectName } from "../../domain/operations";
import { heldRevision, machinesJson, poolBody } from "./pool-view";
import { attachBody, configBody, decrementBody, serviceStateBody, setSizeBody } from "./schemas";

/** The pool a request acts on: the `{pool}` of /cloudpools/{pool}/..., or the token's own pool at the root. */
export const poolOf = (c: Context<AppEnv>): string => c.req.param("pool") ?? c.get("tokenPool")!;

export const poolStub = (c: Context<AppEnv>) => groupStub(c, poolOf(c));
export const poolContext = (c: Context<AppEnv>) => commandContext(c, "elastisys", poolOf(c));
export const poolSubject = (c: Context<AppEnv>) => `pool '${poolOf(c)}'`;

/** Writes answer 200 with no entity, like the reference server; a replay says so in a header. */
function accepted(c: Context<AppEnv>, r: { replayed: boolean }) {
  if (r.replayed) c.header("Idempotent-Replayed", "true");
  return c.body(null, 200);
}

export const poolApi = new Hono<AppEnv>();

poolApi.post("/config", jsonBody(configBody), async (c) => {
  const r = unwrap(await poolStub(c).configure(poolContext(c), c.req.valid("json")));
  if (r.replayed) c.header("Idempotent-Replayed", "true");
  return c.json({ name: poolOf(c), ...r.config }, 200);
});

poolApi.get("/config", async (c) => {
  const r = unwrap(await poolStub(c).getConfig(), poolSubject(c));
  return c.json({ name: r.name, ...r.config });
});

poolApi.get("/pool", async (c) => {
  const key = objectName(c.get("tenantId"), "group", poolOf(c));
  const held = heldRevision(key);
  let r = unwrap(await poolStub(c).getPool(held), poolSubject(c));
  // The held view went away meanwhile (another request of this isolate evicted it): ask in full.
  if (r.machines === null && heldRevision(key) !== r.revision) r = unwrap(await poolStub(c).getPool(), poolSubject(c));
  const machines = machinesJson(key, r.revision, r.machines);
  c.header("Content-Type", "application/json");
  return c.body(poolBody(new Date(r.timestamp).toISOString(), machines), 200);
});

poolApi.get("/pool/size", async (c) => {
  const r = unwrap(await poolStub(c).getSize(), poolSubject(c));
  // The 2.0 fields, plus the later API's PoolSizeSummary fields (timestamp, active).
  return c.json({ timestamp: new Date().toISOString(), desiredSize: r.desiredSize, allocated: r.allocated, outOfService: r.outOfService, active: r.active });
});

poolApi.post("/pool/size", jsonBody(setSizeBody), async (c) => {
  const r = unwrap(await poolStub(c).setDesiredSize(poolContext(c), c.req.valid("json").desiredSize), poolSubject(c));
  return accepted(c, r);
});

poolApi.post("/pool/:machineId/terminate", jsonBody(decrementBody), async (c) => {
  const r = unwrap(await poolStub(c).terminateMachine(poolContext(c), c.req.param("machineId"), c.req.valid("json").decrementDesiredSize));
  return accepted(c, r);
});

poolApi.post("/pool/:machineId/detach", jsonBody(decrementBody), async (c) => {
  const r = unwrap(await poolStub(c).detachMachine(poolContext(c), c.req.param("machineId"), c.req.valid("json").decrementDesiredSize));
  return accepted(c, r);
});

poolApi.post("/pool/:machineId/attach", jsonBody(attachBody, { emptyAs: {} }), async (c) => {
  const r = unwrap(await poolStub(c).attachMachine(poolContext(c), c.req.param("machineId")));
  return accepted(c, r);
});

poolApi.post("/pool/:machineId/serviceState", jsonBody(serviceStateBody), async (c) => {
  const r = unwrap(await poolStub(c).setServiceState(poolContext(c), c.req.param("machineId"), c.req.valid("json").serviceState));
  return accepted(c, r);
});

// Known paths with a method they do not support: 405, not 404.
export const POOL_API_METHODS: Record<string, string> = {
  "/config": "GET, POST",
  "/pool": "GET",
  "/pool/size": "GET, POST",
  "/pool/:machineId/terminate": "POST",
  "/pool/:machineId/detach": "POST",
  "/pool/:machineId/attach": "POST",
  "/pool/:machineId/serviceState": "POST",
};
allowOnly(poolApi, POOL_API_METHODS);
