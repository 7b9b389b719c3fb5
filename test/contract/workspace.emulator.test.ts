// The Workspace port contract against the local Azure ML workspace (src/emulator) on a fresh temp data dir.
import { readFileSync } from "node:fs";
import type { AccessToken, TokenCredential } from "@azure/identity";
import { startLocalWorkspace } from "../support/local-workspace.js";
import { httpsClient } from "../support/https-request.js";
import { ArmWorkspace } from "../../src/workspace/arm-workspace.js";
import { createArmClient, localCredential } from "../../src/workspace/arm-client.js";
import { describeWorkspaceContract, type WorkspaceContractTarget } from "./workspace.contract.js";

const samples = new Map(
  (
    JSON.parse(readFileSync(new URL("../../src/emulator/seed/samples.json", import.meta.url), "utf8")) as {
      name: string;
      payload: unknown;
    }[]
  ).map((s) => [s.name, JSON.stringify(s.payload)]),
);
const sample = (name: string): string => {
  const payload = samples.get(name);
  if (payload === undefined) throw new Error(`no seeded sample named ${name}`);
  return payload;
};

/**
 * Entra ID offline: an unsigned JWT for Azure ML's scoring audience, which is all the emulator checks (audience and
 * expiry). It refuses any other scope, so an AADToken invoke passes only if the adapter asks for the right one.
 */
function entraCredentialForMl(): TokenCredential {
  return {
    getToken(scopes): Promise<AccessToken> {
      const asked = Array.isArray(scopes) ? scopes : [scopes];
      if (asked.join(" ") !== "https://ml.azure.com/.default") {
        return Promise.reject(new Error(`test credential: unexpected scope ${asked.join(" ")}`));
      }
      const expiresOnTimestamp = Date.now() + 60 * 60 * 1000;
      const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
      const claims = { aud: "https://ml.azure.com", exp: Math.floor(expiresOnTimestamp / 1000) };
      return Promise.resolve({ token: `${part({ alg: "none" })}.${part(claims)}.`, expiresOnTimestamp });
    },
  };
}

async function emulatorTarget(): Promise<WorkspaceContractTarget> {
  // Retry-After 0 sends none, so the SDK polls at pollIntervalMs.
  const local = await startLocalWorkspace({ provisioningDelayMs: 20, retryAfterSeconds: 0 });
  const { emulator, client } = local;
  const admin = httpsClient(emulator.caCertPem);
  const workspaceOn = (
    armClient: typeof client,
    overrides: Parameters<WorkspaceContractTarget["workspace"]>[0] = {},
  ): ArmWorkspace =>
    new ArmWorkspace({
      client: armClient,
      resourceGroup: emulator.resourceGroup,
      workspaceName: emulator.workspaceName,
      credential: entraCredentialForMl(),
      caCertPem: emulator.caCertPem,
      invokeTimeoutMs: 10_000,
      ...overrides,
    });
  return {
    workspace: (overrides) => workspaceOn(client, overrides),
    client,
    resourceGroup: emulator.resourceGroup,
    workspaceName: emulator.workspaceName,
    location: emulator.location,
    modelId: (version) => `${emulator.workspaceId}/models/diabetes/versions/${version}`,
    // Seeded: diabetes-prod with blue = diabetes:1 at 100%; diabetes 1..3, 3 faulty from 10 pregnancies on.
    live: { endpoint: "diabetes-prod", deployment: "blue", modelVersion: "1" },
    model: { name: "diabetes", versionsNewestFirst: ["3", "2", "1"] },
    sample: sample("typical-patient"),
    faulty: { version: "3", sample: sample("many-pregnancies") },
    listPageSize: 50,
    knownLogs: true,
    canCreate: true,
    pollIntervalMs: 10,
    async injectScoringDelay(endpoint, deployment, delayMs) {
      const answer = await admin.send({
        method: "POST",
        url: `${emulator.adminBaseUrl}/faults`,
        body: { kind: "scoringDelay", endpoint, deployment, delayMs },
      });
      if (answer.status !== 204) throw new Error(`fault injection answered ${answer.status}: ${answer.text}`);
    },
    async stoppedWorkspace() {
      const other = await startLocalWorkspace({ provisioningDelayMs: 20, retryAfterSeconds: 0 });
      const noRetries = createArmClient({
        subscriptionId: other.emulator.subscriptionId,
        credential: localCredential(),
        endpoint: other.emulator.armBaseUrl,
        caCertPem: other.emulator.caCertPem,
        retryOptions: { maxRetries: 0 },
      });
      await other.close();
      return workspaceOn(noRetries);
    },
    cleanup: async () => {
      admin.close();
      await local.close();
    },
  };
}

describeWorkspaceContract("Workspace port: ArmWorkspace on the emulator", emulatorTarget);
