import { Agent } from "node:https";
import type { AzureMachineLearningWorkspaces } from "@azure/arm-machinelearning";
import type { TokenCredential } from "@azure/identity";
import type { Result } from "../ports/result.js";
import type {
  DeploymentView,
  EndpointTraffic,
  EndpointView,
  InvokeRequest,
  InvokeResult,
  ModelView,
  Workspace,
  WorkspaceError,
} from "../ports/workspace.js";
import { apiVersionPolicy, ensurePolicy } from "./arm-client.js";
import { ArmCalls } from "./arm-calls.js";
import type { OperationPolling } from "./arm-lro.js";
import { EndpointMetrics } from "./arm-metrics.js";
import type { RequestMetrics } from "../ports/metrics.js";
import * as reads from "./arm-reads.js";
import * as writes from "./arm-writes.js";
import { EndpointCredentials } from "./endpoint-credentials.js";
import { EndpointScoring } from "./endpoint-scoring.js";

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
  /**
   * How long an endpoint's scoring URI and key (or AML token) are reused; default 60 s. A 401 refreshes them sooner,
   * and a 404 or no answer from the scoring URI makes the endpoint be read again.
   */
  keyCacheTtlMs?: number;
  /**
   * How writes wait for Azure's long-running operations: `intervalMs` between polls when Azure sends no Retry-After
   * (default 5 s; the first poll of an operation waits longer when the last one of its kind took longer, see
   * `OperationDurations`), at most `maxIntervalMs` between polls whatever it sends (default 10 s), at most `timeoutMs`
   * in all (default 15 min).
   */
  operationPolling?: Partial<OperationPolling>;
}

const DEFAULT_POLLING: OperationPolling = { intervalMs: 5_000, maxIntervalMs: 10_000, timeoutMs: 15 * 60_000 };

/**
 * The Workspace port over Azure ML's ARM API (the real SDK) and the endpoints' scoring URIs: reads, writes that
 * follow Azure's operations, scoring and metrics each live in a file of their own; this class wires them together.
 */
export class ArmWorkspace implements Workspace {
  private readonly arm: ArmCalls;
  private readonly agent: Agent | undefined;
  private readonly scoring: EndpointScoring;
  private readonly metrics: EndpointMetrics;

  constructor(options: ArmWorkspaceOptions) {
    const { client, resourceGroup, workspaceName } = options;
    ensurePolicy(client, apiVersionPolicy);
    this.arm = new ArmCalls(
      client,
      { subscriptionId: client.subscriptionId, resourceGroup, workspaceName },
      { ...DEFAULT_POLLING, ...options.operationPolling },
      Math.max(1, options.maxConcurrency ?? 8),
    );
    const keepMs = options.keyCacheTtlMs ?? 60_000;
    // Node 20's fetch cannot take a per-request CA, so scoring goes through node:https with this agent.
    this.agent = options.caCertPem === undefined ? undefined : new Agent({ keepAlive: true, ca: options.caCertPem });
    this.scoring = new EndpointScoring(
      this.arm,
      new EndpointCredentials(client, resourceGroup, workspaceName, options.credential, keepMs),
      { agent: this.agent, timeoutMs: options.invokeTimeoutMs, keepMs },
    );
    this.metrics = new EndpointMetrics(this.arm, options.credential);
  }

  /**
   * ARM requests this workspace has made so far (every page and retry counts, Azure Monitor's metrics calls too), for
   * "ARM calls per command".
   */
  get armCallCount(): number {
    return this.arm.count;
  }

  /** Closes the keep-alive connections to scoring URIs. */
  close(): void {
    this.agent?.destroy();
  }

  async listEndpoints(): Promise<Result<EndpointView[], WorkspaceError>> {
    const listed = await reads.listEndpoints(this.arm);
    if (listed.ok) for (const view of listed.value) this.scoring.remember(view);
    return listed;
  }

  async getEndpoint(name: string): Promise<Result<EndpointView, WorkspaceError>> {
    const read = await reads.getEndpoint(this.arm, name);
    if (read.ok) this.scoring.remember(read.value);
    return read;
  }

  getEndpointTraffic(name: string): Promise<Result<EndpointTraffic, WorkspaceError>> {
    return reads.getEndpointTraffic(this.arm, name);
  }

  listModels(name?: string): Promise<Result<ModelView[], WorkspaceError>> {
    return reads.listModels(this.arm, name);
  }

  getLogs(endpoint: string, deployment: string, tail: number): Promise<Result<string, WorkspaceError>> {
    return reads.getLogs(this.arm, endpoint, deployment, tail);
  }

  ping(timeoutMs: number): Promise<Result<void, WorkspaceError>> {
    return reads.ping(this.arm, timeoutMs);
  }

  invoke(request: InvokeRequest): Promise<Result<InvokeResult, WorkspaceError>> {
    return this.scoring.invoke(request);
  }

  getDeployment(endpoint: string, deployment: string): Promise<Result<DeploymentView, WorkspaceError>> {
    return reads.getDeployment(this.arm, endpoint, deployment);
  }

  getModelVersion(model: string, version: string): Promise<Result<{ model: string; version: string }, WorkspaceError>> {
    return reads.getModelVersion(this.arm, model, version);
  }

  cloneDeployment(
    endpoint: string,
    from: string,
    to: string,
    model: { name: string; version: string },
  ): Promise<Result<{ retryAfterMs: number }, WorkspaceError>> {
    return writes.cloneDeployment(this.arm, endpoint, from, to, model);
  }

  setTraffic(
    endpoint: string,
    traffic: Record<string, number>,
    mirror?: Record<string, number>,
  ): Promise<Result<void, WorkspaceError>> {
    return writes.setTraffic(this.arm, endpoint, traffic, mirror);
  }

  deleteDeployment(endpoint: string, deployment: string): Promise<Result<void, WorkspaceError>> {
    return writes.deleteResource(this.arm, this.arm.deploymentPath(endpoint, deployment), { endpoint, deployment });
  }

  deleteEndpoint(endpoint: string): Promise<Result<void, WorkspaceError>> {
    return writes.deleteResource(this.arm, this.arm.endpointPath(endpoint), { endpoint });
  }

  requestMetrics(endpoint: string, window: { from: Date; to: Date }): Promise<Result<RequestMetrics, WorkspaceError>> {
    return this.metrics.requestMetrics(endpoint, window);
  }

  recentRequests(endpoint: string, hours: number): Promise<Result<Record<string, number> | undefined, WorkspaceError>> {
    return this.metrics.recentRequests(endpoint, hours);
  }
}
