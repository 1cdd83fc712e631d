// Request bodies of the webhook provider: its config block (elastisys pool config, KraftCloud
// service creation) and the machine reports its callbacks carry. docs/webhooks.md, "Outbound".
import { z } from "zod";
import { isIpAddress } from "../../domain/ip";
import { MACHINE_STATES } from "../../domain/model";
import { MAX_REPORTED_METADATA_BYTES } from "../../providers/webhook";

export const WEBHOOK_SECRET_MIN = 16;
export const WEBHOOK_SECRET_MAX = 256;
export const WEBHOOK_TIMEOUT_MIN_MS = 100;
export const WEBHOOK_TIMEOUT_MAX_MS = 30_000;

const webhookUrl = z
  .string()
  .max(2048)
  .refine((u) => {
    try {
      const url = new URL(u);
      return (url.protocol === "https:" || url.protocol === "http:") && url.hostname !== "" && url.username === "" && url.password === "";
    } catch {
      return false;
    }
  }, "must be an absolute http:// or https:// URL without credentials");

/** `{type: "webhook", url, secret, timeoutMs}`: url and secret may be omitted to keep the current ones. */
export const webhookProviderBody = z.strictObject({
  type: z.literal("webhook"),
  url: webhookUrl.optional(),
  secret: z
    .string()
    .min(WEBHOOK_SECRET_MIN, `must be at least ${WEBHOOK_SECRET_MIN} characters`)
    .max(WEBHOOK_SECRET_MAX)
    .regex(/^[\x21-\x7e]+$/, "visible ASCII characters only")
    .optional(),
  timeoutMs: z.int().min(WEBHOOK_TIMEOUT_MIN_MS).max(WEBHOOK_TIMEOUT_MAX_MS).optional(),
});

const delayMs = z.int().min(0).max(600_000);

/** A group's provider block: the simulated default (partial delays kept) or the webhook provider. */
export const providerBody = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("simulated"),
    requestDelayMs: delayMs.optional(),
    bootDelayMs: delayMs.optional(),
    terminateDelayMs: delayMs.optional(),
  }),
  webhookProviderBody,
]);

/** An IPv4 dotted quad or an IPv6 address in any RFC 4291 text form (src/domain/ip.ts); no zone ids. */
const ip = z.string().max(64).refine(isIpAddress, "not a valid IPv4 or IPv6 address (no zone ids, no leading zeros in IPv4 octets)");

/** Largest serialized `metadata` of one machine report (elastisys machine metadata is any JSON object). */
export const MAX_METADATA_BYTES = MAX_REPORTED_METADATA_BYTES;
/** Deepest nesting of `metadata` (a JSON object far deeper than this is an attack, not metadata). */
export const MAX_METADATA_DEPTH = 32;

function depthOf(v: unknown): number {
  if (v === null || typeof v !== "object") return 0;
  let d = 0;
  for (const x of Object.values(v)) d = Math.max(d, depthOf(x));
  return d + 1;
}

/** Any JSON object (strings, numbers, booleans, null, arrays, nested objects), at most 8 KiB serialized. */
const metadata = z
  .record(z.string().min(1).max(256), z.json())
  .refine((m) => depthOf(m) <= MAX_METADATA_DEPTH, `nested more than ${MAX_METADATA_DEPTH} levels deep`)
  .refine((m) => new TextEncoder().encode(JSON.stringify(m)).length <= MAX_METADATA_BYTES, `larger than ${MAX_METADATA_BYTES} bytes serialized`);

export const machineReport = z.strictObject({
  id: z.string().min(1).max(128).regex(/^[\x21-\x7e]+$/, "visible ASCII characters only"),
  state: z.enum(MACHINE_STATES),
  publicIps: z.array(ip).max(16).optional(),
  privateIps: z.array(ip).max(16).optional(),
  launchtime: z.iso.datetime({ offset: true }).optional(),
  metadata: metadata.optional(),
});
export type MachineReportBody = z.output<typeof machineReport>;

/** One report or an array of up to 100. */
export const machineReports = z.union([machineReport, z.array(machineReport).min(1).max(100)]);
