import { app } from "./app";
import type { Env } from "./env";

export { ActionObject } from "./objects/action";
export { GroupObject } from "./objects/group";
export { HookObject } from "./objects/hook";
export { TargetObject } from "./objects/target";

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
