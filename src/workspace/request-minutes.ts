import type { Metric, TimeSeriesElement } from "@azure/arm-monitor";
import { isFailedStatus, type RequestMetrics, type RequestMinute } from "../ports/metrics.js";

/** The endpoint-scope metrics GreenLight reads (reference: progressive-delivery.md §1.2). */
export const REQUESTS_PER_MINUTE = "RequestsPerMinute";
export const LATENCY_P50 = "RequestLatency_P50";
export const LATENCY_P95 = "RequestLatency_P95";

const MINUTE_MS = 60_000;

/**
 * Azure Monitor's answers as per-deployment minutes of the window [`from`, `to`) (whole minutes):
 * - `counts`: RequestsPerMinute (Total) split by `deployment` and `statusCode`. A minute's requests are the sum over its
 *   status-code series, its failures the sum over the failed statuses; a series without a value for the minute counts
 *   0 as long as another one has a value.
 * - `latencies`: RequestLatency_P50 / _P95 (Average) split by `deployment`.
 *
 * A minute is absent when no series has a request count for it (a data point without the aggregate, `null` or left
 * out, is no value) or when the counts it has add up to 0: Azure answers 0 for minutes it has not aggregated yet
 * (reference §1.4), and a minute without requests has no failure rate to judge either way. A minute with a latency but
 * no count is absent too: a gate judges a minute by its requests, and a 0 made up for them would read as "no
 * failures". A latency without a value leaves p50Ms / p95Ms out. Series without a deployment are not a deployment's
 * requests (the front door's own answers) and are left out; a status that is not a number counts as a request, not a
 * failure.
 */
export function foldRequestMinutes(
  counts: readonly Metric[],
  latencies: readonly Metric[],
  window: { from: Date; to: Date },
): RequestMetrics {
  const inWindow = (at: number): boolean => at >= window.from.getTime() && at < window.to.getTime();
  const minutes = new Map<string, Map<number, RequestMinute>>();

  for (const series of seriesOf(counts, REQUESTS_PER_MINUTE)) {
    const deployment = dimension(series, "deployment");
    if (!deployment) continue;
    const status = dimension(series, "statusCode");
    const failed = status !== undefined && /^\d{3}$/.test(status) && isFailedStatus(Number(status));
    let ofDeployment = minutes.get(deployment);
    for (const point of series.data ?? []) {
      const total = valueOf(point.total);
      const at = minuteOf(point.timeStamp);
      if (total === undefined || at === undefined || !inWindow(at)) continue;
      if (!ofDeployment) minutes.set(deployment, (ofDeployment = new Map<number, RequestMinute>()));
      const minute = ofDeployment.get(at) ?? { at: new Date(at), requests: 0, failed: 0 };
      minute.requests += total;
      if (failed) minute.failed += total;
      ofDeployment.set(at, minute);
    }
  }

  for (const [name, field] of [
    [LATENCY_P50, "p50Ms"],
    [LATENCY_P95, "p95Ms"],
  ] as const) {
    for (const series of seriesOf(latencies, name)) {
      const ofDeployment = minutes.get(dimension(series, "deployment") ?? "");
      for (const point of series.data ?? []) {
        const latency = valueOf(point.average);
        const at = minuteOf(point.timeStamp);
        const minute = at === undefined ? undefined : ofDeployment?.get(at);
        if (latency !== undefined && minute) minute[field] = latency;
      }
    }
  }

  const metrics: RequestMetrics = {};
  for (const [deployment, ofDeployment] of minutes) {
    const reported = [...ofDeployment.values()].filter((m) => m.requests > 0).sort((a, b) => +a.at - +b.at);
    if (reported.length > 0) metrics[deployment] = reported;
  }
  return metrics;
}

/** Requests per deployment over everything `counts` holds (RequestsPerMinute split by `deployment`). */
export function requestTotals(counts: readonly Metric[]): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const series of seriesOf(counts, REQUESTS_PER_MINUTE)) {
    const deployment = dimension(series, "deployment");
    if (!deployment) continue;
    totals[deployment] = (series.data ?? []).reduce((sum, p) => sum + (valueOf(p.total) ?? 0), totals[deployment] ?? 0);
  }
  return totals;
}

function seriesOf(metrics: readonly Metric[], name: string): TimeSeriesElement[] {
  return metrics.filter((m) => m.name.value.toLowerCase() === name.toLowerCase()).flatMap((m) => m.timeseries);
}

/** A dimension's value in a series; Azure lower-cases dimension names in its answers (`statuscode`). */
function dimension(series: TimeSeriesElement, name: string): string | undefined {
  const wanted = name.toLowerCase();
  return series.metadatavalues?.find((m) => m.name?.value?.toLowerCase() === wanted)?.value;
}

/** An aggregate Azure reported; `null` (as Azure sends for minutes without data) and absent are no value. */
function valueOf(aggregate: number | null | undefined): number | undefined {
  return typeof aggregate === "number" && Number.isFinite(aggregate) ? aggregate : undefined;
}

function minuteOf(timeStamp: Date | string | undefined): number | undefined {
  const at = timeStamp === undefined ? NaN : new Date(timeStamp).getTime();
  return Number.isNaN(at) ? undefined : Math.floor(at / MINUTE_MS) * MINUTE_MS;
}

/** The start of the first whole minute at or after `at`. */
export function minuteCeil(at: Date): Date {
  return new Date(Math.ceil(at.getTime() / MINUTE_MS) * MINUTE_MS);
}

/** The start of the minute `at` falls in. */
export function minuteFloor(at: Date): Date {
  return new Date(Math.floor(at.getTime() / MINUTE_MS) * MINUTE_MS);
}
