// The Workspace port contract, run against ArmWorkspace over the real @azure/arm-machinelearning client: on the local
// emulator, and on a real Azure ML workspace when AZURE_TEST_* is set. Cases share one workspace and run in order;
// the ones that change it (a new endpoint, a fault, new keys) use an endpoint of their own, never the live one.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AzureMachineLearningWorkspaces } from "@azure/arm-machinelearning";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import type { Result } from "../../src/ports/result.js";
import type { EndpointView, WorkspaceError } from "../../src/ports/workspace.js";
import type { ArmWorkspace, ArmWorkspaceOptions } from "../../src/workspace/arm-workspace.js";
import { sendRaw } from "../../src/workspace/arm-client.js";
import { sendRawAndWait } from "../support/raw-lro.js";
import { uniqueName } from "../support/unique-name.js";

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
  /** Makes a deployment's scoring take `delayMs` longer (0 lifts it). */
  injectScoringDelay?(endpoint: string, deployment: string, delayMs: number): Promise<void>;
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

      expect(endpoint.name).toBe(t.live.endpoint);
      expect(endpoint.traffic[t.live.deployment]).toBe(100);
      expect(raw.status).toBe(200);
      expect(endpoint.mirrorTraffic).toEqual(armMirror ?? {});
      const deployment = endpoint.deployments.find((d) => d.name === t.live.deployment);
      expect(deployment?.requestTimeoutMs).toBeGreaterThan(0);
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

    it("scores a sample on the live endpoint and says which deployment answered", async () => {
      const result = value(await ws.invoke({ endpoint: t.live.endpoint, body: t.sample }));
      const before = ws.armCallCount;
      const again = value(await ws.invoke({ endpoint: t.live.endpoint, body: t.sample }));

      expect(result.status, result.body).toBe(200);
      expect(again.status, again.body).toBe(200);
      // With the key cached, an invoke reads only the endpoint (its scoring URI and auth mode).
      expect(ws.armCallCount - before).toBe(1);
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

    it("says workspace_unreachable, quickly, when the workspace does not answer", async ({ skip }) => {
      if (!t.stoppedWorkspace) skip("the target cannot be stopped");
      const stopped = await t.stoppedWorkspace?.();
      if (!stopped) return;
      try {
        const started = performance.now();
        const listed = failure(await stopped.listEndpoints());
        const invoked = failure(await stopped.invoke({ endpoint: t.live.endpoint, body: t.sample }));
        const elapsed = performance.now() - started;

        expect(listed).toEqual({ code: "workspace_unreachable", detail: "connection refused" });
        expect(invoked).toEqual({ code: "workspace_unreachable", detail: "connection refused" });
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
