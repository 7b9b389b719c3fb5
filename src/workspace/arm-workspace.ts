import { Agent } from "node:https";
import type { AzureMachineLearningWorkspaces, OnlineDeployment, OnlineEndpoint } from "@azure/arm-machinelearning";
import type { TokenCredential } from "@azure/identity";
import { isRestError } from "@azure/core-rest-pipeline";
import { err, ok, type Result } from "../ports/result.js";
import type {
  DeploymentView,
  EndpointView,
  InvokeRequest,
  InvokeResult,
  ModelView,
  Workspace,
  WorkspaceError,
} from "../ports/workspace.js";
import {
  deploymentCloneBody,
  endpointTrafficBody,
  sameDeploymentSpec,
  sameTraffic,
  trafficOf,
  workspaceModelId,
} from "./arm-bodies.js";
import { apiVersionPolicy, atApiVersion, ensurePolicy, sendRaw, type RawResponse } from "./arm-client.js";
import { ArmCallCounter } from "./arm-call-counter.js";
import { OperationFailedError, restErrorOf, toWorkspaceError, type OperationTarget } from "./arm-errors.js";
import {
  followOperation,
  isTerminal,
  provisioningStateOf,
  retryAfterMs,
  waitForProvisioning,
  type OperationPolling,
} from "./arm-lro.js";
import {
  authModeName,
  toDeploymentView,
  toEndpointView,
  toModelView,
  versionsNewestFirst,
  type WorkspaceRef,
} from "./arm-views.js";
import { mapBounded } from "./bounded-map.js";
import { EndpointCredentials } from "./endpoint-credentials.js";
import { postScoring, ScoringNetworkError, ScoringTimeoutError, type ScoringAnswer } from "./scoring-client.js";

/** Settings of {@link ArmWorkspace}; `main.ts` builds them for Azure or for the local emulator. */
export interface ArmWorkspaceOptions {
  /** From `createArmClient`; may be shared with other adapters. */
  client: AzureMachineLearningWorkspaces;
  resourceGroup: string;
  workspaceName: string;
  /** For AADToken endpoints: a token for https://ml.azure.com/.default. */
  credential: TokenCredential;
  /** PEM of the CA that signs scoring certificates (the emulator's); the system store is used when absent. */
  caCertPem?: string;
  /** How long an invoke waits for the scoring URI's whole answer. */
  invokeTimeoutMs: number;
  /** Most ARM calls one listing makes at once; default 8. */
  maxConcurrency?: number;
  /** How long an endpoint's key (or AML token) is reused; default 60 s. A 401 refreshes it sooner. */
  keyCacheTtlMs?: number;
  /**
   * How writes wait for Azure's long-running operations: `intervalMs` between polls when Azure sends no Retry-After
   * (default 5 s), at most `maxIntervalMs` between polls whatever it sends (default 10 s), at most `timeoutMs` in all
   * (default 15 min).
   */
  operationPolling?: Partial<OperationPolling>;
}

// The first api-version whose endpoint GET carries mirrorTraffic (SPEC23; reference §1.2).
const MIRROR_TRAFFIC_API_VERSION = "2023-04-01";
// What GreenLight reads in order to write back (a deployment to clone, an endpoint whose traffic it sets) goes raw at
// the newest stable api-version the emulator also serves: 2.1.1's 2022-10-01 serializer would drop mirrorTraffic,
// dataCollector, startupProbe and whatever Azure adds next (reference §1.2, §2).
const CURRENT_API_VERSION = "2025-12-01";
// Azure Monitor's metrics API (Microsoft.Insights/metrics), where an endpoint's request counts come from.
const METRICS_API_VERSION = "2023-10-01";
const DEFAULT_POLLING: OperationPolling = { intervalMs: 5_000, maxIntervalMs: 10_000, timeoutMs: 15 * 60_000 };
const MODEL_DEPLOYMENT_HEADER = "azureml-model-deployment";
const MODEL_ERROR_STATUS_HEADER = "ms-azureml-model-error-statuscode";

/** The Workspace port over Azure ML's ARM API (the real SDK) and the endpoints' scoring URIs. */
export class ArmWorkspace implements Workspace {
  private readonly client: AzureMachineLearningWorkspaces;
  private readonly ref: WorkspaceRef;
  private readonly concurrency: number;
  private readonly invokeTimeoutMs: number;
  private readonly credentials: EndpointCredentials;
  private readonly agent: Agent | undefined;
  private readonly counter: ArmCallCounter;
  private readonly polling: OperationPolling;

  constructor(options: ArmWorkspaceOptions) {
    this.client = options.client;
    this.ref = {
      subscriptionId: options.client.subscriptionId,
      resourceGroup: options.resourceGroup,
      workspaceName: options.workspaceName,
    };
    this.concurrency = Math.max(1, options.maxConcurrency ?? 8);
    this.invokeTimeoutMs = options.invokeTimeoutMs;
    this.credentials = new EndpointCredentials(
      options.client,
      options.resourceGroup,
      options.workspaceName,
      options.credential,
      options.keyCacheTtlMs ?? 60_000,
    );
    // Node 20's fetch cannot take a per-request CA, so scoring goes through node:https with this agent.
    this.agent = options.caCertPem === undefined ? undefined : new Agent({ keepAlive: true, ca: options.caCertPem });
    ensurePolicy(options.client, apiVersionPolicy);
    this.counter = new ArmCallCounter(options.client);
    this.polling = { ...DEFAULT_POLLING, ...options.operationPolling };
  }

  /** ARM requests this workspace has made so far (every page and retry counts), for "ARM calls per command". */
  get armCallCount(): number {
    return this.counter.count;
  }

  /** Closes the keep-alive connections to scoring URIs. */
  close(): void {
    this.agent?.destroy();
  }

  listEndpoints(): Promise<Result<EndpointView[], WorkspaceError>> {
    return this.attempt(
      async () => {
        const endpoints = await collect(
          this.endpointsApi.list(this.rg, this.ws, atApiVersion(MIRROR_TRAFFIC_API_VERSION)),
        );
        const views = await mapBounded(endpoints, this.concurrency, async (endpoint) => {
          try {
            return toEndpointView(endpoint, await this.deploymentsOf(endpoint.name ?? ""), this.ref);
          } catch (error) {
            // Deleted between the two calls: it is gone, so it is not listed.
            if (isNotFound(error)) return undefined;
            throw error;
          }
        });
        return views.filter((v) => v !== undefined).sort((a, b) => a.name.localeCompare(b.name));
      },
      (message) => ({ code: "workspace_rejected", status: 404, message }),
    );
  }

  getEndpoint(name: string): Promise<Result<EndpointView, WorkspaceError>> {
    return this.attempt(
      async () => {
        const [endpoint, deployments] = await Promise.all([this.endpointNamed(name), this.deploymentsOf(name)]);
        return toEndpointView(endpoint, deployments, this.ref);
      },
      () => this.endpointNotFound(name),
    );
  }

  listModels(name?: string): Promise<Result<ModelView[], WorkspaceError>> {
    return this.attempt(
      async () => {
        if (name !== undefined) {
          try {
            const [container, versions] = await Promise.all([
              this.client.modelContainers.get(this.rg, this.ws, name),
              collect(this.client.modelVersions.list(this.rg, this.ws, name)),
            ]);
            return [toModelView(container, versions)];
          } catch (error) {
            // No model of that name: an empty list, which core words.
            if (isNotFound(error)) return [];
            throw error;
          }
        }
        const containers = await collect(this.client.modelContainers.list(this.rg, this.ws));
        const models = await mapBounded(containers, this.concurrency, async (container) =>
          toModelView(container, await collect(this.client.modelVersions.list(this.rg, this.ws, container.name ?? ""))),
        );
        return models.sort((a, b) => a.name.localeCompare(b.name));
      },
      (message) => ({ code: "workspace_rejected", status: 404, message }),
    );
  }

  getLogs(endpoint: string, deployment: string, tail: number): Promise<Result<string, WorkspaceError>> {
    return this.attempt(
      async () => {
        const logs = await this.client.onlineDeployments.getLogs(this.rg, this.ws, endpoint, deployment, {
          containerType: "InferenceServer",
          tail,
        });
        return logs.content ?? "";
      },
      () => this.deploymentNotFound(endpoint, deployment),
    );
  }

  ping(timeoutMs: number): Promise<Result<void, WorkspaceError>> {
    // The first page of a one-endpoint listing: a read the bot's role is certain to allow, whatever the workspace holds.
    return this.attempt(
      async () => {
        const pages = this.endpointsApi
          .list(this.rg, this.ws, { count: 1, abortSignal: AbortSignal.timeout(timeoutMs) })
          .byPage();
        await pages.next();
      },
      (message) => ({ code: "workspace_rejected", status: 404, message }),
    );
  }

  async invoke(request: InvokeRequest): Promise<Result<InvokeResult, WorkspaceError>> {
    const prepared = await this.attempt(
      async () => {
        const endpoint = await this.endpointNamed(request.endpoint);
        const view = toEndpointView(endpoint, [], this.ref);
        const mode = view.authMode;
        return {
          view,
          mode,
          secret: typeof mode === "string" ? await this.credentials.get(view.name, mode) : undefined,
        };
      },
      () => this.endpointNotFound(request.endpoint),
    );
    if (!prepared.ok) return prepared;
    const { view, mode } = prepared.value;
    if (typeof mode !== "string") {
      return err({ code: "unsupported_auth_mode", endpoint: view.name, authMode: mode.other });
    }
    let secret = prepared.value.secret;
    if (view.scoringUri === undefined) {
      return err({
        code: "workspace_rejected",
        status: 409,
        message: `Endpoint ${view.name} has no scoring URI yet (provisioningState ${view.state}).`,
      });
    }
    if (secret === undefined) return err(noSecret(view));

    let answer = await this.score(view.scoringUri, secret.secret, request);
    if (answer.ok && answer.value.status === 401 && secret.cached) {
      // The cached key may have been regenerated since: fetch it again and retry once.
      this.credentials.drop(view.name);
      const fresh = await this.attempt(
        () => this.credentials.get(view.name, mode),
        () => this.endpointNotFound(request.endpoint),
      );
      if (!fresh.ok) return fresh;
      secret = fresh.value;
      if (secret === undefined) return err(noSecret(view));
      answer = await this.score(view.scoringUri, secret.secret, request);
    }
    if (!answer.ok) {
      if (answer.error === "timeout") {
        return err({ code: "invoke_timeout", endpoint: view.name, timeoutMs: this.invokeTimeoutMs });
      }
      return err(answer.error);
    }

    const { status, headers, body, latencyMs } = answer.value;
    if (status === 404 && request.deployment !== undefined) {
      // The front door answers 404 for a named deployment that does not exist; say which ones do.
      const missing = await this.attempt(
        async () => {
          const names = (await this.deploymentsOf(view.name)).map((d) => d.name ?? "");
          return names.some((n) => n.toLowerCase() === request.deployment?.toLowerCase()) ? undefined : names;
        },
        () => this.endpointNotFound(view.name),
      );
      if (!missing.ok) return missing;
      if (missing.value !== undefined) {
        return err({
          code: "deployment_not_found",
          endpoint: view.name,
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

  getDeployment(endpoint: string, deployment: string): Promise<Result<DeploymentView, WorkspaceError>> {
    return this.attempt(
      async () =>
        toDeploymentView(await this.client.onlineDeployments.get(this.rg, this.ws, endpoint, deployment), this.ref),
      () => this.deploymentNotFound(endpoint, deployment),
    );
  }

  getModelVersion(model: string, version: string): Promise<Result<{ model: string; version: string }, WorkspaceError>> {
    return this.attempt(
      async () => {
        const found = await this.client.modelVersions.get(this.rg, this.ws, model, version);
        return { model, version: found.name ?? version };
      },
      () => this.modelVersionNotFound(model, version),
    );
  }

  cloneDeployment(
    endpoint: string,
    from: string,
    to: string,
    model: { name: string; version: string },
  ): Promise<Result<{ retryAfterMs: number }, WorkspaceError>> {
    return this.attempt(
      async () => {
        const source = await this.raw("GET", this.deploymentPath(endpoint, from));
        const desired = deploymentCloneBody(bodyOf(source), workspaceModelId(this.ref, model));
        const target = this.deploymentPath(endpoint, to);
        const existing = await this.raw("GET", target);
        if (existing.status !== 404) {
          const state = provisioningStateOf(bodyOf(existing));
          // Re-applied (after a restart, a redelivery): Azure already has, or is making, exactly this deployment.
          // A failed one is put again, which provisions it anew.
          if (
            sameDeploymentSpec(existing.body, desired) &&
            !["failed", "canceled"].includes(state?.toLowerCase() ?? "")
          ) {
            return { retryAfterMs: this.polling.intervalMs };
          }
        }
        const accepted = await this.raw("PUT", target, desired);
        bodyOf(accepted);
        return { retryAfterMs: retryAfterMs(accepted.headers) ?? this.polling.intervalMs };
      },
      () => this.deploymentNotFound(endpoint, from),
      { endpoint, deployment: to },
    );
  }

  setTraffic(endpoint: string, traffic: Record<string, number>): Promise<Result<void, WorkspaceError>> {
    const path = this.endpointPath(endpoint);
    return this.attempt(
      async () => {
        for (let look = 1; ; look++) {
          const current = await this.raw("GET", path);
          const body = bodyOf(current);
          const state = provisioningStateOf(body);
          if (sameTraffic(trafficOf(body), traffic)) {
            // Already there: no PUT (re-applied after a restart, it saves an ARM operation). If the operation that
            // set it is still running, its end is waited for, and a failed one is put again.
            if (state === undefined || state.toLowerCase() === "succeeded") return;
            if (!isTerminal(state) && look === 1) {
              await waitForProvisioning(this.client, path, CURRENT_API_VERSION, this.polling, current).catch(
                (error: unknown) => {
                  if (!(error instanceof OperationFailedError)) throw error;
                },
              );
              continue;
            }
          }
          const started = { method: "PUT" as const, url: path, apiVersion: CURRENT_API_VERSION };
          const accepted = await this.raw("PUT", path, endpointTrafficBody(body, traffic));
          bodyOf(accepted);
          await followOperation(this.client, started, accepted, this.polling);
          return;
        }
      },
      () => this.endpointNotFound(endpoint),
      { endpoint },
    );
  }

  // Deletes go raw too, through the same follower as setTraffic: the SDK's poller waits as long as any Retry-After
  // asks (up to 600 s per the spec) with no bound on the whole, and reports a failed operation as a plain Error
  // without status or code (reference §1.3).
  deleteDeployment(endpoint: string, deployment: string): Promise<Result<void, WorkspaceError>> {
    return this.delete(this.deploymentPath(endpoint, deployment), { endpoint, deployment });
  }

  async recentRequests(
    endpoint: string,
    hours: number,
  ): Promise<Result<Record<string, number> | undefined, WorkspaceError>> {
    const end = new Date();
    const start = new Date(end.getTime() - hours * 3600_000);
    const query = new URLSearchParams({
      metricnames: "RequestsPerMinute",
      aggregation: "Total",
      interval: `PT${hours}H`,
      timespan: `${start.toISOString()}/${end.toISOString()}`,
      $filter: "deployment eq '*'",
    });
    const answer = await this.counter.run(() =>
      sendRaw(this.client, {
        method: "GET",
        url: `${this.endpointPath(endpoint)}/providers/Microsoft.Insights/metrics?${query.toString()}`,
        apiVersion: METRICS_API_VERSION,
      }).catch(() => undefined),
    );
    // Metrics are a nicety of a preview: no access (403), no metrics (404) or a network failure mean "not reported".
    if (!answer || answer.status !== 200) return ok(undefined);
    return ok(requestTotals(answer.body));
  }

  deleteEndpoint(endpoint: string): Promise<Result<void, WorkspaceError>> {
    return this.delete(this.endpointPath(endpoint), { endpoint });
  }

  private delete(path: string, target: OperationTarget): Promise<Result<void, WorkspaceError>> {
    return this.attempt(
      async () => {
        const accepted = await this.raw("DELETE", path);
        // Already gone (or its endpoint is): what the delete is for.
        if (accepted.status === 404) return;
        bodyOf(accepted);
        await followOperation(
          this.client,
          { method: "DELETE", url: path, apiVersion: CURRENT_API_VERSION },
          accepted,
          this.polling,
        );
      },
      (message) => ({ code: "workspace_rejected", status: 404, message }),
      target,
    );
  }

  /** One raw ARM request at the current api-version; every answer is returned (see `bodyOf`). */
  private raw(method: "GET" | "PUT" | "DELETE", path: string, body?: unknown): Promise<RawResponse> {
    return sendRaw(this.client, {
      method,
      url: path,
      apiVersion: CURRENT_API_VERSION,
      ...(body !== undefined ? { body } : {}),
    });
  }

  private endpointPath(endpoint: string): string {
    return (
      `/subscriptions/${encodeURIComponent(this.ref.subscriptionId)}/resourceGroups/${encodeURIComponent(this.rg)}` +
      `/providers/Microsoft.MachineLearningServices/workspaces/${encodeURIComponent(this.ws)}` +
      `/onlineEndpoints/${encodeURIComponent(endpoint)}`
    );
  }

  private deploymentPath(endpoint: string, deployment: string): string {
    return `${this.endpointPath(endpoint)}/deployments/${encodeURIComponent(deployment)}`;
  }

  /** One scoring POST; a network failure becomes a WorkspaceError, any HTTP status is an answer. */
  private async score(
    scoringUri: string,
    secret: string,
    request: InvokeRequest,
  ): Promise<Result<ScoringAnswer, WorkspaceError | "timeout">> {
    const headers: Record<string, string> = { authorization: `Bearer ${secret}` };
    if (request.deployment !== undefined) headers[MODEL_DEPLOYMENT_HEADER] = request.deployment;
    try {
      return ok(
        await postScoring(scoringUri, request.body, headers, { agent: this.agent, timeoutMs: this.invokeTimeoutMs }),
      );
    } catch (error) {
      if (error instanceof ScoringTimeoutError) return err("timeout");
      if (error instanceof ScoringNetworkError) return err({ code: "workspace_unreachable", detail: error.message });
      throw error;
    }
  }

  /** Runs ARM work under this workspace's call counter, mapping Azure's failures to codes. */
  private async attempt<T>(
    work: () => Promise<T>,
    notFound: (message: string) => WorkspaceError | Promise<WorkspaceError>,
    target?: OperationTarget,
  ): Promise<Result<T, WorkspaceError>> {
    return this.counter.run(async () => {
      try {
        return ok(await work());
      } catch (error) {
        return err(await toWorkspaceError(error, () => notFound(error instanceof Error ? error.message : ""), target));
      }
    });
  }

  /** A 404 for a model version: the versions the model has, newest first (none when the model is not registered). */
  private async modelVersionNotFound(model: string, version: string): Promise<WorkspaceError> {
    let known: string[] = [];
    try {
      known = versionsNewestFirst(await collect(this.client.modelVersions.list(this.rg, this.ws, model)));
    } catch (error) {
      // No such model: no versions. Any other failure is Azure's, and says more than the missing version does.
      if (!isNotFound(error))
        return toWorkspaceError(error, () => ({ code: "workspace_rejected", status: 404, message: "" }));
    }
    return { code: "model_version_not_found", model, version, known };
  }

  private async endpointNotFound(name: string): Promise<WorkspaceError> {
    const known = await this.endpointNames();
    return { code: "endpoint_not_found", endpoint: name, ...(known ? { known } : {}) };
  }

  /** A 404 from a deployment call: either the endpoint or the deployment is missing. */
  private async deploymentNotFound(endpoint: string, deployment: string): Promise<WorkspaceError> {
    try {
      const known = (await this.deploymentsOf(endpoint)).map((d) => d.name ?? "").sort();
      return { code: "deployment_not_found", endpoint, deployment, known };
    } catch (error) {
      return toWorkspaceError(error, () => this.endpointNotFound(endpoint));
    }
  }

  /** Every endpoint's name, for "did you mean"; undefined when they cannot be listed. */
  private async endpointNames(): Promise<string[] | undefined> {
    try {
      return (await collect(this.endpointsApi.list(this.rg, this.ws))).map((e) => e.name ?? "");
    } catch (error) {
      // Rethrows what is not Azure's failure (a bug); Azure's own failure just means no suggestions.
      await toWorkspaceError(error, () => ({ code: "endpoint_not_found", endpoint: "" }));
      return undefined;
    }
  }

  private endpointNamed(name: string): Promise<OnlineEndpoint> {
    return this.endpointsApi.get(this.rg, this.ws, name, atApiVersion(MIRROR_TRAFFIC_API_VERSION));
  }

  private deploymentsOf(endpoint: string): Promise<OnlineDeployment[]> {
    return collect(this.client.onlineDeployments.list(this.rg, this.ws, endpoint));
  }

  private get endpointsApi(): AzureMachineLearningWorkspaces["onlineEndpoints"] {
    return this.client.onlineEndpoints;
  }

  private get rg(): string {
    return this.ref.resourceGroup;
  }

  private get ws(): string {
    return this.ref.workspaceName;
  }
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

function noSecret(view: EndpointView): WorkspaceError {
  return {
    code: "workspace_auth_failed",
    detail: `Azure gave no ${authModeName(view.authMode)} credential for endpoint ${view.name}`,
  };
}

/** The body of a successful raw answer; any other answer is thrown as the RestError an SDK call would throw. */
/** Azure Monitor's answer as one total per deployment (the `deployment` dimension's timeseries, summed). */
function requestTotals(body: unknown): Record<string, number> | undefined {
  const metric = (body as { value?: { timeseries?: unknown[] }[] } | undefined)?.value?.[0];
  if (!metric || !Array.isArray(metric.timeseries)) return undefined;
  const totals: Record<string, number> = {};
  for (const series of metric.timeseries as {
    metadatavalues?: { name?: { value?: string }; value?: string }[];
    data?: { total?: number }[];
  }[]) {
    const deployment = series.metadatavalues?.find((m) => m.name?.value?.toLowerCase() === "deployment")?.value;
    if (!deployment) continue;
    totals[deployment] = (totals[deployment] ?? 0) + (series.data ?? []).reduce((sum, d) => sum + (d.total ?? 0), 0);
  }
  return totals;
}

function bodyOf(response: RawResponse): unknown {
  if (response.status >= 300) throw restErrorOf(response);
  return response.body;
}

function isNotFound(error: unknown): boolean {
  return isRestError(error) && error.statusCode === 404;
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
