// How Azure Monitor's series become a deployment's minutes: what is a value, what is absent, what failed.
import type { Metric } from "@azure/arm-monitor";
import { describe, expect, it } from "vitest";
import { foldRequestMinutes, requestTotals } from "../../../src/workspace/request-minutes.js";

const FROM = new Date("2026-03-02T10:00:00Z");
const TO = new Date("2026-03-02T10:04:00Z");
const WINDOW = { from: FROM, to: TO };
const minute = (i: number): Date => new Date(FROM.getTime() + i * 60_000);

type Value = number | null | undefined;

/** A metric as @azure/arm-monitor hands it over: `null` aggregates kept, timestamps as Dates, from minute `start`. */
function aMetric(
  name: string,
  aggregate: "total" | "average",
  series: { dimensions: Record<string, string>; values: Value[]; start?: number }[],
): Metric {
  return {
    id: `/x/providers/Microsoft.Insights/metrics/${name}`,
    type: "Microsoft.Insights/metrics",
    name: { value: name, localizedValue: name },
    unit: aggregate === "total" ? "Count" : "Milliseconds",
    errorCode: "Success",
    timeseries: series.map((s) => ({
      metadatavalues: Object.entries(s.dimensions).map(([n, value]) => ({ name: { value: n }, value })),
      data: s.values.map((v, i) => ({ timeStamp: minute((s.start ?? 0) + i), [aggregate]: v as number })),
    })),
  };
}

const requests = (...series: { dimensions: Record<string, string>; values: Value[]; start?: number }[]) => [
  aMetric("RequestsPerMinute", "total", series),
];
const byStatus = (deployment: string, statuscode: string, values: Value[]) => ({
  dimensions: { deployment, statuscode },
  values,
});

describe("foldRequestMinutes", () => {
  it("counts a series without a value for a minute as 0 when another series has one", () => {
    const metrics = foldRequestMinutes(
      requests(byStatus("blue", "200", [10, 10, null, 10]), byStatus("blue", "500", [1, undefined, 2, null])),
      [],
      WINDOW,
    );

    expect(metrics["blue"]).toEqual([
      { at: minute(0), requests: 11, failed: 1 },
      { at: minute(1), requests: 10, failed: 0 },
      { at: minute(2), requests: 2, failed: 2 },
      { at: minute(3), requests: 10, failed: 0 },
    ]);
  });

  it("leaves out a minute whose counts add up to 0: Azure answers 0 for minutes it has not aggregated yet", () => {
    const metrics = foldRequestMinutes(
      requests(byStatus("blue", "200", [10, 10, 0, 0]), byStatus("blue", "503", [0, 1, 0, null])),
      [aMetric("RequestLatency_P50", "average", [{ dimensions: { deployment: "blue" }, values: [5, 5, 0, 0] }])],
      WINDOW,
    );

    expect(metrics["blue"]?.map((m) => m.at)).toEqual([minute(0), minute(1)]);
  });

  it("leaves a deployment out when none of its minutes has a request", () => {
    const metrics = foldRequestMinutes(
      requests(byStatus("blue", "200", [1, 1, 1, 1]), byStatus("green", "200", [0, null, undefined, 0])),
      [],
      WINDOW,
    );

    expect(Object.keys(metrics)).toEqual(["blue"]);
  });

  it("leaves out a minute with a latency but no request count, and a latency without a value", () => {
    const metrics = foldRequestMinutes(
      requests(byStatus("blue", "200", [10, 10, null, null])),
      [
        aMetric("RequestLatency_P50", "average", [{ dimensions: { deployment: "blue" }, values: [20, null, 22, 23] }]),
        aMetric("RequestLatency_P95", "average", [{ dimensions: { deployment: "blue" }, values: [80, 81, 82, 83] }]),
      ],
      WINDOW,
    );

    expect(metrics["blue"]).toEqual([
      { at: minute(0), requests: 10, failed: 0, p50Ms: 20, p95Ms: 80 },
      { at: minute(1), requests: 10, failed: 0, p95Ms: 81 },
    ]);
  });

  it("counts 5xx, 408, 424 and 429 as failed, the caller's 4xx and a status that is not a number as requests only", () => {
    const statuses = ["200", "400", "401", "404", "408", "424", "429", "500", "503", "Other"];
    const metrics = foldRequestMinutes(requests(...statuses.map((s, i) => byStatus("blue", s, [2 ** i]))), [], {
      from: FROM,
      to: minute(1),
    });

    const failed = [4, 5, 6, 7, 8].reduce((sum, i) => sum + 2 ** i, 0);
    expect(metrics["blue"]).toEqual([{ at: minute(0), requests: 2 ** statuses.length - 1, failed }]);
  });

  it("leaves out series without a deployment (the front door's own answers) and reads dimension names in any case", () => {
    const metrics = foldRequestMinutes(
      requests(
        { dimensions: { Deployment: "blue", statusCode: "500" }, values: [3] },
        { dimensions: { deployment: "", statuscode: "401" }, values: [50] },
        { dimensions: { statuscode: "404" }, values: [60] },
      ),
      [],
      { from: FROM, to: minute(1) },
    );

    expect(metrics).toEqual({ blue: [{ at: minute(0), requests: 3, failed: 3 }] });
  });

  it("keeps only the window's minutes, in time order", () => {
    const metrics = foldRequestMinutes(
      requests(
        { dimensions: { deployment: "blue", statuscode: "200" }, values: [7, 8], start: 3 },
        { dimensions: { deployment: "blue", statuscode: "200" }, values: [1, 2], start: -1 },
        { dimensions: { deployment: "blue", statuscode: "200" }, values: [9], start: 4 },
      ),
      [],
      WINDOW,
    );

    expect(metrics["blue"]?.map((m) => [m.at, m.requests])).toEqual([
      [minute(0), 2],
      [minute(3), 7],
    ]);
  });
});

describe("requestTotals", () => {
  it("adds each deployment's values over every series and point, a point without a value adding nothing", () => {
    const totals = requestTotals(
      requests(
        { dimensions: { deployment: "blue" }, values: [1000, null, 200] },
        { dimensions: { deployment: "blue", statuscode: "500" }, values: [34] },
        { dimensions: { deployment: "green" }, values: [undefined, null] },
        { dimensions: {}, values: [99] },
      ),
    );

    expect(totals).toEqual({ blue: 1234, green: 0 });
  });
});
