import { randomBytes } from "node:crypto";
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
  private readonly lanes = new Map<string, Lane>();
  private readonly timeouts = new Map<string, number>();
  private readonly requestIds = new RequestIds();

  constructor(
    private readonly ws: LocalWorkspace,
    private readonly maxRequestBytes: number,
    private readonly random: () => number = Math.random,
  ) {}

  async score(req: IncomingMessage, res: ServerResponse, endpointName: string): Promise<void> {
    const started = performance.now();
    const clientRequestId = headerValue(req, "x-request-id");
    const requestId = clientRequestId ?? this.requestIds.next();
    if (requestId.length > MAX_REQUEST_ID_LENGTH) {
      req.resume();
      return writeAnswer(
        res,
        requestId,
        431,
        message(`x-request-id must be at most ${MAX_REQUEST_ID_LENGTH} characters.`),
      );
    }
    const endpoint = this.ws.findEndpoint(endpointName);
    if (!endpoint || endpoint.provisioningState === "Deleting") {
      return writeAnswer(res, requestId, 404, message(`Endpoint ${endpointName} not found.`));
    }
    if (!isAuthorized(endpoint, req.headers.authorization, Math.floor(Date.now() / 1000))) {
      req.resume();
      return writeAnswer(
        res,
        requestId,
        401,
        message("Unauthorized: send 'Authorization: Bearer <endpoint key or token>'."),
      );
    }
    const named = headerValue(req, MODEL_DEPLOYMENT_HEADER);
    const target = named ? this.ws.findDeployment(endpoint.name, named) : this.pickByTraffic(endpoint);
    if (!target) {
      req.resume();
      return writeAnswer(
        res,
        requestId,
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
      if (error instanceof PayloadTooLargeError) return writeAnswer(res, requestId, 413, message(error.message));
      throw error;
    }
    if (!named) this.mirror(endpoint, body);

    const lane = this.laneOf(endpoint.name, target.name);
    const result = await this.run(endpoint, target, lane, body);
    lane.counters.record(result.status, performance.now() - started);
    writeAnswer(res, requestId, result.status, result.body, result.headers, target.name);
  }

  /** Per-deployment counters of one endpoint. */
  metrics(endpointName: string): Record<string, ReturnType<DeploymentCounters["snapshot"]>> {
    const out: Record<string, ReturnType<DeploymentCounters["snapshot"]>> = {};
    for (const d of this.ws.deploymentsOf(endpointName))
      out[d.name] = this.laneOf(endpointName, d.name).counters.snapshot();
    return out;
  }

  resetMetrics(): void {
    for (const lane of this.lanes.values()) lane.counters = new DeploymentCounters();
  }

  private pickByTraffic(endpoint: StoredEndpoint): StoredDeployment | undefined {
    const weights = positiveWeights(endpoint.traffic);
    if (weights.total <= 0) return undefined;
    let point = this.random() * weights.total;
    for (const [name, weight] of weights.entries) {
      point -= weight;
      if (point < 0) return this.ws.findDeployment(endpoint.name, name);
    }
    const last = weights.entries.at(-1);
    return last && this.ws.findDeployment(endpoint.name, last[0]);
  }

  /** Copies a traffic-routed request to the mirror deployment; its answer is ignored, only counted. */
  private mirror(endpoint: StoredEndpoint, body: string): void {
    for (const [name, weight] of positiveWeights(endpoint.mirrorTraffic).entries) {
      if (this.random() * 100 >= weight) continue;
      const deployment = this.ws.findDeployment(endpoint.name, name);
      if (!deployment) continue;
      const started = performance.now();
      const lane = this.laneOf(endpoint.name, name);
      void this.run(endpoint, deployment, lane, body).then((r) =>
        lane.counters.record(r.status, performance.now() - started),
      );
    }
  }

  private run(
    endpoint: StoredEndpoint,
    deployment: StoredDeployment,
    lane: Lane,
    body: string,
  ): Promise<{ status: number; body: string; headers: Record<string, string> }> {
    const runtime = this.ws.runtimeOf(endpoint.name, deployment.name);
    // A failed update keeps the previous runtime serving; only a deployment that never started has none.
    if (!runtime || deployment.provisioningState === "Deleting") {
      return Promise.resolve({
        status: 503,
        body: message(
          `Deployment ${deployment.name} is not ready (provisioningState ${deployment.provisioningState}).`,
        ),
        headers: {},
      });
    }
    const settings = deployment.properties.requestSettings;
    const limit = 2 * settings.maxConcurrentRequestsPerInstance * deployment.sku.capacity;
    if (lane.inFlight >= limit) {
      return Promise.resolve({ status: 429, body: message("Too many pending requests."), headers: {} });
    }
    lane.inFlight += 1;
    const timeoutMs = this.timeoutOf(settings.requestTimeout);
    // One timer per request, settled by whichever comes first; the container keeps its slot until it really ends.
    return new Promise((resolve) => {
      const timer = setTimeout(
        () =>
          resolve({
            status: 408,
            body: message(`Request timed out after ${timeoutMs} ms (requestTimeout).`),
            headers: {},
          }),
        timeoutMs,
      );
      // Inline callbacks: named closures per request cost more than the routing itself under tsx.
      this.container(endpoint.name, deployment.name, body, runtime).then(
        (outcome) => {
          lane.inFlight -= 1;
          clearTimeout(timer);
          resolve(frontDoorAnswer(outcome));
        },
        (error: unknown) => {
          lane.inFlight -= 1;
          clearTimeout(timer);
          this.ws.log(`scoring failed unexpectedly: ${String(error)}`);
          resolve({ status: 500, body: message("Internal error in the local workspace."), headers: {} });
        },
      );
    });
  }

  private container(
    endpoint: string,
    deployment: string,
    body: string,
    runtime: { score(raw: string): Promise<ScoringOutcome> },
  ): Promise<ScoringOutcome> {
    if (!this.ws.faults.affectsScoring) return runtime.score(body);
    return this.faultyContainer(endpoint, deployment, body, runtime);
  }

  private async faultyContainer(
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

  private timeoutOf(requestTimeout: string): number {
    let ms = this.timeouts.get(requestTimeout);
    if (ms === undefined) {
      ms = durationMs(requestTimeout) ?? 5000;
      this.timeouts.set(requestTimeout, ms);
    }
    return ms;
  }

  private laneOf(endpoint: string, deployment: string): Lane {
    const key = `${endpoint}/${deployment}`.toLowerCase();
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { counters: new DeploymentCounters(), inFlight: 0 };
      this.lanes.set(key, lane);
    }
    return lane;
  }
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first?.trim() || undefined;
}

/** One deployment's share of the front door: its counters and the requests it is serving now. */
interface Lane {
  counters: DeploymentCounters;
  inFlight: number;
}

/** The front door turns a container's non-200 answer into 424 and says why in these headers. */
function frontDoorAnswer(outcome: ScoringOutcome): { status: number; body: string; headers: Record<string, string> } {
  const timing = { "x-ms-run-fn-exec-ms": outcome.execMs.toFixed(3) };
  if (outcome.status === 200) return { status: 200, body: outcome.body, headers: timing };
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

const message = (text: string): string => JSON.stringify({ message: text });

function writeAnswer(
  res: ServerResponse,
  requestId: string,
  status: number,
  body: string,
  headers?: Record<string, string>,
  deployment?: string,
): void {
  // The flat-array form skips building a header object per request.
  const raw: (string | number)[] = [
    "content-type",
    "application/json",
    "content-length",
    Buffer.byteLength(body),
    "x-request-id",
    requestId,
    "x-ms-request-id",
    requestId,
    "server",
    "azureml-frontdoor",
  ];
  if (deployment !== undefined) raw.push(MODEL_DEPLOYMENT_HEADER, deployment);
  if (headers) for (const name in headers) raw.push(name, headers[name] as string);
  res.writeHead(status, raw as unknown as string[]);
  res.end(body);
}

/**
 * Request ids shaped like the UUIDs Azure sends: a random per-process prefix and a counter, unique without drawing
 * fresh randomness for every request.
 */
class RequestIds {
  private readonly prefix = randomBytes(10)
    .toString("hex")
    .replace(/^(.{8})(.{4})(.{4})(.{4})$/, "$1-$2-$3-$4-");
  private counter = 0;

  next(): string {
    this.counter += 1;
    return this.prefix + this.counter.toString(16).padStart(12, "0");
  }
}

// Traffic maps are replaced (never edited) when an endpoint changes, so the map object itself is the cache key.
const weightCache = new WeakMap<Record<string, number>, { entries: [string, number][]; total: number }>();

function positiveWeights(traffic: Record<string, number>): { entries: [string, number][]; total: number } {
  let weights = weightCache.get(traffic);
  if (!weights) {
    const entries = Object.entries(traffic).filter(([, w]) => w > 0);
    weights = { entries, total: entries.reduce((sum, [, w]) => sum + w, 0) };
    weightCache.set(traffic, weights);
  }
  return weights;
}
