// What the gates of a rollout read and decided, as stored with the rollout (core/evidence judges; the card shows it).

/** What the gates allow the new deployment against the live one, per window. */
export interface GateLimits {
  /** A breach needs the new deployment's failed share above the live one's by more than this many points… */
  failedPointsOverLive: number;
  /** …and above this share, in percent. */
  failedSharePercent: number;
  /** A breach needs the new deployment's p95 above this multiple of the live one's plus `p95PlusMs`. */
  p95Ratio: number;
  p95PlusMs: number;
  /** Requests to the new deployment a window needs for any verdict; fewer is inconclusive. */
  minRequests: number;
}

/** A rollout's bake and gates, and where each came from (an endpoint tag, or GreenLight's default). */
export interface GateSettings {
  bakeMs: number;
  limits: GateLimits;
  /** The settings an endpoint tag gave, for `plan` and the card ("bake 10 min, from tag greenlight-bake"). */
  fromTags: { bake: boolean; gates: boolean };
}

/** One deployment's requests over a window of whole minutes. */
export interface Figures {
  requests: number;
  failed: number;
  /** Request-weighted mean of the per-minute P50 / P95 (Azure gives per-minute percentiles only). */
  p50Ms?: number;
  p95Ms?: number;
}

/** The live deployment's figures over a window of its own: a baseline kept for when it takes no traffic. */
export interface BaselineFigures extends Figures {
  window: { from: Date; to: Date };
}

export type GateName = "failed_share" | "p95_latency";
export type GateResult = "pass" | "breach" | "inconclusive";

export interface GateVerdict {
  gate: GateName;
  result: GateResult;
  /** Plain words with the figures and the limit (views escape it). */
  why: string;
}

/** One minute of the window, for a chart: each side's failed share (percent) and p95 (ms), where it had requests. */
export interface EvidenceMinute {
  at: Date;
  live?: { failedPercent: number; p95Ms?: number };
  candidate?: { failedPercent: number; p95Ms?: number };
}

/** A reading of the gates for the step the new deployment takes now. */
export interface Evidence {
  /** When it was read. */
  at: Date;
  /** The whole minutes judged, [from, to). */
  window: { from: Date; to: Date };
  /** The live deployment's figures: in the same window, or (when it took none) its last window with traffic. */
  live?: Figures & { window?: { from: Date; to: Date } };
  candidate: Figures;
  verdicts: GateVerdict[];
  /** A breach if any gate breached; else inconclusive if any gate was; else pass. */
  result: GateResult;
  /** Why nothing could be read (no Monitoring Reader role, an error of the metrics API), when so. */
  unavailable?: string;
  minutes: EvidenceMinute[];
}
