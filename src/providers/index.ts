import type { ProviderConfig } from "../domain/model";
import { simulatedProvider } from "./simulated";
import type { Provider } from "./types";
import { webhookProvider } from "./webhook";

/** The provider of a group's config; `group` names the group in outbound events. */
export function providerFor(config: ProviderConfig, group: string): Provider {
  switch (config.type) {
    case "simulated":
      return simulatedProvider(config);
    case "webhook":
      return webhookProvider(config, group);
  }
}
