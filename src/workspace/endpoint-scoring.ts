import type { Agent } from "node:https";
import { err, ok, type Result } from "../ports/result.js";
import type { AuthMode, EndpointView, InvokeRequest, InvokeResult, WorkspaceError } from "../ports/workspace.js";
import type { ArmCalls } from "./arm-calls.js";
import { endpointNotFound } from "./arm-not-found.js";
import { authModeName, toEndpointView } from "./arm-views.js";
import type { EndpointCredentials, ScoringSecret } from "./endpoint-credentials.js";
import { ExpiringCache } from "./expiring-cache.js";
import { postScoring, ScoringNetworkError, ScoringTimeoutError, type ScoringAnswer } from "./scoring-client.js";

const MODEL_DEPLOYMENT_HEADER = "azureml-model-deployment";
const MODEL_ERROR_STATUS_HEADER = "ms-azureml-model-error-statuscode";

/** Where an endpoint is scored and how, as the last read of it said. */
interface ScoringTarget {
  name: string;
  authMode: AuthMode;
  state: string;
  scoringUri?: string;
}

/** A target that can be scored: a scoring URI, and a secret of an auth mode GreenLight knows. */
interface Prepared {
  name: string;
  scoringUri: string;
  secret: ScoringSecret;
  /** The scoring URI and auth mode came from an earlier read: the endpoint may have changed since. */
  cached: boolean;
}

/**
 * Scoring through an endpoint's scoring URI. The URI and auth mode are read once and kept as long as keys are (a smoke
 * test reads neither per sample); anything a changed endpoint would answer — a 401, a 404 from the front door, a host
 * that no longer answers — makes it read the endpoint again, so a kept URI never hides that it is gone.
 */
export class EndpointScoring {
  private readonly targets = new ExpiringCache<ScoringTarget>();

  constructor(
    private readonly arm: ArmCalls,
    private readonly credentials: EndpointCredentials,
    private readonly options: { agent: Agent | undefined; timeoutMs: number; keepMs: number },
  ) {}

  /** A read that had the endpoint anyway says where it is scored (a smoke test right after it then reads nothing). */
  remember(view: EndpointView): void {
    if (view.scoringUri !== undefined)
      this.targets.set(keyOf(view.name), targetOf(view), Date.now() + this.options.keepMs);
  }

  async invoke(request: InvokeRequest): Promise<Result<InvokeResult, WorkspaceError>> {
    let prepared = await this.prepare(request.endpoint);
    if (!prepared.ok) return prepared;
    let target = prepared.value;
    let answer = await this.score(target, request);
    if (answer.ok && answer.value.status === 401 && (target.secret.cached || target.cached)) {
      // The cached key may have been regenerated (or the endpoint made again): read both again and retry once.
      this.forget(request.endpoint);
      prepared = await this.prepare(request.endpoint);
      if (!prepared.ok) return prepared;
      target = prepared.value;
      answer = await this.score(target, request);
    } else if (target.cached && mayBeGone(answer, request)) {
      // Not retried (it may have been scored): only read again, to say endpoint_not_found if that is what happened.
      this.targets.delete(keyOf(request.endpoint));
      const again = await this.prepare(request.endpoint);
      if (!again.ok) return again;
    }
    if (!answer.ok) {
      if (answer.error === "timeout") {
        return err({ code: "invoke_timeout", endpoint: target.name, timeoutMs: this.options.timeoutMs });
      }
      return err(answer.error);
    }

    const { status, headers, body, latencyMs } = answer.value;
    if (status === 404 && request.deployment !== undefined) {
      // The front door answers 404 for a named deployment that does not exist; say which ones do.
      const missing = await this.arm.attempt(
        async () => {
          const names = (await this.arm.deploymentsOf(target.name)).map((d) => d.name ?? "");
          return names.some((n) => n.toLowerCase() === request.deployment?.toLowerCase()) ? undefined : names;
        },
        () => endpointNotFound(this.arm, target.name),
      );
      if (!missing.ok) return missing;
      if (missing.value !== undefined) {
        return err({
          code: "deployment_not_found",
          endpoint: target.name,
          deployment: request.deployment,
          known: missing.value,
        });
      }
    }
    const deployment = header(headers[MODEL_DEPLOYMENT_HEADER]);
    const modelErrorStatus = header(headers[MODEL_ERROR_STATUS_HEADER]);
    return ok({
      status,
      latencyMs: Math.round(latencyMs * 10) / 10,
      ...(deployment !== undefined ? { deployment } : {}),
      body,
      ...(modelErrorStatus !== undefined ? { modelErrorStatus } : {}),
    });
  }

  /** The endpoint's scoring URI and a secret for it: kept ones when there are, else read from Azure. */
  private async prepare(name: string): Promise<Result<Prepared, WorkspaceError>> {
    const notFound = () => endpointNotFound(this.arm, name);
    const read = await this.arm.attempt(
      () =>
        this.targets.get(keyOf(name), async () => {
          const view = toEndpointView(await this.arm.endpoint(name), [], this.arm.ref);
          // One not ready to score yet is read again next time.
          const keepUntil = view.scoringUri === undefined ? 0 : Date.now() + this.options.keepMs;
          return { value: targetOf(view), keepUntil };
        }),
      notFound,
    );
    if (!read.ok) return read;
    const { value: target, cached } = read.value;
    const mode = target.authMode;
    if (typeof mode !== "string") {
      return err({ code: "unsupported_auth_mode", endpoint: target.name, authMode: mode.other });
    }
    if (target.scoringUri === undefined) {
      return err({
        code: "workspace_rejected",
        status: 409,
        message: `Endpoint ${target.name} has no scoring URI yet (provisioningState ${target.state}).`,
      });
    }
    const secret = await this.arm.attempt(() => this.credentials.get(target.name, mode), notFound);
    if (!secret.ok) return secret;
    if (secret.value === undefined) {
      return err({
        code: "workspace_auth_failed",
        detail: `Azure gave no ${authModeName(mode)} credential for endpoint ${target.name}`,
      });
    }
    return ok({ name: target.name, scoringUri: target.scoringUri, secret: secret.value, cached });
  }

  private forget(endpoint: string): void {
    this.targets.delete(keyOf(endpoint));
    this.credentials.drop(endpoint);
  }

  /** One scoring POST; a network failure becomes a WorkspaceError, any HTTP status is an answer. */
  private async score(
    target: Prepared,
    request: InvokeRequest,
  ): Promise<Result<ScoringAnswer, WorkspaceError | "timeout">> {
    const headers: Record<string, string> = { authorization: `Bearer ${target.secret.secret}` };
    if (request.deployment !== undefined) headers[MODEL_DEPLOYMENT_HEADER] = request.deployment;
    try {
      return ok(
        await postScoring(target.scoringUri, request.body, headers, {
          agent: this.options.agent,
          timeoutMs: this.options.timeoutMs,
        }),
      );
    } catch (error) {
      if (error instanceof ScoringTimeoutError) return err("timeout");
      if (error instanceof ScoringNetworkError) return err({ code: "workspace_unreachable", detail: error.message });
      throw error;
    }
  }
}

const keyOf = (endpoint: string): string => endpoint.toLowerCase();

const targetOf = (view: EndpointView): ScoringTarget => ({
  name: view.name,
  authMode: view.authMode,
  state: view.state,
  ...(view.scoringUri !== undefined ? { scoringUri: view.scoringUri } : {}),
});

/**
 * What a deleted endpoint's scoring URI answers: a 404 from the front door (to a request routed by traffic; a named
 * deployment's 404 is looked into below), or no answer at all once its host is gone.
 */
function mayBeGone(answer: Result<ScoringAnswer, WorkspaceError | "timeout">, request: InvokeRequest): boolean {
  if (!answer.ok) return answer.error !== "timeout" && answer.error.code === "workspace_unreachable";
  return answer.value.status === 404 && request.deployment === undefined;
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
