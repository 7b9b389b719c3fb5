import { request } from "node:https";
import { z } from "zod";
import type { LocalWorkspaceAccess } from "../local-workspace-access.js";
import { shippedSamples } from "../seed-local-samples.js";

/** The local workspace's ARM id, in parts. */
export interface WorkspaceRef {
  subscriptionId: string;
  resourceGroup: string;
  workspace: string;
}

/** A stored sample payload. */
export interface TrafficSample {
  name: string;
  payload: unknown;
}

/** An endpoint to send traffic to, as a client of it would: its scoring URI, its key, and payloads to send. */
export interface TrafficTarget {
  endpoint: string;
  scoringUri: string;
  key: string;
  samples: TrafficSample[];
}

/**
 * What to drive now: the endpoints that have samples and can be scored, and those that have samples but cannot, with
 * why in words. An endpoint being created or deleted, or gone, is in neither.
 */
export interface TrafficTargets {
  targets: TrafficTarget[];
  idle: { endpoint: string; reason: string }[];
}

// The newest api-version the local workspace and Azure share; what the bot's SDK sends (2022-10-01) would do as well.
const API_VERSION = "2024-10-01";
// The local workspace accepts any Bearer token on its ARM routes; this is the one the bot's local credential sends.
const ARM_TOKEN = "greenlight-local-emulator";

const endpointBody = z.object({
  name: z.string(),
  properties: z.object({
    authMode: z.string(),
    provisioningState: z.string().optional(),
    scoringUri: z.string().nullish(),
    traffic: z.record(z.string(), z.number()).nullish(),
  }),
});
const keysBody = z.object({ primaryKey: z.string().min(1) });

/**
 * Reads which endpoints have samples (the samples the local workspace ships, which the bot copies into its store), and
 * for each, as a client would, its scoring URI (ARM GET) and key (`listKeys`). Rejects when the samples cannot be read.
 */
export async function readTrafficTargets(
  access: LocalWorkspaceAccess,
  ref: WorkspaceRef,
  limits: { timeoutMs: number; signal: AbortSignal },
): Promise<TrafficTargets> {
  const send = (method: "GET" | "POST", path: string) => sendJson(access, method, path, limits);
  const listed = await send("GET", "/_emulator/samples");
  if (listed.status !== 200) throw new Error(`the local workspace answered ${listed.status} for its samples`);
  const samples = new Map<string, TrafficSample[]>();
  for (const s of shippedSamples.parse(listed.body).value) {
    samples.set(s.endpoint, [...(samples.get(s.endpoint) ?? []), { name: s.name, payload: s.payload }]);
  }
  const found: TrafficTargets = { targets: [], idle: [] };
  const workspacePath =
    `/subscriptions/${ref.subscriptionId}/resourceGroups/${ref.resourceGroup}` +
    `/providers/Microsoft.MachineLearningServices/workspaces/${ref.workspace}`;
  for (const [name, list] of samples) {
    const path = `${workspacePath}/onlineEndpoints/${encodeURIComponent(name)}`;
    const read = await send("GET", `${path}?api-version=${API_VERSION}`);
    if (read.status === 404) continue;
    if (read.status !== 200) {
      found.idle.push({ endpoint: name, reason: `reading it answered ${read.status}` });
      continue;
    }
    const endpoint = endpointBody.parse(read.body);
    const { authMode, provisioningState, scoringUri, traffic } = endpoint.properties;
    if (provisioningState === "Creating" || provisioningState === "Deleting" || !scoringUri) continue;
    if (!Object.values(traffic ?? {}).some((weight) => weight > 0)) {
      found.idle.push({ endpoint: endpoint.name, reason: "no deployment takes traffic" });
      continue;
    }
    if (authMode.toLowerCase() !== "key") {
      found.idle.push({ endpoint: endpoint.name, reason: `it uses ${authMode} auth, and the demo traffic sends keys` });
      continue;
    }
    const keys = await send("POST", `${path}/listKeys?api-version=${API_VERSION}`);
    if (keys.status === 404) continue;
    if (keys.status !== 200) {
      found.idle.push({ endpoint: endpoint.name, reason: `listKeys answered ${keys.status}` });
      continue;
    }
    const key = keysBody.parse(keys.body).primaryKey;
    found.targets.push({ endpoint: endpoint.name, scoringUri, key, samples: list });
  }
  return found;
}

/**
 * One request to the local workspace, on a connection of its own (a few every refresh: not worth keeping one open and
 * meeting the server's idle close), with its JSON answer.
 */
function sendJson(
  access: LocalWorkspaceAccess,
  method: "GET" | "POST",
  path: string,
  { timeoutMs, signal }: { timeoutMs: number; signal: AbortSignal },
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${access.url.replace(/\/+$/, "")}${path}`,
      {
        method,
        ca: access.caCertPem,
        agent: false,
        timeout: timeoutMs,
        signal,
        headers: { authorization: `Bearer ${ARM_TOKEN}`, ...(method === "POST" ? { "content-length": 0 } : {}) },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("error", reject);
        res.on("end", () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
          } catch {
            reject(new Error(`the local workspace answered ${res.statusCode} with a body that is not JSON`));
          }
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`the local workspace did not answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end();
  });
}
