import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulator } from "../../src/emulator/emulator.js";

/**
 * The emulator as `npm run emulator` runs it, plus its scoring router for endpoint `bench` mounted on a plain
 * node:http server, so it can be compared with the bare baseline over the same transport. The bench endpoint is
 * created by the parent through the SDK: the SDK is not loaded here, as it is not in the real emulator process.
 */
const dataDir = mkdtempSync(join(tmpdir(), "greenlight-bench-"));
const emulator = await startEmulator({ dataDir, port: 0, provisioningDelayMs: 0, retryAfterSeconds: 0 });
const plain = createServer((req, res) => {
  void emulator.scoring.score(req, res, "bench");
});
plain.keepAliveTimeout = 60_000;
plain.listen(0, "127.0.0.1", () => {
  const port = (plain.address() as AddressInfo).port;
  console.log(
    JSON.stringify({
      ready: {
        httpUrl: `http://127.0.0.1:${port}/score`,
        armBaseUrl: emulator.armBaseUrl,
        subscriptionId: emulator.subscriptionId,
        resourceGroup: emulator.resourceGroup,
        workspaceName: emulator.workspaceName,
        workspaceId: emulator.workspaceId,
        location: emulator.location,
        ca: emulator.caCertPem,
      },
    }),
  );
});
process.once("SIGTERM", () => {
  plain.closeAllConnections();
  plain.close(
    () =>
      void emulator.close().then(() => {
        rmSync(dataDir, { recursive: true, force: true });
        process.exit(0);
      }),
  );
});
