import type { ProviderConfig } from "../domain/model";
import { simulatedProvider } from "./simulated";
import type { Provider } from "./types";

export function providerFor(config: ProviderConfig): Provider {
  switch (config.type) {
    case "simulated":
      return simulatedProvider(config);
  }
}
