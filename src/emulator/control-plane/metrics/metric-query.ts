import { durationMs } from "../validation.js";
import { AGGREGATIONS, ENDPOINT_NAMESPACE, METRIC_NAMES, type Aggregation, type MetricName } from "./metric-catalog.js";
import { parseFilter, type MetricFilter } from "./metric-filter.js";

const MINUTE_MS = 60_000;
/** The time grains Azure Monitor serves the endpoint's metrics at, in minutes. */
const TIME_GRAINS = [1, 5, 15, 30, 60, 360, 720, 1440];
const DEFAULT_TIMESPAN_MS = 60 * MINUTE_MS;
const DEFAULT_TOP = 10;
/** A bound of the local workspace's own, so a query for years at PT1M cannot take the process down. */
const MAX_POINTS = 100_000;

/** One metrics API query (reference §2.3), read and checked. */
export interface MetricsQuery {
  metrics: MetricName[];
  /** The timespan, ms since the epoch: [start, end). */
  start: number;
  end: number;
  /** Minutes per data point; `full`: one point for the whole timespan. */
  grain: number | "full";
  /** Each metric's own default when the query names none. */
  aggregations: Aggregation[] | undefined;
  filter: MetricFilter | undefined;
  top: number;
  orderBy: { aggregation: Aggregation; descending: boolean } | undefined;
  metadataOnly: boolean;
  /** false: filter dimensions a metric does not have are left out for it, rather than refused. */
  validateDimensions: boolean;
  /** Split dimensions whose series are merged into one. */
  rollUpBy: string[];
}

/** A query Azure Monitor refuses, as its metrics API words it: HTTP 400 with `{code, message}`. */
export interface MetricsRefusal {
  code: string;
  message: string;
}

export type QueryParse = { ok: true; query: MetricsQuery } | Refused;
type Refused = { ok: false; refusal: MetricsRefusal };
type Parsed<T> = { ok: true; value: T } | Refused;

/** Reads the query string of `GET …/providers/Microsoft.Insights/metrics` (names case-insensitive, as ARM's). */
export function parseMetricsQuery(params: URLSearchParams, nowMs: number): QueryParse {
  const get = (name: string): string | undefined => {
    for (const [key, value] of params) if (key.toLowerCase() === name) return value;
    return undefined;
  };
  const namespace = get("metricnamespace");
  if (namespace !== undefined && namespace.toLowerCase() !== ENDPOINT_NAMESPACE.toLowerCase()) {
    return badRequest(`Metric namespace '${namespace}' is not valid for this resource; use '${ENDPOINT_NAMESPACE}'.`);
  }
  const metrics = parseMetricNames(get("metricnames"));
  if (!metrics.ok) return metrics;
  const timespan = parseTimespan(get("timespan"), nowMs);
  if (!timespan) {
    return badRequest(
      `The timespan '${get("timespan")}' is not valid: give start/end ISO 8601 instants ` +
        "(2024-05-01T10:00:00Z/2024-05-01T11:00:00Z), start/duration, or a duration that ends now.",
    );
  }
  const grain = parseInterval(get("interval") ?? "PT1M", get("autoadjusttimegrain")?.toLowerCase() === "true");
  if (!grain.ok) return grain;
  const points =
    grain.value === "full" ? 1 : Math.ceil((timespan.end - timespan.start) / (grain.value * MINUTE_MS)) + 1;
  if (points > MAX_POINTS) {
    return badRequest(
      `The query asks for ${points} data points per time series; the local workspace serves at most ${MAX_POINTS}. ` +
        "Ask for a coarser interval or a shorter timespan.",
    );
  }
  const aggregation = get("aggregation");
  const aggregations = aggregation === undefined ? undefined : parseAggregations(aggregation);
  if (aggregations && !aggregations.ok) return aggregations;
  const filterText = get("$filter");
  const filter = filterText?.trim() ? parseFilter(filterText) : undefined;
  if (filter && !filter.ok) return badRequest(filter.message);
  const top = get("top");
  if (top !== undefined && !/^[1-9]\d*$/.test(top)) return badRequest(`top must be a positive integer, not '${top}'.`);
  const orderBy = parseOrderBy(get("orderby"));
  if (!orderBy.ok) return orderBy;
  const resultType = get("resulttype")?.toLowerCase() ?? "data";
  if (resultType !== "data" && resultType !== "metadata") {
    return badRequest(`resultType must be Data or Metadata, not '${get("resulttype")}'.`);
  }
  return {
    ok: true,
    query: {
      metrics: metrics.value,
      ...timespan,
      grain: grain.value,
      aggregations: aggregations?.value,
      filter: filter?.filter,
      top: top === undefined ? DEFAULT_TOP : Number(top),
      orderBy: orderBy.value,
      metadataOnly: resultType === "metadata",
      validateDimensions: get("validatedimensions")?.toLowerCase() !== "false",
      rollUpBy: (get("rollupby") ?? "")
        .split(",")
        .map((d) => d.trim())
        .filter(Boolean),
    },
  };
}

function parseMetricNames(text: string | undefined): Parsed<MetricName[]> {
  const wanted = (text ?? METRIC_NAMES[0] ?? "")
    .split(",")
    .map((m) => m.trim())
    .filter(Boolean);
  const value: MetricName[] = [];
  for (const name of wanted) {
    const known = METRIC_NAMES.find((m) => m.toLowerCase() === name.toLowerCase());
    if (!known) {
      // Azure's words (Azure/azure-sdk-for-net#29584), with the provider and type in lower case as it writes them.
      const [provider, ...type] = ENDPOINT_NAMESPACE.toLowerCase().split("/");
      return badRequest(
        `Failed to find metric configuration for provider: ${provider}, resource Type: ${type.join("/")}, ` +
          `metric: ${name}, Valid metrics: ${METRIC_NAMES.join(",")}`,
      );
    }
    if (!value.includes(known)) value.push(known);
  }
  return { ok: true, value };
}

/** `start/end`, `start/duration`, `duration/end`, or a duration ending now; the last hour when absent. */
function parseTimespan(text: string | undefined, nowMs: number): { start: number; end: number } | undefined {
  if (text === undefined) return { start: nowMs - DEFAULT_TIMESPAN_MS, end: nowMs };
  const parts = text.split("/");
  const instant = (part: string): number | undefined => {
    const ms = /^\d{4}-\d\d-\d\d/.test(part) ? Date.parse(part) : Number.NaN;
    return Number.isNaN(ms) ? undefined : ms;
  };
  const duration = (part: string): number | undefined => durationMs(part.toUpperCase());
  let span: { start: number; end: number } | undefined;
  if (parts.length === 1) {
    const length = duration(parts[0] ?? "");
    span = length === undefined ? undefined : { start: nowMs - length, end: nowMs };
  } else if (parts.length === 2) {
    const [a = "", b = ""] = parts;
    const [startAt, endAt, aLength, bLength] = [instant(a), instant(b), duration(a), duration(b)];
    if (startAt !== undefined && endAt !== undefined) span = { start: startAt, end: endAt };
    else if (startAt !== undefined && bLength !== undefined) span = { start: startAt, end: startAt + bLength };
    else if (aLength !== undefined && endAt !== undefined) span = { start: endAt - aLength, end: endAt };
  }
  return span && span.start < span.end ? span : undefined;
}

function parseInterval(text: string, autoAdjust: boolean): Parsed<number | "full"> {
  if (text.toUpperCase() === "FULL") return { ok: true, value: "full" };
  const ms = durationMs(text.toUpperCase());
  const minutes = ms === undefined ? undefined : ms / MINUTE_MS;
  if (minutes !== undefined && TIME_GRAINS.includes(minutes)) return { ok: true, value: minutes };
  if (minutes !== undefined && autoAdjust) {
    const closest = TIME_GRAINS.reduce((a, b) => (Math.abs(b - minutes) < Math.abs(a - minutes) ? b : a));
    return { ok: true, value: closest };
  }
  // Azure's words (Azure/azure-libraries-for-net#495), grains as .NET TimeSpans.
  return badRequest(
    `Invalid time grain duration: ${text}, supported ones are: ${TIME_GRAINS.map(timeSpanText).join(",")}`,
  );
}

function parseAggregations(text: string): Parsed<Aggregation[]> {
  const out: Aggregation[] = [];
  for (const name of text.split(",").map((a) => a.trim().toLowerCase())) {
    const known = aggregationNamed(name);
    if (!known) {
      return badRequest(`Invalid aggregation type '${name}'; valid ones are: Average, Count, Minimum, Maximum, Total.`);
    }
    if (!out.includes(known)) out.push(known);
  }
  return { ok: true, value: out };
}

function parseOrderBy(text: string | undefined): Parsed<MetricsQuery["orderBy"]> {
  if (text === undefined || text.trim() === "") return { ok: true, value: undefined };
  const [name = "", direction = "desc", ...rest] = text.trim().split(/\s+/);
  const aggregation = aggregationNamed(name.toLowerCase());
  if (!aggregation || rest.length > 0 || !["asc", "desc"].includes(direction.toLowerCase())) {
    return badRequest(`orderby must be one aggregation and asc or desc (e.g. 'sum asc'), not '${text}'.`);
  }
  return { ok: true, value: { aggregation, descending: direction.toLowerCase() === "desc" } };
}

/** An aggregation by name; `sum` is Total, as in the API's own orderby example. */
function aggregationNamed(name: string): Aggregation | undefined {
  if (name === "sum") return "total";
  return AGGREGATIONS.find((a) => a === name);
}

/** A grain as .NET writes a TimeSpan (`00:05:00`, `1.00:00:00`), the form of Azure's error message. */
function timeSpanText(minutes: number): string {
  const days = Math.floor(minutes / 1440);
  const hh = String(Math.floor((minutes % 1440) / 60)).padStart(2, "0");
  const mm = String(minutes % 60).padStart(2, "0");
  return `${days > 0 ? `${days}.` : ""}${hh}:${mm}:00`;
}

/** A grain in ISO 8601, as the answer's `interval` gives it. */
export function grainText(grain: number | "full"): string {
  if (grain === "full") return "FULL";
  if (grain % 1440 === 0) return `P${grain / 1440}D`;
  if (grain % 60 === 0) return `PT${grain / 60}H`;
  return `PT${grain}M`;
}

const badRequest = (message: string): Refused => ({
  ok: false,
  refusal: { code: "BadRequest", message },
});
