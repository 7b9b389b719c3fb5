import { randomBytes } from "node:crypto";
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { durationMs } from "../control-plane/validation.js";
import { PayloadTooLargeError } from "../http/http-io.js";
import type { LocalWorkspace, RuntimeSlot } from "../local-workspace.js";
import type { ScoringOutcome } from "../runtime/deployment-runtime.js";
import type { StoredDeployment, StoredEndpoint } from "../state/resources.js";
import { DeploymentCounters } from "./deployment-counters.js";
import { isAuthorized } from "./endpoint-auth.js";
import { RequestMinutes, type RecordedMinute } from "./request-minutes.js";

const MODEL_DEPLOYMENT_HEADER = "azureml-model-deployment";
const MODEL_STATUS_HEADER = "ms-azureml-model-error-statuscode";
const MINUTE_MS = 60_000;
const nowSeconds = (): number => Math.floor(Date.now() / 1000);
// azmlinfsrv answers 431 to a longer x-request-id (reference §6).
const MAX_REQUEST_ID_LENGTH = 100;

/**
 * The scoring front door of every endpoint: auth, routing by traffic or by header, mirror traffic, the
 * concurrency limit (429), the request timeout (408) and the container's failures (424), as reference §6 lists.
 */
export class ScoringRouter {
  private readonly lanes = new Map<string, Lane>();
  private readonly laneByDeployment = new WeakMap<StoredDeployment, Lane>();
  private readonly timeouts = new Map<string, RequestTimeouts>();
  private readonly requestIds = new RequestIds();
  /** The minute counting began (minutes since the epoch): of the minutes before, nothing is known. */
  readonly recordingSince: number;

  constructor(
    private readonly ws: LocalWorkspace,
    private readonly maxRequestBytes: number,
    private readonly random: () => number = Math.random,
  ) {
    this.recordingSince = Math.floor(ws.nowMs() / MINUTE_MS);
  }

  /**
   * Answers one scoring request. Resolves once the answer is written; rejects only when the request itself fails
   * (a broken upload), for the server's error funnel. Callbacks rather than awaits: every promise and microtask hop
   * here is paid per request, and this path is the emulator's busiest.
   */
  score(req: IncomingMessage, res: ServerResponse, endpointName: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const started = performance.now();
      // A getter on IncomingMessage: read once.
      const headers = req.headers;
      const clientRequestId = headerValue(headers, "x-request-id");
      const requestId = clientRequestId ?? this.requestIds.next();
      if (requestId.length > MAX_REQUEST_ID_LENGTH) {
        req.resume();
        writeAnswer(res, requestId, 431, message(`x-request-id must be at most ${MAX_REQUEST_ID_LENGTH} characters.`));
        return resolve();
      }
      const endpoint = this.ws.findEndpoint(endpointName);
      if (!endpoint || endpoint.provisioningState === "Deleting") {
        writeAnswer(res, requestId, 404, message(`Endpoint ${endpointName} not found.`));
        return resolve();
      }
      if (!isAuthorized(endpoint, headers.authorization, nowSeconds)) {
        req.resume();
        writeAnswer(
          res,
          requestId,
          401,
          message("Unauthorized: send 'Authorization: Bearer <endpoint key or token>'."),
        );
        return resolve();
      }
      const named = headerValue(headers, MODEL_DEPLOYMENT_HEADER);
      const target = named ? this.ws.findDeployment(endpoint.name, named) : this.pickByTraffic(endpoint);
      if (!target) {
        req.resume();
        writeAnswer(
          res,
          requestId,
          404,
          message(
            named
              ? `Deployment ${named} not found in endpoint ${endpoint.name}.`
              : "The endpoint doesn't have any valid deployment with positive weight.",
          ),
        );
        return resolve();
      }
      readBody(req, this.maxRequestBytes, (error, body) => {
        if (error) {
          if (!(error instanceof PayloadTooLargeError)) return reject(error);
          writeAnswer(res, requestId, 413, message(error.message));
          return resolve();
        }
        try {
          if (!named) this.mirror(endpoint, body);
          const lane = this.laneOf(endpoint, target);
          this.run(endpoint, target, lane, body, (status, answer, outcome) => {
            this.count(lane, status, outcome, performance.now() - started);
            writeAnswer(res, requestId, status, answer, target.name, outcome);
            resolve();
          });
        } catch (thrown) {
          reject(thrown instanceof Error ? thrown : new Error(String(thrown)));
        }
      });
    });
  }

  /** Per-deployment counters of one endpoint. */
  metrics(endpointName: string): Record<string, ReturnType<DeploymentCounters["snapshot"]>> {
    const out: Record<string, ReturnType<DeploymentCounters["snapshot"]>> = {};
    for (const d of this.ws.deploymentsOf(endpointName))
      out[d.name] = this.namedLane(endpointName, d.name).counters.snapshot();
    return out;
  }

  resetMetrics(): void {
    for (const lane of this.lanes.values()) lane.counters = new DeploymentCounters();
  }

  /** The minutes in [`from`, `to`) (minutes since the epoch) each deployment of an endpoint answered requests in. */
  recordedMinutes(endpointName: string, from: number, to: number): DeploymentMinutes[] {
    const prefix = `${endpointName}/`.toLowerCase();
    const out: DeploymentMinutes[] = [];
    for (const [key, lane] of this.lanes) {
      if (key.startsWith(prefix)) out.push({ deployment: lane.deployment, minutes: lane.minutes.between(from, to) });
    }
    return out;
  }

  /**
   * Counts an answer for the admin counters and for Azure Monitor's minute, which is the workspace clock's at the time
   * of the answer. The model's status is the container's own behind a 424, and the answer's status otherwise.
   */
  private count(lane: Lane, status: number, outcome: ScoringOutcome | undefined, latencyMs: number): void {
    lane.counters.record(status, latencyMs);
    const modelStatus = status === 424 && outcome ? outcome.status : status;
    lane.minutes.record(Math.floor(this.ws.nowMs() / MINUTE_MS), status, modelStatus, latencyMs);
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

  /** Copies a traffic-routed request to the mirror deployment; its answer is ignored, only counted (under it). */
  private mirror(endpoint: StoredEndpoint, body: string): void {
    for (const [name, weight] of positiveWeights(endpoint.mirrorTraffic).entries) {
      if (this.random() * 100 >= weight) continue;
      const deployment = this.ws.findDeployment(endpoint.name, name);
      if (!deployment) continue;
      const started = performance.now();
      const lane = this.laneOf(endpoint, deployment);
      this.run(endpoint, deployment, lane, body, (status, _answer, outcome) =>
        this.count(lane, status, outcome, performance.now() - started),
      );
    }
  }

  /** Runs the request in the deployment's container and calls `answer` once, with the front door's answer. */
  private run(endpoint: StoredEndpoint, deployment: StoredDeployment, lane: Lane, body: string, answer: Answer): void {
    const runtime = lane.runtime.current;
    // A failed update keeps the previous runtime serving; only a deployment that never started has none.
    if (!runtime || deployment.provisioningState === "Deleting") {
      const text = `Deployment ${deployment.name} is not ready (provisioningState ${deployment.provisioningState}).`;
      return answer(503, message(text), undefined);
    }
    const settings = deployment.properties.requestSettings;
    const limit = 2 * settings.maxConcurrentRequestsPerInstance * deployment.sku.capacity;
    if (lane.inFlight >= limit) return answer(429, message("Too many pending requests."), undefined);
    lane.inFlight += 1;
    const timeout = this.timeoutOf(settings.requestTimeout).start(answer);
    // The container keeps its slot until it really ends, even when the request has already timed out.
    // Inline callbacks: named closures per request cost more than the routing itself under tsx.
    this.container(endpoint.name, deployment.name, body, runtime).then(
      (outcome) => {
        lane.inFlight -= 1;
        // The front door turns a container's non-200 answer into 424, saying why in headers (writeAnswer).
        if (timeout.settle()) answer(outcome.status === 200 ? 200 : 424, outcome.body, outcome);
      },
      (error: unknown) => {
        lane.inFlight -= 1;
        if (!timeout.settle()) return;
        this.ws.log(`scoring failed unexpectedly: ${String(error)}`);
        answer(500, message("Internal error in the local workspace."), undefined);
      },
    );
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

  private timeoutOf(requestTimeout: string): RequestTimeouts {
    let timeouts = this.timeouts.get(requestTimeout);
    if (!timeouts) {
      timeouts = new RequestTimeouts(durationMs(requestTimeout) ?? 5000);
      this.timeouts.set(requestTimeout, timeouts);
    }
    return timeouts;
  }

  /** The lane of a stored deployment, found without building its name key while the deployment object stays. */
  private laneOf(endpoint: StoredEndpoint, deployment: StoredDeployment): Lane {
    let lane = this.laneByDeployment.get(deployment);
    if (!lane) {
      lane = this.namedLane(endpoint.name, deployment.name);
      this.laneByDeployment.set(deployment, lane);
    }
    return lane;
  }

  private namedLane(endpoint: string, deployment: string): Lane {
    const key = `${endpoint}/${deployment}`.toLowerCase();
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = {
        deployment,
        counters: new DeploymentCounters(),
        minutes: new RequestMinutes(this.random),
        runtime: this.ws.runtimeSlot(endpoint, deployment),
        inFlight: 0,
      };
      this.lanes.set(key, lane);
    }
    return lane;
  }
}

/**
 * Reads the whole request body as text, refusing more than `limitBytes` (413) as http-io's readBody does, with a
 * callback rather than a promise: one call per scoring request.
 */
function readBody(
  req: IncomingMessage,
  limitBytes: number,
  done: (error: Error | undefined, body: string) => void,
): void {
  if (Number(req.headers["content-length"] ?? 0) > limitBytes) return refuseBody(req, limitBytes, done);
  let first: Buffer | undefined;
  let more: Buffer[] | undefined;
  let size = 0;
  let settled = false;
  req.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (size > limitBytes) {
      settled = true;
      return refuseBody(req, limitBytes, done);
    }
    if (first === undefined) first = chunk;
    else (more ??= [first]).push(chunk);
  });
  req.on("end", () => {
    if (settled) return;
    settled = true;
    done(undefined, more ? Buffer.concat(more).toString("utf8") : (first?.toString("utf8") ?? ""));
  });
  req.on("error", (error) => {
    if (settled) return;
    settled = true;
    done(error, "");
  });
}

function refuseBody(
  req: IncomingMessage,
  limitBytes: number,
  done: (error: Error | undefined, body: string) => void,
): void {
  req.removeAllListeners("data");
  req.resume();
  done(new PayloadTooLargeError(`Request body is larger than ${limitBytes} bytes.`), "");
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first?.trim() || undefined;
}

/** One deployment's share of the front door: its counters, its minutes and the requests it is serving now. */
interface Lane {
  /** As the deployment was named when it first answered. */
  readonly deployment: string;
  counters: DeploymentCounters;
  readonly minutes: RequestMinutes;
  /** The deployment's container, as it is swapped by updates. */
  readonly runtime: RuntimeSlot;
  inFlight: number;
}

/** What one deployment answered, minute by minute. */
export interface DeploymentMinutes {
  deployment: string;
  minutes: RecordedMinute[];
}

/** The front door's answer to one request: status, JSON body and, when the container answered, what it answered. */
type Answer = (status: number, body: string, outcome: ScoringOutcome | undefined) => void;

const message = (text: string): string => JSON.stringify({ message: text });

/** Writes an answer; one the container gave carries its run time, and behind a 424 its status and why. */
function writeAnswer(
  res: ServerResponse,
  requestId: string,
  status: number,
  body: string,
  deployment?: string,
  outcome?: ScoringOutcome,
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
  if (outcome) raw.push("x-ms-run-fn-exec-ms", outcome.execMs.toFixed(3));
  if (outcome && status === 424) {
    raw.push(
      MODEL_STATUS_HEADER,
      String(outcome.status),
      "ms-azureml-model-error-reason",
      outcome.runFunctionFailed ? "model_error" : "bad_request",
      "x-ms-run-function-failed",
      outcome.runFunctionFailed ? "True" : "False",
    );
  }
  res.writeHead(status, raw as unknown as string[]);
  res.end(body);
}

/** One request's race against its requestTimeout. */
class PendingRequest {
  private settled = false;

  constructor(
    readonly deadline: number,
    readonly answer: Answer,
  ) {}

  /** True for the first caller only: the container's answer, or the timeout, whichever comes first. */
  settle(): boolean {
    if (this.settled) return false;
    this.settled = true;
    return true;
  }

  get done(): boolean {
    return this.settled;
  }
}

/**
 * The 408s of every request with one requestTimeout. Requests start in deadline order, so they wait in one queue
 * behind a single timer set for the oldest: a timer per request (made, ref-counted and cleared on every request) cost
 * more than the routing.
 */
class RequestTimeouts {
  private readonly queue: PendingRequest[] = [];
  private armed = false;

  constructor(private readonly timeoutMs: number) {}

  start(answer: Answer): PendingRequest {
    const pending = new PendingRequest(performance.now() + this.timeoutMs, answer);
    // Most requests end in the order they came; dropping the ended ones here keeps the queue as short as the load.
    while (this.queue[0]?.done) this.queue.shift();
    this.queue.push(pending);
    if (!this.armed) this.arm(this.timeoutMs);
    return pending;
  }

  private arm(delayMs: number): void {
    this.armed = true;
    // Unref'd: a request in flight keeps the process alive through its socket; a bare timer must not.
    setTimeout(() => this.expire(), delayMs).unref();
  }

  private expire(): void {
    this.armed = false;
    // Timers fire on the event loop's millisecond clock, which may trail performance.now() by under a millisecond.
    const now = performance.now() + 1;
    for (let head = this.queue[0]; head !== undefined && (head.done || head.deadline <= now); head = this.queue[0]) {
      this.queue.shift();
      if (head.settle()) {
        head.answer(408, message(`Request timed out after ${this.timeoutMs} ms (requestTimeout).`), undefined);
      }
    }
    const next = this.queue[0];
    if (next) this.arm(Math.max(1, Math.ceil(next.deadline - performance.now())));
  }
}

/**
 * Request ids shaped like the UUIDs Azure sends: a random per-process prefix and a counter in 12 hex digits, unique
 * without drawing fresh randomness for every request.
 */
class RequestIds {
  private readonly prefix = randomBytes(10)
    .toString("hex")
    .replace(/^(.{8})(.{4})(.{4})(.{4})$/, "$1-$2-$3-$4-");
  /** The last id's characters, its counter digits advanced in place. */
  private readonly chars = Array.from(`${this.prefix}000000000000`, (c) => c.charCodeAt(0));
  private counter = 0;

  next(): string {
    this.counter += 1;
    if (this.counter >= 16 ** 12) return this.prefix + this.counter.toString(16);
    const chars = this.chars;
    for (let i = chars.length - 1; ; i--) {
      const c = chars[i]!;
      if (c === 0x66 /* f */) {
        chars[i] = 0x30; /* 0 */
        continue;
      }
      chars[i] = c === 0x39 /* 9 */ ? 0x61 /* a */ : c + 1;
      break;
    }
    // Made in one piece: the id goes into two headers, where a concatenated string would be flattened first, which
    // cost the scoring path about 0.7 µs.
    return String.fromCharCode(...chars);
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
