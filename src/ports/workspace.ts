import type { RequestMetrics } from "./metrics.js";
import type { Result } from "./result.js";

/** Failures of the Azure ML workspace that a user can act on. Core words them (`describeError`). */
export type WorkspaceError =
  /** `known`: the workspace's endpoint names, when they could be listed (for "did you mean"). */
  | { code: "endpoint_not_found"; endpoint: string; known?: string[] }
  | { code: "deployment_not_found"; endpoint: string; deployment: string; known: string[] }
  | { code: "workspace_unreachable"; detail: string }
  | { code: "workspace_throttled"; retryAfterSeconds?: number }
  | { code: "workspace_auth_failed"; detail: string }
  | { code: "workspace_rejected"; status: number; message: string }
  | { code: "invoke_timeout"; endpoint: string; timeoutMs: number }
  | { code: "unsupported_auth_mode"; endpoint: string; authMode: string }
  /** Azure runs another operation on the endpoint (409); try again when it ends. */
  | { code: "operation_in_progress"; endpoint: string; retryAfterSeconds?: number }
  /** A long-running operation ended as Failed (or Canceled), with Azure's message. */
  | { code: "operation_failed"; endpoint: string; deployment?: string; message: string }
  | { code: "model_version_not_found"; model: string; version: string; known: string[] }
  /**
   * Azure Monitor did not give the endpoint's metrics: no Monitoring Reader role (403), a metric-level error in its
   * answer, or the metrics API failing. `reason` says which, in words a person can act on.
   */
  | { code: "metrics_unavailable"; endpoint: string; reason: string };

/** How clients authenticate to a scoring URI (SPEC22 EndpointAuthMode); `other` is a newer mode, named as Azure does. */
export type AuthMode = "Key" | "AMLToken" | "AADToken" | { other: string };

/** How many instances a deployment runs: a fixed count (`sku.capacity`), an autoscale range, or nothing Azure said. */
export type InstanceScale =
  { kind: "fixed"; count: number } | { kind: "autoscale"; min?: number; max?: number } | { kind: "unknown" };

/** An online endpoint as GreenLight shows it: its traffic and what each deployment serves. */
export interface EndpointView {
  name: string;
  /** Azure's provisioningState. */
  state: string;
  authMode: AuthMode;
  /** `Managed` endpoints are managed by GreenLight; Kubernetes ones are shown read-only. */
  computeType: "Managed" | "Kubernetes";
  description?: string;
  scoringUri?: string;
  /** Live traffic per deployment, percent. */
  traffic: Record<string, number>;
  /** Mirror (shadow) traffic per deployment, percent. */
  mirrorTraffic: Record<string, number>;
  /** The endpoint's Azure tags (GreenLight reads its rollout plan from `greenlight-plan`). */
  tags: Record<string, string>;
  deployments: DeploymentView[];
}

/**
 * What {@link Workspace.getEndpointTraffic} reads: an endpoint's live and mirror traffic, and whether an update is
 * still running.
 */
export type EndpointTraffic = Pick<EndpointView, "state" | "traffic" | "mirrorTraffic">;

export interface DeploymentView {
  name: string;
  /** Azure's provisioningState: Creating, Updating, Succeeded, Failed, Canceled, Deleting. */
  state: string;
  /** The registered model it serves, or the raw reference when it is not a workspace model id. */
  model: { name: string; version: string } | { reference: string };
  instanceType: string;
  scale: InstanceScale;
  requestTimeoutMs?: number;
}

export interface ModelView {
  name: string;
  description?: string;
  /** Newest first. */
  versions: { version: string; description?: string; modelType?: string; createdAt?: string }[];
}

export interface InvokeRequest {
  endpoint: string;
  /** Targets one deployment (header `azureml-model-deployment`); traffic decides when absent. */
  deployment?: string;
  /** The JSON request body, as text. */
  body: string;
}

export interface InvokeResult {
  /** HTTP status from the scoring URI. */
  status: number;
  latencyMs: number;
  /** The deployment that answered (response header `azureml-model-deployment`). */
  deployment?: string;
  /** Response body text (may be large; the caller truncates for display). */
  body: string;
  /** For a 424: the status the model container returned. */
  modelErrorStatus?: string;
}

/** An Azure ML workspace: the one port GreenLight manages endpoints through. */
export interface Workspace {
  /** Every online endpoint with its deployments. */
  listEndpoints(): Promise<Result<EndpointView[], WorkspaceError>>;
  /** One endpoint with its deployments; `endpoint_not_found` when absent. */
  getEndpoint(name: string): Promise<Result<EndpointView, WorkspaceError>>;
  /**
   * One endpoint's live traffic and provisioningState without its deployments (one read, where getEndpoint lists the
   * deployments too): what a rollout checks before and after each traffic change. `endpoint_not_found` when absent.
   */
  getEndpointTraffic(name: string): Promise<Result<EndpointTraffic, WorkspaceError>>;
  /** Registered models and their versions, optionally one model only. */
  listModels(name?: string): Promise<Result<ModelView[], WorkspaceError>>;
  /** The last `tail` lines of a deployment's inference-server log. */
  getLogs(endpoint: string, deployment: string, tail: number): Promise<Result<string, WorkspaceError>>;
  /** Scores a request through the endpoint's scoring URI, authenticated with its key or an Entra token. */
  invoke(request: InvokeRequest): Promise<Result<InvokeResult, WorkspaceError>>;
  /**
   * One cheap read of the workspace (readiness): succeeds once Azure answered it, fails with `workspace_unreachable`
   * when it did not within `timeoutMs` (retries included), or with the failure Azure answered.
   */
  ping(timeoutMs: number): Promise<Result<void, WorkspaceError>>;

  // The write side. Every call is idempotent: re-applied after a crash, it converges on the same state.

  /** One deployment of an endpoint, with its provisioning state; `deployment_not_found` when absent. */
  getDeployment(endpoint: string, deployment: string): Promise<Result<DeploymentView, WorkspaceError>>;
  /** Whether a model version is registered; `model_version_not_found` (with the versions there are) when not. */
  getModelVersion(model: string, version: string): Promise<Result<{ model: string; version: string }, WorkspaceError>>;
  /**
   * Creates (or replaces) deployment `to` as a copy of deployment `from` of the same endpoint — instance type and
   * count, environment, code configuration, request settings, probes, environment variables and every field Azure
   * has that GreenLight does not know — with only the model swapped. Resolves once Azure accepted the operation; follow
   * it with {@link getDeployment} (its state), waiting `retryAfterMs` between looks.
   */
  cloneDeployment(
    endpoint: string,
    from: string,
    to: string,
    model: { name: string; version: string },
  ): Promise<Result<{ retryAfterMs: number }, WorkspaceError>>;
  /**
   * Sets the endpoint's live traffic to exactly `traffic` — and its mirror traffic to exactly `mirror` when given ({}
   * clears it) — keeping everything else (tags, auth, and the mirror when not given), and follows the operation to its
   * end (honouring Retry-After).
   */
  setTraffic(
    endpoint: string,
    traffic: Record<string, number>,
    mirror?: Record<string, number>,
  ): Promise<Result<void, WorkspaceError>>;
  /** Deletes a deployment (it must have no traffic) and follows the operation to its end; already gone is success. */
  deleteDeployment(endpoint: string, deployment: string): Promise<Result<void, WorkspaceError>>;
  /**
   * Scoring requests per deployment over the last `hours` (Azure Monitor's RequestsPerMinute), or undefined when the
   * workspace does not report them (no metrics access, an older cloud): a preview shows what it can.
   */
  recentRequests(endpoint: string, hours: number): Promise<Result<Record<string, number> | undefined, WorkspaceError>>;
  /**
   * Azure Monitor's per-minute request figures of each of the endpoint's deployments for the whole minutes in
   * [`from`, `to`): requests, failed requests, P50 and P95 latency. Minutes Azure has not aggregated yet are absent.
   * `metrics_unavailable` (with why) when Azure Monitor does not answer with them.
   */
  requestMetrics(endpoint: string, window: { from: Date; to: Date }): Promise<Result<RequestMetrics, WorkspaceError>>;
  /** Deletes an endpoint and its deployments and follows the operation to its end; already gone is success. */
  deleteEndpoint(endpoint: string): Promise<Result<void, WorkspaceError>>;
}
