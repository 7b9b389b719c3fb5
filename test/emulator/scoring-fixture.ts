// Shared set-up for the emulator's data-plane tests: a fresh emulator, endpoints and deployments created only
// through the real SDK client, and scoring over real HTTPS against the emulator's own CA.
import { readFileSync } from "node:fs";
import type {
  AzureMachineLearningWorkspaces,
  ManagedOnlineDeployment,
  OnlineDeployment,
} from "@azure/arm-machinelearning";
import type { EmulatorOptions, RunningEmulator } from "../../src/emulator/emulator.js";
import type { Fault } from "../../src/emulator/faults.js";
import { startLocalWorkspace } from "../support/local-workspace.js";
import { httpsClient } from "../support/https-request.js";
import type { HttpsAnswer, HttpsClient } from "../support/https-request.js";
import { DIABETES_FEATURES } from "../../src/emulator/seed/diabetes-features.js";

/** The seeded sample payloads, by name (`typical-patient`, `borderline`, `many-pregnancies`, …). */
export const samples: Record<string, unknown> = Object.fromEntries(
  (
    JSON.parse(readFileSync(new URL("../../src/emulator/seed/samples.json", import.meta.url), "utf8")) as {
      name: string;
      payload: unknown;
    }[]
  ).map((s) => [s.name, s.payload]),
);

export function sample(name: string): unknown {
  const payload = samples[name];
  if (payload === undefined) throw new Error(`no seeded sample named ${name}`);
  return payload;
}

/** The diabetes features in the order the models were trained on. */
export const FEATURES = DIABETES_FEATURES;

/** An MLflow `input_data` (pandas split) payload for rows in {@link FEATURES} order. */
export function mlflowPayload(rows: number[][], columns: readonly string[] = FEATURES): unknown {
  return { input_data: { columns: [...columns], index: rows.map((_, i) => i), data: rows } };
}

export interface DeploymentSpec {
  /** Version of the seeded diabetes model (1, 2, or 3 — the faulty one). */
  modelVersion: number;
  capacity?: number;
  requestSettings?: ManagedOnlineDeployment["requestSettings"];
  codeConfiguration?: ManagedOnlineDeployment["codeConfiguration"];
}

export interface ScoreOptions {
  /** Bearer key; the endpoint's primary key when omitted, none when null. */
  key?: string | null;
  /** Sets `azureml-model-deployment`. */
  deployment?: string;
  headers?: Record<string, string>;
}

export interface ScoringWorkspace {
  emulator: RunningEmulator;
  client: AzureMachineLearningWorkspaces;
  https: HttpsClient;
  modelId(version: number): string;
  /** Creates an endpoint, then its deployments one after another, then sets its traffic. */
  createEndpoint(
    name: string,
    deployments: Record<string, DeploymentSpec>,
    traffic?: Record<string, number>,
  ): Promise<void>;
  createDeployment(endpoint: string, name: string, spec: DeploymentSpec): Promise<OnlineDeployment>;
  /** GET + full PUT of the endpoint (the 2.1.1 PATCH cannot change traffic). */
  setTraffic(endpoint: string, traffic: Record<string, number>): Promise<void>;
  keys(endpoint: string): Promise<{ primaryKey: string; secondaryKey: string }>;
  score(endpoint: string, payload: unknown, options?: ScoreOptions): Promise<HttpsAnswer>;
  injectFault(fault: Fault | Record<string, unknown>): Promise<void>;
  /** The admin counters of every deployment of an endpoint. */
  metrics(endpoint: string): Promise<Record<string, DeploymentMetrics>>;
  close(): Promise<void>;
}

export interface DeploymentMetrics {
  requests: number;
  byStatusClass: Record<string, number>;
  byStatus: Record<string, number>;
  latencyMs: { p50: number; p90: number; p99: number } | null;
}

const LRO = { updateIntervalInMs: 10 };

/** `options` add to the fast timing every scoring test uses (a manual clock, a metrics delay). */
export async function startScoringWorkspace(
  options: Omit<EmulatorOptions, "dataDir" | "port"> = {},
): Promise<ScoringWorkspace> {
  const workspace = await startLocalWorkspace({ provisioningDelayMs: 20, retryAfterSeconds: 0, ...options });
  const { emulator, client } = workspace;
  const https = httpsClient(emulator.caCertPem);
  const rg = emulator.resourceGroup;
  const ws = emulator.workspaceName;
  const keyCache = new Map<string, string>();
  const modelId = (version: number): string => `${emulator.workspaceId}/models/diabetes/versions/${version}`;

  const createDeployment = (endpoint: string, name: string, spec: DeploymentSpec): Promise<OnlineDeployment> =>
    client.onlineDeployments.beginCreateOrUpdateAndWait(
      rg,
      ws,
      endpoint,
      name,
      {
        location: emulator.location,
        sku: { name: "Default", capacity: spec.capacity ?? 1 },
        properties: {
          endpointComputeType: "Managed",
          model: modelId(spec.modelVersion),
          ...(spec.requestSettings ? { requestSettings: spec.requestSettings } : {}),
          ...(spec.codeConfiguration ? { codeConfiguration: spec.codeConfiguration } : {}),
        },
      },
      LRO,
    );

  const setTraffic = async (endpoint: string, traffic: Record<string, number>): Promise<void> => {
    const current = await client.onlineEndpoints.get(rg, ws, endpoint);
    await client.onlineEndpoints.beginCreateOrUpdateAndWait(
      rg,
      ws,
      endpoint,
      { ...current, properties: { ...current.properties, traffic } },
      LRO,
    );
  };

  const keys = async (endpoint: string) => {
    const listed = await client.onlineEndpoints.listKeys(rg, ws, endpoint);
    if (!listed.primaryKey || !listed.secondaryKey) throw new Error(`listKeys of ${endpoint} returned no keys`);
    keyCache.set(endpoint, listed.primaryKey);
    return { primaryKey: listed.primaryKey, secondaryKey: listed.secondaryKey };
  };

  return {
    emulator,
    client,
    https,
    modelId,
    async createEndpoint(name, deployments, traffic) {
      await client.onlineEndpoints.beginCreateOrUpdateAndWait(
        rg,
        ws,
        name,
        { location: emulator.location, properties: { authMode: "Key" } },
        LRO,
      );
      for (const [deployment, spec] of Object.entries(deployments)) await createDeployment(name, deployment, spec);
      if (traffic) await setTraffic(name, traffic);
    },
    createDeployment,
    setTraffic,
    keys,
    async score(endpoint, payload, options = {}) {
      let key = options.key;
      if (key === undefined) key = keyCache.get(endpoint) ?? (await keys(endpoint)).primaryKey;
      return https.send({
        method: "POST",
        url: `${emulator.armBaseUrl}/endpoints/${endpoint}/score`,
        headers: {
          ...(key === null ? {} : { authorization: `Bearer ${key}` }),
          ...(options.deployment ? { "azureml-model-deployment": options.deployment } : {}),
          ...options.headers,
        },
        body: payload,
      });
    },
    async injectFault(fault) {
      const answer = await https.send({ method: "POST", url: `${emulator.adminBaseUrl}/faults`, body: fault });
      if (answer.status !== 204) throw new Error(`fault refused: ${answer.status} ${answer.text}`);
    },
    async metrics(endpoint) {
      const answer = await https.send({ url: `${emulator.adminBaseUrl}/endpoints/${endpoint}/metrics` });
      if (answer.status !== 200) throw new Error(`metrics of ${endpoint}: ${answer.status} ${answer.text}`);
      return (answer.json as { deployments: Record<string, DeploymentMetrics> }).deployments;
    },
    async close() {
      https.close();
      await workspace.close();
    },
  };
}

/** Runs `task` for 0..count-1 with at most `concurrency` in flight, collecting results in order. */
export async function inBatches<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array<T>(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

/** The deployment that served an answer, from the `azureml-model-deployment` response header. */
export function servedBy(answer: HttpsAnswer): string | undefined {
  const value = answer.headers["azureml-model-deployment"];
  return Array.isArray(value) ? value[0] : value;
}

/** Polls `read` until `done` holds or `timeoutMs` passes; returns the last value read. */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    value = await read();
  }
  return value;
}
