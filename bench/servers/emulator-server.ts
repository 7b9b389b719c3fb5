import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulator } from "../../src/emulator/emulator.js";

/**
 * The emulator alone in its own process (so its CPU is not the bot's), with a fresh workspace and provisioning delay
 * 0 for set-up. A plain node:http control port on 127.0.0.1 lets the benchmark change the provisioning delay later:
 * `POST /provisioning-delay?ms=3000`.
 */
export interface EmulatorServerInfo {
  armBaseUrl: string;
  subscriptionId: string;
  resourceGroup: string;
  workspaceName: string;
  workspaceId: string;
  location: string;
  caCertPem: string;
  /** The emulator's data folder (`EMULATOR_DATA_DIR` for the bot: its CA is at `tls/ca.pem`). */
  dataDir: string;
  controlUrl: string;
}

const dataDir = mkdtempSync(join(tmpdir(), "greenlight-bench-emulator-"));
const emulator = await startEmulator({ dataDir, port: 0, provisioningDelayMs: 0, retryAfterSeconds: 0 });

const control = createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const ms = Number(url.searchParams.get("ms"));
  if (req.method === "POST" && url.pathname === "/provisioning-delay" && Number.isInteger(ms) && ms >= 0) {
    emulator.workspace.timing.provisioningDelayMs = ms;
    res.writeHead(204).end();
    return;
  }
  res.writeHead(404).end();
});
control.listen(0, "127.0.0.1", () => {
  const info: EmulatorServerInfo = {
    armBaseUrl: emulator.armBaseUrl,
    subscriptionId: emulator.subscriptionId,
    resourceGroup: emulator.resourceGroup,
    workspaceName: emulator.workspaceName,
    workspaceId: emulator.workspaceId,
    location: emulator.location,
    caCertPem: emulator.caCertPem,
    dataDir,
    controlUrl: `http://127.0.0.1:${(control.address() as AddressInfo).port}`,
  };
  console.log(JSON.stringify({ ready: info }));
});
process.once("SIGTERM", () => {
  control.closeAllConnections();
  control.close(
    () =>
      void emulator.close().then(() => {
        rmSync(dataDir, { recursive: true, force: true });
        process.exit(0);
      }),
  );
});
