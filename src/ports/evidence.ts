// The evidence a gate judgment leaves behind, as a rollout stores it: plain data, JSON with Dates. Core's
// src/core/evidence makes it (judge) and shows it (evidenceView); the store keeps it with the rollout.

/** Whole minutes [`from`, `to`) of Azure Monitor figures that the gates read: the shape `requestMetrics` asks for. */
export interface GateWindow {
  /** The first minute's start. */
  from: Date;
  /** The end of the last minute (exclusive). */
  to: Date;
  /** How many whole minutes: (`to` − `from`) / 1 min, at least 1. */
  minutes: number;
}

/**
 * What the gates allow the new deployment, against the live one. The failed-requests limit is the higher of
 * live + `failedPoints` and `failedMaxPercent`; the p95 limit is `p95Ratio` × live's p95 + `p95Ms`.
 */
export interface GateThresholds {
  /** Percentage points of failed share the new deployment may add to the live one's. */
  failedPoints: number;
  /** The failed share, in percent, that is never a breach on its own (the whole limit when no live share exists). */
  failedMaxPercent: number;
  p95Ratio: number;
  p95Ms: number;
  /** Requests the new deployment must have taken in the window before a gate passes or breaches. */
  minRequests: number;
}

/** One deployment's figures over a window. Shares are fractions (0.31 = 31 %), latencies in ms. */
export interface Figures {
  requests: number;
  failed: number;
  /** `failed` / `requests`; absent when it took no requests. */
  failedShare?: number;
  /** Request-weighted mean of the per-minute P50s; absent when Azure reported none. */
  p50Ms?: number;
  /** Request-weighted mean of the per-minute P95s; absent when Azure reported none. */
  p95Ms?: number;
  /** Minutes of the window Azure reported a value for (the others are absent, never zeros). */
  minutes: number;
}

/** The live deployment's figures over a window in which it took enough traffic to be compared with. */
export interface LiveBaseline {
  window: GateWindow;
  figures: Figures;
}

export const GATES = ["failed_requests", "p95_latency"] as const;
export type GateName = (typeof GATES)[number];

/** Inconclusive is never a pass: too little traffic, no baseline, or no metrics. */
export type GateResult = "pass" | "breach" | "inconclusive";

export interface GateVerdict {
  gate: GateName;
  result: GateResult;
  /** Plain text (views escape it): the new and the live figures, the limit and the verdict, or why none. */
  why: string;
  /** The limit the value was held to: a share (fraction) for failed requests, ms for p95. */
  limit?: number;
  value?: number;
}

/** One minute of the window, for the chart: the figures each deployment had in it (absent when Azure gave none). */
export interface MinutePoint {
  at: Date;
  live?: { failedShare?: number; p95Ms?: number };
  candidate?: { failedShare?: number; p95Ms?: number };
}

/** What the gates saw and decided over one window: the new deployment against the live one. */
export interface Evidence {
  /** Deployment names. */
  live: string;
  candidate: string;
  /** Absent when no whole minute had settled since the traffic changed. */
  window?: GateWindow;
  /** Why Azure Monitor's figures could not be read (plain text); every gate is then inconclusive. */
  unavailable?: string;
  /** Both deployments' figures in the window. */
  figures: { live: Figures; candidate: Figures };
  /**
   * The live figures the gates compared with: this window's (`earlier: false`), or those of an earlier window when
   * the live deployment took too little traffic in this one (the last step moves all of it away); absent when none.
   */
  baseline?: LiveBaseline & { earlier: boolean };
  gates: GateVerdict[];
  /** Breach if any gate breached; else inconclusive if any is; else pass. */
  result: GateResult;
  /** The window's last minutes, oldest first, for a chart (bounded). */
  points: MinutePoint[];
}

/** Evidence read back from JSON, its Dates revived (`at`, `from`, `to` are ISO strings there). */
export function reviveEvidence(stored: unknown): Evidence {
  const e = stored as Evidence;
  const window = (w: GateWindow): GateWindow => ({ ...w, from: new Date(w.from), to: new Date(w.to) });
  return {
    ...e,
    ...(e.window ? { window: window(e.window) } : {}),
    ...(e.baseline ? { baseline: { ...e.baseline, window: window(e.baseline.window) } } : {}),
    points: e.points.map((p) => ({ ...p, at: new Date(p.at) })),
  };
}

/** A rollout's bake and gate limits, fixed when it began from the endpoint's tags and GreenLight's defaults. */
export interface RolloutGates {
  bakeMs: number;
  thresholds: GateThresholds;
}
