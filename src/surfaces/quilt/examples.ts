// GET /api/elasticity/examples: ready-to-run curl sequences of the safe workflow
// (health → contract → control write → operation lookup → action listing → rollback), as JSON or
// Markdown. Paths come from ./contract.ts; the origin is the one the caller used.
import { ACTION_ID_HEADER, CONTROL_BASE_PATH, CONTROL_PATHS, CONTROL_READ_PATHS, IDEMPOTENCY_KEY_HEADER, QUILT_BASE_PATH, visibleOrigin } from "./contract";

export interface Step {
  title: string;
  description: string;
  command: string;
}

export interface Sequence {
  name: string;
  title: string;
  description: string;
  steps: Step[];
  /** The steps as one script. */
  script: string;
}

const AUTH = `-H "X-Api-Key: $TOKEN" -H "X-Tenant-Id: $TENANT"`;
const write = (key: string, action = "$ACTION") =>
  `${AUTH} -H "Content-Type: application/json" -H "${IDEMPOTENCY_KEY_HEADER}: ${key}" -H "${ACTION_ID_HEADER}: ${action}"`;
/** A control URL with shell variables left in place: ctl(CONTROL_PATHS.rollback_action, { action_id: "$ACTION" }). */
const ctl = (template: string, params: Record<string, string>) => `"$CONTROL${template.replace(/\{(\w+)\}/g, (_m, n: string) => params[n])}"`;

function setup(origin: string): Step[] {
  return [
    {
      title: "Variables",
      description: "Export TOKEN (a tenant token) and TENANT (its tenant) first; ACTION groups the writes of this run (X-Orch-Action-Id). Needs curl and jq.",
      command: [`ORIGIN=\${ORIGIN:-${origin}}`, `: "\${TOKEN:?export TOKEN=<a tenant token>}"`, `: "\${TENANT:?export TENANT=<the tenant of that token>}"`, `ACTION=\${ACTION:-act-$(date +%s)}`].join("\n"),
    },
    {
      title: "Prerequisite: the node group exists",
      description: "Node groups are the groups of the other dialects; this creates `web` through the elastisys API (create-or-merge, safe to repeat).",
      command: `curl -s -X POST "$ORIGIN/cloudpools/web/config" -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" -d '{}' | jq .name`,
    },
    { title: "Health", description: "No credentials needed.", command: `curl -sf "$ORIGIN${QUILT_BASE_PATH}/health"` },
    {
      title: "Contract",
      description: "Read the control base URL (the origin) and the idempotency rules instead of hard-coding them; the contract's paths are full paths from that origin.",
      command: `CONTRACT=$(curl -sf "$ORIGIN${CONTROL_BASE_PATH}/contract" ${AUTH})\necho "$CONTRACT" | jq .idempotency\nCONTROL="$(echo "$CONTRACT" | jq -r .control_base_url)${CONTROL_BASE_PATH}"`,
    },
  ];
}

function tail(rollbackNote: string): Step[] {
  return [
    {
      title: "Operation lookup",
      description: "Immediately consistent with the write that created it.",
      command: `curl -s ${ctl(CONTROL_READ_PATHS.operation, { operation_id: "$OPERATION_ID" })} ${AUTH} | jq '{operation_id, operation_type, status, result}'`,
    },
    {
      title: "Action listing",
      description: "Every operation of the action, oldest first (a bare JSON array).",
      command: `curl -s ${ctl(CONTROL_READ_PATHS.action_operations, { action_id: "$ACTION" })} ${AUTH} | jq 'map({operation_id, operation_type, status})'`,
    },
    {
      title: "Rollback",
      description: `${rollbackNote} The rollback is an action of its own; rolling back twice changes nothing the second time.`,
      command: `curl -s -X POST ${ctl(CONTROL_PATHS.rollback_action, { action_id: "$ACTION" })} ${write("$ACTION-rollback", "$ACTION-rollback")} \\\n  -d "{\\"target_action_id\\":\\"$ACTION\\",\\"reason_code\\":\\"OPERATOR_REQUEST\\",\\"reason_message\\":\\"undo $ACTION\\"}" | jq .`,
    },
  ];
}

const sequence = (name: string, title: string, description: string, steps: Step[]): Sequence => ({
  name,
  title,
  description,
  steps,
  script: ["#!/bin/sh", "set -e", ...steps.map((s) => `# ${s.title}\n${s.command}`)].join("\n\n") + "\n",
});

export function examplesDocument(requestUrl: string) {
  const origin = visibleOrigin(requestUrl);
  const scale = `curl -s -X POST ${ctl(CONTROL_PATHS.node_group_scale, { group: "web" })} ${write("$ACTION-scale-web")} -d '{"delta_units":1}'`;
  return {
    base_url: origin + QUILT_BASE_PATH,
    requires: ["curl", "jq"],
    sequences: [
      sequence("safe_workflow", "Scale a node group out by one, check it, roll it back", "The safe workflow: health → contract → control write → operation lookup → action listing → rollback.", [
        ...setup(origin),
        {
          title: "Control write",
          description: "Both idempotency headers are required. The answer is the terminal operation (on an error body, `jq -e` stops the script).",
          command: `OP=$(${scale})\necho "$OP" | jq .\nOPERATION_ID=$(echo "$OP" | jq -er .operation_id)`,
        },
        {
          title: "Safe retry",
          description: "The same request with the same key is a replay: the stored answer, marked Idempotent-Replayed: true, nothing executed twice.",
          command: `${scale.replace("curl -s ", "curl -s -D - -o /dev/null ")} | grep -i idempotent-replayed`,
        },
        ...tail("Restores the group's previous desired size."),
      ]),
      sequence("multi_target_action", "One action over three targets, rolled back at once", "A container resize, a function pool target and a node group scale under one X-Orch-Action-Id; the rollback reaches every target.", [
        ...setup(origin),
        {
          title: "Control writes under one action",
          description: "Three targets, three operations, one action id; each write has its own Idempotency-Key.",
          command: [
            `curl -s -X POST ${ctl(CONTROL_PATHS.resize_container, { container_id: "api-1" })} ${write("$ACTION-resize")} -d '{"memory_limit_mb":1024,"cpu_limit_percent":200}' | jq -e .status`,
            `curl -s -X POST ${ctl(CONTROL_PATHS.set_function_pool_target, { function_id: "thumbs" })} ${write("$ACTION-pool")} -d '{"min_instances":2,"max_instances":8}' | jq -e .status`,
            `OPERATION_ID=$(${scale} | jq -er .operation_id)`,
          ].join("\n"),
        },
        ...tail("Undoes the three operations newest first and reports per target."),
      ]),
    ],
  };
}

export function examplesMarkdown(requestUrl: string): string {
  const doc = examplesDocument(requestUrl);
  const out = ["# Quilt Elasticity — examples", "", `Base URL: \`${doc.base_url}\`. Needs ${doc.requires.join(" and ")}.`];
  for (const s of doc.sequences) {
    out.push("", `## ${s.title}`, "", s.description);
    s.steps.forEach((step, i) => out.push("", `### ${i + 1}. ${step.title}`, "", step.description, "", "```sh", step.command, "```"));
  }
  return out.join("\n") + "\n";
}
