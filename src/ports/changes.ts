import type { Leases } from "./leases.js";
import type { MessageRef } from "./notifier.js";
import type { MessageDraft } from "./outbox.js";
import type { AuditEntry } from "./store.js";

/** What a change does besides changing its subject: written in the same transaction. */
export interface Effects {
  audit: readonly AuditEntry[];
  outbox: readonly MessageDraft[];
}

/**
 * The subjects of one kind of approved change (rollouts, deletion requests), and the leases that say which bot process
 * drives each. An endpoint has one current (not ended) subject of a kind at most. Every write is a compare-and-set on
 * the subject's version, so two clicks, a redelivered activity or two processes never apply a change twice; a change's
 * audit rows and messages are written in its transaction.
 */
export interface ChangeStore<S extends { id: string; version: number }> extends Leases<S> {
  /**
   * Stores a new subject (version 1) with its effects, unless its endpoint (case-insensitive) already has a current
   * one: then nothing is written and that one is returned.
   */
  create(subject: S, effects: Effects): Promise<{ created: true } | { created: false; current: S }>;
  get(id: string): Promise<S | undefined>;
  /** The endpoint's current subject, if any. */
  current(endpoint: string): Promise<S | undefined>;
  /** Every current subject, oldest request first. */
  allCurrent(): Promise<S[]>;
  /** The endpoint's most recently ended subject. */
  lastEnded(endpoint: string): Promise<S | undefined>;
  /**
   * Writes `next` with version `expectedVersion + 1`, its audit rows and outbox messages, in one transaction — only if
   * the stored version is still `expectedVersion`. Resolves to false (and writes nothing) otherwise.
   */
  update(next: S, expectedVersion: number, effects: Effects): Promise<boolean>;
  /** The reference of the subject's card once posted (kept apart from the versioned state). */
  setCard(id: string, card: MessageRef): Promise<void>;
  getCard(id: string): Promise<MessageRef | undefined>;
}
