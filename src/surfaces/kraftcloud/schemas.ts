// Request bodies of the KraftCloud service-group and instance routes. zod checks what the spec's
// schemas say (JSON types, enums, numeric ranges, string lengths, unknown fields): a violation is
// a whole-request 400 naming the field. What is about identity or about several fields at once
// (names, references, handler rules per port, soft ≤ hard limit) is a per-item error 7, decided
// by the routes. Spec fields Scalegate does not implement are refused as unknown fields.
import { z } from "zod";
import type { ServiceSpec } from "../../domain/model";
import { providerBody } from "../providers/schemas";
import { DEFAULT_HARD_LIMIT, DEFAULT_SOFT_LIMIT } from "./format";
import { MAX_ITEMS, oneOrMany, refBody } from "./refs";

const port = z.int().min(1).max(65535);
export const HANDLERS = ["tls", "http", "redirect"] as const;
type Handler = (typeof HANDLERS)[number];

const serviceMapping = z.strictObject({
  port,
  destination_port: port.optional(),
  handlers: z.array(z.enum(HANDLERS)).max(MAX_ITEMS).optional(),
});

export const createServiceItem = z.strictObject({
  name: z.string().max(255).optional(),
  services: z.array(serviceMapping).max(MAX_ITEMS),
  domains: z.array(z.strictObject({ name: z.string().min(1).max(255) })).max(MAX_ITEMS).optional(),
  soft_limit: z.int().min(1).max(65535).optional(),
  hard_limit: z.int().min(1).max(65535).optional(),
  /** Extension (docs/webhooks.md): the group's provider, e.g. `{type: "webhook", url, secret, timeoutMs}`. */
  provider: providerBody.optional(),
});
export type CreateServiceItem = z.output<typeof createServiceItem>;

/** `POST /services`: one service group or an array of them. */
export const createServicesBody = oneOrMany(createServiceItem);
/** `DELETE /services`: `{uuid}` or `{name}`, one or an array. */
export const refsBody = oneOrMany(refBody);

/** The spec's image reference pattern (registry host[:port]/path[:tag]). */
const IMAGE_RE =
  /^(?:(?=[^:/]{1,253})(?!-)[a-zA-Z0-9-]{1,63}(?<!-)(?:\.(?!-)[a-zA-Z0-9-]{1,63}(?<!-))*(?::[0-9]{1,5})?\/)?((?![._-])(?:[a-z0-9._-]*)(?<![._-])(?:\/(?![._-])[a-z0-9._-]*(?<![._-]))*)(?::(?![.-])[a-zA-Z0-9_.-]{1,128})?$/;

export const DEFAULT_MEMORY_MB = 128;
export const DEFAULT_COOLDOWN_MS = 1000;

const imageRef = z.string().min(1).max(1024).regex(IMAGE_RE, "not an image reference such as 'user/app:latest'");

/**
 * A field that is a string in one API generation and an object in the other (`image` or
 * `{url}`; a policy's `type` kind or nested policy). Not a zod union, so that an error inside the
 * object is named by its own path (`image.credentials`), not as "invalid input" of the field.
 */
export function stringOrObject<S extends z.ZodType, O extends z.ZodType>(str: S, obj: O) {
  return z.unknown().transform((v, ctx): z.output<S> | z.output<O> => {
    if (typeof v !== "string" && (typeof v !== "object" || v === null || Array.isArray(v))) {
      ctx.addIssue({ code: "custom", message: `expected a string or an object, received ${v === null ? "null" : Array.isArray(v) ? "array" : typeof v}` });
      return z.NEVER;
    }
    const r = (typeof v === "string" ? str : obj).safeParse(v);
    if (!r.success) {
      for (const issue of r.error.issues) ctx.addIssue({ ...issue } as never);
      return z.NEVER;
    }
    return r.data as z.output<S> | z.output<O>;
  });
}

/** The SDK's `ImageSpec` `{url}` (pull credentials, headers and policies are not implemented). */
const imageSpec = z.strictObject({ url: imageRef });

/** Start options of the SDK: how long to wait for `running`. Scalegate answers at once (docs/kraftcloud.md). */
export const startOptions = { timeout_s: z.int().min(0).max(86_400).optional(), wait_timeout_ms: z.int().min(0).max(86_400_000).optional() };
/** Stop options of the SDK: Scalegate stops at once, with no drain phase (docs/kraftcloud.md). */
export const stopOptions = { force: z.boolean().optional(), drain_timeout_ms: z.int().min(-1).max(3_600_000).optional() };
/** Delete options of the SDK: Scalegate answers at once and retains no deleted instance. */
export const deleteOptions = { timeout_s: startOptions.timeout_s, dont_retain: z.boolean().optional() };

export const createInstanceBody = z.strictObject({
  name: z.string().max(255).optional(),
  image: stringOrObject(imageRef, imageSpec).transform((v) => (typeof v === "string" ? v : v.url)),
  memory_mb: z.int().min(16).max(4096).optional(),
  vcpus: z.int().min(1).max(64).optional(),
  autostart: z.boolean().optional(),
  /** Accepted: the answer comes at once, with the state the instance has then. */
  timeout_s: startOptions.timeout_s,
  service_group: refBody,
  scale_to_zero: z
    .strictObject({
      policy: z.enum(["on", "off", "idle"]),
      cooldown_time_ms: z.int().min(0).max(86_400_000).optional(),
    })
    .optional(),
  /** Deprecated shortcut: `["scale-to-zero"]` is `scale_to_zero: {policy: "on"}`. */
  features: z.array(z.enum(["scale-to-zero"])).max(MAX_ITEMS).optional(),
});
export type CreateInstanceBody = z.output<typeof createInstanceBody>;

/** KraftCloud's default handlers of a published port. */
function defaultHandlers(p: number): Handler[] {
  if (p === 443) return ["tls", "http"];
  if (p === 80) return ["http", "redirect"];
  return ["tls"];
}

/** KraftCloud's publishing rules of one port, or what breaks them. */
function handlerRule(p: number, hs: Handler[]): string | null {
  const has = (h: Handler) => hs.includes(h);
  if (new Set(hs).size !== hs.length) return `port ${p}: a handler is listed twice`;
  if (has("redirect") && p !== 80) return `port ${p}: the redirect handler is only allowed on port 80`;
  if (p === 80) return has("http") && !has("tls") ? null : "port 80 must have the http handler and must not have tls";
  if (p === 443) return has("http") && has("tls") ? null : "port 443 must have the http and tls handlers";
  return has("tls") && !has("http") ? null : `port ${p} must have the tls handler and must not have http`;
}

const HOSTNAME_RE = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** A service group's definition with KraftCloud's defaults, or the rule the item breaks (error 7). */
export function serviceSpec(item: CreateServiceItem): { ok: true; spec: ServiceSpec } | { ok: false; message: string } {
  const services: ServiceSpec["services"] = [];
  for (const s of item.services) {
    if (services.some((x) => x.port === s.port)) return { ok: false, message: `port ${s.port} is published twice` };
    const handlers = s.handlers ?? defaultHandlers(s.port);
    const broken = handlerRule(s.port, handlers);
    if (broken) return { ok: false, message: broken };
    services.push({ port: s.port, destination_port: s.destination_port ?? s.port, handlers });
  }
  const domains: ServiceSpec["domains"] = [];
  for (const d of item.domains ?? []) {
    // No metro domain to append: a name is recorded as the fully qualified name it spells.
    const fqdn = d.name.replace(/\.$/, "");
    if (!HOSTNAME_RE.test(fqdn)) return { ok: false, message: `Invalid domain '${d.name}'` };
    if (domains.some((x) => x.fqdn === fqdn)) return { ok: false, message: `domain '${fqdn}' is listed twice` };
    domains.push({ fqdn });
  }
  const softLimit = item.soft_limit ?? DEFAULT_SOFT_LIMIT;
  const hardLimit = item.hard_limit ?? DEFAULT_HARD_LIMIT;
  if (softLimit > hardLimit) return { ok: false, message: `soft_limit ${softLimit} is above hard_limit ${hardLimit}` };
  return { ok: true, spec: { services, domains, softLimit, hardLimit } };
}

/** The batch instance routes: `{uuid}` or `{name}` with the route's options, one or an array. */
const instanceRefs = (options: Record<string, z.ZodType>) => oneOrMany(z.strictObject({ uuid: refBody.shape.uuid, name: refBody.shape.name, ...options }));
export const startInstancesBody = instanceRefs(startOptions);
export const stopInstancesBody = instanceRefs(stopOptions);
export const deleteInstancesBody = instanceRefs(deleteOptions);
