// The elastisys cloud pool REST API 2.0 document (/cloudpools/{pool}/..., docs/elastisys.md): the
// request schemas of src/surfaces/elastisys/schemas.ts and the answers of its format.ts.
import { z } from "zod";
import { MACHINE_STATES, SERVICE_STATES, VICTIM_POLICIES } from "../domain/model";
import { activitiesQuery, attachBody, configBody, decrementBody, serviceStateBody, setSizeBody, simulatorEventBody } from "../surfaces/elastisys/schemas";
import type { DocumentSpec, Operation } from "./builder";
import { REPLAY_HEADERS, anyJson, elastisysError, idempotencyKeyHeader, isoTime, nullableTime, tenantSchemes } from "./common";

export const machine = z
  .looseObject({
    id: z.string().min(1),
    machineState: z.enum(MACHINE_STATES),
    serviceState: z.enum(SERVICE_STATES),
    launchtime: nullableTime.describe("when the machine was launched (null before)"),
    launchTime: nullableTime.describe("the later API's spelling of launchtime"),
    membershipStatus: z.looseObject({ active: z.boolean(), evictable: z.boolean() }).describe("the later API's membership: active (counts toward the pool), evictable (may be chosen for scale-in)"),
    cloudProvider: z.string().describe("the later API's origin: `scalegate-<provider type>`, or what a webhook provider's metadata names"),
    region: z.string().describe("the later API's origin: `global`, or what a webhook provider's metadata names"),
    machineSize: z.string().describe("the later API's origin: the instance spec's size, `default`, or what a webhook provider's metadata names"),
    publicIps: z.array(z.string()),
    privateIps: z.array(z.string()),
    metadata: z.record(z.string(), anyJson),
  })
  .meta({ id: "Machine" });

const providerConfig = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("simulated"), requestDelayMs: z.int().min(0), bootDelayMs: z.int().min(0), terminateDelayMs: z.int().min(0) }),
  z.looseObject({ type: z.literal("webhook"), url: z.string(), secret: z.literal("***").describe("never shown"), timeoutMs: z.int().min(0) }),
]);

export const poolConfig = z
  .looseObject({
    name: z.string().min(1),
    provider: providerConfig,
    victimSelectionPolicy: z.enum(VICTIM_POLICIES),
    instanceHourMarginSeconds: z.int().min(0),
    updatePeriodSeconds: z.int().min(1),
  })
  .meta({ id: "PoolConfig" });

const poolSize = z
  .looseObject({
    timestamp: isoTime.describe("the later API's PoolSizeSummary: when the size was observed"),
    desiredSize: z.int().min(0),
    allocated: z.int().min(0),
    outOfService: z.int().min(0),
    active: z.int().min(0).describe("the later API's PoolSizeSummary: allocated members counted toward the desired size"),
  })
  .meta({ id: "PoolSize" });
const pool = z.looseObject({ timestamp: isoTime, machines: z.array(machine) }).meta({ id: "MachinePool" });

export const activity = z
  .looseObject({
    id: z.string(),
    type: z.string().describe("e.g. pool.configure, pool.set_desired_size, machine.launched"),
    status: z.enum(["accepted", "running", "succeeded", "failed", "cancelled", "timed_out"]),
    dialect: z.enum(["elastisys", "kraftcloud", "quilt", "hooks", "system"]),
    timestamp: nullableTime,
    idempotencyKey: z.string().nullable(),
    actionId: z.string().nullable(),
    request: anyJson,
    result: anyJson,
    cause: z.string().nullable(),
  })
  .meta({ id: "Activity" });

const POOL = { pool: { description: "the pool's name (1 to 63 letters, digits, '.', '_' or '-')", schema: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/) } };
const MACHINE = { ...POOL, machineId: { description: "a machine id of the pool" } };
const IDEMPOTENT = { "Idempotency-Key": idempotencyKeyHeader };
const done = { description: "Done (no entity, like the reference server)", headers: REPLAY_HEADERS };

/** The pool routes, relative to a pool's base (`/cloudpools/{pool}`). */
function poolRoutes(base: string, prefix: string, tag: string): Operation[] {
  const params = base.includes("{pool}") ? MACHINE : { machineId: MACHINE.machineId };
  const poolParams = base.includes("{pool}") ? POOL : {};
  const id = (s: string) => `${prefix}${s}`;
  return [
    { method: "get", path: `${base}/pool`, operationId: id("getPool"), summary: "The pool's machines", tags: [tag], params: poolParams, responses: { 200: { description: "The machines", schema: pool } } },
    { method: "get", path: `${base}/pool/size`, operationId: id("getPoolSize"), summary: "Desired size, allocated and out-of-service counts", tags: [tag], params: poolParams, responses: { 200: { description: "The size", schema: poolSize } } },
    { method: "post", path: `${base}/pool/size`, operationId: id("setDesiredSize"), summary: "Set the desired size", tags: [tag], params: poolParams, headers: IDEMPOTENT, body: { schema: setSizeBody }, responses: { 200: done } },
    { method: "post", path: `${base}/pool/{machineId}/terminate`, operationId: id("terminateMachine"), summary: "Terminate a machine (optionally decrementing the desired size)", tags: [tag], params, headers: IDEMPOTENT, body: { schema: decrementBody }, responses: { 200: done } },
    { method: "post", path: `${base}/pool/{machineId}/detach`, operationId: id("detachMachine"), summary: "Detach a machine: it keeps running outside the pool", tags: [tag], params, headers: IDEMPOTENT, body: { schema: decrementBody }, responses: { 200: done } },
    { method: "post", path: `${base}/pool/{machineId}/attach`, operationId: id("attachMachine"), summary: "Attach a machine again (desired size +1); the body may be empty", tags: [tag], params, headers: IDEMPOTENT, body: { schema: attachBody, required: false }, responses: { 200: done } },
    { method: "post", path: `${base}/pool/{machineId}/serviceState`, operationId: id("setServiceState"), summary: "Set a machine's service state", tags: [tag], params, headers: IDEMPOTENT, body: { schema: serviceStateBody }, responses: { 200: done } },
    { method: "get", path: `${base}/config`, operationId: id("getConfig"), summary: "The pool's configuration (extension)", tags: [tag], params: poolParams, responses: { 200: { description: "The configuration", schema: poolConfig } } },
    { method: "post", path: `${base}/config`, operationId: id("configurePool"), summary: "Create or update the pool (partial updates merge)", tags: [tag], params: poolParams, headers: IDEMPOTENT, body: { schema: configBody }, responses: { 200: { description: "The configuration now", schema: poolConfig, headers: REPLAY_HEADERS } } },
  ];
}

export function elastisysSpec(): DocumentSpec {
  const operations: Operation[] = [
    { method: "get", path: "/cloudpools", operationId: "listPools", summary: "The tenant's pools (extension)", tags: ["pools"], responses: { 200: { description: "The pools", schema: z.looseObject({ pools: z.array(z.looseObject({ name: z.string(), provider: z.string(), createdAt: isoTime, updatedAt: isoTime })) }) } } },
    { method: "delete", path: "/cloudpools/{pool}", operationId: "deletePool", summary: "Delete the pool: its machines are terminated, its history kept (extension)", tags: ["pools"], params: POOL, headers: IDEMPOTENT, responses: { 200: { description: "Deleted", schema: z.looseObject({ message: z.string(), terminated: z.array(z.string()) }), headers: REPLAY_HEADERS } } },
    ...poolRoutes("/cloudpools/{pool}", "", "cloud pool"),
    { method: "get", path: "/cloudpools/{pool}/activities", operationId: "listActivities", summary: "The pool's ledger, newest first (extension)", tags: ["extensions"], params: POOL, query: activitiesQuery, responses: { 200: { description: "Activities", schema: z.looseObject({ activities: z.array(activity) }), headers: { Warning: "set when the ledger is unavailable and only unflushed records are listed" } } } },
    { method: "post", path: "/cloudpools/{pool}/simulator/events", operationId: "simulatorEvent", summary: "Inject an event into the simulated provider (extension)", tags: ["extensions"], params: POOL, headers: IDEMPOTENT, body: { schema: simulatorEventBody }, responses: { 200: { description: "The machine the event concerned", schema: z.looseObject({ machine }), headers: REPLAY_HEADERS } } },
  ];
  // The same pool routes at the root of the host, for a pool-scoped token (the splitter's URLs).
  operations.push(...poolRoutes("", "root_", "pool-scoped token"));
  return {
    title: "Scalegate — elastisys cloud pool REST API 2.0",
    version: "2.0",
    description:
      "The elastisys:scale cloud pool REST API 2.0 under `/cloudpools/{pool}`, with Scalegate's extensions (pool configuration, listing, deletion, activities, simulator events). Errors are `{message, detail}`. Credentials: a tenant token as `Authorization: Bearer <token>` (or HTTP Basic with the token as password).",
    tags: [
      { name: "cloud pool", description: "The cloud pool API 2.0" },
      { name: "pools", description: "Pool management (extension)" },
      { name: "extensions", description: "Ledger and simulator (extensions)" },
      { name: "pool-scoped token", description: "The pool routes at the root (`/pool`, `/config`, ...), for a token issued with {pool}: they act on that pool" },
    ],
    ...tenantSchemes(),
    error: elastisysError,
    operations,
  };
}
