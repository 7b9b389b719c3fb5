import { setMaxListeners } from "node:events";
import { AzureMachineLearningWorkspaces } from "@azure/arm-machinelearning";
import type { AzureMachineLearningWorkspacesOptionalParams } from "@azure/arm-machinelearning";
import type { AccessToken, TokenCredential } from "@azure/identity";
import { createHttpHeaders, createPipelineRequest } from "@azure/core-rest-pipeline";
import type { HttpMethods, PipelinePolicy, PipelineRetryOptions } from "@azure/core-rest-pipeline";

/** Options for {@link createArmClient}. */
export interface ArmClientOptions {
  subscriptionId: string;
  credential: TokenCredential;
  /** ARM base URL; Azure's public cloud when omitted. */
  endpoint?: string;
  /** PEM of a CA to trust for this client only (the emulator's); the system trust store is replaced, not extended. */
  caCertPem?: string;
  /** Transport retries (the SDK's default is 3, with exponential back-off from 1 s). */
  retryOptions?: PipelineRetryOptions;
  /** Longest one request may take, its retries included; none when absent (a hung ARM call would hang the turn). */
  timeoutMs?: number;
  /**
   * Once aborted, every request in flight is cancelled and none is sent any more: a stopping bot gives its rollouts
   * back to other instances, and no write of its own may reach Azure after that.
   */
  stopSignal?: AbortSignal;
}

const AZURE_PUBLIC_ARM = "https://management.azure.com";

// ServiceClient keeps its base URL private; remember it so raw requests can resolve ARM paths.
const endpoints = new WeakMap<AzureMachineLearningWorkspaces, string>();

/** Builds the Azure ML ARM client, for Azure or (with `endpoint` and `caCertPem`) for the local emulator. */
export function createArmClient(options: ArmClientOptions): AzureMachineLearningWorkspaces {
  const endpoint = (options.endpoint ?? AZURE_PUBLIC_ARM).replace(/\/+$/, "");
  // `endpoint`, not `$host`: 2.1.1 ignores `$host` for routing (reference §1.1).
  // `tlsOptions` reaches core-rest-pipeline's tlsPolicy through ServiceClient's default pipeline, which sets
  // `request.tlsSettings` on every request, raw ones included (createPipelineFromOptions.js).
  const clientOptions: AzureMachineLearningWorkspacesOptionalParams = { endpoint };
  if (options.caCertPem !== undefined) clientOptions.tlsOptions = { ca: options.caCertPem };
  if (options.retryOptions !== undefined) clientOptions.retryOptions = options.retryOptions;
  const client = new AzureMachineLearningWorkspaces(options.credential, options.subscriptionId, clientOptions);
  endpoints.set(client, endpoint);
  ensurePolicy(client, apiVersionPolicy);
  if (options.timeoutMs !== undefined) ensurePolicy(client, deadlinePolicy(options.timeoutMs));
  if (options.stopSignal !== undefined) ensurePolicy(client, stopPolicy(options.stopSignal));
  return client;
}

/**
 * Cancels requests when `stop` aborts, and refuses new ones after. Like the deadline, it runs before the retry policy,
 * so no retry goes out either. Listeners are removed when the request ends: `stop` lives as long as the process.
 */
function stopPolicy(stop: AbortSignal): PipelinePolicy {
  // One listener per call in flight, each removed when its call ends: many at once is the normal case, not a leak.
  setMaxListeners(0, stop);
  return {
    name: "greenlightArmStop",
    async sendRequest(request, next) {
      if (stop.aborted) throw stoppedError();
      const own = request.abortSignal as AbortSignal | undefined;
      const controller = new AbortController();
      const abort = (): void => controller.abort();
      stop.addEventListener("abort", abort);
      own?.addEventListener("abort", abort);
      if (own?.aborted) controller.abort();
      request.abortSignal = controller.signal;
      try {
        return await next(request);
      } finally {
        stop.removeEventListener("abort", abort);
        own?.removeEventListener("abort", abort);
      }
    },
  };
}

// Named as core-rest-pipeline names a cancelled request, so it is mapped like one (workspace_unreachable).
const stoppedError = (): Error =>
  Object.assign(new Error("GreenLight is stopping: no more calls to Azure."), { name: "AbortError" });

/**
 * Gives every request a deadline that covers its retries: a policy without a phase runs before the retry policy
 * (core-rest-pipeline orders Serialize, none, Deserialize, Retry, Sign), so the retries share one abort signal.
 */
function deadlinePolicy(timeoutMs: number): PipelinePolicy {
  return {
    name: "greenlightArmDeadline",
    sendRequest(request, next) {
      const deadline = AbortSignal.timeout(timeoutMs);
      request.abortSignal = request.abortSignal
        ? AbortSignal.any([request.abortSignal as AbortSignal, deadline])
        : deadline;
      return next(request);
    },
  };
}

const API_VERSION_HEADER = "x-greenlight-api-version";

/**
 * Options that send one SDK call at another api-version than the client's 2022-10-01, e.g. a GET at 2023-04-01 so
 * the answer carries `mirrorTraffic` (2.1.1 keeps unknown response fields, reference §1.2). Only for reads: the
 * 2022-10-01 serializer would drop the newer fields of a body. Needs {@link ensurePolicy} with the client's policy.
 */
export function atApiVersion(apiVersion: string): { requestOptions: { customHeaders: Record<string, string> } } {
  return { requestOptions: { customHeaders: { [API_VERSION_HEADER]: apiVersion } } };
}

/** Moves the api-version that {@link atApiVersion} put in a header into the query; runs after serialization. */
export const apiVersionPolicy: PipelinePolicy = {
  name: "greenlightApiVersionOverride",
  sendRequest(request, next) {
    const apiVersion = request.headers.get(API_VERSION_HEADER);
    if (apiVersion !== undefined) {
      request.headers.delete(API_VERSION_HEADER);
      const url = new URL(request.url);
      url.searchParams.set("api-version", apiVersion);
      request.url = url.toString();
    }
    return next(request);
  },
};

/** The ARM base URL the client sends to (the emulator's in local mode), without a trailing slash. */
export function armEndpointOf(client: AzureMachineLearningWorkspaces): string {
  return endpoints.get(client) ?? AZURE_PUBLIC_ARM;
}

/** Adds `policy` to the client's pipeline unless one of that name is there already. */
export function ensurePolicy(
  client: AzureMachineLearningWorkspaces,
  policy: PipelinePolicy,
  options: Parameters<AzureMachineLearningWorkspaces["pipeline"]["addPolicy"]>[1] = {},
): void {
  if (client.pipeline.getOrderedPolicies().some((p) => p.name === policy.name)) return;
  client.pipeline.addPolicy(policy, options);
}

/** A fixed token credential for the emulator, which only checks that a Bearer token is present. */
export function localCredential(): TokenCredential {
  return {
    getToken: (): Promise<AccessToken> =>
      Promise.resolve({ token: "greenlight-local-emulator", expiresOnTimestamp: Date.now() + 60 * 60 * 1000 }),
  };
}

/** A request sent with {@link sendRaw}. */
export interface RawRequest {
  method: HttpMethods;
  /** Absolute URL, or an ARM path (`/subscriptions/…`) resolved against the client's endpoint. */
  url: string;
  /** Serialised as JSON. */
  body?: unknown;
  /** Replaces any `api-version` already in `url`. */
  apiVersion: string;
}

/** What came back from {@link sendRaw}; non-2xx statuses are returned, not thrown. */
export interface RawResponse {
  /** The URL requested, api-version included. */
  url: string;
  status: number;
  /** Parsed JSON, or undefined for an empty body. */
  body: unknown;
  headers: Record<string, string>;
}

/** Sends a request through the client's own pipeline (auth, TLS, retries), for fields the 2.1.1 serializer drops. */
export async function sendRaw(client: AzureMachineLearningWorkspaces, request: RawRequest): Promise<RawResponse> {
  const url = new URL(request.url.startsWith("/") ? `${armEndpointOf(client)}${request.url}` : request.url);
  url.searchParams.set("api-version", request.apiVersion);
  const headers = createHttpHeaders({ accept: "application/json" });
  if (request.body !== undefined) headers.set("content-type", "application/json");
  const pipelineRequest = createPipelineRequest({ url: url.toString(), method: request.method, headers });
  if (request.body !== undefined) pipelineRequest.body = JSON.stringify(request.body);
  const response = await client.sendRequest(pipelineRequest);
  const text = response.bodyAsText ?? "";
  return {
    url: pipelineRequest.url,
    status: response.status,
    body: text === "" ? undefined : parseJson(text),
    headers: response.headers.toJSON(),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
