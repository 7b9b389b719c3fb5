// The ARM adapter's contract with Azure Monitor's metrics API, as Azure answers it: ArmWorkspace.requestMetrics and
// recentRequests, through @azure/arm-monitor on the ARM client's pipeline, against a local HTTPS stand-in for
// management.azure.com that replays the REST spec's response shapes (azure-monitor-answers.ts). What is asserted is
// what reaches the wire (path, api-version, query, token) and what a rollout gate or a deletion preview gets back.
// The emulator's own metrics route is not used here: it serves only a request total today.
import { createServer } from "node:net";
import type { AccessToken, TokenCredential } from "@azure/identity";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RequestMetrics } from "../../src/ports/metrics.js";
import type { Result } from "../../src/ports/result.js";
import type { WorkspaceError } from "../../src/ports/workspace.js";
import { createArmClient } from "../../src/workspace/arm-client.js";
import { ArmWorkspace } from "../../src/workspace/arm-workspace.js";
import { authorizationFailed, metricsAnswer, type MetricSpec } from "./azure-monitor-answers.js";
import { AzureMonitorStandIn, type ReceivedRequest, type StandInAnswer } from "./azure-monitor-stand-in.js";

const SUBSCRIPTION = "0b1f6471-1bf0-4dda-aec3-5ab1c0ffee00";
const RESOURCE_GROUP = "ml-rg";
const WORKSPACE = "ml-ws";
const ENDPOINT = "diabetes-prod";
const RESOURCE_ID =
  `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}` +
  `/providers/Microsoft.MachineLearningServices/workspaces/${WORKSPACE}/onlineEndpoints/${ENDPOINT}`;
const METRICS_PATH = `${RESOURCE_ID}/providers/Microsoft.Insights/metrics`;
const TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.arm-token-for-the-contract-test.c2lnbmF0dXJl";

const FROM = new Date("2026-03-02T10:00:00Z");
const TO = new Date("2026-03-02T10:05:00Z");
const minute = (i: number): Date => new Date(FROM.getTime() + i * 60_000);

const credential: TokenCredential = {
  getToken: (): Promise<AccessToken> => Promise.resolve({ token: TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 }),
};

const standIn = new AzureMonitorStandIn();
beforeAll(() => standIn.start());
afterAll(() => standIn.stop());
beforeEach(() => standIn.reset());

function workspace(options: { endpoint?: string; stopSignal?: AbortSignal } = {}): ArmWorkspace {
  const client = createArmClient({
    subscriptionId: SUBSCRIPTION,
    credential,
    endpoint: options.endpoint ?? standIn.url,
    caCertPem: standIn.caCertPem,
    retryOptions: { maxRetries: 0 },
    ...(options.stopSignal ? { stopSignal: options.stopSignal } : {}),
  });
  return new ArmWorkspace({
    client,
    resourceGroup: RESOURCE_GROUP,
    workspaceName: WORKSPACE,
    credential,
    invokeTimeoutMs: 10_000,
    caCertPem: standIn.caCertPem,
  });
}

/** Answers the request-count call with `counts` and the latency call with `latencies`, minutes from FROM. */
function answer(counts: MetricSpec[], latencies: MetricSpec[] = []): (request: ReceivedRequest) => StandInAnswer {
  return (request) => {
    const asked = request.query.get("metricnames") ?? "";
    return {
      status: 200,
      body: metricsAnswer(RESOURCE_ID, FROM, TO, asked.startsWith("RequestsPerMinute") ? counts : latencies),
    };
  };
}

const counts = (deployment: string, statuscode: string, points: (number | null | undefined)[]) => ({
  dimensions: { deployment, statuscode },
  points,
});
const latency = (deployment: string, points: (number | null | undefined)[]) => ({ dimensions: { deployment }, points });

async function metricsOf(ws: ArmWorkspace, window = { from: FROM, to: TO }): Promise<RequestMetrics> {
  const read = await ws.requestMetrics(ENDPOINT, window);
  if (!read.ok) throw new Error(`expected metrics, got ${JSON.stringify(read.error)}`);
  return read.value;
}

function failureOf(read: Result<unknown, WorkspaceError>): WorkspaceError {
  if (read.ok) throw new Error(`expected a failure, got ${JSON.stringify(read.value)}`);
  return read.error;
}

const callWith = (names: string): ReceivedRequest => {
  const found = standIn.requests.find((r) => r.query.get("metricnames") === names);
  if (!found) throw new Error(`no metrics call for ${names}`);
  return found;
};

describe("ArmWorkspace.requestMetrics against Azure Monitor's answers", () => {
  it("gives each deployment its minutes: requests summed over status codes, 5xx/408/424/429 as failed, P50 and P95", async () => {
    standIn.answering = answer(
      [
        {
          name: "RequestsPerMinute",
          series: [
            counts("blue", "200", [50, 60, 40, 55, 45]),
            counts("blue", "500", [2, 0, 1, 0, 0]),
            counts("blue", "429", [1, 0, 0, 0, 0]),
            counts("blue", "404", [3, 3, 3, 3, 3]),
            counts("green", "200", [5, 6, 7, 8, 9]),
            counts("green", "424", [0, 1, 0, 0, 0]),
            counts("green", "408", [0, 0, 0, 0, 2]),
          ],
        },
      ],
      [
        {
          name: "RequestLatency_P50",
          series: [latency("blue", [20, 21, 22, 23, 24]), latency("green", [30, 31, 32, 33, 34])],
        },
        {
          name: "RequestLatency_P95",
          series: [latency("blue", [80, 81, 82, 83, 84]), latency("green", [90, 91, 92, 93, 94])],
        },
      ],
    );

    const metrics = await metricsOf(workspace());

    expect(metrics).toEqual({
      blue: [
        { at: minute(0), requests: 56, failed: 3, p50Ms: 20, p95Ms: 80 },
        { at: minute(1), requests: 63, failed: 0, p50Ms: 21, p95Ms: 81 },
        { at: minute(2), requests: 44, failed: 1, p50Ms: 22, p95Ms: 82 },
        { at: minute(3), requests: 58, failed: 0, p50Ms: 23, p95Ms: 83 },
        { at: minute(4), requests: 48, failed: 0, p50Ms: 24, p95Ms: 84 },
      ],
      green: [
        { at: minute(0), requests: 5, failed: 0, p50Ms: 30, p95Ms: 90 },
        { at: minute(1), requests: 7, failed: 1, p50Ms: 31, p95Ms: 91 },
        { at: minute(2), requests: 7, failed: 0, p50Ms: 32, p95Ms: 92 },
        { at: minute(3), requests: 8, failed: 0, p50Ms: 33, p95Ms: 93 },
        { at: minute(4), requests: 11, failed: 2, p50Ms: 34, p95Ms: 94 },
      ],
    });
  });

  it("leaves out the two newest minutes Azure has no aggregate for yet, rather than reporting them as zeros", async () => {
    // Azure's two ways of saying "no value": a point with only its timestamp, and `null`.
    standIn.answering = answer(
      [
        {
          name: "RequestsPerMinute",
          series: [
            counts("blue", "200", [50, 60, 40, undefined, null]),
            counts("blue", "503", [1, 0, 2, null, undefined]),
          ],
        },
      ],
      [
        { name: "RequestLatency_P50", series: [latency("blue", [20, 21, 22, null, undefined])] },
        { name: "RequestLatency_P95", series: [latency("blue", [80, 81, undefined, null, null])] },
      ],
    );

    const metrics = await metricsOf(workspace());

    expect(metrics["blue"]?.map((m) => m.at)).toEqual([minute(0), minute(1), minute(2)]);
    expect(metrics["blue"]?.[2]).toEqual({ at: minute(2), requests: 42, failed: 2, p50Ms: 22 });
  });

  it("reports no series for a deployment and no failures for statuses that never appear in Azure's answer", async () => {
    // The endpoint has blue and green; green took no requests in the window, and no request failed.
    standIn.answering = answer(
      [{ name: "RequestsPerMinute", series: [counts("blue", "200", [10, 10, 10, 10, 10])] }],
      [
        { name: "RequestLatency_P50", series: [latency("blue", [20, 20, 20, 20, 20])] },
        { name: "RequestLatency_P95", series: [] },
      ],
    );

    const metrics = await metricsOf(workspace());

    expect(Object.keys(metrics)).toEqual(["blue"]);
    expect(metrics["blue"]?.every((m) => m.failed === 0 && m.p95Ms === undefined)).toBe(true);
  });

  it("fails with metrics_unavailable, Azure's errorCode and message, when a metric fails inside an HTTP 200", async () => {
    standIn.answering = answer(
      [{ name: "RequestsPerMinute", series: [counts("blue", "200", [10, 10, 10, 10, 10])] }],
      [
        { name: "RequestLatency_P50", series: [latency("blue", [20, 20, 20, 20, 20])] },
        {
          name: "RequestLatency_P95",
          series: [],
          error: { code: "InvalidSamplingType", message: "Sampling type is not found. SamplingType:NullableAverage." },
        },
      ],
    );

    const error = failureOf(await workspace().requestMetrics(ENDPOINT, { from: FROM, to: TO }));

    expect(error).toEqual({
      code: "metrics_unavailable",
      endpoint: ENDPOINT,
      reason:
        "Azure Monitor could not give RequestLatency_P95 (InvalidSamplingType): Sampling type is not found. " +
        "SamplingType:NullableAverage.",
    });
  });

  it("fails with metrics_unavailable naming Monitoring Reader when Azure answers 403 AuthorizationFailed", async () => {
    standIn.answering = () => ({ status: 403, body: authorizationFailed(RESOURCE_ID) });

    const error = failureOf(await workspace().requestMetrics(ENDPOINT, { from: FROM, to: TO }));

    expect(error.code).toBe("metrics_unavailable");
    expect(error).toMatchObject({ endpoint: ENDPOINT, reason: expect.stringContaining("Monitoring Reader") as string });
    expect(error).toMatchObject({ reason: expect.stringContaining("403 AuthorizationFailed") as string });
    expect(JSON.stringify(error)).not.toContain(TOKEN);
  });

  it("sends the endpoint's resource id after one slash, not the double slash a leading '/' would make", async () => {
    standIn.answering = answer([{ name: "RequestsPerMinute", series: [] }]);

    await metricsOf(workspace());

    expect(standIn.requests.map((r) => r.path)).toEqual([METRICS_PATH, METRICS_PATH]);
  });

  it("asks at the SDK's api-version, which the local workspace serves too", async () => {
    standIn.answering = answer([{ name: "RequestsPerMinute", series: [] }]);

    await metricsOf(workspace());

    const versions = standIn.requests.map((r) => r.query.get("api-version"));
    expect(versions).toEqual(["2018-01-01", "2018-01-01"]);
  });

  it("asks for per-minute request totals split by deployment and status code, and latencies split by deployment", async () => {
    standIn.answering = answer([{ name: "RequestsPerMinute", series: [] }]);

    // A window that does not start or end on a whole minute: only the whole minutes inside it are asked for.
    await metricsOf(workspace(), { from: new Date("2026-03-02T10:00:20Z"), to: new Date("2026-03-02T10:05:40.500Z") });

    const common = {
      timespan: "2026-03-02T10:01:00.000Z/2026-03-02T10:05:00.000Z",
      interval: "PT1M",
      top: "100",
      metricnamespace: "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
    };
    expect(Object.fromEntries(callWith("RequestsPerMinute").query)).toEqual({
      "api-version": "2018-01-01",
      metricnames: "RequestsPerMinute",
      aggregation: "Total",
      $filter: "deployment eq '*' and statusCode eq '*'",
      ...common,
    });
    expect(Object.fromEntries(callWith("RequestLatency_P50,RequestLatency_P95").query)).toEqual({
      "api-version": "2018-01-01",
      metricnames: "RequestLatency_P50,RequestLatency_P95",
      aggregation: "Average",
      $filter: "deployment eq '*'",
      ...common,
    });
  });

  it("makes exactly two metrics calls per read, counted as ARM calls, signed with the ARM credential's token", async () => {
    standIn.answering = answer(
      [{ name: "RequestsPerMinute", series: ["blue", "green", "red"].map((d) => counts(d, "200", [1, 1, 1, 1, 1])) }],
      [{ name: "RequestLatency_P50", series: ["blue", "green", "red"].map((d) => latency(d, [5, 5, 5, 5, 5])) }],
    );
    const ws = workspace();
    const before = ws.armCallCount;

    const metrics = await metricsOf(ws);

    expect(Object.keys(metrics)).toEqual(["blue", "green", "red"]);
    expect(ws.armCallCount - before).toBe(2);
    expect(standIn.requests).toHaveLength(2);
    expect(standIn.requests.map((r) => r.authorization)).toEqual([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`]);
  });

  it("makes no call for a window without a whole minute", async () => {
    const ws = workspace();

    const metrics = await metricsOf(ws, {
      from: new Date("2026-03-02T10:00:10Z"),
      to: new Date("2026-03-02T10:00:50Z"),
    });

    expect(metrics).toEqual({});
    expect(standIn.requests).toHaveLength(0);
  });

  it("fails with metrics_unavailable when an answer splits a metric into so many series that some may be missing", async () => {
    const many = Array.from({ length: 100 }, (_, i) => counts(`d${i}`, "200", [1, 1, 1, 1, 1]));
    standIn.answering = answer([{ name: "RequestsPerMinute", series: many }]);

    const error = failureOf(await workspace().requestMetrics(ENDPOINT, { from: FROM, to: TO }));

    expect(error).toMatchObject({
      code: "metrics_unavailable",
      reason: expect.stringContaining("100 series") as string,
    });
  });

  it("fails with metrics_unavailable when an HTTP 200 answer has no metrics to read", async () => {
    standIn.answering = () => ({ status: 200, body: { cost: 0, timespan: "x", interval: "PT1M" } });

    const error = failureOf(await workspace().requestMetrics(ENDPOINT, { from: FROM, to: TO }));

    expect(error).toEqual({
      code: "metrics_unavailable",
      endpoint: ENDPOINT,
      reason: "Azure Monitor's answer could not be read.",
    });
  });

  it("fails with metrics_unavailable, the status and Azure's message, on another HTTP error", async () => {
    standIn.answering = () => ({
      status: 400,
      body: {
        error: { code: "BadRequest", message: "Metric: RequestLatency_P95 does not support requested dimension" },
      },
    });

    const error = failureOf(await workspace().requestMetrics(ENDPOINT, { from: FROM, to: TO }));

    expect(error).toEqual({
      code: "metrics_unavailable",
      endpoint: ENDPOINT,
      reason:
        "Azure Monitor answered HTTP 400 BadRequest: Metric: RequestLatency_P95 does not support requested dimension",
    });
  });

  it("says Azure is throttling, with its Retry-After, on a 429", async () => {
    standIn.answering = () => ({
      status: 429,
      headers: { "retry-after": "17" },
      body: { error: { code: "TooManyRequests", message: "Too many requests." } },
    });

    const error = failureOf(await workspace().requestMetrics(ENDPOINT, { from: FROM, to: TO }));

    expect(error).toEqual({ code: "workspace_throttled", retryAfterSeconds: 17 });
  });

  it("says the workspace is unreachable when nothing answers", async () => {
    const closed = await closedPortUrl();

    const error = failureOf(await workspace({ endpoint: closed }).requestMetrics(ENDPOINT, { from: FROM, to: TO }));

    expect(error).toEqual({ code: "workspace_unreachable", detail: "connection refused" });
  });

  it("sends nothing once the bot is stopping, as for any other ARM call", async () => {
    const stop = new AbortController();
    stop.abort();

    const error = failureOf(
      await workspace({ stopSignal: stop.signal }).requestMetrics(ENDPOINT, { from: FROM, to: TO }),
    );

    expect(error.code).toBe("workspace_unreachable");
    expect(standIn.requests).toHaveLength(0);
  });
});

describe("ArmWorkspace.recentRequests against Azure Monitor's answers", () => {
  it("totals each deployment's requests over the last hours in one call; a point without a value adds nothing", async () => {
    standIn.answering = answer([
      {
        name: "RequestsPerMinute",
        series: [latency("blue", [1200, null, 34, undefined]), latency("green", [undefined, 5, null, 0])],
      },
    ]);
    const ws = workspace();
    const before = ws.armCallCount;

    const totals = await ws.recentRequests(ENDPOINT, 24);

    expect(totals).toEqual({ ok: true, value: { blue: 1234, green: 5 } });
    expect(ws.armCallCount - before).toBe(1);
    const [call] = standIn.requests;
    expect(call?.path).toBe(METRICS_PATH);
    expect(call?.query.get("metricnames")).toBe("RequestsPerMinute");
    expect(call?.query.get("aggregation")).toBe("Total");
    expect(call?.query.get("interval")).toBe("PT1H");
    expect(call?.query.get("$filter")).toBe("deployment eq '*'");
    const [from, to] = (call?.query.get("timespan") ?? "").split("/").map((t) => new Date(t).getTime());
    expect((to ?? 0) - (from ?? 0)).toBe(24 * 3_600_000);
    expect((to ?? 1) % 60_000).toBe(0);
  });

  it("says nothing was reported, rather than failing the preview, when Azure Monitor refuses (403)", async () => {
    standIn.answering = () => ({ status: 403, body: authorizationFailed(RESOURCE_ID) });

    expect(await workspace().recentRequests(ENDPOINT, 24)).toEqual({ ok: true, value: undefined });
  });
});

/** A URL on 127.0.0.1 where nothing listens any more. */
async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `https://127.0.0.1:${port}`;
}
