import { ok, type Result } from "../ports/result.js";
import type { WorkspaceError } from "../ports/workspace.js";
import { sendRaw } from "./arm-client.js";
import type { ArmCalls } from "./arm-calls.js";

// Azure Monitor's metrics API (Microsoft.Insights/metrics), where an endpoint's request counts come from.
const METRICS_API_VERSION = "2023-10-01";

/** Scoring requests per deployment over the last `hours` (RequestsPerMinute), or undefined when not reported. */
export async function recentRequests(
  arm: ArmCalls,
  endpoint: string,
  hours: number,
): Promise<Result<Record<string, number> | undefined, WorkspaceError>> {
  const end = new Date();
  const start = new Date(end.getTime() - hours * 3600_000);
  const query = new URLSearchParams({
    metricnames: "RequestsPerMinute",
    aggregation: "Total",
    interval: `PT${hours}H`,
    timespan: `${start.toISOString()}/${end.toISOString()}`,
    $filter: "deployment eq '*'",
  });
  const answer = await arm.counted(() =>
    sendRaw(arm.client, {
      method: "GET",
      url: `${arm.endpointPath(endpoint)}/providers/Microsoft.Insights/metrics?${query.toString()}`,
      apiVersion: METRICS_API_VERSION,
    }).catch(() => undefined),
  );
  // Metrics are a nicety of a preview: no access (403), no metrics (404) or a network failure mean "not reported".
  if (!answer || answer.status !== 200) return ok(undefined);
  return ok(requestTotals(answer.body));
}

/** Azure Monitor's answer as one total per deployment (the `deployment` dimension's timeseries, summed). */
function requestTotals(body: unknown): Record<string, number> | undefined {
  const metric = (body as { value?: { timeseries?: unknown[] }[] } | undefined)?.value?.[0];
  if (!metric || !Array.isArray(metric.timeseries)) return undefined;
  const totals: Record<string, number> = {};
  for (const series of metric.timeseries as {
    metadatavalues?: { name?: { value?: string }; value?: string }[];
    data?: { total?: number }[];
  }[]) {
    const deployment = series.metadatavalues?.find((m) => m.name?.value?.toLowerCase() === "deployment")?.value;
    if (!deployment) continue;
    totals[deployment] = (totals[deployment] ?? 0) + (series.data ?? []).reduce((sum, d) => sum + (d.total ?? 0), 0);
  }
  return totals;
}
