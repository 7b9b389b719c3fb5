// The Workspace port contract, run against ArmWorkspace over the real @azure/arm-machinelearning client: on the local
// emulator, and on a real Azure ML workspace when AZURE_TEST_* is set. Cases share one workspace and run in order;
// the ones that change it (a new endpoint, a fault, new keys) use an endpoint of their own, never the live one.
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AzureMachineLearningWorkspaces } from "@azure/arm-machinelearning";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import type { z } from "zod";
import type { faultSchema } from "../../src/emulator/faults.js";
import type { Result } from "../../src/ports/result.js";
import type { EndpointView, WorkspaceError } from "../../src/ports/workspace.js";
import type { ArmWorkspace, ArmWorkspaceOptions } from "../../src/workspace/arm-workspace.js";
import { sendRaw } from "../../src/workspace/arm-client.js";
import { sendRawAndWait } from "../support/raw-lro.js";
import { uniqueName } from "../support/unique-name.js";

// The api-version the adapter reads and writes back at; the contract compares what ARM says there.
const CURRENT_API_VERSION = "2025-12-01";

type ArmJson = Record<string, unknown> & { properties: Record<string, unknown> };

/** One Azure ML workspace the contract runs against. */
export interface WorkspaceContractTarget {
  /** An ArmWorkspace on the target; `overrides` change its settings. */
  workspace(overrides?: Partial<Pick<ArmWorkspaceOptions, "invokeTimeoutMs" | "maxConcurrency">>): ArmWorkspace;
  client: AzureMachineLearningWorkspaces;
  resourceGroup: string;
  workspaceName: string;
  location: string;
  /** ARM id of a version of `model`. */
  modelId(version: string): string;
  /** A live Key-auth endpoint whose `deployment` takes 100% of traffic and serves `model`:`modelVersion`. */
  live: { endpoint: string; deployment: string; modelVersion: string };
  /** A registered model and some of its versions, newest first. */
  model: { name: string; versionsNewestFirst: string[] };
  /** An MLflow request (`{ input_data: { columns, index, data } }`, JSON text) the model's versions answer 200 to. */
  sample: string;
  /** A version that fails on `sample` (the container answers non-200), for the 424 case. */
  faulty?: { version: string; sample: string };
  /** Page size of the endpoint list, when known, so ARM calls can be counted exactly. */
  listPageSize?: number;
  /** The deployment log mentions loading the model (a real container's log depends on its image). */
  knownLogs: boolean;
  /** Endpoints and deployments may be created (minutes and money on Azure). */
  canCreate: boolean;
  /** Request counts (Azure Monitor's RequestsPerMinute) include requests just served: the emulator's do. */
  countsRequestsAtOnce?: boolean;
  /** Makes a deployment's scoring take `delayMs` longer (0 lifts it). */
  injectScoringDelay?(endpoint: string, deployment: string, delayMs: number): Promise<void>;
  /** Injects a fault into the workspace (emulator only): held or failing provisioning, failing updates, 429/500. */
  injectFault?(fault: z.input<typeof faultSchema>): Promise<void>;
  /** Lifts every injected fault (held provisioning goes on). */
  clearFaults?(): Promise<void>;
  /** A workspace whose server has just stopped, built with no transport retries. */
  stoppedWorkspace?(): Promise<ArmWorkspace>;
  /** LRO poll interval when the server sends no Retry-After. */
  pollIntervalMs: number;
  cleanup?(): Promise<void>;
}

/** Registers the Workspace port contract against the workspace that `target` starts. */
export function describeWorkspaceContract(name: string, target: () => Promise<WorkspaceContractTarget>): void {
  describe(name, () => {
    let t: WorkspaceContractTarget;
    let ws: ArmWorkspace;
    // Everything the port returned, searched for keys at the end.
    const returned: unknown[] = [];
    const keysSeen = new Set<string>();
    // The suite's own endpoint: blue = the live model version at 100%, green = the faulty version at 0%.
    const own = uniqueName("wc");
    const created: string[] = [];

    const value = <T>(result: Result<T, WorkspaceError>): T => {
      returned.push(result);
      if (!result.ok) expect.fail(`expected success, got ${JSON.stringify(result.error)}`);
      return result.value;
    };
    const failure = (result: Result<unknown, WorkspaceError>): WorkspaceError => {
      returned.push(result);
      if (result.ok) expect.fail(`expected a failure, got ${JSON.stringify(result.value).slice(0, 300)}`);
      return result.error;
    };
    const rememberKeys = async (endpoint: string) => {
      const keys = await t.client.onlineEndpoints.listKeys(t.resourceGroup, t.workspaceName, endpoint);
      for (const key of [keys.primaryKey, keys.secondaryKey]) if (key) keysSeen.add(key);
    };
    const lro = () => ({ updateIntervalInMs: t.pollIntervalMs });

    const createEndpoint = async (
      name: string,
      authMode: "Key" | "AMLToken" | "AADToken",
      deployments: Record<string, string>,
      traffic: Record<string, number>,
    ) => {
      const { client, resourceGroup: rg, workspaceName: wsName, location } = t;
      await client.onlineEndpoints.beginCreateOrUpdateAndWait(
        rg,
        wsName,
        name,
        { location, properties: { authMode } },
        lro(),
      );
      created.push(name);
      for (const [deployment, version] of Object.entries(deployments)) {
        await client.onlineDeployments.beginCreateOrUpdateAndWait(
          rg,
          wsName,
          name,
          deployment,
          {
            location,
            sku: { name: "Default", capacity: 1 },
            properties: { endpointComputeType: "Managed", model: t.modelId(version) },
          },
          lro(),
        );
      }
      // Traffic can name only existing deployments, so it is set last (GET + full PUT; 2.1.1's PATCH drops it).
      const endpoint = await client.onlineEndpoints.get(rg, wsName, name);
      await client.onlineEndpoints.beginCreateOrUpdateAndWait(
        rg,
        wsName,
        name,
        { ...endpoint, properties: { ...endpoint.properties, traffic } },
        lro(),
      );
    };

    beforeAll(async () => {
      t = await target();
      ws = t.workspace();
      await rememberKeys(t.live.endpoint);
      if (t.canCreate) {
        const green = t.faulty?.version ?? t.live.modelVersion;
        await createEndpoint(own, "Key", { blue: t.live.modelVersion, green }, { blue: 100, green: 0 });
      }
    });
    afterAll(async () => {
      ws?.close();
      try {
        await Promise.all(
          created.map((name) =>
            t.client.onlineEndpoints.beginDeleteAndWait(t.resourceGroup, t.workspaceName, name, lro()),
          ),
        );
      } finally {
        await t?.cleanup?.();
      }
    });

    const liveView = (endpoints: EndpointView[]) => endpoints.find((e) => e.name === t.live.endpoint);
    const endpointPath = (endpoint: string) =>
      `/subscriptions/${t.client.subscriptionId}/resourceGroups/${t.resourceGroup}` +
      `/providers/Microsoft.MachineLearningServices/workspaces/${t.workspaceName}/onlineEndpoints/${endpoint}`;

    const deploymentPath = (endpoint: string, deployment: string) =>
      `${endpointPath(endpoint)}/deployments/${deployment}`;
    /** A deployment as ARM returns it at the current api-version. */
    const rawDeployment = async (endpoint: string, deployment: string): Promise<ArmJson> => {
      const answer = await sendRaw(t.client, {
        method: "GET",
        url: deploymentPath(endpoint, deployment),
        apiVersion: CURRENT_API_VERSION,
      });
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      return answer.body as ArmJson;
    };
    const rawEndpoint = async (endpoint: string): Promise<ArmJson> => {
      const answer = await sendRaw(t.client, {
        method: "GET",
        url: endpointPath(endpoint),
        apiVersion: CURRENT_API_VERSION,
      });
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      return answer.body as ArmJson;
    };
    /** Waits until the deployment's provisioning ends and returns its final state. */
    const settled = async (endpoint: string, deployment: string): Promise<string> => {
      for (;;) {
        const { state } = value(await ws.getDeployment(endpoint, deployment));
        if (["Succeeded", "Failed", "Canceled"].includes(state)) return state;
        await sleep(t.pollIntervalMs);
      }
    };

    it("lists the live endpoint with its traffic and the model version each deployment serves", async () => {
      const endpoints = value(await ws.listEndpoints());
      const live = liveView(endpoints);

      expect(live, `endpoints listed: ${endpoints.map((e) => e.name).join(", ")}`).toBeDefined();
      expect(live?.traffic[t.live.deployment]).toBe(100);
      expect(live?.authMode).toBe("Key");
      expect(live?.computeType).toBe("Managed");
      expect(live?.scoringUri).toMatch(/^https:\/\//);
      const deployment = live?.deployments.find((d) => d.name === t.live.deployment);
      expect(deployment?.model).toEqual({ name: t.model.name, version: t.live.modelVersion });
      expect(deployment?.scale.kind).toBe("fixed");
      expect(deployment?.scale.kind === "fixed" && deployment.scale.count).toBeGreaterThanOrEqual(1);
      expect(deployment?.state).toBe("Succeeded");
    });

    it("answers a ping with one ARM read", async () => {
      const before = ws.armCallCount;
      value(await ws.ping(10_000));
      expect(ws.armCallCount - before).toBe(1);
    });

    it("says workspace_unreachable for a ping Azure does not answer within its time limit", async ({ skip }) => {
      if (!t.injectFault || !t.clearFaults) skip("the target cannot be slowed down");
      await t.injectFault?.({ kind: "controlPlaneDelay", delayMs: 5_000, count: 1 });
      try {
        const started = performance.now();
        expect(failure(await ws.ping(300))).toEqual({ code: "workspace_unreachable", detail: "no answer in time" });
        expect(performance.now() - started).toBeLessThan(2_000);
      } finally {
        await t.clearFaults?.();
      }
    });

    it("shows one endpoint with its deployments, mirror traffic and request timeout", async () => {
      const endpoint = value(await ws.getEndpoint(t.live.endpoint));

      // ARM's own answer at the first api-version that carries mirror traffic: the port shows exactly that (or none).
      const raw = await sendRaw(t.client, {
        method: "GET",
        url: endpointPath(t.live.endpoint),
        apiVersion: "2023-04-01",
      });
      const armMirror = (raw.body as { properties?: { mirrorTraffic?: Record<string, number> } }).properties
        ?.mirrorTraffic;
      const armTags = (raw.body as { tags?: Record<string, string> }).tags;

      expect(endpoint.name).toBe(t.live.endpoint);
      expect(endpoint.traffic[t.live.deployment]).toBe(100);
      expect(raw.status).toBe(200);
      expect(endpoint.mirrorTraffic).toEqual(armMirror ?? {});
      expect(endpoint.tags).toEqual(armTags ?? {});
      const deployment = endpoint.deployments.find((d) => d.name === t.live.deployment);
      expect(deployment?.requestTimeoutMs).toBeGreaterThan(0);
    });

    it("reads one endpoint's traffic and provisioning state in one ARM call, the same as the full read shows", async () => {
      const full = value(await ws.getEndpoint(t.live.endpoint));
      const before = ws.armCallCount;
      const read = value(await ws.getEndpointTraffic(t.live.endpoint));

      expect(ws.armCallCount - before).toBe(1);
      expect(read).toEqual({ state: full.state, traffic: full.traffic, mirrorTraffic: full.mirrorTraffic });
      expect(failure(await ws.getEndpointTraffic(`${t.live.endpoint}x`))).toMatchObject({
        code: "endpoint_not_found",
        endpoint: `${t.live.endpoint}x`,
      });
    });

    it("says endpoint_not_found for an unknown endpoint, suggesting close names", async () => {
      const error = failure(await ws.getEndpoint(`${t.live.endpoint}x`));

      expect(error).toMatchObject({ code: "endpoint_not_found", endpoint: `${t.live.endpoint}x` });
      expect(error.code === "endpoint_not_found" && error.known).toContain(t.live.endpoint);
    });

    it("lists a model's versions newest first", async () => {
      const models = value(await ws.listModels(t.model.name));

      expect(models.map((m) => m.name)).toEqual([t.model.name]);
      const listed = models[0]?.versions.map((v) => v.version) ?? [];
      expect(listed.filter((v) => t.model.versionsNewestFirst.includes(v))).toEqual(t.model.versionsNewestFirst);
    });

    it("lists every model when no name is given, and none for a name that is not registered", async () => {
      const all = value(await ws.listModels());
      const none = value(await ws.listModels(uniqueName("no-such-model")));

      expect(all.map((m) => m.name)).toContain(t.model.name);
      expect(none).toEqual([]);
    });

    it("returns at most the requested tail of a deployment's inference-server log", async () => {
      const tail = value(await ws.getLogs(t.live.endpoint, t.live.deployment, 3));
      const lines = tail.split("\n").filter((l) => l !== "");

      expect(lines.length).toBeLessThanOrEqual(3);
      if (!t.knownLogs) return;
      const full = value(await ws.getLogs(t.live.endpoint, t.live.deployment, 1000));
      expect(lines.length).toBe(3);
      expect(full.endsWith(tail)).toBe(true);
      expect(full).toMatch(/model/i);
    });

    it("says deployment_not_found with the endpoint's deployments for logs of an unknown deployment", async () => {
      const error = failure(await ws.getLogs(t.live.endpoint, "no-such-deployment", 10));
      const unknownEndpoint = failure(await ws.getLogs(`${t.live.endpoint}-gone`, t.live.deployment, 10));

      expect(error).toMatchObject({
        code: "deployment_not_found",
        endpoint: t.live.endpoint,
        deployment: "no-such-deployment",
      });
      expect(error.code === "deployment_not_found" && error.known).toContain(t.live.deployment);
      expect(unknownEndpoint).toMatchObject({ code: "endpoint_not_found" });
    });

    it("shows one deployment with its provisioning state and the model version it serves", async () => {
      const deployment = value(await ws.getDeployment(t.live.endpoint, t.live.deployment));

      expect(deployment.name).toBe(t.live.deployment);
      expect(deployment.state).toBe("Succeeded");
      expect(deployment.model).toEqual({ name: t.model.name, version: t.live.modelVersion });
      expect(deployment.scale.kind).toBe("fixed");
    });

    it("says deployment_not_found, or endpoint_not_found, for a deployment that is not there", async () => {
      const missing = failure(await ws.getDeployment(t.live.endpoint, "no-such-deployment"));
      const noEndpoint = failure(await ws.getDeployment(`${t.live.endpoint}-gone`, t.live.deployment));

      expect(missing).toMatchObject({
        code: "deployment_not_found",
        endpoint: t.live.endpoint,
        deployment: "no-such-deployment",
      });
      expect(missing.code === "deployment_not_found" && missing.known).toContain(t.live.deployment);
      expect(noEndpoint).toMatchObject({ code: "endpoint_not_found", endpoint: `${t.live.endpoint}-gone` });
    });

    it("finds a registered model version, and lists the versions there are, newest first, for one that is not", async () => {
      const [newest] = t.model.versionsNewestFirst;
      const found = value(await ws.getModelVersion(t.model.name, newest ?? ""));
      const missing = failure(await ws.getModelVersion(t.model.name, "9999"));
      const noModel = failure(await ws.getModelVersion(uniqueName("no-such-model"), "1"));

      expect(found).toEqual({ model: t.model.name, version: newest });
      expect(missing).toMatchObject({ code: "model_version_not_found", model: t.model.name, version: "9999" });
      const known = missing.code === "model_version_not_found" ? missing.known : [];
      expect(known.filter((v) => t.model.versionsNewestFirst.includes(v))).toEqual(t.model.versionsNewestFirst);
      expect(noModel).toMatchObject({ code: "model_version_not_found", version: "1", known: [] });
    });

    it("scores a sample on the live endpoint and says which deployment answered", async () => {
      const result = value(await ws.invoke({ endpoint: t.live.endpoint, body: t.sample }));
      const before = ws.armCallCount;
      const again = value(await ws.invoke({ endpoint: t.live.endpoint, body: t.sample }));

      expect(result.status, result.body).toBe(200);
      expect(again.status, again.body).toBe(200);
      // The scoring URI, auth mode and key are kept from the first invoke: the second one asks ARM nothing.
      expect(ws.armCallCount - before).toBe(0);
      expect(result.deployment).toBe(t.live.deployment);
      expect(result.latencyMs).toBeGreaterThan(0);
      // MLflow answers one prediction per input row: a JSON array (pandas records or a list) or `{ predictions }`.
      const answer: unknown = JSON.parse(result.body);
      const predictions = Array.isArray(answer) ? answer : (answer as { predictions?: unknown }).predictions;
      expect(predictions, result.body).toHaveLength(rowsIn(t.sample));
    });

    it("says endpoint_not_found when invoking an unknown endpoint", async () => {
      const error = failure(await ws.invoke({ endpoint: uniqueName("nowhere"), body: t.sample }));

      expect(error.code).toBe("endpoint_not_found");
    });

    it("counts 1 + N ARM calls to list N endpoints, and keeps at most maxConcurrency in flight", async () => {
      let inFlight = 0;
      let most = 0;
      const watch: PipelinePolicy = {
        name: "contractInFlight",
        async sendRequest(request, next) {
          most = Math.max(most, ++inFlight);
          try {
            return await next(request);
          } finally {
            inFlight--;
          }
        },
      };
      const narrow = t.workspace({ maxConcurrency: 2 });
      t.client.pipeline.addPolicy(watch);
      let endpoints: EndpointView[];
      let calls: number;
      try {
        const before = narrow.armCallCount;
        endpoints = value(await narrow.listEndpoints());
        calls = narrow.armCallCount - before;
      } finally {
        t.client.pipeline.removePolicy({ name: watch.name });
        narrow.close();
      }

      const n = endpoints.length;
      expect(n).toBeGreaterThanOrEqual(1);
      if (t.listPageSize !== undefined) expect(calls).toBe(Math.max(1, Math.ceil(n / t.listPageSize)) + n);
      else expect(calls).toBeGreaterThanOrEqual(1 + n);
      expect(most).toBeLessThanOrEqual(2);
      if (n >= 2) expect(most).toBe(2);
    });

    describe("on an endpoint of its own", () => {
      it("counts the scoring requests each deployment served (Azure Monitor's RequestsPerMinute)", async ({ skip }) => {
        if (!t.canCreate) skip("the target cannot create deployments");
        if (!t.countsRequestsAtOnce) skip("Azure Monitor counts a request minutes after it was served");
        const sent = { blue: 3, green: 2 };
        const before = value(await ws.recentRequests(own, 24));
        for (const [deployment, count] of Object.entries(sent)) {
          for (let i = 0; i < count; i++) value(await ws.invoke({ endpoint: own, deployment, body: t.sample }));
        }
        const after = value(await ws.recentRequests(own, 24));

        expect(after, "request counts reported").toBeDefined();
        const served = (d: keyof typeof sent) => (after?.[d] ?? 0) - (before?.[d] ?? 0);
        expect({ blue: served("blue"), green: served("green") }).toEqual(sent);
      });

      it("scores a 0% deployment when the request names it", async ({ skip }) => {
        if (!t.canCreate) skip("the target cannot create deployments");
        const result = value(await ws.invoke({ endpoint: own, deployment: "green", body: t.sample }));

        expect(result.status, result.body).toBe(200);
        expect(result.deployment).toBe("green");
      });

      it("returns the front door's 424 and the model's own status as an answer, not a failure", async ({ skip }) => {
        if (!t.canCreate || !t.faulty) skip("needs a faulty model version and a deployment of it");
        const result = value(await ws.invoke({ endpoint: own, deployment: "green", body: t.faulty?.sample ?? "" }));

        expect(result.status).toBe(424);
        expect(result.deployment).toBe("green");
        expect(result.modelErrorStatus).toBe("500");
      });

      it("says deployment_not_found, listing the deployments, when the named deployment does not exist", async ({
        skip,
      }) => {
        if (!t.canCreate) skip("the target cannot create deployments");
        const error = failure(await ws.invoke({ endpoint: own, deployment: "purple", body: t.sample }));

        expect(error).toEqual({
          code: "deployment_not_found",
          endpoint: own,
          deployment: "purple",
          known: ["blue", "green"],
        });
      });

      it("says invoke_timeout when scoring takes longer than invokeTimeoutMs", async ({ skip }) => {
        if (!t.canCreate || !t.injectScoringDelay) skip("needs fault injection (emulator only)");
        const impatient = t.workspace({ invokeTimeoutMs: 300 });
        await t.injectScoringDelay?.(own, "green", 2_000);
        try {
          const started = performance.now();
          const error = failure(await impatient.invoke({ endpoint: own, deployment: "green", body: t.sample }));
          const elapsed = performance.now() - started;

          expect(error).toEqual({ code: "invoke_timeout", endpoint: own, timeoutMs: 300 });
          expect(elapsed).toBeLessThan(1_500);
        } finally {
          await t.injectScoringDelay?.(own, "green", 0);
          impatient.close();
        }
      });

      it("says endpoint_not_found when invoking an endpoint deleted since it was last scored", async ({ skip }) => {
        if (!t.canCreate) skip("the target cannot create endpoints");
        const name = uniqueName("wc-gone");
        await createEndpoint(name, "Key", { blue: t.live.modelVersion }, { blue: 100 });
        expect(value(await ws.invoke({ endpoint: name, body: t.sample })).status).toBe(200);
        value(await ws.deleteEndpoint(name));

        const error = failure(await ws.invoke({ endpoint: name, body: t.sample }));

        expect(error.code).toBe("endpoint_not_found");
      });

      it.for(["AMLToken", "AADToken"] as const)(
        "scores an endpoint whose auth mode is %s",
        async (authMode, { skip }) => {
          if (!t.canCreate) skip("the target cannot create endpoints");
          const name = uniqueName(authMode === "AMLToken" ? "wc-aml" : "wc-aad");
          await createEndpoint(name, authMode, { blue: t.live.modelVersion }, { blue: 100 });

          const result = value(await ws.invoke({ endpoint: name, body: t.sample }));

          expect(result.status, result.body).toBe(200);
          expect(result.deployment).toBe("blue");
          expect(value(await ws.getEndpoint(name)).authMode).toBe(authMode);
        },
      );

      it("shows mirror traffic, which only api-version 2023-04-01 and later return", async ({ skip }) => {
        if (!t.canCreate) skip("the target cannot create endpoints");
        // 2.1.1 cannot send mirrorTraffic, so it is set with a raw GET + full PUT at 2023-04-01 (reference §1.2).
        const path = endpointPath(own);
        const current = await sendRaw(t.client, { method: "GET", url: path, apiVersion: "2023-04-01" });
        const body = current.body as { properties: Record<string, unknown> };
        await sendRawAndWait(t.client, {
          method: "PUT",
          url: path,
          apiVersion: "2023-04-01",
          body: { ...body, properties: { ...body.properties, mirrorTraffic: { green: 10 } } },
          pollIntervalMs: t.pollIntervalMs,
        });

        const endpoint = value(await ws.getEndpoint(own));
        const listed = value(await ws.listEndpoints()).find((e) => e.name === own);

        expect(endpoint.mirrorTraffic).toEqual({ green: 10 });
        expect(endpoint.traffic).toEqual({ blue: 100, green: 0 });
        expect(listed?.mirrorTraffic).toEqual({ green: 10 });
      });

      it("keeps scoring after the endpoint's keys are regenerated", async ({ skip }) => {
        if (!t.canCreate) skip("the target cannot create endpoints");
        const first = value(await ws.invoke({ endpoint: own, body: t.sample }));
        await rememberKeys(own);
        await t.client.onlineEndpoints.beginRegenerateKeysAndWait(
          t.resourceGroup,
          t.workspaceName,
          own,
          { keyType: "Primary" },
          lro(),
        );
        await rememberKeys(own);
        const before = ws.armCallCount;
        const second = value(await ws.invoke({ endpoint: own, body: t.sample }));

        expect(first.status).toBe(200);
        expect(second.status, second.body).toBe(200);
        // The cached key got a 401, so the endpoint was read and its keys fetched again.
        expect(ws.armCallCount - before).toBe(2);
      });
    });

    describe("writes, on an endpoint of its own", () => {
      // blue: created raw at the current api-version with every setting 2.1.1 cannot send; green: created by the SDK.
      const w = uniqueName("wr");
      const sourceProperties = () => ({
        endpointComputeType: "Managed",
        description: "clone source",
        properties: { "greenlight-contract": "source" },
        model: t.modelId(t.live.modelVersion),
        instanceType: "Standard_DS3_v2",
        environmentVariables: { LOG_LEVEL: "debug", WORKERS: "2" },
        requestSettings: { requestTimeout: "PT7S", maxConcurrentRequestsPerInstance: 2, maxQueueWait: "PT0.5S" },
        livenessProbe: {
          failureThreshold: 5,
          successThreshold: 1,
          timeout: "PT3S",
          period: "PT15S",
          initialDelay: "PT20S",
        },
        readinessProbe: {
          failureThreshold: 4,
          successThreshold: 2,
          timeout: "PT2S",
          period: "PT5S",
          initialDelay: "PT5S",
        },
        startupProbe: {
          failureThreshold: 3,
          successThreshold: 1,
          timeout: "PT2S",
          period: "PT10S",
          initialDelay: "PT30S",
        },
        egressPublicNetworkAccess: "Enabled",
        dataCollector: {
          collections: { model_inputs: { dataCollectionMode: "Enabled", samplingRate: 0.5 } },
          requestLogging: { captureHeaders: ["x-request-id"] },
          rollingRate: "Hour",
        },
      });
      // A version the source does not serve (and not the faulty one, so the copies provision and score).
      const other = () =>
        t.model.versionsNewestFirst.find((v) => v !== t.live.modelVersion && v !== t.faulty?.version) ??
        t.live.modelVersion;
      /** What a deployment is, without what ARM writes itself and without its model. */
      const specOf = (deployment: ArmJson) => {
        const { id: _id, name: _name, systemData: _systemData, properties, ...rest } = deployment;
        const { provisioningState: _state, model: _model, ...spec } = properties;
        return { ...rest, properties: spec };
      };
      const liveTraffic = (traffic: unknown) =>
        Object.fromEntries(Object.entries(traffic as Record<string, number>).filter(([, share]) => share > 0));
      const needsFaults = (skip: (note?: string) => never) => {
        if (!t.canCreate || !t.injectFault) skip("needs fault injection (emulator only)");
      };

      beforeAll(async () => {
        if (!t.canCreate) return;
        await createEndpoint(w, "Key", {}, {});
        await sendRawAndWait(t.client, {
          method: "PUT",
          url: deploymentPath(w, "blue"),
          apiVersion: CURRENT_API_VERSION,
          body: {
            location: t.location,
            tags: { slot: "blue" },
            sku: { name: "Default", capacity: 1 },
            properties: sourceProperties(),
          },
          pollIntervalMs: t.pollIntervalMs,
        });
        await t.client.onlineDeployments.beginCreateOrUpdateAndWait(
          t.resourceGroup,
          t.workspaceName,
          w,
          "green",
          {
            location: t.location,
            sku: { name: "Default", capacity: 1 },
            properties: { endpointComputeType: "Managed", model: t.modelId(t.live.modelVersion) },
          },
          lro(),
        );
        const endpoint = await t.client.onlineEndpoints.get(t.resourceGroup, t.workspaceName, w);
        await t.client.onlineEndpoints.beginCreateOrUpdateAndWait(
          t.resourceGroup,
          t.workspaceName,
          w,
          { ...endpoint, properties: { ...endpoint.properties, traffic: { blue: 100 } } },
          lro(),
        );
      });
      afterAll(async () => {
        await t?.clearFaults?.();
      });

      it("clones a deployment with another model version and loses no field", async ({ skip }) => {
        if (!t.canCreate) skip("the target cannot create deployments");
        const accepted = value(await ws.cloneDeployment(w, "blue", "copy", { name: t.model.name, version: other() }));
        const state = await settled(w, "copy");
        const [source, copy] = await Promise.all([rawDeployment(w, "blue"), rawDeployment(w, "copy")]);

        expect(accepted.retryAfterMs).toBeGreaterThanOrEqual(0);
        expect(state).toBe("Succeeded");
        expect(specOf(copy)).toEqual(specOf(source));
        expect(copy.properties["model"]).toBe(t.modelId(other()));
        // Compared with what was sent, not only with the source: both losing a field would also be "equal".
        const sent = sourceProperties();
        for (const field of ["dataCollector", "startupProbe", "livenessProbe", "readinessProbe"] as const) {
          expect(copy.properties[field], field).toEqual(sent[field]);
        }
        expect(copy.properties["environmentVariables"]).toEqual(sent.environmentVariables);
        expect(copy.properties["requestSettings"]).toEqual(sent.requestSettings);
        expect(copy["tags"]).toEqual({ slot: "blue" });
        expect(value(await ws.getDeployment(w, "copy")).model).toEqual({ name: t.model.name, version: other() });
      });

      it("changes nothing when the same clone is applied again", async ({ skip }) => {
        if (!t.canCreate) skip("the target cannot create deployments");
        const before = await rawDeployment(w, "copy");
        const calls = ws.armCallCount;

        value(await ws.cloneDeployment(w, "blue", "copy", { name: t.model.name, version: other() }));
        const after = await rawDeployment(w, "copy");

        // The source and the copy were read; nothing was put (systemData would say so).
        expect(ws.armCallCount - calls).toBe(2);
        expect(after).toEqual(before);
      });

      it("replaces an idle deployment of that name with the clone", async ({ skip }) => {
        if (!t.canCreate) skip("the target cannot create deployments");
        value(await ws.cloneDeployment(w, "blue", "green", { name: t.model.name, version: other() }));
        const state = await settled(w, "green");
        const [source, green] = await Promise.all([rawDeployment(w, "blue"), rawDeployment(w, "green")]);

        expect(state).toBe("Succeeded");
        expect(specOf(green)).toEqual(specOf(source));
        expect(value(await ws.getDeployment(w, "green")).model).toEqual({ name: t.model.name, version: other() });
      });

      it("sets traffic exactly, keeping mirror traffic, tags and auth mode", async ({ skip }) => {
        if (!t.canCreate) skip("the target cannot create endpoints");
        const tags = { "greenlight-plan": "10,50,100", owner: "contract" };
        await t.client.onlineEndpoints.beginUpdateAndWait(t.resourceGroup, t.workspaceName, w, { tags }, lro());
        const current = await sendRaw(t.client, { method: "GET", url: endpointPath(w), apiVersion: "2023-04-01" });
        const body = current.body as { properties: Record<string, unknown> };
        await sendRawAndWait(t.client, {
          method: "PUT",
          url: endpointPath(w),
          apiVersion: "2023-04-01",
          body: { ...body, properties: { ...body.properties, mirrorTraffic: { green: 10 } } },
          pollIntervalMs: t.pollIntervalMs,
        });

        value(await ws.setTraffic(w, { blue: 90, copy: 10 }));
        const raw = await rawEndpoint(w);
        const view = value(await ws.getEndpoint(w));

        expect(liveTraffic(raw.properties["traffic"])).toEqual({ blue: 90, copy: 10 });
        expect(raw.properties["mirrorTraffic"]).toEqual({ green: 10 });
        expect(raw.properties["authMode"]).toBe("Key");
        expect(raw["tags"]).toEqual(tags);
        expect(raw.properties["provisioningState"]).toBe("Succeeded");
        expect(view.tags).toEqual(tags);
        expect(view.mirrorTraffic).toEqual({ green: 10 });
      });

      it("does not put traffic that is already set again", async ({ skip }) => {
        if (!t.canCreate) skip("the target cannot create endpoints");
        const before = await rawEndpoint(w);
        const calls = ws.armCallCount;

        value(await ws.setTraffic(w, { blue: 90, copy: 10 }));

        expect(ws.armCallCount - calls).toBe(1);
        expect(await rawEndpoint(w)).toEqual(before);
      });

      it("says workspace_rejected with Azure's message for traffic to a deployment that does not exist", async ({
        skip,
      }) => {
        if (!t.canCreate) skip("the target cannot create endpoints");
        const error = failure(await ws.setTraffic(w, { blue: 90, purple: 10 }));

        expect(error).toMatchObject({ code: "workspace_rejected", status: 400 });
        expect(error.code === "workspace_rejected" && error.message).toMatch(/purple/);
        expect(liveTraffic((await rawEndpoint(w)).properties["traffic"])).toEqual({ blue: 90, copy: 10 });
      });

      it("says operation_in_progress while another operation runs on the endpoint", async ({ skip }) => {
        needsFaults(skip);
        await t.injectFault?.({ kind: "provisioningHold", endpoint: w, deployment: "held" });
        try {
          value(await ws.cloneDeployment(w, "blue", "held", { name: t.model.name, version: other() }));
          const held = value(await ws.getDeployment(w, "held"));
          const error = failure(await ws.setTraffic(w, { blue: 100 }));

          expect(held.state).toBe("Creating");
          expect(error).toMatchObject({ code: "operation_in_progress", endpoint: w });
        } finally {
          await t.clearFaults?.();
        }
        expect(await settled(w, "held")).toBe("Succeeded");
        expect(liveTraffic((await rawEndpoint(w)).properties["traffic"])).toEqual({ blue: 90, copy: 10 });
      });

      it("says operation_failed with Azure's message when the change fails, and applying it again succeeds", async ({
        skip,
      }) => {
        needsFaults(skip);
        const message = "Operation canceled by another operation with a higher priority (contract).";
        await t.injectFault?.({ kind: "endpointOperationFailure", endpoint: w, message });

        const error = failure(await ws.setTraffic(w, { blue: 100 }));
        const unchanged = liveTraffic((await rawEndpoint(w)).properties["traffic"]);
        value(await ws.setTraffic(w, { blue: 100 }));

        expect(error).toEqual({ code: "operation_failed", endpoint: w, message });
        expect(unchanged).toEqual({ blue: 90, copy: 10 });
        expect(liveTraffic((await rawEndpoint(w)).properties["traffic"])).toEqual({ blue: 100 });
        expect((await rawEndpoint(w)).properties["mirrorTraffic"]).toEqual({ green: 10 });
      });

      it.for([
        [429, { blue: 80, copy: 20 }],
        [500, { blue: 70, copy: 30 }],
      ] as const)(
        "sets traffic when ARM first answers %i (the pipeline retries)",
        async ([status, traffic], { skip }) => {
          needsFaults(skip);
          await t.injectFault?.({ kind: "controlPlane", status, count: 1 });

          value(await ws.setTraffic(w, traffic));

          expect(liveTraffic((await rawEndpoint(w)).properties["traffic"])).toEqual(traffic);
        },
      );

      it("shows a deployment whose provisioning failed as Failed", async ({ skip }) => {
        needsFaults(skip);
        await t.injectFault?.({ kind: "provisioningFailure", endpoint: w, deployment: "broken" });
        try {
          value(await ws.cloneDeployment(w, "blue", "broken", { name: t.model.name, version: other() }));

          expect(await settled(w, "broken")).toBe("Failed");
          expect(value(await ws.getDeployment(w, "broken")).state).toBe("Failed");
        } finally {
          await t.clearFaults?.();
        }
      });

      it("deletes a deployment, and deleting it again is fine; one with traffic is refused", async ({ skip }) => {
        if (!t.canCreate) skip("the target cannot create deployments");
        const name = (await ws.getDeployment(w, "broken")).ok ? "broken" : "held";

        value(await ws.deleteDeployment(w, name));
        value(await ws.deleteDeployment(w, name));
        const gone = failure(await ws.getDeployment(w, name));
        const refused = failure(await ws.deleteDeployment(w, "blue"));

        expect(gone).toMatchObject({ code: "deployment_not_found", endpoint: w, deployment: name });
        expect(gone.code === "deployment_not_found" && gone.known).not.toContain(name);
        expect(refused).toMatchObject({ code: "workspace_rejected", status: 400 });
        expect(value(await ws.getDeployment(w, "blue")).state).toBe("Succeeded");
      });

      it("deletes the endpoint with its deployments, and deleting it again is fine", async ({ skip }) => {
        if (!t.canCreate) skip("the target cannot create endpoints");
        value(await ws.deleteEndpoint(w));
        value(await ws.deleteEndpoint(w));

        expect(failure(await ws.getEndpoint(w))).toMatchObject({ code: "endpoint_not_found", endpoint: w });
        expect(failure(await ws.getDeployment(w, "blue"))).toMatchObject({ code: "endpoint_not_found" });
      });
    });

    it("says workspace_unreachable, quickly, when the workspace does not answer", async ({ skip }) => {
      if (!t.stoppedWorkspace) skip("the target cannot be stopped");
      const stopped = await t.stoppedWorkspace?.();
      if (!stopped) return;
      try {
        const started = performance.now();
        const listed = failure(await stopped.listEndpoints());
        const invoked = failure(await stopped.invoke({ endpoint: t.live.endpoint, body: t.sample }));
        const pinged = failure(await stopped.ping(1_000));
        const elapsed = performance.now() - started;

        expect(listed).toEqual({ code: "workspace_unreachable", detail: "connection refused" });
        expect(invoked).toEqual({ code: "workspace_unreachable", detail: "connection refused" });
        expect(pinged).toEqual({ code: "workspace_unreachable", detail: "connection refused" });
        expect(elapsed).toBeLessThan(2_000);
      } finally {
        stopped.close();
      }
    });

    it("never returns an endpoint key, in answers or in failures", async () => {
      await rememberKeys(t.live.endpoint);
      if (t.canCreate) await rememberKeys(own);
      returned.push(await ws.listEndpoints(), await ws.getEndpoint(t.live.endpoint));

      const text = JSON.stringify(returned);
      expect(keysSeen.size).toBeGreaterThanOrEqual(2);
      for (const key of keysSeen) expect(text.includes(key), "a key appears in a returned value").toBe(false);
    });
  });
}

/** How many rows an MLflow request scores. */
function rowsIn(sample: string): number {
  const rows = (JSON.parse(sample) as { input_data?: { data?: unknown } }).input_data?.data;
  if (!Array.isArray(rows)) throw new Error("the target's sample is not an MLflow input_data request");
  return rows.length;
}
