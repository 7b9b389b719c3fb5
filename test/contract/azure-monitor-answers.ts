// Azure Monitor's answers to GET {resourceUri}/providers/Microsoft.Insights/metrics, built in the shapes of the REST
// spec's examples (azure-rest-api-specs, specification/monitor/resource-manager/Microsoft.Insights/stable/2024-02-01/
// examples/GetMetric.json; 2023-10-01/examples/GetMetricError.json for a metric-level error): dimension names lower
// case in `metadatavalues`, timestamps without milliseconds, only the asked aggregation in a data point, and a minute
// without data as a point with its timestamp and no aggregate (or, as `az monitor metrics list` shows, `null`).

/** One data point: the aggregate's value, `null`, or `undefined` for a point that carries only its timestamp. */
export type Point = number | null | undefined;

export interface SeriesSpec {
  /** Dimension values by the name Azure answers with (lower case): `{ deployment: "blue", statuscode: "200" }`. */
  dimensions: Record<string, string>;
  /** One value per minute from the answer's start. */
  points: Point[];
}

export interface MetricSpec {
  name: "RequestsPerMinute" | "RequestLatency_P50" | "RequestLatency_P95";
  series: SeriesSpec[];
  /** A metric-level failure inside the HTTP 200. */
  error?: { code: string; message: string };
}

const DISPLAY = {
  RequestsPerMinute: { localized: "Requests Per Minute", unit: "Count", aggregate: "total" },
  RequestLatency_P50: { localized: "Request Latency P50", unit: "Milliseconds", aggregate: "average" },
  RequestLatency_P95: { localized: "Request Latency P95", unit: "Milliseconds", aggregate: "average" },
} as const;

/** Azure's timestamp format: ISO 8601 without milliseconds. */
export const azureTime = (at: Date): string => at.toISOString().replace(/\.\d{3}Z$/, "Z");

/** A 200 answer for the endpoint `resourceId` (with its leading "/"), its minutes starting at `from`. */
export function metricsAnswer(resourceId: string, from: Date, to: Date, metrics: MetricSpec[]): unknown {
  return {
    cost: 59,
    timespan: `${azureTime(from)}/${azureTime(to)}`,
    interval: "PT1M",
    value: metrics.map((metric) => {
      const display = DISPLAY[metric.name];
      return {
        id: `${resourceId}/providers/Microsoft.Insights/metrics/${metric.name}`,
        type: "Microsoft.Insights/metrics",
        name: { value: metric.name, localizedValue: display.localized },
        displayDescription: `${display.localized} of the online endpoint.`,
        unit: display.unit,
        timeseries: metric.error
          ? []
          : metric.series.map((series) => ({
              metadatavalues: Object.entries(series.dimensions).map(([name, value]) => ({
                name: { value: name, localizedValue: name },
                value,
              })),
              data: series.points.map((point, i) => ({
                timeStamp: azureTime(new Date(from.getTime() + i * 60_000)),
                ...(point === undefined ? {} : { [display.aggregate]: point }),
              })),
            })),
        ...(metric.error ? { errorMessage: metric.error.message, errorCode: metric.error.code } : {}),
        ...(metric.error ? {} : { errorCode: "Success" }),
      };
    }),
    namespace: "microsoft.machinelearningservices/workspaces/onlineendpoints",
    resourceregion: "westeurope",
  };
}

/** ARM's answer when the caller's identity lacks `microsoft.insights/metrics/read` on the scope. */
export function authorizationFailed(resourceId: string): unknown {
  return {
    error: {
      code: "AuthorizationFailed",
      message:
        "The client '6f1c0a52-3c1e-4c8e-9a8e-2d0f5a1b7c33' with object id '6f1c0a52-3c1e-4c8e-9a8e-2d0f5a1b7c33' " +
        "does not have authorization to perform action 'microsoft.insights/metrics/read' over scope " +
        `'${resourceId}/providers/microsoft.insights' or the scope is invalid. If access was recently granted, ` +
        "please refresh your credentials.",
    },
  };
}
