import { Agent } from "node:https";
import type { AzureMachineLearningWorkspaces, OnlineDeployment, OnlineEndpoint } from "@azure/arm-machinelearning";
import type { TokenCredential } from "@azure/identity";
import { isRestError } from "@azure/core-rest-pipeline";
import { err, ok, type Result } from "../ports/result.js";
import type {
  EndpointView,
  InvokeRequest,
  InvokeResult,
  ModelView,
  Workspace,
  WorkspaceError,
} from "../ports/workspace.js";
import { apiVersionPolicy, atApiVersion, ensurePolicy } from "./arm-client.js";
import { ArmCallCounter } from "./arm-call-counter.js";
import { toWorkspaceError } from "./arm-errors.js";
import { authModeName, toEndpointView, toModelView, type WorkspaceRef } from "./arm-views.js";
import { mapBounded } from "./bounded-map.js";
import { EndpointCredentials } from "./endpoint-credentials.js";
import { postScoring, ScoringTimeoutError, type ScoringAnswer } from "./scoring-client.js";

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
}

// The first api-version whose endpoint GET carries mirrorTraffic (SPEC23; reference §1.2).
const MIRROR_TRAFFIC_API_VERSION = "2023-04-01";
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
      // Only network failures reach here (every HTTP status is an answer), so the 404 callback is never used.
      return err(await toWorkspaceError(error, () => ({ code: "endpoint_not_found", endpoint: request.endpoint })));
    }
  }

  /** Runs ARM work under this workspace's call counter, mapping Azure's failures to codes. */
  private async attempt<T>(
    work: () => Promise<T>,
    notFound: (message: string) => WorkspaceError | Promise<WorkspaceError>,
  ): Promise<Result<T, WorkspaceError>> {
    return this.counter.run(async () => {
      try {
        return ok(await work());
      } catch (error) {
        return err(await toWorkspaceError(error, () => notFound(error instanceof Error ? error.message : "")));
      }
    });
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

function isNotFound(error: unknown): boolean {
  return isRestError(error) && error.statusCode === 404;
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
