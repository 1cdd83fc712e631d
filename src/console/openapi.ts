// The console's routes in /openapi/scalegate.json (src/openapi/scalegate.ts lists them): the page
// and its assets, sign-in/out, the aggregate reads and the live feed. Declared from the same zod
// contracts the routes validate with (./schemas.ts).
import { z } from "zod";
import type { Operation } from "../openapi/builder";
import { actionsAnswer, deliveriesAnswer, frontDoorAnswer, groupDetail, groupSummary, limitQuery, sessionAnswer, sessionBody } from "./schemas";
import { CSRF_HEADER, SESSION_COOKIE } from "./sessions";

const SESSION_OR_TOKEN = ["consoleSession", "tenantBearer"];

/** The security schemes these operations name (added to the document's). */
export const consoleSecuritySchemes = {
  consoleSession: {
    type: "apiKey",
    in: "cookie",
    name: SESSION_COOKIE,
    description: `The console's session cookie (POST /console/session). Requests that change something must also send ${CSRF_HEADER} with the session's csrf_token.`,
  },
};

export function consoleOperations(): Operation[] {
  const op = (o: Omit<Operation, "tags">): Operation => ({ ...o, tags: ["console"] });
  return [
    op({ method: "get", path: "/console", operationId: "consolePage", summary: "The browser console's page (sign-in, groups, a group, actions, hooks)", security: [], responses: { 200: { description: "The page", schema: z.string(), contentType: "text/html" } } }),
    op({ method: "get", path: "/console/assets/{file}", operationId: "consoleAsset", summary: "The console's script and stylesheets", security: [], params: { file: { description: "app.js, app.css, uPlot.min.css, LICENSE-uplot.txt" } }, responses: { 200: { description: "The file", schema: z.string(), contentType: "*/*" } } }),
    op({
      method: "post", path: "/console/session", operationId: "createConsoleSession", summary: "Sign in: a tenant-wide token for a session cookie (HttpOnly, SameSite=Strict, Secure outside localhost, one hour)", security: [],
      body: { schema: sessionBody },
      responses: { 201: { description: "The session; the cookie is in Set-Cookie", schema: sessionAnswer, headers: { "Set-Cookie": `${SESSION_COOKIE}=…; Path=/; Max-Age=3600; HttpOnly; SameSite=Strict[; Secure]` } } },
    }),
    op({ method: "get", path: "/console/session", operationId: "getConsoleSession", summary: "The current session and its CSRF value", security: ["consoleSession"], responses: { 200: { description: "The session", schema: sessionAnswer } } }),
    op({ method: "delete", path: "/console/session", operationId: "deleteConsoleSession", summary: "Sign out (needs X-CSRF-Token)", security: ["consoleSession"], headers: { [CSRF_HEADER]: { description: "the session's csrf_token", required: true } }, responses: { 204: { description: "Signed out; the cookie is cleared" } } }),
    op({ method: "get", path: "/console/api/groups", operationId: "consoleGroups", summary: "Every group of the tenant, whatever dialect made it, with its counts", security: SESSION_OR_TOKEN, responses: { 200: { description: "The groups", schema: z.looseObject({ groups: z.array(groupSummary) }) } } }),
    op({
      method: "get", path: "/console/api/groups/{name}", operationId: "consoleGroup", summary: "One group: machines, ledger (activities and decisions), chart series, policy bands", security: SESSION_OR_TOKEN,
      params: { name: { description: "the group's name" } }, query: limitQuery,
      responses: { 200: { description: "The group", schema: groupDetail } },
    }),
    op({ method: "get", path: "/console/api/actions", operationId: "consoleActions", summary: "Orchestrator actions (X-Orch-Action-Id), newest first, each with its operations", security: SESSION_OR_TOKEN, query: limitQuery, responses: { 200: { description: "The actions", schema: actionsAnswer } } }),
    op({ method: "get", path: "/console/api/deliveries", operationId: "consoleDeliveries", summary: "Each hook's recent deliveries and the webhook provider's outbound deliveries", security: SESSION_OR_TOKEN, query: limitQuery, responses: { 200: { description: "The deliveries", schema: deliveriesAnswer } } }),
    op({ method: "get", path: "/console/api/front-door", operationId: "consoleFrontDoor", summary: "Front door per service group with domains: requests/s, in flight, held, cold starts and their wait", security: SESSION_OR_TOKEN, query: limitQuery, responses: { 200: { description: "The groups", schema: frontDoorAnswer } } }),
    op({
      method: "get", path: "/console/api/feed", operationId: "consoleFeed", summary: "The live feed: a WebSocket of change events ({type: 'change', target, at, types, counts?})", security: SESSION_OR_TOKEN,
      headers: { Upgrade: { description: "websocket", required: true } },
      responses: { 101: { description: "Switching protocols: the WebSocket" }, 200: { description: "Never answered: the route is a WebSocket (426 without Upgrade)" } },
    }),
  ];
}
