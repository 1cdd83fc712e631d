// Scalegate's own routes: /healthz, /admin (tenant tokens), /hooks (inbound scale triggers,
// docs/webhooks.md), /providers (webhook provider callbacks), /openapi and /docs — and, listed
// again from their dialect documents (the same declarations), the extensions of the dialects.
import { z } from "zod";
import { consoleOperations, consoleSecuritySchemes } from "../console/openapi";
import { HOOK_FORMATS } from "../domain/hooks";
import { MACHINE_STATES } from "../domain/model";
import { createHookBody } from "../surfaces/hooks/schemas";
import { machineReport } from "../surfaces/providers/schemas";
import type { DocumentSpec, Operation } from "./builder";
import { anyJson, bearer, elastisysError, genericError, hooksError, isoTime, kraftcloudError, nullableTime, providersError } from "./common";
import { elastisysSpec } from "./elastisys";
import { kraftcloudSpec } from "./kraftcloud";

/** The documents served under /openapi/{name}.json. */
export const DOCUMENT_NAMES = ["elastisys", "kraftcloud", "quilt", "scalegate"] as const;
export type DocumentName = (typeof DOCUMENT_NAMES)[number];

const hookAction = z.looseObject({ type: z.enum(["change", "exact", "percent", "metric"]), value: z.number().optional() });

const hook = z
  .looseObject({
    id: z.uuid(),
    url: z.string().describe("where sources deliver: POST this URL"),
    name: z.string(),
    group: z.string(),
    format: z.enum(HOOK_FORMATS),
    action: hookAction,
    resolved: hookAction.nullable(),
    min_interval_seconds: z.int().min(0),
    created_at: nullableTime,
    updated_at: nullableTime.optional(),
    previous_secret_expires_at: nullableTime.optional().describe("after a rotation: until when the previous secret still works"),
    last_action_at: nullableTime.optional(),
  })
  .meta({ id: "Hook" });

const hookWithSecret = hook.extend({ secret: z.string().min(1).describe("shown only here: sign deliveries with it, or send it as a bearer token") }).meta({ id: "HookWithSecret" });

const delivery = z
  .looseObject({
    hook_id: z.string(),
    delivery_id: z.string(),
    operation_id: z.string().nullable(),
    results: z.array(
      z.looseObject({
        alert: z.looseObject({ name: z.string().nullable(), fingerprint: z.string(), startsAt: z.string(), status: z.enum(["firing", "resolved"]) }).nullable(),
        outcome: z.enum(["acted", "suppressed", "ignored", "failed"]),
        operation_id: z.string().nullable(),
        action: hookAction.nullable(),
        reason: z.string().optional(),
        desired_size: z.int().optional(),
        duplicate: z.boolean().optional(),
      }),
    ),
  })
  .meta({ id: "Delivery" });

const genericDelivery = z.strictObject({
  delta: z.int().optional().describe("change the desired size by this much"),
  desired: z.int().min(0).optional().describe("set the desired size"),
  cpu: z.number().min(0).optional().describe("a metric sample (hooks with a metric action)"),
});
const alertDelivery = z.looseObject({ alerts: z.array(z.looseObject({ status: z.enum(["firing", "resolved"]), labels: z.record(z.string(), z.string()), startsAt: z.string() })).min(1).max(100) });

const reportResult = z.looseObject({ id: z.string(), outcome: z.enum(["updated", "unchanged", "appeared", "ignored"]), machineState: z.enum(MACHINE_STATES).nullable(), reason: z.string().optional() });

const HOOK_ID = { id: { description: "the hook's id", schema: z.uuid() } };

export function scalegateSpec(): DocumentSpec {
  const admin = (o: Omit<Operation, "tags" | "security">): Operation => ({ ...o, tags: ["admin"], security: ["adminBearer"] });
  const hooks = (o: Omit<Operation, "tags" | "error">): Operation => ({ ...o, tags: ["hooks"], error: hooksError });
  const docsOp = (o: Omit<Operation, "tags" | "security">): Operation => ({ ...o, tags: ["documentation"], security: [] });
  const extensions = [
    ...elastisysSpec().operations.filter((o) => o.tags.includes("extensions")).map((o) => ({ ...o, error: o.error ?? elastisysError })),
    ...kraftcloudSpec().operations.filter((o) => o.tags.includes("extensions")).map((o) => ({ ...o, error: o.error ?? kraftcloudError, security: ["tenantBearer"] })),
  ];
  const operations: Operation[] = [
    { method: "get", path: "/healthz", operationId: "healthz", summary: "Liveness", tags: ["service"], security: [], responses: { 200: { description: "ok", schema: z.looseObject({ status: z.literal("ok") }) } } },
    admin({
      method: "post", path: "/admin/tenants/{tenant}/tokens", operationId: "issueToken", summary: "Issue a tenant token (creates the tenant); `{pool}` scopes it to one elastisys pool",
      params: { tenant: { description: "lowercase letters, digits, '-' and '_', 1 to 63", schema: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/) } },
      body: { schema: z.strictObject({ pool: z.string().optional().describe("the only pool the token may act on") }), required: false },
      responses: { 201: { description: "The token, shown once", schema: z.looseObject({ token: z.string().min(1), token_id: z.string().min(1), tenant_id: z.string(), pool: z.string().nullable().optional() }) } },
    }),
    admin({
      method: "delete", path: "/admin/tenants/{tenant}/tokens/{tokenId}", operationId: "revokeToken", summary: "Revoke a token (effective at once)",
      params: { tenant: { description: "the tenant" }, tokenId: { description: "the token's id" } },
      responses: { 204: { description: "Revoked" } },
    }),
    hooks({ method: "post", path: "/hooks", operationId: "createHook", summary: "Create a hook on a group; the answer shows its secret once", body: { schema: createHookBody }, responses: { 201: { description: "The hook", schema: hookWithSecret } } }),
    hooks({ method: "get", path: "/hooks", operationId: "listHooks", summary: "The tenant's hooks", responses: { 200: { description: "The hooks", schema: z.looseObject({ hooks: z.array(hook) }) } } }),
    hooks({ method: "get", path: "/hooks/{id}", operationId: "getHook", summary: "One hook", params: HOOK_ID, responses: { 200: { description: "The hook", schema: hook } } }),
    hooks({ method: "delete", path: "/hooks/{id}", operationId: "deleteHook", summary: "Delete a hook (its ledger is kept)", params: HOOK_ID, responses: { 204: { description: "Deleted" } } }),
    hooks({ method: "post", path: "/hooks/{id}/rotate-secret", operationId: "rotateHookSecret", summary: "A new secret; the previous one works 24 h more", params: HOOK_ID, responses: { 200: { description: "The hook with its new secret", schema: hookWithSecret } } }),
    hooks({
      method: "post", path: "/hooks/{id}", operationId: "deliver", summary: "A delivery from a source (generic, Alertmanager v4 or Grafana), authenticated by the hook's secret", params: HOOK_ID, security: ["hookSignature", "hookBearer"],
      headers: { "Idempotency-Key": { description: "or X-Delivery-Id: a retry with the same id acts once" }, "X-Delivery-Id": { description: "see Idempotency-Key" } },
      body: { schema: z.union([genericDelivery, alertDelivery]), description: "generic: {delta} | {desired} | {cpu} | {} (the configured action); alert formats: the sender's payload" },
      responses: { 202: { description: "Acted (or suppressed, ignored) on each event", schema: delivery }, 200: { description: "A duplicate: the first delivery's outcome", schema: delivery, headers: { "Idempotent-Replayed": "true" } } },
    }),
    {
      method: "post", path: "/providers/webhook/{group}/machines", operationId: "reportMachines", summary: "The webhook provider's callback: machine states from your infrastructure", tags: ["providers"], error: providersError,
      params: { group: { description: "the group whose provider is the webhook" } },
      headers: { "Idempotency-Key": { description: "a retry with the same key acts once" } },
      body: { schema: z.union([machineReport, z.array(machineReport).min(1).max(100)]) },
      responses: { 200: { description: "What each report did", schema: z.looseObject({ group: z.string(), results: z.array(reportResult) }) } },
    },
    docsOp({ method: "get", path: "/openapi/{file}", operationId: "openapiDocument", summary: "An OpenAPI 3.1 document: elastisys.json, kraftcloud.json, quilt.json, scalegate.json", params: { file: { description: "the document's file name", schema: z.enum(DOCUMENT_NAMES.map((n) => `${n}.json`) as [string, ...string[]]) } }, responses: { 200: { description: "The document", schema: z.looseObject({ openapi: z.string(), info: anyJson, paths: z.record(z.string(), anyJson) }) } } }),
    docsOp({ method: "get", path: "/docs", operationId: "docs", summary: "The interactive API reference (Swagger UI) of the four documents", responses: { 200: { description: "The page", schema: z.string(), contentType: "text/html" } } }),
    docsOp({ method: "get", path: "/docs/{file}", operationId: "docsAsset", summary: "The reference page's script, stylesheet and licence", params: { file: { description: "swagger-ui-bundle.js, swagger-ui-standalone-preset.js, swagger-ui.css, favicon-32x32.png, LICENSE.txt" } }, responses: { 200: { description: "The file", schema: z.string(), contentType: "*/*" } } }),
    ...extensions,
    ...consoleOperations(),
  ];
  return {
    title: "Scalegate — service routes",
    version: "1",
    description:
      "Scalegate's own routes: health, the admin API (tenant tokens), inbound scale triggers (/hooks), the webhook provider's callbacks (/providers), these documents (/openapi, /docs), and — declared in their dialect's document and listed here too — the dialects' extensions (elastisys activities and simulator events, KraftCloud metrics and evaluate).",
    tags: [
      { name: "service", description: "Health" },
      { name: "admin", description: "Tenant tokens (ADMIN_TOKEN)" },
      { name: "hooks", description: "Inbound scale triggers" },
      { name: "providers", description: "Webhook provider callbacks" },
      { name: "documentation", description: "OpenAPI documents and the reference page" },
      { name: "extensions", description: "Dialect extensions" },
      { name: "console", description: "The browser console (docs/console.md): page, session, aggregate reads, live feed" },
    ],
    securitySchemes: {
      adminBearer: bearer("The ADMIN_TOKEN secret"),
      tenantBearer: bearer("A tenant token"),
      hookBearer: bearer("The hook's secret (Alertmanager, Grafana)"),
      hookSignature: { type: "apiKey", in: "header", name: "Scalegate-Signature", description: "t=<unix seconds>,v1=<hex HMAC-SHA256 of `t.body` with the hook's secret>" },
      ...consoleSecuritySchemes,
    },
    security: ["tenantBearer"],
    error: genericError,
    operations,
  };
}
