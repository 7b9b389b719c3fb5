import type { StatusCount } from "../../data-plane/request-minutes.js";
import type { DeploymentMinutes } from "../../data-plane/scoring-router.js";
import { AGGREGATIONS, type Aggregation, type Dimension, type MetricDefinition } from "./metric-catalog.js";
import { meets, type DimensionCondition } from "./metric-filter.js";

/** A span of minutes (minutes since the epoch), [from, to). */
export interface MinuteRange {
  from: number;
  to: number;
}

/** One data point's minutes: those of the timespan within its interval, and the timestamp it is given. */
export interface Bucket extends MinuteRange {
  at: number;
}

/** What to compute for one metric. */
export interface SeriesPlan {
  definition: MetricDefinition;
  /** On the metric's own dimensions only. */
  conditions: (DimensionCondition & { dimension: Dimension })[];
  splits: Dimension[];
  aggregations: Aggregation[];
  buckets: Bucket[];
  /** The minutes of the timespan that have values: reported already, and not before the workspace began counting. */
  reported: MinuteRange;
  /** Series kept when the query splits (by `top`, ordered by `orderBy`); undefined keeps every series. */
  top: { count: number; aggregation: Aggregation; descending: boolean } | undefined;
  metadataOnly: boolean;
}

/** One data point as the metrics API sends it: only the asked aggregations, and none for a minute without values. */
export type DataPoint = { timeStamp: string } & Partial<Record<Aggregation, number>>;

export interface TimeSeries {
  metadatavalues: { name: { value: string; localizedValue: string }; value: string }[];
  data?: DataPoint[];
}

/** A series being summed up: its split values and, per minute, the sum of its values and their weight. */
interface Accumulated {
  values: string[];
  minutes: Map<number, { sum: number; weight: number }>;
}

/**
 * The time series of one metric. A request count has a value in every reported minute (0 without requests); a
 * latency only in minutes with requests. A latency series over several deployments (no split by deployment) takes
 * the request-weighted mean of their per-minute figures: exact for the mean, an approximation for percentiles.
 */
export function metricSeries(plan: SeriesPlan, deployments: readonly DeploymentMinutes[]): TimeSeries[] {
  const series = accumulate(plan, deployments);
  if (plan.splits.length === 0 && series.size === 0) series.set("", { values: [], minutes: new Map() });
  let kept = [...series.values()];
  if (plan.top) {
    const { count, aggregation, descending } = plan.top;
    const score = (s: Accumulated): number => aggregate(minuteValues(plan, s, plan.reported))?.[aggregation] ?? -1;
    const scored = kept.map((s) => ({ s, score: score(s), name: s.values.join("/") }));
    scored.sort((a, b) => (descending ? b.score - a.score : a.score - b.score) || a.name.localeCompare(b.name));
    kept = scored.slice(0, count).map((x) => x.s);
  }
  return kept.map((s) => ({
    metadatavalues: plan.splits.map((dimension, i) => ({
      name: { value: dimension.toLowerCase(), localizedValue: dimension.toLowerCase() },
      value: s.values[i] ?? "",
    })),
    ...(plan.metadataOnly ? {} : { data: plan.buckets.map((bucket) => dataPoint(plan, s, bucket)) }),
  }));
}

function accumulate(plan: SeriesPlan, deployments: readonly DeploymentMinutes[]): Map<string, Accumulated> {
  const series = new Map<string, Accumulated>();
  const add = (values: string[], minute: number, sum: number, weight: number): void => {
    const key = values.join("\u0000");
    let found = series.get(key);
    if (!found) series.set(key, (found = { values, minutes: new Map() }));
    const at = found.minutes.get(minute);
    if (at) {
      at.sum += sum;
      at.weight += weight;
    } else found.minutes.set(minute, { sum, weight });
  };
  const { reported, definition } = plan;
  for (const { deployment, minutes } of deployments) {
    for (const m of minutes) {
      if (m.minute < reported.from || m.minute >= reported.to) continue;
      if (definition.value === "requests") {
        for (const count of m.byStatus) {
          const valueOf = (dimension: Dimension): string => dimensionValue(dimension, deployment, count);
          if (!plan.conditions.every((c) => meets(c, valueOf(c.dimension)))) continue;
          add(plan.splits.map(valueOf), m.minute, count.requests, 1);
        }
      } else {
        if (!plan.conditions.every((c) => meets(c, deployment))) continue;
        const figure = m.latency[definition.value];
        add(
          plan.splits.map(() => deployment),
          m.minute,
          figure * m.requests,
          m.requests,
        );
      }
    }
  }
  return series;
}

function dimensionValue(dimension: Dimension, deployment: string, count: StatusCount): string {
  switch (dimension) {
    case "deployment":
      return deployment;
    case "statusCode":
      return String(count.status);
    case "statusCodeClass":
      return `${Math.floor(count.status / 100)}xx`;
    case "modelStatusCode":
      return String(count.modelStatus);
  }
}

function dataPoint(plan: SeriesPlan, series: Accumulated, bucket: Bucket): DataPoint {
  const range = { from: Math.max(bucket.from, plan.reported.from), to: Math.min(bucket.to, plan.reported.to) };
  const aggregates = aggregate(minuteValues(plan, series, range));
  const point: DataPoint = { timeStamp: isoInstant(bucket.at * 60_000) };
  if (aggregates) for (const a of AGGREGATIONS) if (plan.aggregations.includes(a)) point[a] = aggregates[a];
  return point;
}

/** The series' per-minute values in `range`: every minute's request count (0 included), or the latency figures. */
function minuteValues(plan: SeriesPlan, series: Accumulated, range: MinuteRange): number[] {
  const values: number[] = [];
  const counts = plan.definition.value === "requests";
  for (let minute = range.from; minute < range.to; minute++) {
    const at = series.minutes.get(minute);
    if (at) values.push(counts ? at.sum : at.sum / at.weight);
    else if (counts) values.push(0);
  }
  return values;
}

function aggregate(values: number[]): Record<Aggregation, number> | undefined {
  if (values.length === 0) return undefined;
  const total = values.reduce((a, b) => a + b, 0);
  return {
    average: total / values.length,
    minimum: Math.min(...values),
    maximum: Math.max(...values),
    total,
    count: values.length,
  };
}

/** An instant as Azure Monitor writes it: seconds precision, `Z`. */
export function isoInstant(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}
