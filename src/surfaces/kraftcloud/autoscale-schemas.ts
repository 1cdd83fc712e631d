// Request bodies of the KraftCloud autoscale routes. zod checks JSON types and unknown fields
// (a whole-request 400); value rules are per-item errors decided further on: sizes (29), times
// (7), and step policies by the domain's validatePolicy (7 naming the rule, 23 for a duplicate).
import type { MiddlewareHandler } from "hono";
import { z } from "zod";
import { INT32_LIMIT } from "../../domain/autoscale";
import { MAX_GROUP_SIZE } from "../../domain/model";
import { declaresBody, jsonBody, parseJson, readBody } from "../../http/body";
import type { AppEnv } from "../../http/types";
import { MAX_ITEMS, refBody } from "./refs";
import { stringOrObject } from "./schemas";


const step = z.strictObject({
  lower_bound: z.number().nullable().optional(),
  upper_bound: z.number().nullable().optional(),
  adjustment: z.number().optional(),
});

const policyFields = {
  enabled: z.boolean().optional(),
  metric: z.string().max(64).optional(),
  adjustment_type: z.string().max(64).optional(),
  steps: z.array(step).max(MAX_ITEMS).optional(),
};

/** The nested form's `type`: the SDK's AutoscalePolicy (`name` is the policy's name, or `step`). */
const nestedType = z.strictObject({ name: z.string().max(255).optional(), ...policyFields });
export type NestedType = z.output<typeof nestedType>;

/**
 * A policy, flat (`{name, type: "step", metric, adjustment_type, steps}`) or nested
 * (`{name, type: {name, enabled?, metric, adjustment_type, steps}}`, the SDK's
 * CreateAutoscaleConfigurationPolicyRequest). Loosely typed on purpose: validatePolicy names the
 * rule a policy breaks; which form, and whether its parts agree, is decided by the route.
 */
export const policyBody = z.strictObject({
  name: z.string().max(255).optional(),
  type: stringOrObject(z.string().max(64), nestedType).optional(),
  ...policyFields,
});
export type PolicyBody = z.output<typeof policyBody>;

/** Integers of any sign: a negative or too large size is error 29, a bad time error 7. */
const int = z.int();

export const configFields = {
  min_size: int.optional(),
  max_size: int.optional(),
  warmup_time_ms: int.optional(),
  cooldown_time_ms: int.optional(),
  master: refBody.optional(),
  /** The later API generation's spelling of `master`. */
  template: refBody.optional(),
  /** The SDK's form: `create_args.template` is the master (ROMs are not implemented). */
  create_args: z.strictObject({ template: refBody.optional() }).optional(),
  policies: z.array(policyBody).max(MAX_ITEMS).optional(),
  // Extension (issue 11, docs/front-door.md): the front door's settings for this group; ranges are item error 7.
  max_pending: int.optional().describe("extension: requests held per group while it wakes (default 100); beyond it 503"),
  hold_timeout_ms: int.optional().describe("extension: how long a held request waits (default 30000); then 504"),
  max_concurrency: int.optional().describe("extension: requests one instance takes at once (default: no limit)"),
  upstream_timeout_ms: int.optional().describe("extension: how long the front door waits for an instance's answer (default 30000); then 504"),
};

/** `POST /services/{uuid}/autoscale`: the group is the path's; the SDK repeats its uuid in the body. */
export const configBody = z.strictObject({ uuid: refBody.shape.uuid, ...configFields });
export type ConfigBody = z.output<typeof configBody>;

/** `POST /services/autoscale` items: the group is named in the item. */
export const configItemBody = z.strictObject({ uuid: refBody.shape.uuid, name: refBody.shape.name, ...configFields });
export type ConfigItem = z.output<typeof configItemBody>;

const cpu = z.number().min(0).max(INT32_LIMIT);

/** Extension: a metric sample and/or reported traffic. */
export const metricsBody = z
  .strictObject({
    cpu: cpu.optional(),
    instances: z
      .array(z.strictObject({ uuid: z.string().min(1).max(255), cpu }))
      .min(1)
      .max(MAX_GROUP_SIZE)
      .optional(),
    requests: z.int().min(0).max(INT32_LIMIT).optional(),
  })
  .refine((b) => b.cpu !== undefined || b.instances !== undefined || b.requests !== undefined, {
    message: "send at least one of cpu, instances, requests",
  })
  .refine((b) => b.cpu === undefined || b.instances === undefined, { message: "cpu and instances are mutually exclusive" });

/** Extension: what-if inputs. */
export const evaluateBody = z.strictObject({ cpu, instances: z.int().min(0).max(MAX_GROUP_SIZE).optional() });

export interface OneOrMany<T> {
  /** null: no body at all (allowed with `optional`). */
  items: T[] | null;
  /** The body was an array (a batch answer) rather than one object. */
  many: boolean;
}

/**
 * A body of one object or an array of them (1 to 253), validated by jsonBody so that a bad field
 * is named as `min_size`, or `1.min_size` within an array. With `optional` an empty body is
 * allowed and yields `items: null`.
 */
export function oneOrMany<S extends z.ZodType>(
  item: S,
  options: { optional?: boolean } = {},
): MiddlewareHandler<AppEnv, string, { out: { json: OneOrMany<z.output<S>> } }> {
  const many = z.array(item).min(1).max(MAX_ITEMS).transform((items) => ({ items, many: true }));
  const one = item.transform((x) => ({ items: [x], many: false }));
  const none = z.null().transform(() => ({ items: null, many: true }));
  // The one body reader (src/http/body.ts): only 0 bytes or JSON whitespace is an empty body.
  return declaresBody(async (c, next) => {
    const r = parseJson(await readBody(c), { optional: options.optional === true });
    const isArray = r.ok && Array.isArray(r.value); // jsonBody answers a body that is not JSON
    const empty = r.ok && r.empty;
    const schema = empty ? none : isArray ? many : one;
    return jsonBody(schema as z.ZodType, empty ? { emptyAs: null } : {})(c as Parameters<ReturnType<typeof jsonBody>>[0], next);
  });
}
