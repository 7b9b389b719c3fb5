import type { AzureMachineLearningWorkspaces } from "@azure/arm-machinelearning";
import type { MonitorClient } from "@azure/arm-monitor";
import type { TokenCredential } from "@azure/identity";
import { armEndpointOf } from "./arm-client.js";

const clients = new WeakMap<AzureMachineLearningWorkspaces, Promise<MonitorClient>>();

/**
 * Azure Monitor's client (`@azure/arm-monitor`) for the workspace the ARM client reaches, made on first use and shared
 * by every adapter of that client.
 *
 * It sends through the ARM client's own pipeline, not one of its own: the same bearer policy and credential, TLS
 * settings (the emulator's CA), retry policy, deadline, stop signal and call counter — so a metrics call behaves like
 * any other ARM call, against Azure and the emulator alike, and counts in `armCallCount`. @azure/core-client's
 * ServiceClient uses a given `pipeline` as it is and adds no policy to it; `credential` is then only the SDK's required
 * argument, the pipeline's bearer policy signs. Version 7 of the package: 8 asks for Node 22, and GreenLight runs on 20
 * as well.
 *
 * Loaded lazily: the package takes ~90 ms to load, and only rollouts with metric gates and deletion previews need it.
 */
export function monitorClientOf(
  client: AzureMachineLearningWorkspaces,
  credential: TokenCredential,
): Promise<MonitorClient> {
  let monitor = clients.get(client);
  if (!monitor) {
    monitor = import("@azure/arm-monitor").then(
      ({ MonitorClient }) =>
        new MonitorClient(credential, client.subscriptionId, {
          endpoint: armEndpointOf(client),
          pipeline: client.pipeline,
        }),
    );
    clients.set(client, monitor);
  }
  return monitor;
}
