// Azure Monitor's metrics route of an online endpoint (reference: progressive-delivery §1–2), served from the requests
// the emulator really scored: per-minute counts by deployment and status, latency percentiles, mirror traffic under
// the mirror deployment, intervals, Azure's refusals, and its delay. A manual clock decides each request's minute.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueName } from "../support/unique-name.js";
import {
  MINUTE_MS,
  getMetrics,
  manualClock,
  metricsOf,
  seriesOf,
  setMirrorTraffic,
  timespan,
  valuesOf,
  type WireMetrics,
} from "./metrics-fixture.js";
import { eventually, inBatches, sample, startScoringWorkspace, type ScoringWorkspace } from "./scoring-fixture.js";

const times = async (n: number, send: () => Promise<unknown>): Promise<void> => {
  for (let i = 0; i < n; i++) await send();
};

describe("emulator metrics: Azure Monitor's route over the requests scored", () => {
  const clock = manualClock();
  let w: ScoringWorkspace;

  beforeAll(async () => {
    w = await startScoringWorkspace({ now: clock.now });
  });
  afterAll(async () => {
    await w.close();
  });

  describe("on an endpoint whose green deployment fails for many pregnancies", () => {
    let endpoint: string;
    let hour: number;
    let modelStatus: string;

    beforeAll(async () => {
      endpoint = uniqueName("counted");
      await w.createEndpoint(endpoint, { blue: { modelVersion: 1 }, green: { modelVersion: 3 } }, { blue: 100 });
      hour = clock.nextHour();
      await times(5, () => w.score(endpoint, sample("typical-patient")));
      await times(2, () => w.score(endpoint, sample("typical-patient"), { deployment: "green" }));
      const failed = await w.score(endpoint, sample("many-pregnancies"), { deployment: "green" });
      await times(2, () => w.score(endpoint, sample("many-pregnancies"), { deployment: "green" }));
      modelStatus = String(failed.headers["ms-azureml-model-error-statuscode"]);
      expect(failed.status).toBe(424);
      clock.set(hour + MINUTE_MS + 10_000);
      await times(4, () => w.score(endpoint, sample("typical-patient")));
      clock.set(hour + 3 * MINUTE_MS + 10_000);
    });

    const requests = async (filter: string | undefined, extra: Record<string, string> = {}) =>
      metricsOf(
        await getMetrics(w, endpoint, {
          metricnames: "RequestsPerMinute",
          aggregation: "Total",
          interval: "PT1M",
          timespan: timespan(hour, 4),
          ...(filter ? { $filter: filter } : {}),
          ...extra,
        }),
      )[0];

    it("counts each minute's requests per deployment and statusCode, 0 in a minute without any", async () => {
      const metric = await requests("deployment eq '*' and statusCode eq '*'");

      expect(valuesOf(metric, "total")).toEqual({
        "blue/200": [5, 4, 0, 0],
        "green/200": [2, 0, 0, 0],
        "green/424": [3, 0, 0, 0],
      });
      expect(seriesOf(metric)["blue/200"]?.map((p) => p.timeStamp)).toEqual(
        [0, 1, 2, 3].map((k) => new Date(hour + k * MINUTE_MS).toISOString().replace(".000Z", "Z")),
      );
      expect(metric?.timeseries[0]?.metadatavalues.map((m) => m.name)).toEqual([
        { value: "deployment", localizedValue: "deployment" },
        { value: "statuscode", localizedValue: "statuscode" },
      ]);
    });

    it("splits a deployment's requests by statusCodeClass and by the model's own status behind a 424", async () => {
      expect(valuesOf(await requests("deployment eq 'green' and statusCodeClass eq '*'"), "total")).toEqual({
        "2xx": [2, 0, 0, 0],
        "4xx": [3, 0, 0, 0],
      });
      expect(modelStatus).toMatch(/^[45]\d\d$/);
      expect(valuesOf(await requests("deployment eq 'green' and modelStatusCode eq '*'"), "total")).toEqual({
        "200": [2, 0, 0, 0],
        [modelStatus]: [3, 0, 0, 0],
      });
    });

    it("answers a gate's filter (deployment eq 'green' and statusCodeClass ne '2xx') as one series", async () => {
      const metric = await requests("deployment eq 'green' and statusCodeClass ne '2xx'");

      expect(metric?.timeseries).toHaveLength(1);
      expect(metric?.timeseries[0]?.metadatavalues).toEqual([]);
      expect(valuesOf(metric, "total")).toEqual({ "": [3, 0, 0, 0] });
    });

    it("sums every deployment without a filter, and counts only the asked values with or", async () => {
      expect(valuesOf(await requests(undefined), "total")).toEqual({ "": [10, 4, 0, 0] });
      expect(valuesOf(await requests("deployment eq 'blue' or deployment eq 'GREEN'"), "total")).toEqual({
        "": [10, 4, 0, 0],
      });
      expect(valuesOf(await requests("statusCode eq '424' or statusCode eq '429'"), "total")).toEqual({
        "": [3, 0, 0, 0],
      });
    });

    it("keeps the top series by the orderby aggregation, and only metadata with resultType=Metadata", async () => {
      const top = await requests("deployment eq '*' and statusCode eq '*'", { top: "1", orderby: "Total desc" });
      const bottom = await requests("deployment eq '*' and statusCode eq '*'", { top: "1", orderby: "sum asc" });
      const metadata = await requests("deployment eq '*'", { resultType: "Metadata" });

      expect(Object.keys(seriesOf(top))).toEqual(["blue/200"]);
      expect(Object.keys(seriesOf(bottom))).toEqual(["green/200"]);
      expect(metadata?.timeseries.map((s) => [s.metadatavalues[0]?.value, s.data])).toEqual(
        expect.arrayContaining([
          ["blue", undefined],
          ["green", undefined],
        ]),
      );
    });

    it("aggregates PT5M points over their minutes, on 5-minute boundaries, none for minutes yet to come", async () => {
      const answer = await getMetrics(w, endpoint, {
        metricnames: "RequestsPerMinute",
        aggregation: "Total,Average,Count,Maximum,Minimum",
        interval: "PT5M",
        timespan: timespan(hour, 10),
      });
      const body = answer.json as WireMetrics;

      expect(body.interval).toBe("PT5M");
      // Minutes 0-3 so far (the clock is in minute 3): 10, 4, 0, 0.
      expect(seriesOf(body.value[0])).toEqual({
        "": [
          {
            timeStamp: new Date(hour).toISOString().replace(".000Z", "Z"),
            average: 3.5,
            minimum: 0,
            maximum: 10,
            total: 14,
            count: 4,
          },
          { timeStamp: new Date(hour + 5 * MINUTE_MS).toISOString().replace(".000Z", "Z") },
        ],
      });
    });

    it("gives one point for the whole timespan with interval FULL", async () => {
      const metric = metricsOf(
        await getMetrics(w, endpoint, {
          metricnames: "RequestsPerMinute",
          aggregation: "Total",
          interval: "FULL",
          timespan: timespan(hour, 4),
          $filter: "deployment eq '*'",
        }),
      )[0];

      expect(valuesOf(metric, "total")).toEqual({ blue: [9], green: [5] });
    });

    it("answers at api-version 2024-02-01 and on the double-slash path @azure/arm-monitor sends", async () => {
      const query = { metricnames: "RequestsPerMinute", aggregation: "Total", timespan: timespan(hour, 2) };

      const answer = await getMetrics(w, endpoint, query, { apiVersion: "2024-02-01", doubleSlash: true });

      expect(valuesOf(metricsOf(answer)[0], "total")).toEqual({ "": [10, 4] });
    });

    it("describes each metric as Azure does", async () => {
      const answer = await getMetrics(w, endpoint, {
        metricnames: "requestsperminute,RequestLatency_P95",
        timespan: timespan(hour, 2),
      });
      const body = answer.json as WireMetrics;

      expect(body).toMatchObject({
        timespan: `${new Date(hour).toISOString().replace(".000Z", "Z")}/${new Date(hour + 2 * MINUTE_MS).toISOString().replace(".000Z", "Z")}`,
        interval: "PT1M",
        namespace: "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
        resourceregion: w.emulator.location,
      });
      expect(body.value.map(({ timeseries: _, ...metric }) => metric)).toEqual([
        {
          id: `${w.emulator.workspaceId}/onlineEndpoints/${endpoint}/providers/Microsoft.Insights/metrics/RequestsPerMinute`,
          type: "Microsoft.Insights/metrics",
          name: { value: "RequestsPerMinute", localizedValue: "Requests Per Minute" },
          displayDescription: "The number of requests sent to online endpoint within a minute",
          unit: "Count",
          errorCode: "Success",
        },
        {
          id: `${w.emulator.workspaceId}/onlineEndpoints/${endpoint}/providers/Microsoft.Insights/metrics/RequestLatency_P95`,
          type: "Microsoft.Insights/metrics",
          name: { value: "RequestLatency_P95", localizedValue: "Request Latency P95" },
          displayDescription:
            "The average P95 request latency aggregated by all request latency values collected over the selected time period",
          unit: "Milliseconds",
          errorCode: "Success",
        },
      ]);
      // No aggregation asked: each metric's default, Average.
      expect(valuesOf(body.value[0], "average")).toEqual({ "": [10, 4] });
    });
  });

  it("reports a minute's latency percentiles from its requests, and none for a minute without requests", async () => {
    const endpoint = uniqueName("latency");
    await w.createEndpoint(endpoint, { blue: { modelVersion: 1 } }, { blue: 100 });
    const hour = clock.nextHour();
    const timed = async (): Promise<number> => {
      const started = performance.now();
      const answer = await w.score(endpoint, sample("typical-patient"));
      expect(answer.status).toBe(200);
      return performance.now() - started;
    };
    await w.injectFault({ kind: "scoringDelay", endpoint, deployment: "blue", delayMs: 200 });
    const slow: number[] = [];
    for (let i = 0; i < 10; i++) slow.push(await timed());
    await w.https.send({ method: "DELETE", url: `${w.emulator.adminBaseUrl}/faults` });
    const fast: number[] = [];
    for (let i = 0; i < 10; i++) fast.push(await timed());
    clock.set(hour + 2 * MINUTE_MS);

    const metrics = metricsOf(
      await getMetrics(w, endpoint, {
        metricnames: "RequestLatency_P50,RequestLatency_P95,RequestLatency,RequestsPerMinute",
        aggregation: "Average,Maximum",
        timespan: timespan(hour, 2),
        $filter: "deployment eq '*'",
      }),
    );
    const [p50, p95, mean, perMinute] = metrics.map((m) => valuesOf(m, "average")["blue"]);

    // Of 20 requests, the 10th fastest is a fast one and the 19th a slow one (nearest rank).
    expect(p50?.[0]).toBeLessThan(200);
    expect(p50?.[0]).toBeLessThanOrEqual(Math.max(...fast));
    expect(p95?.[0]).toBeGreaterThanOrEqual(200);
    expect(p95?.[0]).toBeLessThanOrEqual(Math.max(...slow));
    expect(mean?.[0]).toBeGreaterThan(100);
    expect(mean?.[0]).toBeLessThanOrEqual([...slow, ...fast].reduce((a, b) => a + b, 0) / 20);
    expect(valuesOf(metrics[1], "maximum")["blue"]?.[0]).toBe(p95?.[0]);
    expect([p50?.[1], p95?.[1], mean?.[1]]).toEqual([undefined, undefined, undefined]);
    expect(perMinute).toEqual([20, 0]);
    expect(metrics.map((m) => m.unit)).toEqual(["Milliseconds", "Milliseconds", "Milliseconds", "Count"]);
  });

  it("counts mirrored copies under the mirror deployment, and never mirrors a request that names a deployment", async () => {
    const endpoint = uniqueName("mirror");
    await w.createEndpoint(endpoint, { blue: { modelVersion: 1 }, green: { modelVersion: 2 } });
    await setMirrorTraffic(w, endpoint, { blue: 100 }, { green: 50 });
    const hour = clock.nextHour();
    const n = 100;
    await inBatches(n, 4, () => w.score(endpoint, sample("borderline")));
    // Mirror copies finish after the client's answer: wait until they are all counted.
    await eventually(
      () => w.metrics(endpoint),
      (m) => (m["blue"]?.requests ?? 0) >= n,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const mirrored = (await w.metrics(endpoint))["green"]?.requests ?? 0;
    clock.set(hour + MINUTE_MS + 10_000);
    await inBatches(10, 4, () => w.score(endpoint, sample("borderline"), { deployment: "blue" }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    clock.set(hour + 2 * MINUTE_MS + 10_000);

    const metric = metricsOf(
      await getMetrics(w, endpoint, {
        metricnames: "RequestsPerMinute",
        aggregation: "Total",
        timespan: timespan(hour, 2),
        $filter: "deployment eq '*'",
      }),
    )[0];

    // Binomial(100, 0.5) at 99.9 %: 50 ± 17.
    expect(mirrored).toBeGreaterThanOrEqual(33);
    expect(mirrored).toBeLessThanOrEqual(67);
    expect(valuesOf(metric, "total")).toEqual({ blue: [n, 10], green: [mirrored, 0] });
  });

  describe("refusals", () => {
    let endpoint: string;

    beforeAll(async () => {
      endpoint = uniqueName("refused");
      await w.createEndpoint(endpoint, { blue: { modelVersion: 1 } }, { blue: 100 });
    });

    it("refuses an interval finer than a minute, as Azure does", async () => {
      const answer = await getMetrics(w, endpoint, { metricnames: "RequestsPerMinute", interval: "PT30S" });

      expect(answer.status).toBe(400);
      expect(answer.json).toEqual({
        code: "BadRequest",
        message:
          "Invalid time grain duration: PT30S, supported ones are: " +
          "00:01:00,00:05:00,00:15:00,00:30:00,01:00:00,06:00:00,12:00:00,1.00:00:00",
      });
    });

    it("refuses a metric the endpoint does not have, naming it and the valid ones", async () => {
      const answer = await getMetrics(w, endpoint, { metricnames: "RequestsPerMinute,MemoryUtilization" });

      expect(answer.status).toBe(400);
      expect(answer.json).toMatchObject({
        code: "BadRequest",
        message: expect.stringMatching(
          /^Failed to find metric configuration for provider: microsoft\.machinelearningservices, resource Type: workspaces\/onlineendpoints, metric: MemoryUtilization, Valid metrics: RequestsPerMinute,/,
        ) as string,
      });
    });

    it("refuses a filter on a dimension a metric does not have, unless ValidateDimensions=false", async () => {
      const query = {
        metricnames: "RequestsPerMinute,RequestLatency_P95",
        aggregation: "Total",
        $filter: "deployment eq '*' and statusCodeClass ne '2xx'",
      };

      const refused = await getMetrics(w, endpoint, query);
      const lenient = await getMetrics(w, endpoint, { ...query, ValidateDimensions: "false" });

      expect(refused.status).toBe(400);
      expect(refused.json).toEqual({
        code: "BadRequest",
        message:
          "Metric: RequestLatency_P95 does not support requested dimension combination: statuscodeclass, " +
          "supported ones are: deployment",
      });
      expect(lenient.status).toBe(200);
    });

    it("refuses a filter joining different dimensions with or", async () => {
      const answer = await getMetrics(w, endpoint, { $filter: "deployment eq 'blue' or statusCode eq '200'" });

      expect(answer.status).toBe(400);
      expect(answer.json).toMatchObject({ code: "BadRequest" });
    });

    it("answers 404 for an endpoint the workspace does not have", async () => {
      const answer = await getMetrics(w, uniqueName("absent"), { metricnames: "RequestsPerMinute" });

      expect(answer.status).toBe(404);
      expect(answer.json).toMatchObject({ error: { code: "ResourceNotFound" } });
    });
  });
});

describe("emulator metrics: Azure's delay", () => {
  const clock = manualClock();
  let w: ScoringWorkspace;

  beforeAll(async () => {
    w = await startScoringWorkspace({ now: clock.now, metricsDelaySeconds: 120 });
  });
  afterAll(async () => {
    await w.close();
  });

  it("reports a minute only 120 s after it ended: no aggregation before, never a zero", async () => {
    const endpoint = uniqueName("delayed");
    await w.createEndpoint(endpoint, { blue: { modelVersion: 1 } }, { blue: 100 });
    const hour = clock.nextHour();
    await times(3, () => w.score(endpoint, sample("typical-patient")));
    const at = async (ms: number) => {
      clock.set(hour + ms);
      const metrics = metricsOf(
        await getMetrics(w, endpoint, {
          metricnames: "RequestsPerMinute,RequestLatency_P95",
          aggregation: "Total,Average",
          timespan: timespan(hour, 3),
        }),
      );
      return metrics.map((m) => seriesOf(m)[""]?.map((p) => [p.total, p.average]));
    };
    const none = [undefined, undefined];

    const soon = await at(MINUTE_MS + 30_000);
    const almost = await at(3 * MINUTE_MS - 1000);
    const settled = await at(3 * MINUTE_MS);
    const later = await at(4 * MINUTE_MS);

    expect(soon).toEqual([
      [none, none, none],
      [none, none, none],
    ]);
    expect(almost).toEqual(soon);
    expect(settled[0]).toEqual([[3, 3], none, none]);
    expect(settled[1]?.[0]?.[0]).toBeGreaterThan(0);
    expect(settled[1]?.slice(1)).toEqual([none, none]);
    expect(later[0]).toEqual([[3, 3], [0, 0], none]);
    expect(later[1]?.slice(1)).toEqual([none, none]);
  });
});
