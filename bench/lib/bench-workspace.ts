import type { AzureMachineLearningWorkspaces } from "@azure/arm-machinelearning";
import type { ArmWrite } from "../../src/emulator/write-log.js";
import { createArmClient, localCredential } from "../../src/workspace/arm-client.js";
import { httpsClient } from "../../test/support/https-request.js";
import type { EmulatorServerInfo } from "../servers/emulator-server.js";

/** The SDK client on the emulator process: how a benchmark sets endpoints up behind the bot. */
export function benchArmClient(info: EmulatorServerInfo): AzureMachineLearningWorkspaces {
  return createArmClient({
    subscriptionId: info.subscriptionId,
    credential: localCredential(),
    endpoint: info.armBaseUrl,
    caCertPem: info.caCertPem,
  });
}

/**
 * An endpoint with a deployment per entry of `deployments` (name → diabetes model version) and `traffic`; by default
 * blue = diabetes:1 taking all traffic.
 */
export async function createEndpoint(
  client: AzureMachineLearningWorkspaces,
  info: EmulatorServerInfo,
  name: string,
  deployments: Record<string, number> = { blue: 1 },
  traffic: Record<string, number> = { blue: 100 },
): Promise<void> {
  const { resourceGroup: rg, workspaceName: ws, location } = info;
  const poll = { updateIntervalInMs: 10 };
  await client.onlineEndpoints.beginCreateOrUpdateAndWait(
    rg,
    ws,
    name,
    { location, properties: { authMode: "Key" } },
    poll,
  );
  for (const [deployment, version] of Object.entries(deployments)) {
    await createDeployment(client, info, name, deployment, version);
  }
  const endpoint = await client.onlineEndpoints.get(rg, ws, name);
  endpoint.properties.traffic = traffic;
  await client.onlineEndpoints.beginCreateOrUpdateAndWait(rg, ws, name, endpoint, poll);
}

export async function createDeployment(
  client: AzureMachineLearningWorkspaces,
  info: EmulatorServerInfo,
  endpoint: string,
  name: string,
  modelVersion: number,
): Promise<void> {
  await client.onlineDeployments.beginCreateOrUpdateAndWait(
    info.resourceGroup,
    info.workspaceName,
    endpoint,
    name,
    deploymentBody(info, modelVersion),
    { updateIntervalInMs: 10 },
  );
}

/** A managed deployment of diabetes:`modelVersion`, one instance. */
export function deploymentBody(info: EmulatorServerInfo, modelVersion: number) {
  return {
    location: info.location,
    sku: { name: "Default", capacity: 1 },
    properties: {
      endpointComputeType: "Managed" as const,
      model: `${info.workspaceId}/models/diabetes/versions/${modelVersion}`,
    },
  };
}

/** A POST to the emulator process's control port (`/provisioning-delay?ms=…`, `/retry-after?seconds=…`). */
export async function control(controlUrl: string, path: string): Promise<void> {
  const response = await fetch(`${controlUrl}${path}`, { method: "POST" });
  if (response.status !== 204) throw new Error(`emulator control ${path} answered ${response.status}`);
}

/** The ARM writes the emulator accepted on each endpoint and its deployments (`GET /_emulator/endpoints/<name>/writes`). */
export async function armWrites(info: EmulatorServerInfo, endpoints: string[]): Promise<Map<string, ArmWrite[]>> {
  const https = httpsClient(info.caCertPem);
  try {
    const found = new Map<string, ArmWrite[]>();
    for (const endpoint of endpoints) {
      const answer = await https.send({
        url: `${info.armBaseUrl}/_emulator/endpoints/${encodeURIComponent(endpoint)}/writes`,
      });
      if (answer.status !== 200) throw new Error(`writes of ${endpoint}: ${answer.status} ${answer.text}`);
      found.set(endpoint, (answer.json as { value: ArmWrite[] }).value);
    }
    return found;
  } finally {
    https.close();
  }
}
