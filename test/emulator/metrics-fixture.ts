// Shared set-up for the tests of the emulator's Azure Monitor metrics route: a manual clock that decides the minute a
// request is counted in, the route's URL, and its answer read as series of data points.
import { sendRaw } from "../../src/workspace/arm-client.js";
import type { HttpsAnswer } from "../support/https-request.js";
import { sendRawAndWait } from "../support/raw-lro.js";
import type { ScoringWorkspace } from "./scoring-fixture.js";

export const MINUTE_MS = 60_000;

/** The workspace's clock, moved by the test only. */
export interface ManualClock {
  now: () => Date;
  set(ms: number): void;
  /**
   * Moves to 10 s past the next whole hour and returns that hour (ms): each test counts in minutes of its own, and a
   * request sent at "minute k" lands in `hour + k min`.
   */
  nextHour(): number;
}

export function manualClock(startMs = Date.parse("2030-01-01T00:00:10Z")): ManualClock {
  let ms = startMs;
  return {
    now: () => new Date(ms),
    set: (to) => {
      ms = to;
    },
    nextHour: () => {
      const hour = (Math.floor(ms / 3_600_000) + 1) * 3_600_000;
      ms = hour + 10_000;
      return hour;
    },
  };
}

/** One data point of the metrics API's answer: a timestamp and the asked aggregations. */
export type WireDataPoint = { timeStamp: string } & Partial<
  Record<"average" | "minimum" | "maximum" | "total" | "count", number>
>;

export interface WireMetric {
  id: string;
  type: string;
  name: { value: string; localizedValue: string };
  displayDescription: string;
  unit: string;
  errorCode: string;
  timeseries: {
    metadatavalues: { name: { value: string; localizedValue: string }; value: string }[];
    data?: WireDataPoint[];
  }[];
}

export interface WireMetrics {
  cost: number;
  timespan: string;
  interval: string;
  namespace: string;
  resourceregion: string;
  value: WireMetric[];
}

export interface MetricsRequest {
  apiVersion?: string;
  /** Sends the path as @azure/arm-monitor does, `//subscriptions/…`. */
  doubleSlash?: boolean;
}

/** The endpoint's ARM id. */
export const endpointId = (w: ScoringWorkspace, endpoint: string): string =>
  `${w.emulator.workspaceId}/onlineEndpoints/${endpoint}`;

/** `GET <endpoint id>/providers/Microsoft.Insights/metrics` with `query`, over raw HTTPS. */
export function getMetrics(
  w: ScoringWorkspace,
  endpoint: string,
  query: Record<string, string>,
  { apiVersion = "2023-10-01", doubleSlash = false }: MetricsRequest = {},
): Promise<HttpsAnswer> {
  const params = new URLSearchParams({ "api-version": apiVersion, ...query });
  return w.https.send({
    url: `${w.emulator.armBaseUrl}${doubleSlash ? "/" : ""}${endpointId(w, endpoint)}/providers/Microsoft.Insights/metrics?${params.toString()}`,
    headers: { authorization: "Bearer local-test" },
  });
}

/** The metrics of a 200 answer, or a thrown error naming what came instead. */
export function metricsOf(answer: HttpsAnswer): WireMetric[] {
  if (answer.status !== 200) throw new Error(`metrics answered ${answer.status}: ${answer.text}`);
  return (answer.json as WireMetrics).value;
}

/** A metric's series by their dimension values (`blue/424`; `""` for the one series of an unsplit query). */
export function seriesOf(metric: WireMetric | undefined): Record<string, WireDataPoint[]> {
  if (!metric) throw new Error("no such metric in the answer");
  return Object.fromEntries(
    metric.timeseries.map((s) => [s.metadatavalues.map((m) => m.value).join("/"), s.data ?? []]),
  );
}

/** One aggregation of each series, point by point (undefined where a point has none). */
export function valuesOf(
  metric: WireMetric | undefined,
  aggregation: keyof Omit<WireDataPoint, "timeStamp">,
): Record<string, (number | undefined)[]> {
  return Object.fromEntries(
    Object.entries(seriesOf(metric)).map(([key, data]) => [key, data.map((p) => p[aggregation])]),
  );
}

/** `start/end` of `minutes` whole minutes from `fromMs`, as the timespan parameter. */
export const timespan = (fromMs: number, minutes: number): string =>
  `${new Date(fromMs).toISOString()}/${new Date(fromMs + minutes * MINUTE_MS).toISOString()}`;

const MIRROR_API_VERSION = "2023-04-01";

/** Sets traffic and mirror traffic with GET + PUT at an api-version that has `mirrorTraffic` (2.1.1 drops it). */
export async function setMirrorTraffic(
  w: ScoringWorkspace,
  endpoint: string,
  traffic: Record<string, number>,
  mirrorTraffic: Record<string, number>,
): Promise<void> {
  const path = endpointId(w, endpoint);
  const current = await sendRaw(w.client, { method: "GET", url: path, apiVersion: MIRROR_API_VERSION });
  const body = current.body as { location: string; properties: Record<string, unknown> };
  await sendRawAndWait(w.client, {
    method: "PUT",
    url: path,
    apiVersion: MIRROR_API_VERSION,
    body: { location: body.location, properties: { ...body.properties, traffic, mirrorTraffic } },
    pollIntervalMs: 10,
  });
}
