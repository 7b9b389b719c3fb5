import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulator } from "../../src/emulator/emulator.js";
import { createArmClient, localCredential } from "../../src/workspace/arm-client.js";

/**
 * The emulator, with a bench endpoint created through the real SDK, plus its scoring router mounted on a plain
 * node:http server so it can be compared with the bare baseline over the same transport.
 */
const dataDir = mkdtempSync(join(tmpdir(), "greenlight-bench-"));
const emulator = await startEmulator({ dataDir, port: 0, provisioningDelayMs: 0, retryAfterSeconds: 0 });
const client = createArmClient({
  subscriptionId: emulator.subscriptionId,
  credential: localCredential(),
  endpoint: emulator.armBaseUrl,
  caCertPem: emulator.caCertPem,
});
const { resourceGroup: rg, workspaceName: ws, location } = emulator;
const poll = { updateIntervalInMs: 10 };
await client.onlineEndpoints.beginCreateOrUpdateAndWait(
  rg,
  ws,
  "bench",
  { location, properties: { authMode: "Key" } },
  poll,
);
await client.onlineDeployments.beginCreateOrUpdateAndWait(
  rg,
  ws,
  "bench",
  "blue",
  {
    location,
    sku: { name: "Default", capacity: 4 },
    properties: {
      endpointComputeType: "Managed",
      model: `${emulator.workspaceId}/models/diabetes/versions/1`,
      requestSettings: { maxConcurrentRequestsPerInstance: 8 },
    },
  },
  poll,
);
const endpoint = await client.onlineEndpoints.get(rg, ws, "bench");
endpoint.properties.traffic = { blue: 100 };
await client.onlineEndpoints.beginCreateOrUpdateAndWait(rg, ws, "bench", endpoint, poll);
const keys = await client.onlineEndpoints.listKeys(rg, ws, "bench");

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
        httpsUrl: endpoint.properties.scoringUri,
        key: keys.primaryKey,
        ca: emulator.caCertPem,
        armBaseUrl: emulator.armBaseUrl,
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
