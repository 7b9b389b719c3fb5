import type { MinuteLatency } from "../../data-plane/request-minutes.js";

/** The resource type whose metrics the local workspace serves (reference: progressive-delivery §1.2). */
export const ENDPOINT_NAMESPACE = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints";

/** The request dimensions of an online endpoint's metrics, spelled as Azure documents them. */
export const DIMENSIONS = ["deployment", "statusCode", "statusCodeClass", "modelStatusCode"] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/** The aggregations of the metrics API, in the order a data point lists them. */
export const AGGREGATIONS = ["average", "minimum", "maximum", "total", "count"] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

export interface MetricDefinition {
  displayName: string;
  description: string;
  unit: "Count" | "Milliseconds";
  dimensions: readonly Dimension[];
  /**
   * `requests`: the minute's request count, 0 for a minute without any. Otherwise the minute's latency figure, which
   * a minute without requests does not have.
   */
  value: "requests" | keyof MinuteLatency;
}

const percentile = (p: string): MetricDefinition => ({
  displayName: `Request Latency ${p}`,
  description: `The average ${p} request latency aggregated by all request latency values collected over the selected time period`,
  unit: "Milliseconds",
  dimensions: ["deployment"],
  value: p.toLowerCase() as keyof MinuteLatency,
});

/** The endpoint metrics built from scored requests (the others, such as ConnectionsActive, are not served). */
export const ENDPOINT_METRICS = {
  RequestsPerMinute: {
    displayName: "Requests Per Minute",
    description: "The number of requests sent to online endpoint within a minute",
    unit: "Count",
    dimensions: DIMENSIONS,
    value: "requests",
  },
  RequestLatency: {
    displayName: "Request Latency",
    description: "The average complete interval of time taken for a request to be responded in milliseconds",
    unit: "Milliseconds",
    dimensions: ["deployment"],
    value: "mean",
  },
  RequestLatency_P50: percentile("P50"),
  RequestLatency_P90: percentile("P90"),
  RequestLatency_P95: percentile("P95"),
  RequestLatency_P99: percentile("P99"),
} as const satisfies Record<string, MetricDefinition>;
export type MetricName = keyof typeof ENDPOINT_METRICS;
export const METRIC_NAMES = Object.keys(ENDPOINT_METRICS) as MetricName[];

/** Every metric of the catalog answers the same aggregation when a query names none. */
export const PRIMARY_AGGREGATION: Aggregation = "average";
