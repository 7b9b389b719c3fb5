// The Workspace port contract against a real Azure ML workspace. Skipped unless these variables are set (the first
// four as in azure.contract.test.ts):
//
//   AZURE_TEST_SUBSCRIPTION_ID  subscription of the test workspace                                    (required)
//   AZURE_TEST_RESOURCE_GROUP   its resource group                                                     (required)
//   AZURE_TEST_WORKSPACE        Azure ML workspace name                                                (required)
//   AZURE_TEST_MODEL_NAME       a registered model                                                     (required)
//   AZURE_TEST_MODEL_VERSIONS   versions of it, old,new; the live deployment serves the old one        (default "1,2")
//   AZURE_TEST_ENDPOINT         an existing Key-auth endpoint whose deployment takes 100% of traffic   (required)
//   AZURE_TEST_DEPLOYMENT       that deployment                                                        (default "blue")
//   AZURE_TEST_SAMPLE_FILE      a JSON request body the deployment answers 200 to                      (required)
//
// Read-only on Azure: the cases that create endpoints, inject faults or stop the server are skipped with a reason
// (the control-plane contract covers creation there). Credentials come from DefaultAzureCredential; the identity
// needs AzureML Data Scientist on the workspace (listKeys, getLogs) — and, for AADToken endpoints, a role that may
// score them.
import { readFileSync } from "node:fs";
import { DefaultAzureCredential } from "@azure/identity";
import { describe } from "vitest";
import { createArmClient } from "../../src/workspace/arm-client.js";
import { ArmWorkspace } from "../../src/workspace/arm-workspace.js";
import { describeWorkspaceContract, type WorkspaceContractTarget } from "./workspace.contract.js";

const env = {
  subscriptionId: process.env["AZURE_TEST_SUBSCRIPTION_ID"] ?? "",
  resourceGroup: process.env["AZURE_TEST_RESOURCE_GROUP"] ?? "",
  workspaceName: process.env["AZURE_TEST_WORKSPACE"] ?? "",
  modelName: process.env["AZURE_TEST_MODEL_NAME"] ?? "",
  modelVersions: (process.env["AZURE_TEST_MODEL_VERSIONS"] ?? "1,2").split(",").map((v) => v.trim()),
  endpoint: process.env["AZURE_TEST_ENDPOINT"] ?? "",
  deployment: process.env["AZURE_TEST_DEPLOYMENT"] ?? "blue",
  sampleFile: process.env["AZURE_TEST_SAMPLE_FILE"] ?? "",
};
const configured = Boolean(
  env.subscriptionId && env.resourceGroup && env.workspaceName && env.modelName && env.endpoint && env.sampleFile,
);

describe.runIf(configured)("real Azure (AZURE_TEST_* with AZURE_TEST_ENDPOINT set)", () => {
  describeWorkspaceContract("Workspace port: ArmWorkspace on Azure", azureTarget);
});

function azureTarget(): Promise<WorkspaceContractTarget> {
  const [oldVersion] = env.modelVersions;
  if (oldVersion === undefined) throw new Error("AZURE_TEST_MODEL_VERSIONS is empty");
  const credential = new DefaultAzureCredential();
  const client = createArmClient({ subscriptionId: env.subscriptionId, credential });
  const workspaceId =
    `/subscriptions/${env.subscriptionId}/resourceGroups/${env.resourceGroup}` +
    `/providers/Microsoft.MachineLearningServices/workspaces/${env.workspaceName}`;
  return Promise.resolve({
    workspace: (overrides) =>
      new ArmWorkspace({
        client,
        resourceGroup: env.resourceGroup,
        workspaceName: env.workspaceName,
        credential,
        invokeTimeoutMs: 60_000,
        ...overrides,
      }),
    client,
    resourceGroup: env.resourceGroup,
    workspaceName: env.workspaceName,
    location: "",
    modelId: (version) => `${workspaceId}/models/${env.modelName}/versions/${version}`,
    live: { endpoint: env.endpoint, deployment: env.deployment, modelVersion: oldVersion },
    model: { name: env.modelName, versionsNewestFirst: [...env.modelVersions].reverse() },
    sample: readFileSync(env.sampleFile, "utf8"),
    knownLogs: false,
    canCreate: false,
    pollIntervalMs: 5_000,
  });
}
