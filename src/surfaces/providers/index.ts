// Provider callbacks: `POST /providers/webhook/{group}/machines` — the user's infrastructure
// reports the states of the machines the webhook provider asked for (docs/webhooks.md,
// "Outbound"). Tenant token auth; errors in the `/providers` shape of src/http/errors.ts.
import { Hono } from "hono";
import { z } from "zod";
import { ApiError, badRequest, unwrap } from "../../http/errors";
import { describeIssue, jsonBody } from "../../http/body";
import { tenantAuth } from "../../http/auth";
import type { AppEnv } from "../../http/types";
import type { MachineReport } from "../../providers/webhook";
import { GROUP_NAME_RE, commandContext, groupStub } from "../groups";
import { machineReport, type MachineReportBody } from "./schemas";

const MAX_REPORTS = 100;

export const providers = new Hono<AppEnv>();

// A pool-scoped token may report the machines of its own group (src/surfaces/groups.ts enforces it).
providers.use("*", tenantAuth({ allowPoolScoped: true }));

const toReport = (r: MachineReportBody): MachineReport => ({ ...r, launchtime: r.launchtime === undefined ? undefined : Date.parse(r.launchtime) });

/** One report or a non-empty array of them; each field checked, the first fault named (`[2].state`). */
function parseReports(value: unknown): MachineReport[] {
  const many = Array.isArray(value);
  if (many && value.length === 0) throw badRequest("empty array of machine reports", "send one report or 1 to 100 of them", "body");
  if (many && value.length > MAX_REPORTS) throw badRequest(`more than ${MAX_REPORTS} machine reports`, `send at most ${MAX_REPORTS} per request`, "body");
  const parsed = (many ? z.array(machineReport) : machineReport).safeParse(value);
  if (!parsed.success) {
    const { field, message } = describeIssue(parsed.error);
    throw badRequest(message, parsed.error.issues[0].message, field);
  }
  const list = (many ? parsed.data : [parsed.data]) as MachineReportBody[];
  return list.map(toReport);
}

providers.post("/webhook/:group/machines", jsonBody(z.unknown()), async (c) => {
  const group = c.req.param("group");
  if (!GROUP_NAME_RE.test(group)) throw badRequest("invalid group name", "1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit", "group");
  const reports = parseReports(c.req.valid("json"));
  const r = unwrap(await groupStub(c, group).reportMachines(commandContext(c, "system", group), reports), `group '${group}'`);
  if (r.replayed) c.header("Idempotent-Replayed", "true");
  return c.json({ group, results: r.results }, 200);
});

providers.all("/webhook/:group/machines", (c) => {
  c.header("Allow", "POST");
  throw new ApiError(405, "METHOD_NOT_ALLOWED", `method ${c.req.method} is not allowed here`, "allowed: POST");
});
