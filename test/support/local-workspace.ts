import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AzureMachineLearningWorkspaces } from "@azure/arm-machinelearning";
import { startEmulator } from "../../src/emulator/emulator.js";
import type { EmulatorOptions, RunningEmulator } from "../../src/emulator/emulator.js";
import { createArmClient, localCredential } from "../../src/workspace/arm-client.js";

/** An emulator on a fresh temp data dir, with a real SDK client that trusts its CA. */
export interface LocalWorkspace {
  emulator: RunningEmulator;
  client: AzureMachineLearningWorkspaces;
  /** Stops the emulator and removes its data dir. */
  close(): Promise<void>;
}

/** Starts an emulator on port 0 in a new temp data dir; `options` override its timing. */
export async function startLocalWorkspace(
  options: Omit<EmulatorOptions, "dataDir" | "port"> = {},
): Promise<LocalWorkspace> {
  const dataDir = await mkdtemp(join(tmpdir(), "greenlight-emulator-"));
  let emulator: RunningEmulator;
  try {
    emulator = await startEmulator({ ...options, dataDir, port: 0 });
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const client = createArmClient({
    subscriptionId: emulator.subscriptionId,
    credential: localCredential(),
    endpoint: emulator.armBaseUrl,
    caCertPem: emulator.caCertPem,
  });
  return {
    emulator,
    client,
    close: async () => {
      try {
        await emulator.close();
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    },
  };
}
