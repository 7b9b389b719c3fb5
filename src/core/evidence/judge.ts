import type {
  Evidence,
  Figures,
  GateName,
  GateResult,
  GateThresholds,
  GateVerdict,
  GateWindow,
  LiveBaseline,
  MinutePoint,
} from "../../ports/evidence.js";
import type { RequestMetrics } from "../../ports/metrics.js";
import { gateWhy, type GateFinding } from "./evidence-view.js";
import { NO_FIGURES, windowFigures } from "./figures.js";
import { inWindow } from "./window.js";

/** Minutes the evidence keeps for a chart: the window's last half hour. */
export const CHART_MINUTES = 30;

/** A share or a latency at its limit is within it; this absorbs float rounding ("0.4 % + 1 pt"). */
const EPSILON = 1e-9;

export type JudgeInput = {
  /** Deployment names: the one that took the traffic before, and the new one. */
  live: string;
  candidate: string;
  /** From `gateWindow`; undefined while no whole minute has settled (every gate is then inconclusive). */
  window: GateWindow | undefined;
  thresholds: GateThresholds;
  /** The live deployment's figures from the last window in which it took enough traffic (`nextBaseline`). */
  earlierLive?: LiveBaseline | undefined;
} & (
  | { metrics: RequestMetrics }
  /** Why Azure Monitor's figures could not be read: every gate is inconclusive with it, never a pass. */
  | { unavailable: string }
);

/**
 * Judges the new deployment against the live one over the window: failed share and p95 latency, each pass, breach or
 * inconclusive; overall breach if any gate breached, else inconclusive if any is, else pass.
 *
 * No verdict (inconclusive, never a pass) below `minRequests` requests to the new deployment in the window. The live
 * figures are the baseline only when the live deployment took at least `minRequests` requests in the same window: a
 * handful of live requests with one failure would otherwise raise the failed-requests limit by points. Otherwise the
 * baseline is `earlierLive` (the last step takes all traffic from the live deployment), and with none, failed share is
 * held to `failedMaxPercent` alone and latency is inconclusive.
 */
export function judge(input: JudgeInput): Evidence {
  const { live, candidate, window, thresholds } = input;
  const base = { live, candidate, ...(window ? { window } : {}) };
  if ("unavailable" in input || !window) {
    const finding: GateFinding =
      "unavailable" in input ? { kind: "unavailable", reason: input.unavailable } : { kind: "no_window" };
    return {
      ...base,
      ...("unavailable" in input ? { unavailable: input.unavailable } : {}),
      figures: { live: NO_FIGURES, candidate: NO_FIGURES },
      ...verdicts([inconclusive("failed_requests", finding), inconclusive("p95_latency", finding)]),
      points: [],
    };
  }
  const figures = {
    live: windowFigures(input.metrics[live], window),
    candidate: windowFigures(input.metrics[candidate], window),
  };
  const baseline =
    figures.live.requests >= thresholds.minRequests
      ? { window, figures: figures.live, earlier: false }
      : input.earlierLive && { ...input.earlierLive, earlier: true };
  return {
    ...base,
    figures,
    ...(baseline ? { baseline } : {}),
    ...verdicts([
      failedGate(figures.candidate, baseline, thresholds),
      latencyGate(figures.candidate, baseline, thresholds),
    ]),
    points: points(input.metrics, live, candidate, window),
  };
}

/** The live figures to keep for the next judgment's `earlierLive`: this window's when they were enough, else the one used. */
export function nextBaseline(evidence: Evidence): LiveBaseline | undefined {
  const b = evidence.baseline;
  return b && { window: b.window, figures: b.figures };
}

type Baseline = LiveBaseline & { earlier: boolean };

function failedGate(c: Figures, baseline: Baseline | undefined, t: GateThresholds): GateVerdict {
  if (c.requests < t.minRequests || c.failedShare === undefined) {
    return inconclusive("failed_requests", { kind: "too_few_requests", requests: c.requests, needed: t.minRequests });
  }
  const liveShare = baseline?.figures.failedShare;
  const absolute = t.failedMaxPercent / 100;
  const limit = liveShare === undefined ? absolute : Math.max(liveShare + t.failedPoints / 100, absolute);
  const result = c.failedShare > limit + EPSILON ? "breach" : "pass";
  const live =
    liveShare === undefined
      ? undefined
      : { failedShare: liveShare, ...(baseline?.earlier ? { earlier: baseline.window } : {}) };
  const finding: GateFinding = {
    kind: "failed_share",
    result,
    candidate: { ...c, failedShare: c.failedShare },
    ...(live ? { live } : {}),
    limit,
    thresholds: t,
  };
  return { gate: "failed_requests", result, why: gateWhy(finding), limit, value: c.failedShare };
}

function latencyGate(c: Figures, baseline: Baseline | undefined, t: GateThresholds): GateVerdict {
  if (c.requests < t.minRequests) {
    return inconclusive("p95_latency", { kind: "too_few_requests", requests: c.requests, needed: t.minRequests });
  }
  if (c.p95Ms === undefined) return inconclusive("p95_latency", { kind: "no_candidate_latency" });
  const liveMs = baseline?.figures.p95Ms;
  if (liveMs === undefined) {
    return inconclusive("p95_latency", { kind: "no_live_latency", candidateMs: c.p95Ms, needed: t.minRequests });
  }
  const limit = t.p95Ratio * liveMs + t.p95Ms;
  const result = c.p95Ms > limit + EPSILON ? "breach" : "pass";
  const finding: GateFinding = {
    kind: "p95",
    result,
    candidateMs: c.p95Ms,
    liveMs,
    ...(baseline?.earlier ? { earlier: baseline.window } : {}),
    limit,
    thresholds: t,
  };
  return { gate: "p95_latency", result, why: gateWhy(finding), limit, value: c.p95Ms };
}

const inconclusive = (gate: GateName, finding: GateFinding): GateVerdict => ({
  gate,
  result: "inconclusive",
  why: gateWhy(finding),
});

function verdicts(gates: GateVerdict[]): { gates: GateVerdict[]; result: GateResult } {
  const any = (r: GateResult): boolean => gates.some((g) => g.result === r);
  return { gates, result: any("breach") ? "breach" : any("inconclusive") ? "inconclusive" : "pass" };
}

/** The window's last CHART_MINUTES minutes that either deployment has a figure for, rounded for storage. */
function points(metrics: RequestMetrics, live: string, candidate: string, window: GateWindow): MinutePoint[] {
  const shown: GateWindow = {
    from: new Date(Math.max(window.from.getTime(), window.to.getTime() - CHART_MINUTES * 60_000)),
    to: window.to,
    minutes: Math.min(window.minutes, CHART_MINUTES),
  };
  const byMinute = new Map<number, MinutePoint>();
  const add = (side: "live" | "candidate", name: string): void => {
    for (const m of metrics[name] ?? []) {
      if (!inWindow(shown, m.at)) continue;
      const figure = {
        ...(m.requests > 0 ? { failedShare: round(m.failed / m.requests, 4) } : {}),
        ...(m.p95Ms === undefined || m.requests <= 0 ? {} : { p95Ms: round(m.p95Ms, 1) }),
      };
      if (Object.keys(figure).length === 0) continue;
      const at = m.at.getTime();
      byMinute.set(at, { ...(byMinute.get(at) ?? { at: new Date(at) }), [side]: figure });
    }
  };
  add("candidate", candidate);
  add("live", live);
  return [...byMinute.values()].sort((a, b) => a.at.getTime() - b.at.getTime());
}

const round = (n: number, decimals: number): number => Number(n.toFixed(decimals));
