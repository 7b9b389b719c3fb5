import { mkdtemp, rm } from "node:fs/promises";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../src/emulator/emulator.js";
import { createArmClient, localCredential } from "../../src/workspace/arm-client.js";
import { sample } from "./scoring-fixture.js";

const poll = { updateIntervalInMs: 10 };

it("still serves the previous model after a restart when the last update of a deployment failed", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "greenlight-failed-update-"));
  let emulator: RunningEmulator | undefined;
  try {
    emulator = await startEmulator({ dataDir, port: 0, provisioningDelayMs: 0, retryAfterSeconds: 0 });
    const client = createArmClient({
      subscriptionId: emulator.subscriptionId,
      credential: localCredential(),
      endpoint: emulator.armBaseUrl,
      caCertPem: emulator.caCertPem,
    });
    const { resourceGroup: rg, workspaceName: ws, location } = emulator;
    const deployment = (version: number) => ({
      location,
      sku: { name: "Default", capacity: 1 },
      properties: {
        endpointComputeType: "Managed" as const,
        model: `${emulator?.workspaceId}/models/diabetes/versions/${version}`,
      },
    });
    await client.onlineEndpoints.beginCreateOrUpdateAndWait(
      rg,
      ws,
      "update-fails",
      { location, properties: { authMode: "Key" } },
      poll,
    );
    await client.onlineDeployments.beginCreateOrUpdateAndWait(rg, ws, "update-fails", "blue", deployment(1), poll);
    const endpoint = await client.onlineEndpoints.get(rg, ws, "update-fails");
    endpoint.properties.traffic = { blue: 100 };
    await client.onlineEndpoints.beginCreateOrUpdateAndWait(rg, ws, "update-fails", endpoint, poll);
    const key = (await client.onlineEndpoints.listKeys(rg, ws, "update-fails")).primaryKey ?? "";

    await post(emulator, `${emulator.adminBaseUrl}/faults`, "", {
      kind: "provisioningFailure",
      endpoint: "update-fails",
      deployment: "blue",
    });
    // Version 2 answers 1 for the borderline patient, version 1 answers 0; the update to 2 never becomes ready.
    await expect(
      client.onlineDeployments.beginCreateOrUpdateAndWait(rg, ws, "update-fails", "blue", deployment(2), poll),
    ).rejects.toThrow(/ResourceNotReady/);
    const scoringUri = endpoint.properties.scoringUri ?? "";
    const before = await post(emulator, scoringUri, key, sample("borderline"));

    await emulator.close();
    emulator = await startEmulator({ dataDir, port: 0, provisioningDelayMs: 0, retryAfterSeconds: 0 });
    const restartedUri = scoringUri.replace(/^https:\/\/[^/]+/, emulator.armBaseUrl);
    const after = await post(emulator, restartedUri, key, sample("borderline"));

    expect(before).toEqual({ status: 200, body: [expect.objectContaining({ label: 0 })] });
    expect(after).toEqual(before);
  } finally {
    await emulator?.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});

function post(
  emulator: RunningEmulator,
  url: string,
  key: string,
  body: unknown,
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method: "POST",
        ca: emulator.caCertPem,
        headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as unknown) : undefined }),
        );
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}
