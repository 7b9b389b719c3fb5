// The emulator-only log of accepted ARM writes (`GET /_emulator/endpoints/<name>/writes`): what the bot tests count
// traffic changes and deployment creations with, so it must show each accepted write once, and refused ones not at all.
import { afterAll, beforeAll, expect, it } from "vitest";
import type { ArmWrite } from "../../src/emulator/write-log.js";
import { httpsClient, type HttpsClient } from "../support/https-request.js";
import { startLocalWorkspace, type LocalWorkspace } from "../support/local-workspace.js";

const poll = { updateIntervalInMs: 10 };
let lw: LocalWorkspace;
let https: HttpsClient;

beforeAll(async () => {
  lw = await startLocalWorkspace({ provisioningDelayMs: 0, retryAfterSeconds: 0 });
  https = httpsClient(lw.emulator.caCertPem);
});
afterAll(async () => {
  https?.close();
  await lw?.close();
});

async function writes(endpoint: string): Promise<Omit<ArmWrite, "at">[]> {
  const answer = await https.send({ url: `${lw.emulator.adminBaseUrl}/endpoints/${endpoint}/writes` });
  expect(answer.status).toBe(200);
  return (answer.json as { value: ArmWrite[] }).value.map(({ at, ...write }) => {
    expect(Date.parse(at)).not.toBeNaN();
    return write;
  });
}

it("lists each accepted endpoint and deployment write once, with the traffic each endpoint PUT set", async () => {
  const { client, emulator } = lw;
  const { resourceGroup: rg, workspaceName: ws, location } = emulator;
  const name = "write-log";
  await client.onlineEndpoints.beginCreateOrUpdateAndWait(
    rg,
    ws,
    name,
    { location, properties: { authMode: "Key" } },
    poll,
  );
  await client.onlineDeployments.beginCreateOrUpdateAndWait(
    rg,
    ws,
    name,
    "blue",
    {
      location,
      sku: { name: "Default", capacity: 1 },
      properties: { endpointComputeType: "Managed", model: `${emulator.workspaceId}/models/diabetes/versions/1` },
    },
    poll,
  );
  const endpoint = await client.onlineEndpoints.get(rg, ws, name);
  await client.onlineEndpoints.beginCreateOrUpdateAndWait(
    rg,
    ws,
    name,
    { ...endpoint, properties: { ...endpoint.properties, traffic: { blue: 100 } } },
    poll,
  );
  // Refused (no such deployment): not a write.
  await expect(
    client.onlineEndpoints.beginCreateOrUpdateAndWait(
      rg,
      ws,
      name,
      { ...endpoint, properties: { ...endpoint.properties, traffic: { green: 100 } } },
      poll,
    ),
  ).rejects.toThrow();
  await client.onlineEndpoints.beginDeleteAndWait(rg, ws, name, poll);

  expect(await writes(name)).toEqual([
    { method: "PUT", traffic: {}, mirrorTraffic: {} },
    { method: "PUT", deployment: "blue" },
    { method: "PUT", traffic: { blue: 100 }, mirrorTraffic: {} },
    { method: "DELETE" },
  ]);
  expect(await writes("never-created")).toEqual([]);
});
