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
  | { code: "unsupported_auth_mode"; endpoint: string; authMode: string };

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
  deployments: DeploymentView[];
}

export interface DeploymentView {
  name: string;
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
  /** Registered models and their versions, optionally one model only. */
  listModels(name?: string): Promise<Result<ModelView[], WorkspaceError>>;
  /** The last `tail` lines of a deployment's inference-server log. */
  getLogs(endpoint: string, deployment: string, tail: number): Promise<Result<string, WorkspaceError>>;
  /** Scores a request through the endpoint's scoring URI, authenticated with its key or an Entra token. */
  invoke(request: InvokeRequest): Promise<Result<InvokeResult, WorkspaceError>>;
}
