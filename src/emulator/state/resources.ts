/** What the local workspace keeps about each resource. Wire shapes are built from these in control-plane/. */

export type ProvisioningState = "Creating" | "Updating" | "Deleting" | "Succeeded" | "Failed" | "Canceled";

export interface SystemData {
  createdAt: string;
  createdBy: string;
  createdByType: "User";
  lastModifiedAt: string;
  lastModifiedBy: string;
  lastModifiedByType: "User";
}

export type AuthMode = "Key" | "AMLToken" | "AADToken";

export interface StoredEndpoint {
  name: string;
  location: string;
  tags: Record<string, string>;
  identity: ManagedIdentity;
  authMode: AuthMode;
  description?: string;
  /** Free-form property dictionary; the service adds keys, never removes them. */
  properties: Record<string, string>;
  traffic: Record<string, number>;
  mirrorTraffic: Record<string, number>;
  publicNetworkAccess: string;
  /**
   * A Kubernetes endpoint's compute (ARM id of the attached cluster) and the `kind` it was created with; managed
   * endpoints have neither. Create-only. GreenLight shows such endpoints read-only.
   */
  compute?: string;
  kind?: string;
  /** Every other property it was sent (read-only ones excluded), returned as sent. */
  extraProperties?: Record<string, unknown>;
  provisioningState: ProvisioningState;
  /** Never returned by GET; only by listKeys. */
  keys: { primaryKey: string; secondaryKey: string };
  /** AML tokens issued by `token`, valid until `expiresAt` (epoch seconds). */
  tokens: { token: string; expiresAt: number }[];
  createdAt: string;
  systemData: SystemData;
}

export interface StoredDeployment {
  endpointName: string;
  name: string;
  location: string;
  tags: Record<string, string>;
  kind: string;
  sku: { name: string; capacity: number; tier?: string; size?: string; family?: string };
  identity?: ManagedIdentity;
  /** The deployment's properties as the service keeps them (defaults applied, server fields excluded). */
  properties: DeploymentProperties;
  /**
   * Every other property it was sent (`dataCollector`, `startupProbe`, whatever a newer api-version has), returned as
   * sent; absent in state files written before they were kept.
   */
  extraProperties?: Record<string, unknown>;
  provisioningState: ProvisioningState;
  /** Why the last provisioning failed, for the operation error and the logs. */
  failure?: string;
  /**
   * The properties of the model that keeps serving while an update is under way or after it failed (Azure keeps the
   * old containers until new ones are ready), so a restart can bring that model back too.
   */
  serving?: DeploymentProperties;
  systemData: SystemData;
}

/** A managed identity as ARM returns it; the principal ids are the service's. */
export interface ManagedIdentity {
  type: string;
  principalId?: string;
  tenantId?: string;
  userAssignedIdentities?: Record<string, { principalId: string; clientId: string }>;
}

export interface DeploymentProperties {
  endpointComputeType: "Managed";
  description?: string;
  properties: Record<string, string>;
  environmentVariables: Record<string, string>;
  model: string;
  modelMountPath?: string;
  environmentId?: string;
  codeConfiguration?: { codeId: string; scoringScript: string };
  instanceType: string;
  scaleSettings: Record<string, unknown>;
  requestSettings: { requestTimeout: string; maxConcurrentRequestsPerInstance: number; maxQueueWait: string };
  livenessProbe: ProbeSettings;
  readinessProbe: ProbeSettings;
  appInsightsEnabled: boolean;
  egressPublicNetworkAccess: string;
}

export interface ProbeSettings {
  failureThreshold: number;
  successThreshold: number;
  timeout: string;
  period: string;
  initialDelay: string;
}

/** What every registered asset has: a model container, and a version of a model, code or environment. */
interface StoredAsset {
  name: string;
  description?: string;
  tags: Record<string, string>;
  properties: Record<string, string>;
  isArchived: boolean;
  systemData: SystemData;
}

export type StoredModelContainer = StoredAsset;

/** What every registered asset version (model, code, environment) has. */
export interface StoredAssetVersion extends StoredAsset {
  version: string;
  isAnonymous: boolean;
}

export interface StoredModelVersion extends StoredAssetVersion {
  modelType: string;
  /** Where the files are: a folder (absolute, `file:`, or relative to the data folder) or `seed:<path>`. */
  modelUri: string;
  flavors: Record<string, { data: Record<string, string> }>;
  jobName?: string;
}

export interface StoredCodeVersion extends StoredAssetVersion {
  /** A folder: absolute, `file:`, relative to the data folder, or `seed:<path>`. */
  codeUri: string;
}

export interface StoredEnvironmentVersion extends StoredAssetVersion {
  image?: string;
  osType: string;
}

export type OperationStatus = "InProgress" | "Succeeded" | "Failed" | "Canceled";

/** A long-running ARM operation, answered by `mfeOperationsStatus` and `mfeOperationResults`. */
export interface StoredOperation {
  id: string;
  status: OperationStatus;
  startTime: string;
  endTime?: string;
  error?: { code: string; message: string };
  /** ARM path of the resource it acts on (for the final answer of `mfeOperationResults`). */
  resourcePath: string;
  method: "PUT" | "PATCH" | "DELETE" | "POST";
}

export interface WorkspaceState {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  workspaceGuid: string;
  createdAt: string;
  endpoints: Record<string, StoredEndpoint>;
  /** Keyed by lower-case endpoint name, then lower-case deployment name. */
  deployments: Record<string, Record<string, StoredDeployment>>;
  models: Record<string, { container: StoredModelContainer; versions: Record<string, StoredModelVersion> }>;
  codes: Record<string, { versions: Record<string, StoredCodeVersion> }>;
  environments: Record<string, { versions: Record<string, StoredEnvironmentVersion> }>;
  operations: Record<string, StoredOperation>;
}
