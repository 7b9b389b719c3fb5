import type { DeletionDraft } from "./deletions.js";
import type { OutboxDraft } from "./rollouts.js";

/** A message a stored change asked for: a rollout's, or a deletion request's. */
export type MessageDraft = OutboxDraft | DeletionDraft;

/** What an outbox message is about: the rollout or deletion request whose change wrote it. */
export interface Subject {
  kind: "rollout" | "deletion";
  id: string;
}

export const subjectOf = (draft: MessageDraft): Subject =>
  "rolloutId" in draft ? { kind: "rollout", id: draft.rolloutId } : { kind: "deletion", id: draft.deletionId };

/** How logs name a subject: "rollout 7c1e…". */
export const nameOf = (subject: Subject): string => `${subject.kind} ${subject.id}`;

export interface OutboxMessage {
  id: number;
  subject: Subject;
  draft: MessageDraft;
  createdAt: Date;
  /** Claims before this one (a sender that died mid-send counts too). */
  attempts: number;
}

/**
 * The messages stored changes asked for, written in the change's transaction (by the RolloutStore and the
 * DeletionStore) and sent afterwards: each once, and a subject's messages in the order they were written.
 */
export interface Outbox {
  /**
   * Leases up to `limit` unsent messages that are due, oldest first; a subject's messages come in the order they were
   * written, and a message waits while an earlier one of the same subject is unsent.
   */
  claim(owner: string, now: Date, leaseMs: number, limit: number): Promise<OutboxMessage[]>;
  /** Records that a message was sent, so it is never sent again. */
  markSent(id: number, at: Date): Promise<void>;
  /** Records a failed attempt; the message is due again at `retryAt`. */
  markFailed(id: number, error: string, retryAt: Date): Promise<void>;
  /**
   * Gives back messages `owner` claimed and did not try to send (a stopping instance): they are due again at once, for
   * any sender, and the claim does not count as an attempt. Messages `owner` no longer holds, or sent, are left alone.
   */
  release(ids: number[], owner: string): Promise<void>;
}
