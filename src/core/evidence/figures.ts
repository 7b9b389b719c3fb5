import type { Figures, GateWindow } from "../../ports/evidence.js";
import type { RequestMinute } from "../../ports/metrics.js";
import { inWindow } from "./window.js";

/**
 * One deployment's figures over the window's minutes; minutes outside it, and minutes Azure gave no value for, count
 * for nothing (never as zeros).
 *
 * Azure Monitor gives latency percentiles per minute only, so the window's P95 is the mean of the minutes' P95s, each
 * weighted by the minute's requests: the closest to a true window percentile that per-minute aggregates allow. A plain
 * mean would let a quiet minute of three requests weigh as much as a busy one of three thousand. The same for P50.
 */
export function windowFigures(minutes: readonly RequestMinute[] | undefined, window: GateWindow): Figures {
  const within = (minutes ?? []).filter((m) => inWindow(window, m.at));
  const requests = sum(within.map((m) => m.requests));
  const failed = sum(within.map((m) => m.failed));
  const p50Ms = weightedMean(within, (m) => m.p50Ms);
  const p95Ms = weightedMean(within, (m) => m.p95Ms);
  return {
    requests,
    failed,
    ...(requests > 0 ? { failedShare: failed / requests } : {}),
    ...(p50Ms === undefined ? {} : { p50Ms }),
    ...(p95Ms === undefined ? {} : { p95Ms }),
    minutes: within.length,
  };
}

/** No requests, no minutes: what a deployment Azure reported nothing for shows. */
export const NO_FIGURES: Figures = { requests: 0, failed: 0, minutes: 0 };

function weightedMean(
  minutes: readonly RequestMinute[],
  value: (m: RequestMinute) => number | undefined,
): number | undefined {
  let weight = 0;
  let total = 0;
  for (const m of minutes) {
    const v = value(m);
    if (v === undefined || !Number.isFinite(v) || m.requests <= 0) continue;
    weight += m.requests;
    total += v * m.requests;
  }
  return weight > 0 ? total / weight : undefined;
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
