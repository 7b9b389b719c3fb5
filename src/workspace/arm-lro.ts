import { setTimeout as sleep } from "node:timers/promises";
import type { AzureMachineLearningWorkspaces } from "@azure/arm-machinelearning";
import type { HttpMethods } from "@azure/core-rest-pipeline";
import { sendRaw, type RawResponse } from "./arm-client.js";
import {
  armErrorOf,
  OperationFailedError,
  OperationTimeoutError,
  parseRetryAfterSeconds,
  restErrorOf,
} from "./arm-errors.js";

/** How long-running operations are waited for. */
export interface OperationPolling {
  /** Wait between two polls when Azure sends no Retry-After. */
  intervalMs: number;
  /** Longest wait between two polls, whatever Retry-After asks (the spec allows up to 600 s). */
  maxIntervalMs: number;
  /** Longest wait for one operation in all; beyond it the write reports the endpoint as still busy. */
  timeoutMs: number;
}

/** The request that started an operation, as sent with `sendRaw`. */
export interface StartedOperation {
  method: HttpMethods;
  url: string;
  apiVersion: string;
}

const TERMINAL_STATES = new Set(["succeeded", "failed", "canceled", "cancelled"]);

/**
 * How long Azure's last operation of each kind (method and resource type) took, by the `startTime` and `endTime` of
 * its `Azure-AsyncOperation` status resource (ARM RPC, reference §4.2). Azure sends no Retry-After with a PUT's 200/201
 * (SPEC22: only `Azure-AsyncOperation` and `x-ms-async-operation-timeout`), so without this the first poll goes out
 * after `intervalMs`, before an operation that takes longer could have ended; with it, the first poll of the next
 * operation of that kind waits as long as the last one took. Later polls honour Retry-After as before.
 */
export class OperationDurations {
  private readonly lastMs = new Map<string, number>();

  /** How long the last operation of this kind took, if one was followed to its end. */
  expectedMs(started: StartedOperation): number | undefined {
    return this.lastMs.get(kindOf(started));
  }

  /** Remembers the time a succeeded status resource reports. */
  learn(started: StartedOperation, status: unknown): void {
    if (!isRecord(status)) return;
    const startMs = Date.parse(String(status["startTime"]));
    const endMs = Date.parse(String(status["endTime"]));
    if (Number.isFinite(startMs) && Number.isFinite(endMs) && endMs >= startMs) {
      this.lastMs.set(kindOf(started), endMs - startMs);
    }
  }
}

/** `PUT Microsoft.MachineLearningServices/workspaces/onlineEndpoints`: the method and the resource type of a path. */
function kindOf(started: StartedOperation): string {
  const segments = new URL(started.url, "https://arm.invalid").pathname.split("/").filter((s) => s !== "");
  const provider = segments.findIndex((s) => s.toLowerCase() === "providers");
  // After `providers`: the namespace, then type/name pairs; the types alone say what kind of resource it is.
  const types = segments.slice(provider + 1).filter((_, i) => i === 0 || i % 2 === 1);
  return `${started.method} ${types.join("/")}`;
}

/**
 * Follows the long-running operation that `accepted` (Azure's 2xx answer to `started`) began, to its end, the way
 * core-lro does (reference §1.3): an `Azure-AsyncOperation` (or `Operation-Location`) status resource until its
 * `status` is terminal; else a `Location` until it stops answering 202; else, for a PUT, the resource until its
 * `provisioningState` is terminal; anything else is done at once. Each wait honours the last Retry-After (capped by
 * `maxIntervalMs`), and the whole wait is bounded by `timeoutMs`.
 *
 * Resolves when the operation succeeded. Throws OperationFailedError (Failed or Canceled, with Azure's message),
 * OperationTimeoutError, or the RestError of a poll Azure refused (429, 5xx after the pipeline's retries).
 */
export async function followOperation(
  client: AzureMachineLearningWorkspaces,
  started: StartedOperation,
  accepted: RawResponse,
  polling: OperationPolling,
  durations?: OperationDurations,
): Promise<void> {
  const statusUrl = accepted.headers["azure-asyncoperation"] ?? accepted.headers["operation-location"];
  const location = accepted.headers["location"];
  if (statusUrl !== undefined) {
    const expectedMs = durations?.expectedMs(started);
    const firstWaitMs = expectedMs === undefined ? undefined : Math.max(polling.intervalMs, expectedMs);
    await pollUntilDone(
      client,
      statusUrl,
      started.apiVersion,
      accepted,
      polling,
      (response) => {
        const progress = readStatusResource(response);
        if (progress === "succeeded") durations?.learn(started, response.body);
        return progress;
      },
      firstWaitMs,
    );
  } else if (location !== undefined) {
    await pollUntilDone(client, location, started.apiVersion, accepted, polling, (response) =>
      readLocation(response, started.method),
    );
  } else if (started.method === "PUT" && !isTerminal(provisioningStateOf(accepted.body))) {
    await waitForProvisioning(client, started.url, started.apiVersion, polling, accepted);
  }
}

/**
 * Polls a resource until its `provisioningState` is terminal (reference §1.3, "Body" mode); for an operation that is
 * already running when GreenLight comes back to it. Throws like {@link followOperation}.
 */
export async function waitForProvisioning(
  client: AzureMachineLearningWorkspaces,
  url: string,
  apiVersion: string,
  polling: OperationPolling,
  first?: RawResponse,
): Promise<void> {
  await pollUntilDone(client, url, apiVersion, first, polling, (response) => {
    if (response.status >= 300) throw restErrorOf(response);
    const state = provisioningStateOf(response.body);
    if (!isTerminal(state)) return "running";
    if (state?.toLowerCase() === "succeeded") return "succeeded";
    throw new OperationFailedError(
      state?.toLowerCase() === "failed" ? "Failed" : "Canceled",
      "",
      `The resource's provisioningState is ${state ?? "unknown"}.`,
    );
  });
}

/** `properties.provisioningState` (or a top-level `provisioningState`) of an ARM resource body. */
export function provisioningStateOf(body: unknown): string | undefined {
  if (!isRecord(body)) return undefined;
  const properties = body["properties"];
  const state = isRecord(properties) ? properties["provisioningState"] : body["provisioningState"];
  return typeof state === "string" ? state : undefined;
}

/** Whether a provisioningState is final (Succeeded, Failed, Canceled); an absent one is treated as final. */
export function isTerminal(state: string | undefined): boolean {
  return state === undefined || TERMINAL_STATES.has(state.toLowerCase());
}

/** Milliseconds a Retry-After header asks for, if it is there. */
export function retryAfterMs(headers: Record<string, string>): number | undefined {
  const seconds = parseRetryAfterSeconds(headers["retry-after"]);
  return seconds === undefined ? undefined : seconds * 1000;
}

type Progress = "running" | "succeeded";

async function pollUntilDone(
  client: AzureMachineLearningWorkspaces,
  url: string,
  apiVersion: string,
  previous: RawResponse | undefined,
  polling: OperationPolling,
  read: (response: RawResponse) => Progress,
  /** The first wait when the answer that started the operation has no Retry-After; `intervalMs` when absent. */
  firstWaitMs?: number,
): Promise<void> {
  let waitedMs = 0;
  let askedMs = (previous ? retryAfterMs(previous.headers) : undefined) ?? firstWaitMs;
  for (;;) {
    const waitMs = Math.min(askedMs ?? polling.intervalMs, polling.maxIntervalMs);
    if (waitedMs + waitMs > polling.timeoutMs) {
      throw new OperationTimeoutError(waitedMs, askedMs === undefined ? undefined : Math.ceil(askedMs / 1000));
    }
    await sleep(waitMs);
    waitedMs += waitMs;
    const response = await sendRaw(client, { method: "GET", url, apiVersion });
    if (read(response) === "succeeded") return;
    askedMs = retryAfterMs(response.headers);
  }
}

/** An `Azure-AsyncOperation` status resource: 200 with `status` (case-insensitive; unknown values are running). */
function readStatusResource(response: RawResponse): Progress {
  if (response.status >= 300) throw restErrorOf(response);
  const status = isRecord(response.body) && typeof response.body["status"] === "string" ? response.body["status"] : "";
  switch (status.toLowerCase()) {
    case "succeeded":
      return "succeeded";
    case "failed":
    case "canceled":
    case "cancelled": {
      const { code, message } = armErrorOf(response.body);
      throw new OperationFailedError(status.toLowerCase() === "failed" ? "Failed" : "Canceled", code, message);
    }
    default:
      return "running";
  }
}

/** A `Location` URL: 202 while running, another 2xx when done; an error answer is the operation's failure. */
function readLocation(response: RawResponse, method: HttpMethods): Progress {
  if (response.status === 202) return "running";
  if (response.status < 300) return "succeeded";
  // A delete whose result is gone has nothing left to fail.
  if (method === "DELETE" && response.status === 404) return "succeeded";
  // Auth, throttling and server faults say nothing about the operation: they stay what they are.
  if ([401, 403, 404, 429].includes(response.status) || response.status >= 500) throw restErrorOf(response);
  const { code, message } = armErrorOf(response.body);
  throw new OperationFailedError("Failed", code, message || `Azure answered HTTP ${response.status}.`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
