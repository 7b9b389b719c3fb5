import { mkdirSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { createAdminRouter } from "./admin/admin-router.js";
import { createArmRouter } from "./control-plane/arm-router.js";
import { ScoringRouter } from "./data-plane/scoring-router.js";
import { sendJson } from "./http/http-io.js";
import { pathSegments } from "./http/route-table.js";
import { LocalWorkspace } from "./local-workspace.js";
import { seedSamples, seedWorkspace } from "./seed/seed-workspace.js";
import type { EmulatorLog } from "./settings.js";
import { StateFile } from "./state/state-file.js";
import { ensureTlsMaterial } from "./tls.js";

export interface EmulatorOptions {
  /** Folder for state, certificates and logs. Created when missing. */
  dataDir: string;
  /** TCP port on 127.0.0.1; 0 picks a free one. */
  port?: number;
  /** How long a create/update/delete takes before its operation completes. */
  provisioningDelayMs?: number;
  /** `Retry-After` seconds sent on operation and 202 responses, at least (see `LocalWorkspace.retryAfter`); 0 sends none. */
  retryAfterSeconds?: number;
  /** Largest scoring request body accepted (413 beyond). */
  maxScoringRequestBytes?: number;
  /**
   * How long after a minute ends the metrics route reports it. 0 by default here, so a test sees a request in the
   * metrics at once; `npm run emulator` takes EMULATOR_METRICS_DELAY_SECONDS (120 s by default, as Azure is late).
   */
  metricsDelaySeconds?: number;
  /** The workspace's clock: operations' times, and the minute a scoring request is counted in. The system's by default. */
  now?: () => Date;
  /** Receives the emulator's own log lines (never containing keys), each with its level. */
  log?: EmulatorLog;
}

export interface RunningEmulator {
  /** `https://127.0.0.1:<port>` — pass as the SDK client's `endpoint`. */
  armBaseUrl: string;
  subscriptionId: string;
  resourceGroup: string;
  workspaceName: string;
  /** Full ARM id of the seeded workspace. */
  workspaceId: string;
  location: string;
  /** PEM of the CA that signed the emulator's TLS certificate, and where it is on disk. */
  caCertPem: string;
  caCertPath: string;
  /** Emulator-only routes (faults, counters, samples): `${armBaseUrl}/_emulator`. */
  adminBaseUrl: string;
  /** The workspace itself, for in-process use (benchmarks). */
  workspace: LocalWorkspace;
  /** The scoring front door, for in-process use (benchmarks). */
  scoring: ScoringRouter;
  close(): Promise<void>;
}

/** Starts the local Azure ML workspace: ARM control plane, scoring data plane and model runtimes on one HTTPS port. */
export async function startEmulator(options: EmulatorOptions): Promise<RunningEmulator> {
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const log = options.log ?? (() => {});
  const tls = ensureTlsMaterial(dataDir);
  const stateFile = new StateFile(join(dataDir, "state.json"));
  const existing = stateFile.load();
  const state = existing ?? seedWorkspace(options.now?.() ?? new Date());
  const ws = new LocalWorkspace(
    state,
    stateFile,
    dataDir,
    {
      provisioningDelayMs: options.provisioningDelayMs ?? 2000,
      retryAfterSeconds: options.retryAfterSeconds ?? 1,
      metricsDelaySeconds: options.metricsDelaySeconds ?? 0,
    },
    log,
    options.now,
  );
  if (!existing) {
    ws.save();
    log(`seeded workspace ${state.name} in ${dataDir}`);
  }
  await startDeployments(ws);

  const scoring = new ScoringRouter(ws, options.maxScoringRequestBytes ?? 5 * 1024 * 1024);
  const arm = createArmRouter(ws, scoring);
  const admin = createAdminRouter(ws, scoring, seedSamples());
  let baseUrl = "";

  const server: Server = createServer({ key: tls.keyPem, cert: tls.certPem, keepAlive: true }, (req, res) => {
    const path = req.url ?? "/";
    // @azure/arm-monitor sends a resource id's own leading slash after its own (`//subscriptions/…`), which URL would
    // read as a host.
    const url = new URL(path.startsWith("//") ? path.replace(/^\/+/, "/") : path, baseUrl);
    const segments = pathSegments(url.pathname);
    const handled = (() => {
      if (segments[0] === "endpoints" && segments.length === 3 && segments[2] === "score" && req.method === "POST") {
        return scoring.score(req, res, segments[1] ?? "");
      }
      if (segments[0] === "endpoints" && segments.length === 3 && segments[2] === "swagger.json") {
        return Promise.resolve(sendJson(res, 200, swagger(segments[1] ?? "")));
      }
      if (segments[0] === "_emulator") return admin(req, res, segments);
      return arm.handle(req, res, url, segments, baseUrl);
    })();
    handled.catch((error: unknown) => {
      log(`unhandled error on ${req.method} ${url.pathname}: ${String(error)}`);
      if (!res.headersSent) sendJson(res, 500, { error: { code: "InternalServerError", message: "Internal error." } });
      else res.destroy();
    });
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolveListen());
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `https://127.0.0.1:${port}`;

  return {
    armBaseUrl: baseUrl,
    subscriptionId: state.subscriptionId,
    resourceGroup: state.resourceGroup,
    workspaceName: state.name,
    workspaceId: ws.workspaceId,
    location: state.location,
    caCertPem: tls.caCertPem,
    caCertPath: tls.caCertPath,
    adminBaseUrl: `${baseUrl}/_emulator`,
    workspace: ws,
    scoring,
    async close() {
      await new Promise<void>((resolveClose) => {
        server.close(() => resolveClose());
        server.closeAllConnections();
      });
      await ws.close();
    },
  };
}

/**
 * Brings the workspace back after a start: loads every deployment's model, and finishes operations a previous
 * process left in flight (their resources' target state is already stored).
 */
async function startDeployments(ws: LocalWorkspace): Promise<void> {
  for (const endpoint of Object.values(ws.state.endpoints)) {
    if (endpoint.provisioningState === "Deleting") {
      delete ws.state.deployments[endpoint.name.toLowerCase()];
      delete ws.state.endpoints[endpoint.name.toLowerCase()];
    } else if (endpoint.provisioningState !== "Failed") {
      endpoint.provisioningState = "Succeeded";
    }
  }
  const all = Object.values(ws.state.deployments).flatMap((byName) => Object.values(byName));
  await Promise.all(
    all.map(async (deployment) => {
      if (deployment.provisioningState === "Deleting") {
        delete ws.state.deployments[deployment.endpointName.toLowerCase()]?.[deployment.name.toLowerCase()];
        return;
      }
      if (deployment.provisioningState !== "Failed") {
        const failure = await ws.startRuntime(deployment);
        if (!failure) {
          deployment.provisioningState = "Succeeded";
          delete deployment.serving;
          return;
        }
        deployment.provisioningState = "Failed";
        deployment.failure = failure;
      }
      // A failed update left the previous model serving; bring that back.
      if (deployment.serving) await ws.startRuntime({ ...deployment, properties: deployment.serving });
    }),
  );
  for (const op of Object.values(ws.state.operations)) {
    if (op.status === "InProgress") ws.finishOperation(op);
  }
  ws.save();
}

function swagger(endpoint: string): unknown {
  return {
    openapi: "3.0.1",
    info: { title: `${endpoint} scoring`, version: "1.0" },
    paths: { "/score": { post: { summary: "Score a request", responses: { "200": { description: "Predictions" } } } } },
  };
}
