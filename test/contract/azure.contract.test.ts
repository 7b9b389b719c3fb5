// The control-plane contract against a real Azure ML workspace. Skipped unless these variables are set:
//
//   AZURE_TEST_SUBSCRIPTION_ID  subscription of the test workspace                       (required)
//   AZURE_TEST_RESOURCE_GROUP   its resource group                                        (required)
//   AZURE_TEST_WORKSPACE        Azure ML workspace name                                   (required)
//   AZURE_TEST_MODEL_NAME       a registered model (MLflow, or custom with an environment) (required)
//   AZURE_TEST_MODEL_VERSIONS   two existing versions of it, old,new                      (default "1,2")
//   AZURE_TEST_INSTANCE_TYPE    managed instance type with quota, e.g. Standard_DS3_v2    (optional: service default)
//   AZURE_TEST_ENVIRONMENT_ID   environment ARM id, needed for non-MLflow models          (optional)
//
// Credentials come from DefaultAzureCredential (az login, AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET, managed
// identity…); the identity needs AzureML Data Scientist (or Contributor) on the workspace. The run creates one
// endpoint `ct-<random>` with two Default-sku deployments of capacity 1 and deletes it at the end; it takes tens of
// minutes and costs two instances for that long.
import { DefaultAzureCredential } from "@azure/identity";
import { describe } from "vitest";
import { createArmClient } from "../../src/workspace/arm-client.js";
import {
  describeConflictContract,
  describeControlPlaneContract,
  type ContractTarget,
} from "./azure-ml-control-plane.contract.js";

const env = {
  subscriptionId: process.env["AZURE_TEST_SUBSCRIPTION_ID"] ?? "",
  resourceGroup: process.env["AZURE_TEST_RESOURCE_GROUP"] ?? "",
  workspaceName: process.env["AZURE_TEST_WORKSPACE"] ?? "",
  modelName: process.env["AZURE_TEST_MODEL_NAME"] ?? "",
  modelVersions: (process.env["AZURE_TEST_MODEL_VERSIONS"] ?? "1,2").split(",").map((v) => v.trim()),
  instanceType: process.env["AZURE_TEST_INSTANCE_TYPE"],
  environmentId: process.env["AZURE_TEST_ENVIRONMENT_ID"],
};
const configured = Boolean(env.subscriptionId && env.resourceGroup && env.workspaceName && env.modelName);

const timeoutMs = 45 * 60 * 1000;

describe.runIf(configured)("real Azure (AZURE_TEST_* set)", () => {
  describeControlPlaneContract("Azure ML control plane: Azure", azureTarget, { timeoutMs });
  describeConflictContract("Azure ML control plane, concurrency: Azure", azureTarget, { timeoutMs });
});

async function azureTarget(): Promise<ContractTarget> {
  const [oldVersion, newVersion] = env.modelVersions;
  if (oldVersion === undefined || newVersion === undefined) {
    throw new Error(`AZURE_TEST_MODEL_VERSIONS needs two versions "old,new", got "${env.modelVersions.join(",")}"`);
  }
  const client = createArmClient({ subscriptionId: env.subscriptionId, credential: new DefaultAzureCredential() });
  const workspace = await client.workspaces.get(env.resourceGroup, env.workspaceName);
  if (workspace.location === undefined) throw new Error(`workspace ${env.workspaceName} has no location`);
  const workspaceId =
    `/subscriptions/${env.subscriptionId}/resourceGroups/${env.resourceGroup}` +
    `/providers/Microsoft.MachineLearningServices/workspaces/${env.workspaceName}`;
  return {
    client,
    subscriptionId: env.subscriptionId,
    resourceGroup: env.resourceGroup,
    workspaceName: env.workspaceName,
    location: workspace.location,
    model: { name: env.modelName, versions: [oldVersion, newVersion] },
    modelId: (version) => `${workspaceId}/models/${env.modelName}/versions/${version}`,
    deploymentTemplate: {
      ...(env.instanceType ? { instanceType: env.instanceType } : {}),
      ...(env.environmentId ? { environmentId: env.environmentId } : {}),
    },
    // Azure sends Retry-After on its operations, which overrides this.
    pollIntervalMs: 5_000,
    capabilities: {
      mirrorTraffic: true,
      // A real container's log depends on the image and its probes; only the tail length is checked.
      logs: false,
      // Managed endpoints cancel or queue a competing operation (TROUBLE: OperationCanceled) rather than
      // answering 409, which is documented for Kubernetes endpoints only (reference §4.3).
      conflictWhileProvisioning: false,
    },
  };
}
