import type { LocalWorkspace } from "../local-workspace.js";
import type { DeploymentProperties, StoredDeployment, StoredOperation } from "../state/resources.js";

/**
 * Provisions (or re-provisions) a deployment: the model really loads at once, and the operation ends once the
 * provisioning delay has run — Failed with the container's reason when the model or script would not start.
 */
export function provision(ws: LocalWorkspace, deployment: StoredDeployment, op: StoredOperation): void {
  const started = Date.now();
  ws.later(async () => {
    await ws.faults.provisioningHold(deployment.endpointName, deployment.name);
    const failure = await ws.startRuntime(deployment);
    const remaining = ws.timing.provisioningDelayMs - (Date.now() - started);
    if (remaining > 0) await new Promise((resolve) => setTimeout(resolve, remaining));
    // Replaced or deleted meanwhile: this operation's outcome is no longer the deployment's.
    if (ws.findDeployment(deployment.endpointName, deployment.name) !== deployment) return;
    deployment.provisioningState = failure ? "Failed" : "Succeeded";
    if (failure) {
      deployment.failure = failure;
      ws.finishOperation(op, {
        code: "ResourceNotReady",
        message: `User container has crashed or terminated: ${failure} Read the deployment logs (getLogs) for details.`,
      });
    } else {
      delete deployment.failure;
      delete deployment.serving;
      ws.finishOperation(op);
    }
    ws.save();
  }, 0);
}

/** What serves while `existing` is replaced: its current model if it was running, else whatever it kept serving. */
export function servingOf(existing: StoredDeployment | undefined): { serving?: DeploymentProperties } {
  const serving = existing?.provisioningState === "Succeeded" ? existing.properties : existing?.serving;
  return serving ? { serving } : {};
}
