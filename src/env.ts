import type { ActionObject } from "./objects/action";
import type { ConsoleFeed } from "./objects/feed";
import type { GroupObject } from "./objects/group";
import type { HookObject } from "./objects/hook";
import type { TargetObject } from "./objects/target";

export interface Env {
  DB: D1Database;
  /** Groups and Quilt function pools (src/objects/group.ts). */
  GROUPS: DurableObjectNamespace<GroupObject>;
  /** Quilt containers and workloads (src/objects/target.ts). */
  TARGETS: DurableObjectNamespace<TargetObject>;
  /** Quilt actions: rollbacks and the index of their operations (src/objects/action.ts). */
  ACTIONS: DurableObjectNamespace<ActionObject>;
  /** Inbound scale triggers (src/objects/hook.ts). */
  HOOKS: DurableObjectNamespace<HookObject>;
  /** The console's live feed, one object per tenant (src/objects/feed.ts). */
  FEEDS: DurableObjectNamespace<ConsoleFeed>;
  /** Static assets (wrangler.toml [assets], built by `npm install`): the /docs page's Swagger UI files. */
  ASSETS: Fetcher;
  /** Authorizes /admin/...: a secret in production, `--var ADMIN_TOKEN:<v>` locally. */
  ADMIN_TOKEN?: string;
  DEFAULT_PROVIDER: string;
  /** CPU cores of a node: Quilt's cpu_limit_percent may reach 100 × this (default 8; src/surfaces/quilt/schemas.ts). */
  NODE_CPU_CORES?: string;
}

type ScalegateEnv = Env;
declare global {
  // What `cloudflare:test`'s `env` is typed as in the tests.
  namespace Cloudflare {
    interface Env extends ScalegateEnv {}
  }
}
