import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { StoredDeployment, StoredEndpoint, SystemData, WorkspaceState } from "../state/resources.js";

/** The built-in assets shipped with GreenLight; registered asset URIs of the form `seed:<path>` resolve here. */
export const SEED_ROOT = fileURLToPath(new URL(".", import.meta.url));

export const SEED = {
  subscriptionId: "00000000-0000-0000-0000-000000000000",
  resourceGroup: "greenlight-local",
  workspace: "local",
  location: "local",
  endpoint: "diabetes-prod",
  model: "diabetes",
} as const;

export interface SeedSample {
  name: string;
  description: string;
  payload: unknown;
}

/** Sample payloads per endpoint (lower-case name) that the local workspace ships. */
export function seedSamples(): Record<string, SeedSample[]> {
  const samples = JSON.parse(readFileSync(new URL("./samples.json", import.meta.url), "utf8")) as SeedSample[];
  return { [SEED.endpoint]: samples };
}

/**
 * The state of a new local workspace: models diabetes 1-3 (3 is faulty on purpose), a code asset and an
 * environment, and endpoint diabetes-prod with blue = diabetes:1 at 100%.
 */
export function seedWorkspace(now: Date): WorkspaceState {
  const at = now.toISOString();
  const systemData: SystemData = {
    createdAt: at,
    createdBy: "greenlight-seed",
    createdByType: "User",
    lastModifiedAt: at,
    lastModifiedBy: "greenlight-seed",
    lastModifiedByType: "User",
  };
  const workspaceGuid = randomUUID();
  const workspaceId = `/subscriptions/${SEED.subscriptionId}/resourceGroups/${SEED.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${SEED.workspace}`;
  const versions = [
    ["1", "Logistic regression on the diabetes features."],
    ["2", "Retrained on more data; decides differently on borderline patients."],
    ["3", "Faulty on purpose: fails for patients with 10 or more pregnancies."],
  ] as const;
  const key = (): string => randomBytes(32).toString("base64url");
  const endpoint: StoredEndpoint = {
    name: SEED.endpoint,
    location: SEED.location,
    tags: { team: "diabetes" },
    identity: { type: "SystemAssigned", principalId: randomUUID(), tenantId: workspaceGuid },
    authMode: "Key",
    description: "Diabetes risk classifier",
    properties: { "azureml.onlineendpointid": `${workspaceId}/onlineendpoints/${SEED.endpoint}`.toLowerCase() },
    traffic: { blue: 100 },
    mirrorTraffic: {},
    publicNetworkAccess: "Enabled",
    provisioningState: "Succeeded",
    keys: { primaryKey: key(), secondaryKey: key() },
    tokens: [],
    createdAt: at,
    systemData,
  };
  const probe = { failureThreshold: 30, successThreshold: 1, timeout: "PT2S", period: "PT10S", initialDelay: "PT10S" };
  const blue: StoredDeployment = {
    endpointName: SEED.endpoint,
    name: "blue",
    location: SEED.location,
    tags: {},
    kind: "Managed",
    sku: { name: "Default", capacity: 1 },
    properties: {
      endpointComputeType: "Managed",
      properties: {},
      environmentVariables: {},
      model: `${workspaceId}/models/${SEED.model}/versions/1`,
      instanceType: "Standard_DS3_v2",
      scaleSettings: { scaleType: "Default" },
      requestSettings: { requestTimeout: "PT5S", maxConcurrentRequestsPerInstance: 2, maxQueueWait: "PT0.5S" },
      livenessProbe: probe,
      readinessProbe: probe,
      appInsightsEnabled: false,
      egressPublicNetworkAccess: "Enabled",
    },
    provisioningState: "Succeeded",
    systemData,
  };
  return {
    subscriptionId: SEED.subscriptionId,
    resourceGroup: SEED.resourceGroup,
    name: SEED.workspace,
    location: SEED.location,
    workspaceGuid,
    createdAt: at,
    endpoints: { [SEED.endpoint]: endpoint },
    deployments: { [SEED.endpoint]: { blue } },
    models: {
      [SEED.model]: {
        container: {
          name: SEED.model,
          description: "Diabetes risk",
          tags: {},
          properties: {},
          isArchived: false,
          systemData,
        },
        versions: Object.fromEntries(
          versions.map(([version, description]) => [
            version,
            {
              name: SEED.model,
              version,
              description,
              tags: {},
              properties: {},
              isArchived: false,
              isAnonymous: false,
              modelType: "MLFlowModel",
              modelUri: `seed:models/diabetes/${version}`,
              flavors: {
                onnx: { data: { onnx_model: "model.onnx" } },
                python_function: { data: { loader_module: "mlflow.onnx" } },
              },
              systemData,
            },
          ]),
        ),
      },
    },
    codes: {
      "diabetes-score": {
        versions: {
          "1": {
            name: "diabetes-score",
            version: "1",
            description: "A custom scoring script (init/run) for the diabetes model.",
            tags: {},
            properties: {},
            isArchived: false,
            isAnonymous: false,
            codeUri: "seed:code/diabetes-score",
            systemData,
          },
        },
      },
    },
    environments: {
      "node-onnx": {
        versions: {
          "1": {
            name: "node-onnx",
            version: "1",
            description: "Node.js with onnxruntime-node: the local workspace's inference image.",
            tags: {},
            properties: {},
            isArchived: false,
            isAnonymous: false,
            image: "greenlight/local-inference:node20-onnxruntime",
            osType: "Linux",
            systemData,
          },
        },
      },
    },
    operations: {},
  };
}
