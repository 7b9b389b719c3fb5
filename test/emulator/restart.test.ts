// The emulator keeps its workspace on disk: a second process started on the same data dir serves the same
// endpoints, deployments, traffic, keys and models. Both starts are real child processes (`npm run emulator`'s
// entry point), stopped with SIGTERM as Ctrl-C or a process manager would.
import { cpSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { AzureMachineLearningWorkspaces, OnlineDeployment } from "@azure/arm-machinelearning";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createArmClient, localCredential } from "../../src/workspace/arm-client.js";
import { startEmulatorProcess } from "../support/emulator-process.js";
import type { EmulatorProcess } from "../support/emulator-process.js";
import { httpsClient } from "../support/https-request.js";
import type { HttpsAnswer, HttpsClient } from "../support/https-request.js";
import { uniqueName } from "../support/unique-name.js";
import { inBatches, sample } from "./scoring-fixture.js";

const LRO = { updateIntervalInMs: 10 };
const ENV = { EMULATOR_PROVISIONING_DELAY_MS: "20", EMULATOR_RETRY_AFTER_SECONDS: "0" };

interface Connected {
  process: EmulatorProcess;
  client: AzureMachineLearningWorkspaces;
  https: HttpsClient;
  rg: string;
  ws: string;
  score(endpoint: string, key: string, deployment?: string): Promise<HttpsAnswer>;
}

function connect(process: EmulatorProcess): Connected {
  const ids = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/.*\/workspaces\/([^/]+)$/.exec(process.workspaceId);
  if (!ids?.[1] || !ids[2] || !ids[3]) throw new Error(`unexpected workspace id ${process.workspaceId}`);
  const https = httpsClient(process.caCertPem);
  return {
    process,
    client: createArmClient({
      subscriptionId: ids[1],
      credential: localCredential(),
      endpoint: process.armBaseUrl,
      caCertPem: process.caCertPem,
    }),
    https,
    rg: ids[2],
    ws: ids[3],
    score: (endpoint, key, deployment) =>
      https.send({
        method: "POST",
        url: `${process.armBaseUrl}/endpoints/${endpoint}/score`,
        headers: {
          authorization: `Bearer ${key}`,
          ...(deployment ? { "azureml-model-deployment": deployment } : {}),
        },
        body: sample("borderline"),
      }),
  };
}

/** What a user would compare about a deployment across a restart. */
function essentials(d: OnlineDeployment) {
  const p = d.properties;
  return {
    name: d.name,
    model: p.model,
    requestSettings: p.requestSettings,
    capacity: d.sku?.capacity,
    provisioningState: p.provisioningState,
  };
}

describe("emulator: restarting the process on the same data dir", () => {
  const endpoint = uniqueName("restart");
  let dataDir = "";
  let modelDir = "";
  let first: Connected | undefined;
  let second: Connected | undefined;
  let firstExitCode: number | null = null;
  const before = {
    traffic: {} as Record<string, number>,
    keys: { primaryKey: "", secondaryKey: "" },
    deployments: [] as ReturnType<typeof essentials>[],
    model: {} as unknown,
    answers: {} as Record<string, unknown>,
  };

  const running = (c: Connected | undefined): Connected => {
    if (!c) throw new Error("the emulator process did not start (see beforeAll)");
    return c;
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "greenlight-restart-"));
    modelDir = await mkdtemp(join(tmpdir(), "greenlight-model-"));
    // A model registered by the user, not seeded: a copy of the seeded version 2 in a folder of its own.
    cpSync(fileURLToPath(new URL("../../src/emulator/seed/models/diabetes/2", import.meta.url)), modelDir, {
      recursive: true,
    });

    first = connect(await startEmulatorProcess(dataDir, ENV));
    const { client, rg, ws } = first;
    const modelId = (version: number): string => `${first?.process.workspaceId}/models/diabetes/versions/${version}`;
    await client.modelVersions.createOrUpdate(rg, ws, "diabetes", "4", {
      properties: {
        modelType: "MLFlowModel",
        modelUri: pathToFileURL(modelDir).href,
        description: "Registered by the restart test",
      },
    });
    await client.onlineEndpoints.beginCreateOrUpdateAndWait(
      rg,
      ws,
      endpoint,
      { location: "local", properties: { authMode: "Key" } },
      LRO,
    );
    const deployments: [string, number, number][] = [
      ["blue", 1, 1],
      ["green", 4, 2],
    ];
    for (const [name, version, capacity] of deployments) {
      await client.onlineDeployments.beginCreateOrUpdateAndWait(
        rg,
        ws,
        endpoint,
        name,
        {
          location: "local",
          sku: { name: "Default", capacity },
          properties: {
            endpointComputeType: "Managed",
            model: modelId(version),
            requestSettings: { requestTimeout: "PT3S", maxConcurrentRequestsPerInstance: 4 },
          },
        },
        LRO,
      );
    }
    const current = await client.onlineEndpoints.get(rg, ws, endpoint);
    await client.onlineEndpoints.beginCreateOrUpdateAndWait(
      rg,
      ws,
      endpoint,
      { ...current, properties: { ...current.properties, traffic: { blue: 70, green: 30 } } },
      LRO,
    );

    const keys = await client.onlineEndpoints.listKeys(rg, ws, endpoint);
    before.keys = { primaryKey: keys.primaryKey ?? "", secondaryKey: keys.secondaryKey ?? "" };
    before.traffic = (await client.onlineEndpoints.get(rg, ws, endpoint)).properties.traffic ?? {};
    for await (const d of client.onlineDeployments.list(rg, ws, endpoint)) before.deployments.push(essentials(d));
    before.model = await client.modelVersions.get(rg, ws, "diabetes", "4");
    for (const name of ["blue", "green"]) {
      const answer = await first.score(endpoint, before.keys.primaryKey, name);
      if (answer.status !== 200) throw new Error(`scoring ${name} before the restart: ${answer.status} ${answer.text}`);
      before.answers[name] = answer.json;
    }
    first.https.close();
    firstExitCode = await first.process.stop();

    second = connect(await startEmulatorProcess(dataDir, ENV));
  }, 60_000);

  afterAll(async () => {
    first?.https.close();
    second?.https.close();
    await first?.process.stop();
    await second?.process.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    if (modelDir) await rm(modelDir, { recursive: true, force: true });
  });

  it("stops cleanly on SIGTERM", () => {
    expect(firstExitCode, running(first).process.output()).toBe(0);
  });

  it("keeps the endpoint with its traffic split", async () => {
    const { client, rg, ws } = running(second);

    const found = await client.onlineEndpoints.get(rg, ws, endpoint);

    expect(before.traffic).toEqual({ blue: 70, green: 30 });
    expect(found.properties.traffic).toEqual(before.traffic);
    expect(found.properties.provisioningState).toBe("Succeeded");
    expect(found.properties.scoringUri).toBe(`${running(second).process.armBaseUrl}/endpoints/${endpoint}/score`);
  });

  it("keeps the deployments with their model, settings and capacity, provisioned", async () => {
    const { client, rg, ws } = running(second);

    const after: ReturnType<typeof essentials>[] = [];
    for await (const d of client.onlineDeployments.list(rg, ws, endpoint)) after.push(essentials(d));

    const byName = (a: { name: string | undefined }, b: { name: string | undefined }): number =>
      (a.name ?? "").localeCompare(b.name ?? "");
    expect(after.sort(byName)).toEqual(before.deployments.sort(byName));
    expect(after.map((d) => d.provisioningState)).toEqual(["Succeeded", "Succeeded"]);
  });

  it("keeps the endpoint's keys", async () => {
    const { client, rg, ws } = running(second);

    const keys = await client.onlineEndpoints.listKeys(rg, ws, endpoint);

    expect(before.keys.primaryKey).not.toBe("");
    expect({ primaryKey: keys.primaryKey, secondaryKey: keys.secondaryKey }).toEqual(before.keys);
  });

  it("keeps the seeded and the user-registered model versions", async () => {
    const { client, rg, ws } = running(second);

    const versions: string[] = [];
    for await (const v of client.modelVersions.list(rg, ws, "diabetes")) versions.push(v.name ?? "");
    const registered = await client.modelVersions.get(rg, ws, "diabetes", "4");

    expect(versions.sort()).toEqual(["1", "2", "3", "4"]);
    expect(registered).toEqual(before.model);
  });

  it("scores with the keys from before the restart and gives the same answers", async () => {
    const c = running(second);

    const blue = await c.score(endpoint, before.keys.primaryKey, "blue");
    const green = await c.score(endpoint, before.keys.secondaryKey, "green");
    const routed = await inBatches(40, 4, () => c.score(endpoint, before.keys.primaryKey));

    expect(blue.status).toBe(200);
    expect(blue.json).toEqual(before.answers["blue"]);
    expect(green.status).toBe(200);
    expect(green.json).toEqual(before.answers["green"]);
    // Version 1 and the copy of version 2 disagree on the borderline patient: the models really are both loaded.
    expect(green.json).not.toEqual(blue.json);
    expect(routed.every((a) => a.status === 200)).toBe(true);
    expect(new Set(routed.map((a) => a.headers["azureml-model-deployment"]))).toEqual(new Set(["blue", "green"]));
  });
});
