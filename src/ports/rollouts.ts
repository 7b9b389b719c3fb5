import type { ChangeStore } from "./changes.js";
import type { ChannelAddress } from "./notifier.js";
import type { Person } from "./people.js";
import type { TimelineEvent } from "./timeline.js";
import type { Evidence, LiveBaseline, RolloutGates } from "./evidence.js";

/**
 * Where a rollout is. Active phases are worked on by the worker or wait for a person; the last five are ends.
 *
 * requested → deploying → smoke_testing → awaiting_approval(step k) → shifting(step k) → baking(step k) → … →
 * promoted → retiring → completed (the last step's bake comes before `promoted`); or rejected / failed / expired / rolled_back. A rejection, a rollback, an expiry or a failed shift first
 * passes through `restoring` (the starting traffic being put back, tried again until it is), then ends as
 * `ending.then` says. Traffic changed outside GreenLight `paused` it: a person continues from what Azure has
 * (`resuming`, then the next step's approval) or restores the start.
 */
export const ROLLOUT_PHASES = [
  "requested",
  "deploying",
  "smoke_testing",
  "awaiting_approval",
  "shifting",
  "baking",
  "promoted",
  "retiring",
  "restoring",
  "paused",
  "resuming",
  "completed",
  "rejected",
  "failed",
  "expired",
  "rolled_back",
] as const;
export type RolloutPhase = (typeof ROLLOUT_PHASES)[number];

export const FINAL_PHASES = ["completed", "rejected", "failed", "expired", "rolled_back"] as const;
export type FinalPhase = (typeof FINAL_PHASES)[number];

export const isFinal = (phase: RolloutPhase): phase is FinalPhase =>
  (FINAL_PHASES as readonly string[]).includes(phase);

/**
 * One deployment's answer to a smoke-test sample, as stored: enough to show it, not the whole answer. Records from
 * before predictions were compared have only `status` and `latencyMs`.
 */
export interface SmokeAnswer {
  /** HTTP status; 0 when no answer came (see `error`). */
  status: number;
  latencyMs: number;
  /** For a 424: the status the scoring container answered (Azure's `ms-azureml-model-error-statuscode`). */
  modelErrorStatus?: string;
  /**
   * A 2xx answer read as predictions: its first rows (labels cut short, a few numbers each); `rows` counts them all.
   * Absent when the answer is not predictions (`text` then shows its start).
   */
  predictions?: { label?: string; numbers: Record<string, number> }[];
  rows?: number;
  /** The start of a 2xx answer that is not predictions. */
  text?: string;
  /** Why it did not answer 2xx: the container's error text, or why no answer came (cut short). */
  error?: string;
}

/** How the two answers to a sample compare. */
export type SmokeComparison =
  /** Row by row, as predictions: labels, and numbers of the same name within a tolerance. */
  | {
      as: "predictions";
      /** Rows whose label changed; `labelChanges` keeps the first few. */
      changedLabels: number;
      labelChanges: { row: number; from: string; to: string }[];
      /** The number that moved most (relative to its size), when the answers carry numbers. */
      largestChange?: { name: string; row: number; from: number; to: number };
    }
  /** As JSON values (key order and number formatting aside, numbers within the tolerance), or as texts. */
  | { as: "json" | "text" };

/** One sample sent to the new deployment and to the live one during the smoke test. */
export interface SmokeSample {
  sample: string;
  candidate: SmokeAnswer;
  /** The live deployment's answer to the same sample; absent (in older records) when it could not be asked. */
  live?: SmokeAnswer;
  /** The new deployment answered 2xx. */
  passed: boolean;
  /**
   * Both answered 2xx, and differently: a label changed, a number moved beyond the tolerance, or the values differ (a
   * model change shows here; it does not fail the test). In older records: the bodies differ as strings.
   */
  differs: boolean;
  /** How the answers compare, when both answered 2xx; absent in records from before predictions were compared. */
  comparison?: SmokeComparison;
}

export interface SmokeTest {
  at: Date;
  passed: boolean;
  samples: SmokeSample[];
  /** Why nothing could be tested (no samples stored, …). */
  note?: string;
}

/** Traffic by deployment, in percent: `{ blue: 90, green: 10 }`. */
export type Traffic = Record<string, number>;

/**
 * One step of a plan: the new deployment's share of live traffic after it, or (as the first step only) the share of
 * live traffic Azure mirrors to it while the live deployment keeps answering every request.
 */
export type PlanStep = number | { mirror: number };

/** A rollout of one model version to one endpoint, as stored. Changed only by compare-and-set on `version`. */
export interface Rollout {
  id: string;
  endpoint: string;
  model: { name: string; version: string };
  /** The deployment that served traffic when the rollout began ("blue"). */
  live: string;
  /** Its model when the rollout began ("diabetes:1"). */
  liveModel?: string;
  /** The deployment the rollout creates and shifts traffic to ("green"). */
  candidate: string;
  /** The endpoint's live traffic when the rollout began: what rejection and rollback restore. */
  startTraffic: Traffic;
  /** The endpoint's traffic as last read from Azure, when a change was stored (what the card says is true now). */
  trafficSeen?: { traffic: Traffic; at: Date };
  /**
   * Traffic a person accepted after a pause ("continue from here"): what the rollout expects before `step`, instead of
   * the previous step's share.
   */
  baseline?: { step: number; traffic: Traffic };
  /**
   * While restoring: the traffic GreenLight may have left (anything else is someone else's change, which it will not
   * overwrite), and the failed attempts so far.
   */
  restore?: { from: Traffic[]; failures: number; lastError?: string };
  /** What became of the old deployment once all traffic moved: deleted, or kept at 0 %. */
  oldDeployment?: "deleted" | "kept";
  /** The candidate's traffic share after each step, in percent, ending at 100 (default [10, 90, 100]). */
  plan: PlanStep[];
  /**
   * How long each step bakes and what its gates allow, from the endpoint's tags and the defaults when the rollout
   * began. Absent in rollouts from before gates: they neither bake nor watch.
   */
  gates?: RolloutGates;
  /** When the traffic the new deployment takes now was applied: where the gates' window starts. */
  appliedAt?: Date;
  /** While baking: when the bake ends and the next approval (or the old deployment's fate) is asked for. */
  bakeUntil?: Date;
  /** An admin ended a bake early, with a reason. */
  bakeCut?: { by: Person; reason: string; at: Date };
  /** The gates' last reading of the step the new deployment takes now: what the approval card shows. */
  evidence?: Evidence;
  /** The live deployment's figures in its last window with traffic: the gates' baseline once it takes none. */
  liveBaseline?: LiveBaseline;
  /** Index into `plan` of the step being approved or applied. */
  step: number;
  phase: RolloutPhase;
  /** Incremented by every stored change; a change made against an older version is refused. */
  version: number;
  requestedBy: Person;
  requestedAt: Date;
  approvals: { step: number; by: Person; at: Date }[];
  smoke?: SmokeTest;
  /** An admin let a failed smoke test pass, with a reason. */
  override?: { by: Person; reason: string; at: Date };
  /** When the pending approval (or the whole rollout while it waits for a person) expires. */
  expiresAt?: Date;
  /** When the worker should act on it next (while it waits for a person: its expiry); absent once it ended. */
  nextRunAt?: Date;
  /**
   * Why it ended or paused, as plain text (views escape it): a failure message, the log tail, the traffic found
   * instead of the expected one. While `restoring`, `then` is the end it reaches once the starting traffic is back, and
   * `by` the person who asked for that (they are not told of their own decision). `automatic`: GreenLight decided it
   * (a gate breached) and told the requester and the approvers when it began.
   */
  ending?: { reason: string; detail?: string; then?: FinalPhase; by?: Person; automatic?: boolean };
  /** The channel its card lives in (chosen when it starts; it stays there). */
  channel: ChannelAddress;
  /** The requester's personal conversation, for direct messages. */
  requesterConversationId?: string;
  timeline: TimelineEvent[];
  updatedAt: Date;
}

/** Rollouts: an endpoint's current one is its rollout in an active phase. */
export type RolloutStore = ChangeStore<Rollout>;
