// The Workspace port contract against the local Azure ML workspace (src/emulator) on a fresh temp data dir.
import { readFileSync } from "node:fs";
import type { AccessToken, TokenCredential } from "@azure/identity";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalWorkspace } from "../support/local-workspace.js";
import { httpsClient } from "../support/https-request.js";
import { ArmWorkspace, type ArmWorkspaceOptions } from "../../src/workspace/arm-workspace.js";
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
      // The emulator sends no Retry-After here (retryAfterSeconds 0): poll as often as the SDK does in these tests.
      operationPolling: { intervalMs: 10 },
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
    countsRequestsAtOnce: true,
    pollIntervalMs: 10,
    async injectScoringDelay(endpoint, deployment, delayMs) {
      const answer = await admin.send({
        method: "POST",
        url: `${emulator.adminBaseUrl}/faults`,
        body: { kind: "scoringDelay", endpoint, deployment, delayMs },
      });
      if (answer.status !== 204) throw new Error(`fault injection answered ${answer.status}: ${answer.text}`);
    },
    async injectFault(fault) {
      const answer = await admin.send({ method: "POST", url: `${emulator.adminBaseUrl}/faults`, body: fault });
      if (answer.status !== 204) throw new Error(`fault injection answered ${answer.status}: ${answer.text}`);
    },
    async clearFaults() {
      const answer = await admin.send({ method: "DELETE", url: `${emulator.adminBaseUrl}/faults` });
      if (answer.status !== 204) throw new Error(`clearing faults answered ${answer.status}: ${answer.text}`);
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

// How ArmWorkspace waits for Azure's long-running operations, with the emulator timing them: an operation that takes
// 300 ms and asks, while it runs, for a Retry-After of 600 s (the spec's maximum).
describe("ArmWorkspace following a long-running operation on the emulator", () => {
  let local: Awaited<ReturnType<typeof startLocalWorkspace>>;
  const workspace = (operationPolling: NonNullable<ArmWorkspaceOptions["operationPolling"]>) =>
    new ArmWorkspace({
      client: local.client,
      resourceGroup: local.emulator.resourceGroup,
      workspaceName: local.emulator.workspaceName,
      credential: localCredential(),
      invokeTimeoutMs: 10_000,
      operationPolling,
    });

  beforeAll(async () => {
    local = await startLocalWorkspace({ provisioningDelayMs: 300, retryAfterSeconds: 600 });
  });
  afterAll(async () => {
    await local?.close();
  });

  it("waits between polls as long as Retry-After asks, but no longer than maxIntervalMs", async () => {
    const ws = workspace({ intervalMs: 10, maxIntervalMs: 1_000 });
    const before = ws.armCallCount;

    const result = await ws.setTraffic("diabetes-prod", { blue: 0 });
    const calls = ws.armCallCount - before;
    ws.close();

    expect(result).toEqual({ ok: true, value: undefined });
    // GET, PUT, a first poll after intervalMs (still running, Retry-After 600 s), one more after 1 s (done); polling
    // every 10 ms instead would have taken some thirty polls, and waiting 600 s would have timed the test out.
    expect(calls).toBe(4);
  });

  it("sends the first poll of an operation as late as the last one of its kind took, when Azure gives no Retry-After", async () => {
    // An endpoint PUT is answered with Azure-AsyncOperation and no Retry-After, as Azure does (SPEC22).
    local.emulator.workspace.timing.retryAfterSeconds = 0;
    const ws = workspace({ intervalMs: 10, maxIntervalMs: 1_000 });
    try {
      const calls = async (traffic: Record<string, number>): Promise<number> => {
        const before = ws.armCallCount;
        expect(await ws.setTraffic("diabetes-prod", traffic)).toEqual({ ok: true, value: undefined });
        return ws.armCallCount - before;
      };

      const first = await calls({ blue: 100 });
      const second = await calls({ blue: 0 });

      // The first: GET, PUT, then a poll every 10 ms for 300 ms. The second: GET, PUT, one poll once 300 ms have
      // passed (its status resource said the first took that long), and one more 10 ms later should it be a hair early.
      expect(first).toBeGreaterThan(10);
      expect(second).toBeLessThanOrEqual(4);
    } finally {
      ws.close();
      local.emulator.workspace.timing.retryAfterSeconds = 600;
    }
  });

  it("says operation_in_progress, with Azure's Retry-After, when the operation outlasts timeoutMs", async () => {
    const ws = workspace({ intervalMs: 10, maxIntervalMs: 1_000, timeoutMs: 100 });

    const result = await ws.setTraffic("diabetes-prod", { blue: 100 });
    ws.close();

    expect(result).toEqual({
      ok: false,
      error: { code: "operation_in_progress", endpoint: "diabetes-prod", retryAfterSeconds: 600 },
    });
  });
});
