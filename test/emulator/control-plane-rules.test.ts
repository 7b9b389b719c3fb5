import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalWorkspace, type LocalWorkspace } from "../support/local-workspace.js";
import { sendRaw } from "../../src/workspace/arm-client.js";

const poll = { updateIntervalInMs: 10 };

describe("the local workspace's control plane", () => {
  let lw: LocalWorkspace;
  const logLines: string[] = [];

  beforeAll(async () => {
    lw = await startLocalWorkspace({ provisioningDelayMs: 0, retryAfterSeconds: 0, log: (l) => logLines.push(l) });
  });
  afterAll(async () => lw.close());

  const rg = (): string => lw.emulator.resourceGroup;
  const ws = (): string => lw.emulator.workspaceName;
  const location = (): string => lw.emulator.location;
  const model = (v: number): string => `${lw.emulator.workspaceId}/models/diabetes/versions/${v}`;

  async function createEndpoint(name: string): Promise<void> {
    await lw.client.onlineEndpoints.beginCreateOrUpdateAndWait(
      rg(),
      ws(),
      name,
      { location: location(), properties: { authMode: "Key" } },
      poll,
    );
  }
  async function createDeployment(endpoint: string, name: string, modelId: string): Promise<void> {
    await lw.client.onlineDeployments.beginCreateOrUpdateAndWait(
      rg(),
      ws(),
      endpoint,
      name,
      {
        location: location(),
        sku: { name: "Default", capacity: 1 },
        properties: { endpointComputeType: "Managed", model: modelId },
      },
      poll,
    );
  }

  it("fails provisioning when the model cannot be loaded, and getLogs says why", async () => {
    const folder = await mkdtemp(join(tmpdir(), "greenlight-broken-model-"));
    try {
      await writeFile(join(folder, "MLmodel"), "flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n");
      await lw.client.modelVersions.createOrUpdate(rg(), ws(), "broken", "1", {
        properties: { modelUri: folder, modelType: "MLFlowModel" },
      });
      await createEndpoint("broken-model");
      await expect(
        createDeployment("broken-model", "blue", `${lw.emulator.workspaceId}/models/broken/versions/1`),
      ).rejects.toThrow(/ResourceNotReady/);
      const deployment = await lw.client.onlineDeployments.get(rg(), ws(), "broken-model", "blue");
      expect(deployment.properties.provisioningState).toBe("Failed");
      const logs = await lw.client.onlineDeployments.getLogs(rg(), ws(), "broken-model", "blue", { tail: 20 });
      expect(logs.content).toMatch(/onnx/i);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it("refuses a 21st deployment on one endpoint", async () => {
    await createEndpoint("many-deployments");
    for (let i = 1; i <= 20; i++)
      await createDeployment("many-deployments", `d${String(i).padStart(2, "0")}`, model(1));
    await expect(createDeployment("many-deployments", "d21", model(1))).rejects.toMatchObject({
      statusCode: 400,
      message: expect.stringMatching(/20 deployments/) as unknown,
    });
  });

  it("pages long endpoint lists with a nextLink back to itself", async () => {
    for (let i = 0; i < 55; i++) await createEndpoint(`page-${String(i).padStart(2, "0")}`);
    const first = await sendRaw(lw.client, {
      method: "GET",
      url: `${lw.emulator.workspaceId}/onlineEndpoints`,
      apiVersion: "2022-10-01",
    });
    const body = first.body as { value: unknown[]; nextLink?: string };
    expect(body.value.length).toBeLessThan(60);
    expect(body.nextLink).toMatch(new RegExp(`^${lw.emulator.armBaseUrl}/`));
    const all: string[] = [];
    for await (const e of lw.client.onlineEndpoints.list(rg(), ws())) all.push(e.name ?? "");
    expect(all.filter((n) => n.startsWith("page-"))).toHaveLength(55);
  });

  it("never writes an endpoint key to its own log or to a deployment's logs", async () => {
    await createEndpoint("secret-keeper");
    await createDeployment("secret-keeper", "blue", model(1));
    const before = await lw.client.onlineEndpoints.listKeys(rg(), ws(), "secret-keeper");
    await lw.client.onlineEndpoints.beginRegenerateKeysAndWait(
      rg(),
      ws(),
      "secret-keeper",
      { keyType: "Primary" },
      poll,
    );
    const after = await lw.client.onlineEndpoints.listKeys(rg(), ws(), "secret-keeper");
    const endpoint = await lw.client.onlineEndpoints.get(rg(), ws(), "secret-keeper");
    await fetchScore(endpoint.properties.scoringUri ?? "", after.primaryKey ?? "", lw.emulator.caCertPem);
    const keys = [before.primaryKey, before.secondaryKey, after.primaryKey].filter((k): k is string => Boolean(k));
    expect(keys).toHaveLength(3);
    const logFiles = await allFiles(join(lw.emulator.caCertPath, "..", "..", "logs"));
    const texts = [logLines.join("\n"), ...(await Promise.all(logFiles.map((f) => readFile(f, "utf8"))))];
    expect(logLines.length).toBeGreaterThan(5);
    for (const key of keys) for (const text of texts) expect(text).not.toContain(key);
  });
});

async function allFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

async function fetchScore(uri: string, key: string, ca: string): Promise<void> {
  const https = await import("node:https");
  await new Promise<void>((resolve, reject) => {
    const req = https.request(
      uri,
      {
        method: "POST",
        ca,
        headers: {
          authorization: `Bearer ${key}`,
          "content-type": "application/json",
          "azureml-model-deployment": "blue",
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify({ input_data: [[1, 85, 66, 29, 20, 26.6, 0.351, 31]] }));
  });
}
