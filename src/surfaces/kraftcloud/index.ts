// KraftCloud Services Autoscale API v1 under /v1 (the upstream file's paths, relative to /v1;
// our own document: src/openapi/kraftcloud.ts). docs/kraftcloud.md. Sub-apps per resource; errors of whole requests are rendered by
// src/http/errors.ts, per-item errors by ./envelope.ts.
import { Hono } from "hono";
import { tenantAuth, tenantWide } from "../../http/auth";
import type { AppEnv } from "../../http/types";
import { autoscale } from "./autoscale";
import { instances } from "./instances";
import { checkQueries } from "./queries";
import { replayRoutes } from "./replay";
import { services } from "./services";

export const kraftcloud = new Hono<AppEnv>();

// Query parameters are checked first (./queries.ts): like a malformed body, needs no credential.
kraftcloud.use("*", checkQueries);
// Bearer, or Basic with the token as password; 401s challenge both. Pool-scoped tokens reach their
// own group through the routes that name one (/services/{uuid}/..., /instances/{uuid}/...);
// collection routes are tenant-wide (403 for them). docs/elastisys.md, "Pool-scoped tokens".
kraftcloud.use("*", tenantAuth({ basic: true, allowPoolScoped: true }));
for (const path of ["/services", "/services/autoscale", "/instances", "/instances/start", "/instances/stop"]) kraftcloud.use(path, tenantWide);

// services.ts passes `/services/autoscale` on to the autoscale routes mounted below.
kraftcloud.route("/services", services);
kraftcloud.route("/instances", instances);
// autoscale routes are mounted by autoscale.ts
kraftcloud.route("/", autoscale);
kraftcloud.route("/", replayRoutes); // POST /services/{uuid}/autoscale/replay (./replay.ts)
