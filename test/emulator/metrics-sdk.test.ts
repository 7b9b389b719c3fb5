// The emulator's metrics route through the real Azure Monitor client, @azure/arm-monitor 7 (api-version
// 2018-01-01, the resource id sent unescaped after a slash): what it deserializes is what was scored.
import { MonitorClient } from "@azure/arm-monitor";
import { isRestError } from "@azure/core-rest-pipeline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localCredential } from "../../src/workspace/arm-client.js";
import { uniqueName } from "../support/unique-name.js";
import { MINUTE_MS, endpointId, manualClock, timespan } from "./metrics-fixture.js";
import { sample, startScoringWorkspace, type ScoringWorkspace } from "./scoring-fixture.js";

describe("emulator metrics through @azure/arm-monitor", () => {
  const clock = manualClock();
  let w: ScoringWorkspace;
  let monitor: MonitorClient;
  let endpoint: string;
  let hour: number;

  beforeAll(async () => {
    w = await startScoringWorkspace({ now: clock.now });
    monitor = new MonitorClient(localCredential(), w.emulator.subscriptionId, {
      endpoint: w.emulator.armBaseUrl,
      tlsOptions: { ca: w.emulator.caCertPem },
      retryOptions: { maxRetries: 0 },
    });
    endpoint = uniqueName("monitored");
    await w.createEndpoint(endpoint, { blue: { modelVersion: 1 }, green: { modelVersion: 3 } }, { blue: 100 });
    hour = clock.nextHour();
    for (let i = 0; i < 4; i++) await w.score(endpoint, sample("typical-patient"));
    for (let i = 0; i < 2; i++) await w.score(endpoint, sample("many-pregnancies"), { deployment: "green" });
    clock.set(hour + MINUTE_MS + 10_000);
    await w.score(endpoint, sample("typical-patient"), { deployment: "green" });
    clock.set(hour + 2 * MINUTE_MS + 10_000);
  });
  afterAll(async () => {
    await w?.close();
  });

  it("lists RequestsPerMinute and RequestLatency_P95 split by deployment", async () => {
    let sent = "";
    const result = await monitor.metrics.list(endpointId(w, endpoint), {
      onResponse: (response) => {
        sent = response.request.url;
      },
      metricnames: "RequestsPerMinute,RequestLatency_P95",
      timespan: timespan(hour, 2),
      interval: "PT1M",
      aggregation: "Total,Average",
      filter: "deployment eq '*'",
      metricnamespace: "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
    });
    const series = (metric: number) =>
      Object.fromEntries(
        (result.value[metric]?.timeseries ?? []).map((s) => [
          s.metadatavalues?.map((m) => `${m.name?.value}=${m.value}`).join(",") ?? "",
          s.data?.map((p) => ({ at: p.timeStamp.getTime() - hour, total: p.total, average: p.average })),
        ]),
      );

    expect(new URL(sent).pathname).toMatch(/^\/\/subscriptions\//);
    expect(new URL(sent).searchParams.get("api-version")).toBe("2018-01-01");
    expect(result.interval).toBe("PT1M");
    expect(result.value.map((m) => [m.name.value, m.unit, m.errorCode])).toEqual([
      ["RequestsPerMinute", "Count", "Success"],
      ["RequestLatency_P95", "Milliseconds", "Success"],
    ]);
    expect(series(0)).toEqual({
      "deployment=blue": [
        { at: 0, total: 4, average: 4 },
        { at: MINUTE_MS, total: 0, average: 0 },
      ],
      "deployment=green": [
        { at: 0, total: 2, average: 2 },
        { at: MINUTE_MS, total: 1, average: 1 },
      ],
    });
    const latency = series(1);
    expect(Object.keys(latency).sort()).toEqual(["deployment=blue", "deployment=green"]);
    expect(latency["deployment=blue"]?.[0]?.average).toBeGreaterThan(0);
    expect(latency["deployment=blue"]?.[1]).toEqual({ at: MINUTE_MS, total: undefined, average: undefined });
    expect(latency["deployment=green"]?.map((p) => (p.average ?? 0) > 0)).toEqual([true, true]);
  });

  it("filters a deployment's failed requests as a gate asks for them", async () => {
    const result = await monitor.metrics.list(endpointId(w, endpoint), {
      metricnames: "RequestsPerMinute",
      timespan: timespan(hour, 2),
      interval: "PT1M",
      aggregation: "Total",
      filter: "deployment eq 'green' and statusCodeClass ne '2xx'",
    });

    expect(result.value[0]?.timeseries.map((s) => s.data?.map((p) => p.total))).toEqual([[2, 0]]);
  });

  it("rejects an unknown metric with Azure's 400", async () => {
    const error: unknown = await monitor.metrics
      .list(endpointId(w, endpoint), { metricnames: "CpuUtilizationPercentage" })
      .then(
        () => undefined,
        (thrown: unknown) => thrown,
      );

    expect(isRestError(error)).toBe(true);
    expect(error).toMatchObject({
      statusCode: 400,
      message: expect.stringContaining("metric: CpuUtilizationPercentage") as string,
    });
  });
});
