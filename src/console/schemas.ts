// The console's contracts, declared once: request bodies and queries the routes validate with, and
// the answers src/console/openapi.ts publishes in /openapi/scalegate.json.
import { z } from "zod";
import { MACHINE_STATES, SERVICE_STATES } from "../domain/model";
import { GROUP_NAME_RE } from "../surfaces/groups";

export const sessionBody = z.strictObject({
  token: z.string().min(1).max(512).describe("a tenant-wide token (sg_…), exchanged for the session cookie"),
  tenant: z.string().min(1).max(63).optional().describe("when given, must be the token's tenant (like X-Tenant-Id)"),
});

export const limitQuery = z.strictObject({
  limit: z.coerce.number().pipe(z.int().min(1).max(500)).optional().describe("at most this many (1 to 500)"),
});

export const groupParam = z.string().regex(GROUP_NAME_RE, "1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit");

const iso = z.iso.datetime();
const dialect = z.enum(["elastisys", "kraftcloud", "quilt", "hooks"]);
const counts = { desired: z.int().min(0), running: z.int().min(0), starting: z.int().min(0), draining: z.int().min(0) };

export const sessionAnswer = z
  .looseObject({
    tenant_id: z.string(),
    token_id: z.string(),
    csrf_token: z.string().min(1).describe(`send it as X-CSRF-Token on every request made with the cookie that changes something`),
    created_at: iso,
    expires_at: iso,
  })
  .meta({ id: "ConsoleSession" });

const frontDoorLive = z.looseObject({
  reqs_per_sec: z.number().nullable(),
  inflight_reqs: z.number().nullable(),
  held: z.int().min(0),
  sampled_at: iso.nullable(),
});
const coldStart = z.looseObject({ at: iso, request: z.string().nullable(), waited_ms: z.number().nullable() });

export const groupSummary = z
  .looseObject({
    name: z.string(),
    uuid: z.string().nullable(),
    dialects: z.array(dialect).describe("the dialects the group was used through (from the ledger)"),
    ...counts,
    provider: z.string(),
    autoscale: z.boolean(),
    domains: z.array(z.string()).describe("front-door domains of the service group"),
    front_door: frontDoorLive.nullable().describe("null when the group has no domains"),
    created_at: iso,
    updated_at: iso,
  })
  .meta({ id: "ConsoleGroup" });

export const recordAnswer = z
  .looseObject({
    id: z.string(),
    type: z.string(),
    dialect: z.string(),
    status: z.string(),
    target_kind: z.string(),
    target_id: z.string(),
    action_id: z.string().nullable(),
    request: z.unknown(),
    result: z.unknown(),
    cause: z.string().nullable(),
    reason_code: z.string().nullable(),
    reason_message: z.string().nullable(),
    created_at: iso,
    completed_at: iso.nullable(),
  })
  .meta({ id: "ConsoleRecord" });

const machineAnswer = z.looseObject({
  id: z.string(),
  name: z.string(),
  state: z.enum(MACHINE_STATES),
  service_state: z.enum(SERVICE_STATES),
  member: z.boolean(),
  address: z.string().nullable(),
  launched_at: iso.nullable(),
  age_seconds: z.int().min(0),
});

export const groupDetail = z
  .looseObject({
    group: groupSummary.extend({ min_size: z.int(), max_size: z.int(), autoscale_config: z.unknown() }),
    machines: z.array(machineAnswer),
    records: z.array(recordAnswer).describe("the group's ledger, newest first: activities and decisions"),
    series: z.looseObject({ t: z.array(z.number()), desired: z.array(z.number().nullable()), running: z.array(z.number().nullable()), cpu: z.array(z.number().nullable()) }),
    bands: z.array(z.looseObject({ policy: z.string(), lower: z.number().nullable(), upper: z.number().nullable(), adjustment: z.number() })),
    cold_starts: z.array(coldStart).describe("front-door wakes, newest first, with how long the held requests waited"),
  })
  .meta({ id: "ConsoleGroupDetail" });

export const actionsAnswer = z
  .looseObject({
    actions: z.array(
      z.looseObject({
        action_id: z.string(),
        first_at: iso,
        last_at: iso,
        targets: z.array(z.string()),
        operations: z.array(recordAnswer),
        rollback_of: z.string().nullable(),
        rolled_back_by: z.array(z.string()),
      }),
    ),
  })
  .meta({ id: "ConsoleActions" });

export const deliveriesAnswer = z
  .looseObject({
    hooks: z.array(z.looseObject({ id: z.string(), name: z.string(), group: z.string(), format: z.string(), deliveries: z.array(recordAnswer) })),
    provider_deliveries: z.array(recordAnswer).describe("the webhook provider's outbound deliveries, each with its attempts"),
  })
  .meta({ id: "ConsoleDeliveries" });

export const frontDoorAnswer = z
  .looseObject({
    groups: z.array(
      frontDoorLive.extend({
        name: z.string(),
        domains: z.array(z.string()),
        cold_starts: z.int().min(0),
        cold_start_wait_ms: z.looseObject({ last: z.number(), mean: z.number(), max: z.number() }).nullable(),
        recent_cold_starts: z.array(coldStart),
      }),
    ),
  })
  .meta({ id: "ConsoleFrontDoor" });
