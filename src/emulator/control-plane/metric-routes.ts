import { KEPT_MINUTES } from "../data-plane/request-minutes.js";
import type { DeploymentMinutes } from "../data-plane/scoring-router.js";
import type { LocalWorkspace } from "../local-workspace.js";
import type { ArmRequest, ArmResponse } from "./arm-request.js";
import {
  ENDPOINT_METRICS,
  ENDPOINT_NAMESPACE,
  PRIMARY_AGGREGATION,
  type Dimension,
  type MetricName,
} from "./metrics/metric-catalog.js";
import { grainText, parseMetricsQuery, type MetricsQuery, type MetricsRefusal } from "./metrics/metric-query.js";
import { isoInstant, metricSeries, type Bucket, type MinuteRange, type SeriesPlan } from "./metrics/metric-series.js";
import { endpointId } from "./wire.js";

const MINUTE_MS = 60_000;

/** What the data plane recorded of scoring requests, for the metrics route. */
export interface RecordedRequests {
  /** The minute counting began (minutes since the epoch). */
  readonly recordingSince: number;
  /** Each deployment's minutes with requests in [`from`, `to`), minutes since the epoch. */
  recordedMinutes(endpoint: string, from: number, to: number): DeploymentMinutes[];
}

/**
 * Azure Monitor's metrics of an online endpoint (`RequestsPerMinute`, `RequestLatency`, `RequestLatency_P50/90/95/99`)
 * from the requests the data plane really answered, per whole UTC minute of the workspace's clock.
 *
 * A minute is reported once `metricsDelaySeconds` have passed since it ended (with 0, at once, the minute in progress
 * too). Until then its data points carry no aggregation at all, as `az monitor metrics list` shows nulls for recent
 * times: never a 0 that a gate could read as "no errors". Minutes before the workspace began counting, or more than a
 * day old, have no values either.
 */
export function endpointMetrics(ws: LocalWorkspace, req: ArmRequest, recorded: RecordedRequests): ArmResponse {
  const endpoint = ws.endpoint(req.params.endpoint ?? "");
  const nowMs = ws.nowMs();
  const parsed = parseMetricsQuery(req.url.searchParams, nowMs);
  if (!parsed.ok) return refuse(parsed.refusal);
  const query = parsed.query;
  const plans: { name: MetricName; plan: SeriesPlan }[] = [];
  const span = { from: Math.floor(query.start / MINUTE_MS), to: Math.ceil(query.end / MINUTE_MS) };
  const reported = reportedMinutes(ws, recorded.recordingSince, span, nowMs);
  const points = buckets(span, query.grain);
  for (const name of query.metrics) {
    const plan = planFor(name, query, points, reported);
    if ("code" in plan) return refuse(plan);
    plans.push({ name, plan });
  }
  const deployments = recorded.recordedMinutes(endpoint.name, reported.from, reported.to);
  const value = plans.map(({ name, plan }) => {
    const definition = ENDPOINT_METRICS[name];
    return {
      id: `${endpointId(ws, endpoint.name)}/providers/Microsoft.Insights/metrics/${name}`,
      type: "Microsoft.Insights/metrics",
      name: { value: name, localizedValue: definition.displayName },
      displayDescription: definition.description,
      unit: definition.unit,
      timeseries: metricSeries(plan, deployments),
      errorCode: "Success",
    };
  });
  return {
    status: 200,
    body: {
      cost: value.reduce((sum, m) => sum + m.timeseries.reduce((n, s) => n + (s.data?.length ?? 0), 0), 0),
      timespan: `${isoInstant(query.start)}/${isoInstant(query.end)}`,
      interval: grainText(query.grain),
      namespace: ENDPOINT_NAMESPACE,
      resourceregion: endpoint.location,
      value,
    },
  };
}

/** The minutes of `span` that have values now. */
function reportedMinutes(ws: LocalWorkspace, since: number, span: MinuteRange, nowMs: number): MinuteRange {
  const delayMs = ws.timing.metricsDelaySeconds * 1000;
  const nowMinute = Math.floor(nowMs / MINUTE_MS);
  // A minute is reported once it ended `delay` ago; with no delay, the minute in progress is reported as it stands.
  const newest = delayMs === 0 ? nowMinute + 1 : Math.floor((nowMs - delayMs) / MINUTE_MS);
  const from = Math.max(span.from, since, nowMinute - KEPT_MINUTES + 1);
  return { from, to: Math.max(from, Math.min(span.to, newest)) };
}

/** The data points of the timespan: aligned on the interval (a day on UTC midnight), or one for all of it. */
function buckets(span: MinuteRange, grain: MetricsQuery["grain"]): Bucket[] {
  if (grain === "full") return [{ at: span.from, ...span }];
  const out: Bucket[] = [];
  for (let at = Math.floor(span.from / grain) * grain; at < span.to; at += grain) {
    out.push({ at, from: Math.max(at, span.from), to: Math.min(at + grain, span.to) });
  }
  return out;
}

function planFor(
  name: MetricName,
  query: MetricsQuery,
  points: Bucket[],
  reported: MinuteRange,
): SeriesPlan | MetricsRefusal {
  const definition = ENDPOINT_METRICS[name];
  const own = (dimension: string): Dimension | undefined =>
    definition.dimensions.find((d) => d.toLowerCase() === dimension.toLowerCase());
  const filter = query.filter ?? { conditions: [], splits: [] };
  const named = [...filter.conditions.map((c) => c.dimension), ...filter.splits];
  const foreign = named.filter((d) => !own(d));
  if (foreign.length > 0 && query.validateDimensions) {
    // Azure's words (tomkerkhove/promitor#2084); ValidateDimensions=false leaves such dimensions out instead.
    return {
      code: "BadRequest",
      message:
        `Metric: ${name} does not support requested dimension combination: ${foreign.join(",").toLowerCase()}, ` +
        `supported ones are: ${definition.dimensions.join(",")}`,
    };
  }
  const rolledUp = (d: Dimension): boolean => query.rollUpBy.some((r) => r.toLowerCase() === d.toLowerCase());
  const splits = filter.splits.flatMap((d) => {
    const dimension = own(d);
    return dimension && !rolledUp(dimension) ? [dimension] : [];
  });
  const aggregations = query.aggregations ?? [PRIMARY_AGGREGATION];
  const first = aggregations[0] ?? PRIMARY_AGGREGATION;
  return {
    definition,
    conditions: filter.conditions.flatMap((c) => {
      const dimension = own(c.dimension);
      return dimension ? [{ ...c, dimension }] : [];
    }),
    splits,
    aggregations,
    buckets: points,
    reported,
    top:
      query.filter && splits.length > 0
        ? {
            count: query.top,
            aggregation: query.orderBy?.aggregation ?? first,
            descending: query.orderBy?.descending ?? true,
          }
        : undefined,
    metadataOnly: query.metadataOnly,
  };
}

/** The metrics API's own error body: `{code, message}` at the top level, unlike ARM's `{error: …}`. */
function refuse(refusal: MetricsRefusal): ArmResponse {
  return { status: 400, body: refusal };
}
