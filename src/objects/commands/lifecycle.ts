// What follows a machine's lifecycle step, whoever reported it (a simulated provider timer or a
// webhook provider's callback): a sleeping master or instance that has just come to run releases
// the requests held while it woke; an instance asked to start while it was stopping starts.
import type { GroupTx } from "../tx";
import { releaseHeld } from "./autoscale";
import { startWhenStopped } from "./instances";
import { releaseInstanceHeld } from "./scale-to-zero";

export function afterMachineStep(tx: GroupTx, machineId: string): void {
  releaseHeld(tx, machineId);
  releaseInstanceHeld(tx, machineId);
  startWhenStopped(tx, machineId);
}
