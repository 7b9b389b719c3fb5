import type { ChannelAddress, Markdown, Notice } from "./notifier.js";
import type { Person } from "./people.js";

/**
 * A message a stored change asks for, about the change's own subject: the store files it under that subject, and the
 * sender finds the subject's card and channel from it (OutboxMessage.subject).
 */
export type MessageDraft =
  /** Posts the subject's card in its channel; the sent message's reference is kept with the subject. */
  | { kind: "post_card"; notice: Notice }
  /** Replaces the subject's card (after it was posted) with the notice. */
  | { kind: "update_card"; notice: Notice }
  /** Replies in the card's thread, @mentioning people (a card edit notifies no one). */
  | { kind: "reply_in_thread"; text: Markdown; mentions: Person[] }
  /** A direct message to a stored personal conversation. */
  | { kind: "personal_message"; conversationId: string; notice: Notice }
  /** A short post in a channel that follows the endpoint (a change started, ended, paused). */
  | { kind: "post_notice"; channel: ChannelAddress; notice: Notice };

/** What an outbox message is about: the rollout or deletion request whose change wrote it. */
export interface Subject {
  kind: "rollout" | "deletion";
  id: string;
}

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
   * Records that a message will never be sent (Teams keeps refusing it): it is not handed out again, it is kept with
   * why, and the subject's later messages go on.
   */
  giveUp(id: number, error: string, at: Date): Promise<void>;
  /**
   * Gives back messages `owner` claimed and did not try to send (a stopping instance): they are due again at once, for
   * any sender, and the claim does not count as an attempt. Messages `owner` no longer holds, or sent, are left alone.
   */
  release(ids: number[], owner: string): Promise<void>;
}
