import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulator, type RunningEmulator } from "../../src/emulator/emulator.js";

/**
 * The emulator alone in its own process (so its CPU is not the bot's or the load generator's), fresh workspace,
 * provisioning delay 0 for set-up. The SDK is not loaded here, as it is not in the real emulator process: benchmarks
 * create what they need through the SDK from their own process. A plain node:http port on 127.0.0.1 serves
 * - `POST /score`: the emulator's scoring router for endpoint `bench`, over the same transport as the bare baseline;
 * - `POST /provisioning-delay?ms=3000`: changes the provisioning delay later;
 * - `POST /retry-after?seconds=1`: changes the Retry-After sent on long-running operations (0: none);
 * - `GET /applied?endpoint=e&traffic={"blue":90,"green":10}`: answers once the endpoint takes that traffic and its
 *   provisioningState is Succeeded (the operation that set it has ended), looked at in this process every 2 ms, with
 *   `{ operationMs }`: how long that update ran, from its PUT; 504 after 60 s. How a benchmark sees "traffic applied"
 *   without polling ARM.
 */
export type EmulatorServerInfo = Pick<
  RunningEmulator,
  "armBaseUrl" | "subscriptionId" | "resourceGroup" | "workspaceName" | "workspaceId" | "location" | "caCertPem"
> & {
  /** The emulator's data folder (`EMULATOR_DATA_DIR` for the bot: its CA is at `tls/ca.pem`). */
  dataDir: string;
  controlUrl: string;
  /** Endpoint `bench`'s scoring router on plain HTTP. */
  scoreUrl: string;
};

const dataDir = mkdtempSync(join(tmpdir(), "greenlight-bench-emulator-"));
const emulator = await startEmulator({ dataDir, port: 0, provisioningDelayMs: 0, retryAfterSeconds: 0 });

const control = createServer((req, res) => {
  if (req.url === "/score") return void emulator.scoring.score(req, res, "bench");
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const ms = Number(url.searchParams.get("ms"));
  if (req.method === "POST" && url.pathname === "/provisioning-delay" && Number.isInteger(ms) && ms >= 0) {
    emulator.workspace.timing.provisioningDelayMs = ms;
    res.writeHead(204).end();
    return;
  }
  const seconds = Number(url.searchParams.get("seconds"));
  if (req.method === "POST" && url.pathname === "/retry-after" && Number.isInteger(seconds) && seconds >= 0) {
    emulator.workspace.timing.retryAfterSeconds = seconds;
    res.writeHead(204).end();
    return;
  }
  if (req.method === "GET" && url.pathname === "/applied") {
    return void whenApplied(url.searchParams.get("endpoint") ?? "", url.searchParams.get("traffic") ?? "{}", res);
  }
  res.writeHead(404).end();
});
control.keepAliveTimeout = 60_000;

function whenApplied(endpoint: string, trafficJson: string, res: ServerResponse): void {
  const wanted = JSON.parse(trafficJson) as Record<string, number>;
  const started = performance.now();
  let takenAt: number | undefined;
  const look = (): void => {
    const e = emulator.workspace.findEndpoint(endpoint);
    const names = new Set([...Object.keys(e?.traffic ?? {}), ...Object.keys(wanted)]);
    const taken = e !== undefined && [...names].every((n) => (e.traffic[n] ?? 0) === (wanted[n] ?? 0));
    if (taken) takenAt ??= performance.now();
    if (taken && e.provisioningState === "Succeeded") {
      // How long the update ran here: from the PUT that set the traffic (seen within 2 ms) to its end.
      const body = JSON.stringify({ operationMs: performance.now() - (takenAt ?? started) });
      return void res.writeHead(200, { "content-type": "application/json" }).end(body);
    }
    if (performance.now() - started > 60_000) return void res.writeHead(504).end();
    setTimeout(look, 2);
  };
  look();
}

control.listen(0, "127.0.0.1", () => {
  const base = `http://127.0.0.1:${(control.address() as AddressInfo).port}`;
  const info: EmulatorServerInfo = {
    armBaseUrl: emulator.armBaseUrl,
    subscriptionId: emulator.subscriptionId,
    resourceGroup: emulator.resourceGroup,
    workspaceName: emulator.workspaceName,
    workspaceId: emulator.workspaceId,
    location: emulator.location,
    caCertPem: emulator.caCertPem,
    dataDir,
    controlUrl: base,
    scoreUrl: `${base}/score`,
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
