// The KraftCloud Services Autoscale API v1 document (/v1/..., docs/kraftcloud.md): the request
// schemas of src/surfaces/kraftcloud/*schemas.ts, the query schemas of filters.ts/refs.ts, and the
// answers of ./kraftcloud-answers.ts.
import { z } from "zod";
import { configBody, configItemBody, evaluateBody, metricsBody, policyBody } from "../surfaces/kraftcloud/autoscale-schemas";
import { listQuery } from "../surfaces/kraftcloud/filters";
import { MAX_ITEMS, detailsQuery, refBody } from "../surfaces/kraftcloud/refs";
import { createInstanceBody, createServiceItem, deleteOptions, startOptions, stopOptions } from "../surfaces/kraftcloud/schemas";
import type { DocumentSpec, Operation } from "./builder";
import { idempotencyKeyHeader, kraftcloudError, tenantSchemes } from "./common";
import { autoscaleConfig, envelope, evaluateAnswer, instance, metricsAnswer, policy, replayAnswer, serviceGroup } from "./kraftcloud-answers";
import { replayBody } from "../surfaces/kraftcloud/replay";

/** One object or an array of 1 to 253 (what the routers' oneOrMany accepts). */
const oneOrMany = (item: z.ZodType) => z.union([item, z.array(item).min(1).max(MAX_ITEMS)]);

// Fields the routers parse with a custom (string-or-object) step, which JSON Schema cannot see
// through: declared here with the same two forms.
const imageField = z.union([z.string().min(1).max(1024).describe("an image reference such as 'user/app:latest'"), z.strictObject({ url: z.string().min(1).max(1024) })]);
const createInstance = createInstanceBody.extend({ image: imageField });
const nestedPolicyType = z.strictObject({
  name: z.string().max(255).optional().describe("the policy's name (the SDK) or `step` (older docs)"),
  enabled: z.boolean().optional(),
  metric: z.string().max(64).optional().describe("cpu (default) | inflight_reqs | reqs_per_sec, per member"),
  adjustment_type: z.string().max(64).optional(),
  steps: z.array(z.looseObject({})).optional(),
});
const createPolicy = policyBody.extend({
  type: z.union([z.string().max(64), nestedPolicyType]).optional(),
  metric: z.string().max(64).optional().describe("cpu (default) | inflight_reqs | reqs_per_sec, per member; another value is item error 7"),
});

const instanceRef = (options: Record<string, z.ZodType>) => z.strictObject({ uuid: refBody.shape.uuid, name: refBody.shape.name, ...options });

const services = envelope("service_groups", serviceGroup, "ServiceGroupsAnswer");
const instances = envelope("instances", instance, "InstancesAnswer");
const configs = envelope("service_groups", autoscaleConfig, "AutoscaleConfigsAnswer");
const policies = envelope("policies", policy, "PoliciesAnswer");
const metrics = envelope("service_groups", metricsAnswer, "MetricsEnvelope");
const evaluate = envelope("service_groups", evaluateAnswer, "EvaluateEnvelope");
const replayed = envelope("service_groups", replayAnswer, "ReplayEnvelope");

const ok = (schema: z.ZodType, description = "The items; per-item failures are items with status error (HTTP 200)") => ({ 200: { description, schema } });

const UUID = { uuid: { description: "the service group's uuid" } };
const INSTANCE = { uuid: { description: "the instance's uuid" } };
const POLICY = { ...UUID, name: { description: "the policy's name" } };
const IDEMPOTENT = { "Idempotency-Key": idempotencyKeyHeader };
const none = z.strictObject({});

function op(method: Operation["method"], path: string, operationId: string, summary: string, tag: string, rest: Partial<Operation> & Pick<Operation, "responses">): Operation {
  return { method, path: `/v1${path}`, operationId, summary, tags: [tag], ...rest };
}

export function kraftcloudSpec(): DocumentSpec {
  const operations: Operation[] = [
    op("post", "/services", "create-service-groups", "Create service groups (one object or an array)", "services", { headers: IDEMPOTENT, body: { schema: oneOrMany(createServiceItem) }, responses: ok(services) }),
    op("get", "/services", "get-service-groups", "List service groups, or those named by ?uuid= / ?name=", "services", { query: listQuery, responses: ok(services) }),
    op("delete", "/services", "delete-service-groups", "Delete service groups named by {uuid} or {name}", "services", { headers: IDEMPOTENT, body: { schema: oneOrMany(refBody) }, responses: ok(services) }),
    op("get", "/services/{uuid}", "get-service-group", "One service group", "services", { params: UUID, query: detailsQuery, responses: ok(services) }),
    op("delete", "/services/{uuid}", "delete-service-group", "Delete one service group", "services", { params: UUID, headers: IDEMPOTENT, responses: ok(services) }),

    op("post", "/instances", "create-instance", "Create an instance in a service group", "instances", { headers: IDEMPOTENT, body: { schema: createInstance }, responses: ok(instances) }),
    op("get", "/instances", "get-instances", "List instances, or those named by ?uuid= / ?name=", "instances", { query: listQuery, responses: ok(instances) }),
    op("delete", "/instances", "delete-instances", "Delete instances named by {uuid} or {name}", "instances", { headers: IDEMPOTENT, body: { schema: oneOrMany(instanceRef(deleteOptions)) }, responses: ok(instances) }),
    op("put", "/instances/start", "start-instances", "Start instances named by {uuid} or {name}", "instances", { headers: IDEMPOTENT, body: { schema: oneOrMany(instanceRef(startOptions)) }, responses: ok(instances) }),
    op("put", "/instances/stop", "stop-instances", "Stop instances named by {uuid} or {name}", "instances", { headers: IDEMPOTENT, body: { schema: oneOrMany(instanceRef(stopOptions)) }, responses: ok(instances) }),
    op("get", "/instances/{uuid}", "get-instance", "One instance", "instances", { params: INSTANCE, query: detailsQuery, responses: ok(instances) }),
    op("delete", "/instances/{uuid}", "delete-instance", "Delete one instance", "instances", { params: INSTANCE, headers: IDEMPOTENT, body: { schema: z.strictObject(deleteOptions), required: false }, responses: ok(instances) }),
    op("put", "/instances/{uuid}/start", "start-instance", "Start one instance (a stopping one starts again once stopped)", "instances", { params: INSTANCE, headers: IDEMPOTENT, body: { schema: z.strictObject(startOptions), required: false }, responses: ok(instances) }),
    op("put", "/instances/{uuid}/stop", "stop-instance", "Stop one instance", "instances", { params: INSTANCE, headers: IDEMPOTENT, body: { schema: z.strictObject(stopOptions), required: false }, responses: ok(instances) }),

    op("post", "/services/autoscale", "create-autoscale-configurations", "Configure autoscale of the groups named in the items", "autoscale", { headers: IDEMPOTENT, body: { schema: oneOrMany(configItemBody) }, responses: ok(configs) }),
    op("get", "/services/autoscale", "get-autoscale-configurations", "Autoscale configurations: every group, those of a body of {uuid}|{name}, or of ?uuid= / ?name=", "autoscale", { query: listQuery, body: { schema: oneOrMany(refBody), required: false, description: "GET with a body, as the KraftCloud API takes it" }, responses: ok(configs) }),
    op("delete", "/services/autoscale", "delete-autoscale-configurations", "Remove autoscale from the groups named", "autoscale", { headers: IDEMPOTENT, body: { schema: oneOrMany(refBody) }, responses: ok(configs) }),
    op("post", "/services/{uuid}/autoscale", "create-autoscale-configuration", "Configure autoscale of one group", "autoscale", { params: UUID, headers: IDEMPOTENT, body: { schema: configBody }, responses: ok(configs) }),
    op("get", "/services/{uuid}/autoscale", "get-autoscale-configuration", "One group's autoscale configuration (`unconfigured` when none)", "autoscale", { params: UUID, query: none, responses: ok(configs) }),
    op("delete", "/services/{uuid}/autoscale", "delete-autoscale-configuration", "Remove autoscale of one group (its clones drain)", "autoscale", { params: UUID, headers: IDEMPOTENT, responses: ok(configs) }),
    op("post", "/services/{uuid}/autoscale/policies", "create-autoscale-policies", "Add step policies: flat or nested form, one object or an array", "autoscale", { params: UUID, headers: IDEMPOTENT, body: { schema: oneOrMany(createPolicy) }, responses: ok(policies) }),
    op("get", "/services/{uuid}/autoscale/policies", "get-autoscale-policies", "The group's policies, or those of a body of {name}", "autoscale", { params: UUID, body: { schema: oneOrMany(refBody), required: false }, responses: ok(policies) }),
    op("delete", "/services/{uuid}/autoscale/policies", "delete-autoscale-policies", "Delete policies named in the body, or all without a body", "autoscale", { params: UUID, headers: IDEMPOTENT, body: { schema: oneOrMany(refBody), required: false }, responses: ok(policies) }),
    op("get", "/services/{uuid}/autoscale/policies/{name}", "get-autoscale-policy", "One policy", "autoscale", { params: POLICY, responses: ok(policies) }),
    op("delete", "/services/{uuid}/autoscale/policies/{name}", "delete-autoscale-policy", "Delete one policy", "autoscale", { params: POLICY, headers: IDEMPOTENT, responses: ok(policies) }),
    op("post", "/services/{uuid}/autoscale/metrics", "push-autoscale-metrics", "Extension: push a CPU sample and/or traffic; the engine decides", "extensions", { params: UUID, headers: IDEMPOTENT, body: { schema: metricsBody }, responses: ok(metrics) }),
    op("post", "/services/{uuid}/autoscale/replay", "replay-autoscale", "Extension: replay a load trace through the live or a tried configuration, in virtual time (changes nothing; body up to 16 MiB)", "extensions", { params: UUID, body: { schema: replayBody }, responses: ok(replayed) }),
    op("post", "/services/{uuid}/autoscale/evaluate", "evaluate-autoscale", "Extension: what autoscale would do for a sample (changes nothing)", "extensions", { params: UUID, body: { schema: evaluateBody }, responses: ok(evaluate) }),
  ];
  return {
    title: "Scalegate — KraftCloud Services Autoscale API v1",
    version: "1",
    description:
      "The KraftCloud (Unikraft Cloud) service group, instance and autoscale routes under `/v1`, answering the union of both API generations' fields. Every answer is the envelope `{status, data: {<kind>: [items]}, op_time_us}`; a failed item is HTTP 200 with the item's `status: \"error\"` and numeric `error`, on batch and single-target routes alike. Only failures of the whole request (malformed JSON, schema violations, credentials, unknown route or method, size) are non-2xx `{status: \"error\", message, errors: [{status}]}`. Credentials: `Authorization: Bearer <tenant token>`, or HTTP Basic with the token as password.",
    tags: [
      { name: "services", description: "Service groups" },
      { name: "instances", description: "Instances" },
      { name: "autoscale", description: "Autoscale configurations and step policies" },
      { name: "extensions", description: "Metric samples and what-if evaluation (Scalegate extensions)" },
    ],
    ...tenantSchemes(),
    error: kraftcloudError,
    operations,
  };
}
