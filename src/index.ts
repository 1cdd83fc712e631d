import { app } from "./app";
import type { Env } from "./env";

export { GroupObject } from "./objects/group";

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
