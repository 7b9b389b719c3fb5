import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { durationMs } from "../control-plane/validation.js";
import { PayloadTooLargeError, readBody } from "../http/http-io.js";
import type { LocalWorkspace } from "../local-workspace.js";
import type { ScoringOutcome } from "../runtime/deployment-runtime.js";
import type { StoredDeployment, StoredEndpoint } from "../state/resources.js";
import { DeploymentCounters } from "./deployment-counters.js";
import { isAuthorized } from "./endpoint-auth.js";

const MODEL_DEPLOYMENT_HEADER = "azureml-model-deployment";
// azmlinfsrv answers 431 to a longer x-request-id (reference §6).
const MAX_REQUEST_ID_LENGTH = 100;

/**
 * The scoring front door of every endpoint: auth, routing by traffic or by header, mirror traffic, the
 * concurrency limit (429), the request timeout (408) and the container's failures (424), as reference §6 lists.
 */
export class ScoringRouter {
  private readonly counters = new Map<string, DeploymentCounters>();
  private readonly inFlight = new Map<string, number>();

  constructor(
    private readonly ws: LocalWorkspace,
    private readonly maxRequestBytes: number,
    private readonly random: () => number = Math.random,
  ) {}

  async score(req: IncomingMessage, res: ServerResponse, endpointName: string): Promise<void> {
    const started = performance.now();
    const clientRequestId = headerValue(req, "x-request-id");
    const requestId = clientRequestId ?? randomUUID();
    const reply = (status: number, body: string, headers: Record<string, string> = {}): void => {
      res.writeHead(status, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
        "x-request-id": requestId,
        "x-ms-request-id": requestId,
        server: "azureml-frontdoor",
        ...headers,
      });
      res.end(body);
    };
    const message = (text: string): string => JSON.stringify({ message: text });

    if (requestId.length > MAX_REQUEST_ID_LENGTH) {
      req.resume();
      return reply(431, message(`x-request-id must be at most ${MAX_REQUEST_ID_LENGTH} characters.`));
    }
    const endpoint = this.ws.findEndpoint(endpointName);
    if (!endpoint || endpoint.provisioningState === "Deleting") {
      return reply(404, message(`Endpoint ${endpointName} not found.`));
    }
    if (!isAuthorized(endpoint, req.headers.authorization, Math.floor(Date.now() / 1000))) {
      req.resume();
      return reply(401, message("Unauthorized: send 'Authorization: Bearer <endpoint key or token>'."));
    }
    const named = headerValue(req, MODEL_DEPLOYMENT_HEADER);
    const target = named ? this.ws.findDeployment(endpoint.name, named) : this.pickByTraffic(endpoint);
    if (!target) {
      req.resume();
      return reply(
        404,
        message(
          named
            ? `Deployment ${named} not found in endpoint ${endpoint.name}.`
            : "The endpoint doesn't have any valid deployment with positive weight.",
        ),
      );
    }
    let body: string;
    try {
      body = await readBody(req, this.maxRequestBytes);
    } catch (error) {
      if (error instanceof PayloadTooLargeError) return reply(413, message(error.message));
      throw error;
    }
    if (!named) this.mirror(endpoint, body);

    const result = await this.run(endpoint, target, body);
    const latency = performance.now() - started;
    this.countersOf(endpoint.name, target.name).record(result.status, latency);
    reply(result.status, result.body, { [MODEL_DEPLOYMENT_HEADER]: target.name, ...result.headers });
  }

  /** Per-deployment counters of one endpoint. */
  metrics(endpointName: string): Record<string, ReturnType<DeploymentCounters["snapshot"]>> {
    const out: Record<string, ReturnType<DeploymentCounters["snapshot"]>> = {};
    for (const d of this.ws.deploymentsOf(endpointName)) out[d.name] = this.countersOf(endpointName, d.name).snapshot();
    return out;
  }

  resetMetrics(): void {
    this.counters.clear();
  }

  private pickByTraffic(endpoint: StoredEndpoint): StoredDeployment | undefined {
    const weighted = Object.entries(endpoint.traffic).filter(([, w]) => w > 0);
    const total = weighted.reduce((sum, [, w]) => sum + w, 0);
    if (total <= 0) return undefined;
    let point = this.random() * total;
    for (const [name, weight] of weighted) {
      point -= weight;
      if (point < 0) return this.ws.findDeployment(endpoint.name, name);
    }
    const last = weighted.at(-1);
    return last && this.ws.findDeployment(endpoint.name, last[0]);
  }

  /** Copies a traffic-routed request to the mirror deployment; its answer is ignored, only counted. */
  private mirror(endpoint: StoredEndpoint, body: string): void {
    for (const [name, weight] of Object.entries(endpoint.mirrorTraffic)) {
      if (weight <= 0 || this.random() * 100 >= weight) continue;
      const deployment = this.ws.findDeployment(endpoint.name, name);
      if (!deployment) continue;
      const started = performance.now();
      void this.run(endpoint, deployment, body).then((r) =>
        this.countersOf(endpoint.name, name).record(r.status, performance.now() - started),
      );
    }
  }

  private async run(
    endpoint: StoredEndpoint,
    deployment: StoredDeployment,
    body: string,
  ): Promise<{ status: number; body: string; headers: Record<string, string> }> {
    const message = (text: string): string => JSON.stringify({ message: text });
    const runtime = this.ws.runtimeOf(endpoint.name, deployment.name);
    // A failed update keeps the previous runtime serving; only a deployment that never started has none.
    if (!runtime || deployment.provisioningState === "Deleting") {
      return {
        status: 503,
        body: message(
          `Deployment ${deployment.name} is not ready (provisioningState ${deployment.provisioningState}).`,
        ),
        headers: {},
      };
    }
    const key = `${endpoint.name}/${deployment.name}`.toLowerCase();
    const settings = deployment.properties.requestSettings;
    const limit = 2 * settings.maxConcurrentRequestsPerInstance * deployment.sku.capacity;
    const current = this.inFlight.get(key) ?? 0;
    if (current >= limit) {
      return { status: 429, body: message("Too many pending requests."), headers: {} };
    }
    this.inFlight.set(key, current + 1);
    const timeoutMs = durationMs(settings.requestTimeout) ?? 5000;
    const container = this.container(endpoint.name, deployment.name, body, runtime).finally(() =>
      this.inFlight.set(key, (this.inFlight.get(key) ?? 1) - 1),
    );
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
    });
    const outcome = await Promise.race([container, timedOut]);
    clearTimeout(timer);
    if (outcome === "timeout") {
      return { status: 408, body: message(`Request timed out after ${timeoutMs} ms (requestTimeout).`), headers: {} };
    }
    const timing = { "x-ms-run-fn-exec-ms": outcome.execMs.toFixed(3) };
    if (outcome.status === 200) return { status: 200, body: outcome.body, headers: timing };
    // The front door turns a container's non-200 answer into 424 and says why in these headers.
    return {
      status: 424,
      body: outcome.body,
      headers: {
        ...timing,
        "ms-azureml-model-error-statuscode": String(outcome.status),
        "ms-azureml-model-error-reason": outcome.runFunctionFailed ? "model_error" : "bad_request",
        "x-ms-run-function-failed": outcome.runFunctionFailed ? "True" : "False",
      },
    };
  }

  private async container(
    endpoint: string,
    deployment: string,
    body: string,
    runtime: { score(raw: string): Promise<ScoringOutcome> },
  ): Promise<ScoringOutcome> {
    const delay = this.ws.faults.scoringDelayMs(endpoint, deployment);
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    if (this.ws.faults.scoringFails(endpoint, deployment, this.random())) {
      this.ws.logs.append(endpoint, deployment, "InferenceServer", "Scoring failed: injected fault");
      return {
        status: 500,
        body: JSON.stringify({
          message: "An unexpected error occurred in scoring script. Check the logs for more info.",
        }),
        runFunctionFailed: true,
        execMs: 0,
      };
    }
    return runtime.score(body);
  }

  private countersOf(endpoint: string, deployment: string): DeploymentCounters {
    const key = `${endpoint}/${deployment}`.toLowerCase();
    let counters = this.counters.get(key);
    if (!counters) {
      counters = new DeploymentCounters();
      this.counters.set(key, counters);
    }
    return counters;
  }
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first?.trim() || undefined;
}
