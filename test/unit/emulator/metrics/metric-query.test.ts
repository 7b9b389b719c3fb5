import { describe, expect, it } from "vitest";
import { parseFilter } from "../../../../src/emulator/control-plane/metrics/metric-filter.js";
import { parseMetricsQuery } from "../../../../src/emulator/control-plane/metrics/metric-query.js";

const NOW = Date.parse("2030-01-01T12:00:00Z");
const parse = (query: Record<string, string>) => parseMetricsQuery(new URLSearchParams(query), NOW);

describe("the metrics API's $filter", () => {
  it("reads and, or between values of one dimension, and '*' as a split", () => {
    expect(parseFilter("deployment eq 'green' or deployment eq 'Blue' and statusCodeClass eq '*'")).toEqual({
      ok: true,
      filter: {
        conditions: [{ dimension: "deployment", operator: "eq", values: ["green", "blue"] }],
        splits: ["statusCodeClass"],
      },
    });
    expect(parseFilter("(deployment eq 'green') and statusCodeClass ne '2xx'")).toEqual({
      ok: true,
      filter: {
        conditions: [
          { dimension: "deployment", operator: "eq", values: ["green"] },
          { dimension: "statusCodeClass", operator: "ne", values: ["2xx"] },
        ],
        splits: [],
      },
    });
  });

  it("refuses or between different dimensions, or joining anything but eq, and a clause without quotes", () => {
    expect(parseFilter("deployment eq 'green' or statusCode eq '200'")).toMatchObject({
      ok: false,
      message: expect.stringContaining("cannot separate different dimension names") as string,
    });
    expect(parseFilter("statusCode ne '200' or statusCode ne '424'")).toMatchObject({
      ok: false,
      message: expect.stringContaining("Only 'eq' operator are supported for 'or' clause") as string,
    });
    expect(parseFilter("deployment eq green")).toMatchObject({ ok: false });
    expect(parseFilter("deployment eq 'green")).toMatchObject({ ok: false });
    expect(parseFilter("deployment eq 'green' and")).toMatchObject({ ok: false });
  });
});

describe("a metrics query", () => {
  it("defaults to RequestsPerMinute's average over the last hour at PT1M", () => {
    expect(parse({})).toMatchObject({
      ok: true,
      query: {
        metrics: ["RequestsPerMinute"],
        start: NOW - 3_600_000,
        end: NOW,
        grain: 1,
        aggregations: undefined,
        top: 10,
      },
    });
  });

  it("reads a timespan as start/end, start/duration, duration/end or a duration ending now", () => {
    const span = (timespan: string) => {
      const parsed = parse({ timespan });
      return parsed.ok ? [parsed.query.start, parsed.query.end].map((ms) => new Date(ms).toISOString()) : parsed;
    };
    const hour = ["2030-01-01T10:00:00.000Z", "2030-01-01T11:00:00.000Z"];
    expect(span("2030-01-01T10:00:00Z/2030-01-01T11:00:00Z")).toEqual(hour);
    expect(span("2030-01-01T10:00:00Z/PT1H")).toEqual(hour);
    expect(span("PT1H/2030-01-01T11:00:00Z")).toEqual(hour);
    expect(span("PT2H")).toEqual(["2030-01-01T10:00:00.000Z", "2030-01-01T12:00:00.000Z"]);
    expect(span("2030-01-01T11:00:00Z/2030-01-01T10:00:00Z")).toMatchObject({ ok: false });
    expect(span("yesterday")).toMatchObject({ ok: false });
  });

  it("takes Azure's time grains in any spelling, and FULL", () => {
    const grain = (interval: string) => {
      const parsed = parse({ interval });
      return parsed.ok ? parsed.query.grain : parsed.refusal.message;
    };
    expect(["PT1M", "pt5m", "PT15M", "PT30M", "PT1H", "PT6H", "PT12H", "P1D", "PT24H", "FULL"].map(grain)).toEqual([
      1,
      5,
      15,
      30,
      60,
      360,
      720,
      1440,
      1440,
      "full",
    ]);
    expect(grain("PT30S")).toBe(
      "Invalid time grain duration: PT30S, supported ones are: " +
        "00:01:00,00:05:00,00:15:00,00:30:00,01:00:00,06:00:00,12:00:00,1.00:00:00",
    );
    expect(grain("PT3M")).toContain("Invalid time grain duration: PT3M");
  });

  it("moves a grain Azure does not serve to the closest one when AutoAdjustTimegrain=true", () => {
    expect(parse({ interval: "PT30S", AutoAdjustTimegrain: "true" })).toMatchObject({ ok: true, query: { grain: 1 } });
    expect(parse({ interval: "PT4M", autoadjusttimegrain: "true" })).toMatchObject({ ok: true, query: { grain: 5 } });
  });

  it("reads metric names and aggregations whatever their case, and refuses unknown ones as Azure does", () => {
    expect(parse({ metricnames: "requestsperminute,RequestLatency_p95", aggregation: "total,MAXIMUM" })).toMatchObject({
      ok: true,
      query: { metrics: ["RequestsPerMinute", "RequestLatency_P95"], aggregations: ["total", "maximum"] },
    });
    expect(parse({ metricnames: "RequestsPerMinute,CpuUtilizationPercentage" })).toEqual({
      ok: false,
      refusal: {
        code: "BadRequest",
        message:
          "Failed to find metric configuration for provider: microsoft.machinelearningservices, resource Type: " +
          "workspaces/onlineendpoints, metric: CpuUtilizationPercentage, Valid metrics: RequestsPerMinute," +
          "RequestLatency,RequestLatency_P50,RequestLatency_P90,RequestLatency_P95,RequestLatency_P99",
      },
    });
    expect(parse({ aggregation: "median" })).toMatchObject({ ok: false, refusal: { code: "BadRequest" } });
  });

  it("refuses a query of more data points than the local workspace serves", () => {
    expect(parse({ timespan: "P365D", interval: "PT1M" })).toMatchObject({ ok: false });
    expect(parse({ timespan: "P365D", interval: "PT1H" })).toMatchObject({ ok: true });
  });
});
