import { createHttpHeaders, createPipelineRequest, isRestError, RestError } from "@azure/core-rest-pipeline";
import type { WorkspaceError } from "../ports/workspace.js";
import type { RawResponse } from "./arm-client.js";

/** What a write acts on, so a 409 or a failed operation can name it. */
export interface OperationTarget {
  endpoint: string;
  deployment?: string;
}

/** A long-running operation that ended `Failed` or `Canceled`, with the status resource's error (reference §4.2). */
export class OperationFailedError extends Error {
  override readonly name = "OperationFailedError";

  constructor(
    readonly status: "Failed" | "Canceled",
    readonly azureCode: string,
    message: string,
  ) {
    super(message);
  }
}

/** A long-running operation still running when GreenLight stopped waiting for it. */
export class OperationTimeoutError extends Error {
  override readonly name = "OperationTimeoutError";

  constructor(
    readonly waitedMs: number,
    readonly retryAfterSeconds: number | undefined,
  ) {
    super(`The operation was still running after ${Math.round(waitedMs / 1000)} s.`);
  }
}

/**
 * A raw answer (from `sendRaw`) that is not a success, as the RestError an SDK call would have thrown for it: status,
 * ARM error code and message, and the response headers (Retry-After).
 */
export function restErrorOf(response: RawResponse): RestError {
  const { code, message } = armErrorOf(response.body);
  return new RestError(message || `Azure answered HTTP ${response.status}`, {
    statusCode: response.status,
    ...(code ? { code } : {}),
    response: {
      status: response.status,
      headers: createHttpHeaders(response.headers),
      request: createPipelineRequest({ url: response.url }),
    },
  });
}

/** The `{ error: { code, message } }` of an ARM error body or a failed operation's status (empty when absent). */
export function armErrorOf(body: unknown): { code: string; message: string } {
  const error = isRecord(body) && isRecord(body["error"]) ? body["error"] : {};
  return {
    code: typeof error["code"] === "string" ? error["code"] : "",
    message: typeof error["message"] === "string" ? error["message"] : "",
  };
}

/**
 * The one place a failed call to Azure ML becomes a {@link WorkspaceError}: ARM answers (after the SDK's own
 * retries), network failures of ARM or scoring calls, credentials that cannot get a token, and long-running operations
 * that failed or ran too long. `notFound` says what a 404 means where the call was made; `target` names what a write
 * acts on (a 409 there is another operation in progress). Anything else — a programming error — is rethrown.
 * Details are short fixed phrases or Azure's own message; they never carry a key or a token.
 */
export async function toWorkspaceError(
  error: unknown,
  notFound: () => WorkspaceError | Promise<WorkspaceError>,
  target?: OperationTarget,
): Promise<WorkspaceError> {
  if (target && error instanceof OperationFailedError) {
    return {
      code: "operation_failed",
      endpoint: target.endpoint,
      ...(target.deployment !== undefined ? { deployment: target.deployment } : {}),
      message: truncate(error.message || `The operation ended ${error.status}.`, 500),
    };
  }
  if (target && error instanceof OperationTimeoutError) {
    // Still running: the endpoint is busy with it, and re-applying the same write later is harmless.
    return {
      code: "operation_in_progress",
      endpoint: target.endpoint,
      ...(error.retryAfterSeconds !== undefined ? { retryAfterSeconds: error.retryAfterSeconds } : {}),
    };
  }
  // isRestError, not instanceof: the SDK loads core-rest-pipeline's CommonJS build, this file may get the ESM one.
  if (isRestError(error) && error.statusCode !== undefined) {
    const status = error.statusCode;
    if (status === 404) return notFound();
    if (status === 409 && target) {
      // ARM refuses a change while another operation on the endpoint runs (reference §4.3).
      const retryAfterSeconds = parseRetryAfterSeconds(error.response?.headers.get("retry-after"));
      return {
        code: "operation_in_progress",
        endpoint: target.endpoint,
        ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
      };
    }
    if (status === 429) {
      const retryAfterSeconds = parseRetryAfterSeconds(error.response?.headers.get("retry-after"));
      return { code: "workspace_throttled", ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) };
    }
    if (status === 401 || status === 403) {
      return { code: "workspace_auth_failed", detail: `HTTP ${status}${error.code ? ` ${error.code}` : ""}` };
    }
    if (status >= 400 && status < 500) {
      return { code: "workspace_rejected", status, message: truncate(error.message, 500) };
    }
    return { code: "workspace_unreachable", detail: `Azure answered HTTP ${status}` };
  }
  // The deadline of createArmClient's timeoutMs (core-rest-pipeline raises AbortError when the signal fires).
  if (error instanceof Error && error.name === "AbortError") {
    return { code: "workspace_unreachable", detail: "no answer in time" };
  }
  const network = networkFailure(error);
  if (network !== undefined) return { code: "workspace_unreachable", detail: network };
  if (error instanceof Error && CREDENTIAL_ERRORS.has(error.name)) {
    return { code: "workspace_auth_failed", detail: `no token for the workspace (${error.name})` };
  }
  throw error;
}

/**
 * A failed call to Azure Monitor's metrics API (`Microsoft.Insights/metrics`) as a {@link WorkspaceError}. Azure
 * Monitor's own refusals are `metrics_unavailable` with a reason a person can act on — 403 is the missing Monitoring
 * Reader role; throttling (after the SDK's retries), network failures and credentials without a token are mapped as
 * for any ARM call. Azure's message is quoted, never a request's headers: no token reaches the text.
 */
export async function toMetricsError(error: unknown, endpoint: string): Promise<WorkspaceError> {
  const unavailable = (reason: string): WorkspaceError => ({ code: "metrics_unavailable", endpoint, reason });
  if (isRestError(error) && error.statusCode !== undefined && error.statusCode !== 429) {
    const status = error.statusCode;
    const code = error.code ? ` ${error.code}` : "";
    if (status === 403) {
      return unavailable(
        `GreenLight's identity may not read the endpoint's metrics: it needs the Monitoring Reader role on the ` +
          `workspace (Azure Monitor answered HTTP 403${code}).`,
      );
    }
    return unavailable(`Azure Monitor answered HTTP ${status}${code}: ${truncate(error.message, 300)}`);
  }
  // @azure/arm-monitor reads a 200 answer without checking its shape: one without `value` or `timeseries` makes it
  // throw a TypeError (models/metricsApi/models.js).
  if (error instanceof TypeError) return unavailable("Azure Monitor's answer could not be read.");
  return toWorkspaceError(error, () => unavailable("Azure Monitor did not find the endpoint."));
}

// @azure/identity's errors when a credential cannot produce a token (expired secret, no az login, …).
const CREDENTIAL_ERRORS = new Set([
  "CredentialUnavailableError",
  "AuthenticationError",
  "AggregateAuthenticationError",
  "AuthenticationRequiredError",
]);

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host not found",
  ECONNRESET: "connection reset",
  EPIPE: "connection reset",
  ETIMEDOUT: "connection timed out",
  ESOCKETTIMEDOUT: "connection timed out",
  EHOSTUNREACH: "network unreachable",
  ENETUNREACH: "network unreachable",
  CERT_HAS_EXPIRED: "TLS certificate expired",
  DEPTH_ZERO_SELF_SIGNED_CERT: "TLS certificate not trusted",
  SELF_SIGNED_CERT_IN_CHAIN: "TLS certificate not trusted",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "TLS certificate not trusted",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "TLS certificate not trusted",
  ERR_TLS_CERT_ALTNAME_INVALID: "TLS certificate does not match the host",
  REQUEST_SEND_ERROR: "request could not be sent",
};

/** A short phrase for an error raised before any HTTP answer, or undefined when it is not one. */
function networkFailure(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== "string") return undefined;
  return NETWORK_CODES[code] ?? (isRestError(error) ? `request failed (${code})` : undefined);
}

/** A Retry-After header (seconds, or an HTTP date) in whole seconds from now; undefined when absent or unreadable. */
export function parseRetryAfterSeconds(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
