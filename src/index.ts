import { app } from "./app";
import type { Env } from "./env";
import { frontDoor } from "./frontdoor";

export { ActionObject } from "./objects/action";
export { ConsoleFeed } from "./objects/feed";
export { GroupObject } from "./objects/group";
export { HookObject } from "./objects/hook";
export { TargetObject } from "./objects/target";

export default {
  // A Host that is a service group's domain goes to the front door (src/frontdoor, issue 11);
  // every other request reaches the API as before.
  async fetch(request: Request, env: Env, ctx: ExecutionContext) {
    return (await frontDoor(request, env, ctx)) ?? app.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
