import type { Metric, MetricsListOptionalParams } from "@azure/arm-monitor";
import type { TokenCredential } from "@azure/identity";
import type { RequestMetrics } from "../ports/metrics.js";
import { err, ok, type Result } from "../ports/result.js";
import type { WorkspaceError } from "../ports/workspace.js";
import type { ArmCalls } from "./arm-calls.js";
import { toMetricsError, truncate } from "./arm-errors.js";
import { monitorClientOf } from "./monitor-client.js";
import {
  foldRequestMinutes,
  LATENCY_P50,
  LATENCY_P95,
  minuteCeil,
  minuteFloor,
  REQUESTS_PER_MINUTE,
  requestTotals,
} from "./request-minutes.js";

const ENDPOINT_METRICS = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints";
/**
 * Series Azure Monitor may return for one metric. Split by a dimension, it returns the `top` series only, 10 unless
 * asked (metrics_API.json): deployments × status codes pass 10 easily. An answer with this many may have left some
 * out, so it is refused rather than undercounted.
 */
const MAX_SERIES = 100;

type MetricsQuery = Pick<MetricsListOptionalParams, "metricnames" | "aggregation" | "interval" | "filter" | "timespan">;

/**
 * An endpoint's request figures from Azure Monitor's metrics API, through `@azure/arm-monitor` (its MonitorClient
 * shares the ARM client's pipeline, see {@link monitorClientOf}). Every call counts in the ARM call counter.
 */
export class EndpointMetrics {
  constructor(
    private readonly arm: ArmCalls,
    private readonly credential: TokenCredential,
  ) {}

  /** Per deployment and whole minute of the window: two metrics calls, whatever the number of deployments. */
  async requestMetrics(
    endpoint: string,
    window: { from: Date; to: Date },
  ): Promise<Result<RequestMetrics, WorkspaceError>> {
    const whole = { from: minuteCeil(window.from), to: minuteFloor(window.to) };
    if (whole.from >= whole.to) return ok({});
    const timespan = `${whole.from.toISOString()}/${whole.to.toISOString()}`;
    const [counts, latencies] = await Promise.all([
      this.list(endpoint, {
        metricnames: REQUESTS_PER_MINUTE,
        aggregation: "Total",
        interval: "PT1M",
        filter: "deployment eq '*' and statusCode eq '*'",
        timespan,
      }),
      this.list(endpoint, {
        metricnames: `${LATENCY_P50},${LATENCY_P95}`,
        aggregation: "Average",
        interval: "PT1M",
        filter: "deployment eq '*'",
        timespan,
      }),
    ]);
    if (!counts.ok) return counts;
    if (!latencies.ok) return latencies;
    return ok(foldRequestMinutes(counts.value, latencies.value, whole));
  }

  /** Requests per deployment over the last `hours` (one call), or undefined when Azure Monitor did not say. */
  async recentRequests(
    endpoint: string,
    hours: number,
  ): Promise<Result<Record<string, number> | undefined, WorkspaceError>> {
    // To the end of the minute in progress: a preview counts what was served up to now, as far as Azure has it.
    const to = new Date(minuteFloor(new Date()).getTime() + 60_000);
    const from = new Date(to.getTime() - hours * 3600_000);
    const counts = await this.list(endpoint, {
      metricnames: REQUESTS_PER_MINUTE,
      aggregation: "Total",
      interval: "PT1H",
      filter: "deployment eq '*'",
      timespan: `${from.toISOString()}/${to.toISOString()}`,
    });
    // Metrics are a nicety of a preview: no access, no metrics or no answer mean "not reported".
    return ok(counts.ok ? requestTotals(counts.value) : undefined);
  }

  /** One metrics call for the endpoint; a metric Azure Monitor answered with an error fails it all. */
  private async list(endpoint: string, query: MetricsQuery): Promise<Result<Metric[], WorkspaceError>> {
    const monitor = await monitorClientOf(this.arm.client, this.credential);
    // The SDK puts a "/" of its own before the resource id ("/{resourceUri}/providers/…", not encoded) and keeps a
    // double one: the id goes without its leading "/", or the path would start "//subscriptions/".
    const resourceUri = this.arm.endpointPath(endpoint).replace(/^\/+/, "");
    let metrics: Metric[];
    try {
      const answer = await this.arm.counted(() =>
        monitor.metrics.list(resourceUri, { ...query, top: MAX_SERIES, metricnamespace: ENDPOINT_METRICS }),
      );
      metrics = answer.value;
    } catch (error) {
      return err(await toMetricsError(error, endpoint));
    }
    const unavailable = (reason: string): Result<never, WorkspaceError> =>
      err({ code: "metrics_unavailable", endpoint, reason });
    // The SDK's deserializer does not insist on what the answer must hold.
    if (!Array.isArray(metrics) || metrics.some((m) => !Array.isArray(m.timeseries))) {
      return unavailable("Azure Monitor's answer could not be read.");
    }
    // Per-metric failures come inside an HTTP 200 (reference: progressive-delivery.md §2.3).
    const failed = metrics.find((m) => typeof m.errorCode === "string" && m.errorCode !== "Success");
    if (failed) {
      const message = failed.errorMessage ? `: ${truncate(failed.errorMessage, 300)}` : "";
      return unavailable(`Azure Monitor could not give ${failed.name.value} (${failed.errorCode})${message}`);
    }
    const crowded = metrics.find((m) => m.timeseries.length >= MAX_SERIES);
    if (crowded) {
      return unavailable(
        `Azure Monitor split ${crowded.name.value} into ${MAX_SERIES} series or more and may have left some out.`,
      );
    }
    return ok(metrics);
  }
}
