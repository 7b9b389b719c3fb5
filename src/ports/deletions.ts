import type { ChangeStore } from "./changes.js";
import type { ChannelAddress } from "./notifier.js";
import type { Person } from "./people.js";
import type { TimelineEvent } from "./timeline.js";

/**
 * Where a request to delete an endpoint is: waiting for an approver to confirm it on its card, being deleted, or
 * ended — deleted, rejected, expired, or failed (Azure refused, or a rollout started meanwhile).
 */
export const DELETION_PHASES = ["awaiting_approval", "deleting", "deleted", "rejected", "expired", "failed"] as const;
export type DeletionPhase = (typeof DELETION_PHASES)[number];
export const isDeletionFinal = (phase: DeletionPhase): boolean => phase !== "awaiting_approval" && phase !== "deleting";

/** What deleting the endpoint loses, as read when the deletion was requested (shown on the approval card). */
export interface DeletionPreview {
  scoringUri?: string;
  traffic: Record<string, number>;
  deployments: { name: string; model: string; state: string; instances: string }[];
  /** Scoring requests per deployment in the recent past, when the workspace reports them. */
  recentRequests?: Record<string, number>;
}

/** A request to delete an endpoint and its deployments. Changed only by compare-and-set on `version`. */
export interface Deletion {
  id: string;
  endpoint: string;
  phase: DeletionPhase;
  version: number;
  requestedBy: Person;
  requestedAt: Date;
  preview: DeletionPreview;
  /** Who confirmed it (typing the endpoint's name on the card), and when. */
  approvedBy?: { by: Person; at: Date };
  expiresAt?: Date;
  /** When the worker should look at it next (its expiry while it waits); absent once it ended. */
  nextRunAt?: Date;
  ending?: { reason: string; detail?: string };
  channel: ChannelAddress;
  requesterConversationId?: string;
  timeline: TimelineEvent[];
  updatedAt: Date;
}

/** Deletion requests: an endpoint's current one is its pending (not ended) request. */
export type DeletionStore = ChangeStore<Deletion>;
