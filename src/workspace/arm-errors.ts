import { isRestError } from "@azure/core-rest-pipeline";
import type { WorkspaceError } from "../ports/workspace.js";

/**
 * The one place a failed call to Azure ML becomes a {@link WorkspaceError}: ARM answers (after the SDK's own
 * retries), network failures of ARM or scoring calls, and credentials that cannot get a token. `notFound` says what a
 * 404 means where the call was made. Anything else — a programming error — is rethrown.
 * Details are short fixed phrases or Azure's own message; they never carry a key or a token.
 */
export async function toWorkspaceError(
  error: unknown,
  notFound: () => WorkspaceError | Promise<WorkspaceError>,
): Promise<WorkspaceError> {
  // isRestError, not instanceof: the SDK loads core-rest-pipeline's CommonJS build, this file may get the ESM one.
  if (isRestError(error) && error.statusCode !== undefined) {
    const status = error.statusCode;
    if (status === 404) return notFound();
    if (status === 429) {
      const retryAfterSeconds = retryAfter(error.response?.headers.get("retry-after"));
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

function retryAfter(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
