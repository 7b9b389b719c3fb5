// The control-plane contract against the local Azure ML workspace (src/emulator), each suite on a fresh temp data dir.
import type { EmulatorOptions } from "../../src/emulator/emulator.js";
import { startLocalWorkspace } from "../support/local-workspace.js";
import {
  describeConflictContract,
  describeControlPlaneContract,
  type ContractTarget,
} from "./azure-ml-control-plane.contract.js";

async function emulatorTarget(timing: Pick<EmulatorOptions, "provisioningDelayMs">): Promise<ContractTarget> {
  // Retry-After 0 sends none, so the SDK polls at pollIntervalMs.
  const workspace = await startLocalWorkspace({ ...timing, retryAfterSeconds: 0 });
  const { emulator, client } = workspace;
  return {
    client,
    subscriptionId: emulator.subscriptionId,
    resourceGroup: emulator.resourceGroup,
    workspaceName: emulator.workspaceName,
    location: emulator.location,
    // Seeded on first start: diabetes 1, 2 and 3 (3 is deliberately faulty).
    model: { name: "diabetes", versions: ["1", "2"] },
    modelId: (version) => `${emulator.workspaceId}/models/diabetes/versions/${version}`,
    deploymentTemplate: {},
    pollIntervalMs: 10,
    capabilities: { mirrorTraffic: true, logs: true, conflictWhileProvisioning: true },
    cleanup: () => workspace.close(),
  };
}

describeControlPlaneContract("Azure ML control plane: emulator", () => emulatorTarget({ provisioningDelayMs: 50 }));

// Operations held in flight for a second, so two simultaneous changes cannot both slip through on a busy machine
// (with 50 ms they did, running six suites at once on two cores).
describeConflictContract("Azure ML control plane, concurrency: emulator", () =>
  emulatorTarget({ provisioningDelayMs: 1_000 }),
);
