import { startEmulator } from "./emulator.js";
import { loadEmulatorSettings } from "./settings.js";

/** `npm run emulator`: the local Azure ML workspace on its own. */
const settings = loadEmulatorSettings(process.env);
const emulator = await startEmulator({
  dataDir: settings.EMULATOR_DATA_DIR,
  port: settings.EMULATOR_PORT,
  provisioningDelayMs: settings.EMULATOR_PROVISIONING_DELAY_MS,
  retryAfterSeconds: settings.EMULATOR_RETRY_AFTER_SECONDS,
  maxScoringRequestBytes: settings.EMULATOR_MAX_REQUEST_BYTES,
  metricsDelaySeconds: settings.EMULATOR_METRICS_DELAY_SECONDS,
  log: (line, level = "info") => {
    if (level === "info" || settings.EMULATOR_LOG_LEVEL === "debug") console.log(`[emulator] ${line}`);
  },
});

console.log(`Local Azure ML workspace is up.
  ARM base URL:   ${emulator.armBaseUrl}
  Workspace id:   ${emulator.workspaceId}
  CA certificate: ${emulator.caCertPath}
  Scoring:        ${emulator.armBaseUrl}/endpoints/<endpoint>/score
  Admin routes:   ${emulator.adminBaseUrl}
Press Ctrl-C to stop.`);

const stop = (): void => {
  void emulator.close().then(() => process.exit(0));
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
