// What a PUT sends is what a GET returns, at every api-version the local workspace serves: a deployment keeps
// dataCollector, startupProbe and every other property it was sent, an endpoint its tags, identities and properties;
// a client on an older api-version (the SDK's 2022-10-01) cannot clear what its version does not have.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendRaw } from "../../src/workspace/arm-client.js";
import { startLocalWorkspace, type LocalWorkspace } from "../support/local-workspace.js";
import { sendRawAndWait } from "../support/raw-lro.js";
import { uniqueName } from "../support/unique-name.js";

const poll = { updateIntervalInMs: 10 };
const CURRENT = "2025-12-01";

type Json = Record<string, unknown>;

describe("the local workspace keeps what it is sent", () => {
  let lw: LocalWorkspace;

  beforeAll(async () => {
    lw = await startLocalWorkspace({ provisioningDelayMs: 0, retryAfterSeconds: 0 });
  });
  afterAll(async () => lw.close());

  const rg = (): string => lw.emulator.resourceGroup;
  const ws = (): string => lw.emulator.workspaceName;
  const endpointPath = (endpoint: string): string => `${lw.emulator.workspaceId}/onlineEndpoints/${endpoint}`;
  const deploymentPath = (endpoint: string, deployment: string): string =>
    `${endpointPath(endpoint)}/deployments/${deployment}`;

  /** Everything a 2025-12-01 managed deployment can say, each setting away from the service's default. */
  const fullDeploymentProperties = (): Json => ({
    endpointComputeType: "Managed",
    description: "risk model, blue slot",
    properties: { team: "risk" },
    environmentVariables: { LOG_LEVEL: "debug", WORKERS: "2" },
    model: `${lw.emulator.workspaceId}/models/diabetes/versions/1`,
    instanceType: "Standard_F4s_v2",
    scaleSettings: { scaleType: "Default" },
    requestSettings: { requestTimeout: "PT7S", maxConcurrentRequestsPerInstance: 2, maxQueueWait: "PT0.5S" },
    livenessProbe: {
      failureThreshold: 5,
      successThreshold: 1,
      timeout: "PT3S",
      period: "PT15S",
      initialDelay: "PT20S",
    },
    readinessProbe: { failureThreshold: 4, successThreshold: 2, timeout: "PT2S", period: "PT5S", initialDelay: "PT5S" },
    startupProbe: { failureThreshold: 3, successThreshold: 1, timeout: "PT2S", period: "PT10S", initialDelay: "PT30S" },
    appInsightsEnabled: true,
    egressPublicNetworkAccess: "Disabled",
    dataCollector: {
      collections: {
        model_inputs: { dataCollectionMode: "Enabled", samplingRate: 0.5 },
        model_outputs: { dataCollectionMode: "Disabled" },
      },
      requestLogging: { captureHeaders: ["x-request-id"] },
      rollingRate: "Hour",
    },
  });

  async function createEndpoint(name: string): Promise<void> {
    await lw.client.onlineEndpoints.beginCreateOrUpdateAndWait(
      rg(),
      ws(),
      name,
      { location: lw.emulator.location, properties: { authMode: "Key" } },
      poll,
    );
  }

  async function putDeployment(endpoint: string, name: string, properties: Json, apiVersion = CURRENT) {
    await sendRawAndWait(lw.client, {
      method: "PUT",
      url: deploymentPath(endpoint, name),
      apiVersion,
      body: {
        location: lw.emulator.location,
        tags: { owner: "risk" },
        sku: { name: "Default", capacity: 1 },
        properties,
      },
      pollIntervalMs: 10,
    });
  }

  async function getRaw(path: string, apiVersion = CURRENT): Promise<Json> {
    const answer = await sendRaw(lw.client, { method: "GET", url: path, apiVersion });
    expect(answer.status).toBe(200);
    return answer.body as Json;
  }

  const propertiesOf = (resource: Json): Json => {
    const { provisioningState: _state, ...properties } = resource["properties"] as Json;
    return properties;
  };

  it("returns a 2025-12-01 deployment PUT as it was sent, dataCollector and startupProbe included", async () => {
    const endpoint = uniqueName("kept");
    await createEndpoint(endpoint);
    const sent = fullDeploymentProperties();

    await putDeployment(endpoint, "blue", sent);
    const got = await getRaw(deploymentPath(endpoint, "blue"));

    expect(propertiesOf(got)).toEqual(sent);
    expect(got["tags"]).toEqual({ owner: "risk" });
  });

  it("keeps dataCollector and startupProbe when the SDK (2022-10-01) puts the deployment again", async () => {
    const endpoint = uniqueName("kept");
    await createEndpoint(endpoint);
    const sent = fullDeploymentProperties();
    await putDeployment(endpoint, "blue", sent);

    // 2.1.1 reads and writes at 2022-10-01: its serializer cannot send what that version does not have.
    const read = await lw.client.onlineDeployments.get(rg(), ws(), endpoint, "blue");
    await lw.client.onlineDeployments.beginCreateOrUpdateAndWait(
      rg(),
      ws(),
      endpoint,
      "blue",
      { ...read, sku: { name: "Default", capacity: 2 } },
      poll,
    );
    const got = await getRaw(deploymentPath(endpoint, "blue"));

    expect(propertiesOf(got)).toEqual(sent);
    expect(got["sku"]).toMatchObject({ capacity: 2 });
  });

  it("shows a GET only the properties its api-version has", async () => {
    const endpoint = uniqueName("kept");
    await createEndpoint(endpoint);
    await putDeployment(endpoint, "blue", fullDeploymentProperties());

    const at2022 = propertiesOf(await getRaw(deploymentPath(endpoint, "blue"), "2022-10-01"));
    const at2024 = propertiesOf(await getRaw(deploymentPath(endpoint, "blue"), "2024-04-01"));

    expect(Object.keys(at2022)).not.toContain("dataCollector");
    expect(Object.keys(at2022)).not.toContain("startupProbe");
    expect(Object.keys(at2024)).toContain("dataCollector");
    expect(Object.keys(at2024)).not.toContain("startupProbe");
    expect(at2022["environmentVariables"]).toEqual({ LOG_LEVEL: "debug", WORKERS: "2" });
  });

  it("removes a property that a PUT at an api-version that has it leaves out", async () => {
    const endpoint = uniqueName("kept");
    await createEndpoint(endpoint);
    await putDeployment(endpoint, "blue", fullDeploymentProperties());
    const { startupProbe: _startup, ...withoutStartupProbe } = fullDeploymentProperties();

    await putDeployment(endpoint, "blue", withoutStartupProbe);
    const got = propertiesOf(await getRaw(deploymentPath(endpoint, "blue")));

    expect(got).toEqual(withoutStartupProbe);
  });

  it("keeps an endpoint's tags, identities, mirror traffic and unknown properties when the SDK sets its traffic", async () => {
    const endpoint = uniqueName("kept");
    const uai =
      `/subscriptions/${lw.emulator.subscriptionId}/resourceGroups/${rg()}` +
      "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/scorer";
    await sendRawAndWait(lw.client, {
      method: "PUT",
      url: endpointPath(endpoint),
      apiVersion: CURRENT,
      body: {
        location: lw.emulator.location,
        tags: { "greenlight-plan": "10,50,100", owner: "risk" },
        identity: { type: "SystemAssigned,UserAssigned", userAssignedIdentities: { [uai]: {} } },
        properties: { authMode: "Key", description: "risk scoring", futureSetting: { level: 3 } },
      },
      pollIntervalMs: 10,
    });
    await putDeployment(endpoint, "blue", fullDeploymentProperties());
    await putDeployment(endpoint, "green", fullDeploymentProperties());
    const before = await getRaw(endpointPath(endpoint));
    await sendRawAndWait(lw.client, {
      method: "PUT",
      url: endpointPath(endpoint),
      apiVersion: CURRENT,
      body: { ...before, properties: { ...(before["properties"] as Json), mirrorTraffic: { green: 10 } } },
      pollIntervalMs: 10,
    });

    const read = await lw.client.onlineEndpoints.get(rg(), ws(), endpoint);
    await lw.client.onlineEndpoints.beginCreateOrUpdateAndWait(
      rg(),
      ws(),
      endpoint,
      { ...read, properties: { ...read.properties, traffic: { blue: 100 } } },
      poll,
    );
    const got = await getRaw(endpointPath(endpoint));
    const properties = got["properties"] as Json;
    const identity = got["identity"] as { principalId?: string; userAssignedIdentities?: Record<string, Json> };

    expect(properties["traffic"]).toEqual({ blue: 100 });
    expect(properties["mirrorTraffic"]).toEqual({ green: 10 });
    expect(properties["futureSetting"]).toEqual({ level: 3 });
    expect(properties["description"]).toBe("risk scoring");
    expect(got["tags"]).toEqual({ "greenlight-plan": "10,50,100", owner: "risk" });
    expect(identity.principalId).toBe((before["identity"] as Json)["principalId"]);
    expect(Object.keys(identity.userAssignedIdentities ?? {})).toEqual([uai]);
    expect(identity.userAssignedIdentities?.[uai]).toEqual(
      (before["identity"] as { userAssignedIdentities: Record<string, Json> }).userAssignedIdentities[uai],
    );
  });
});
