import type { Person } from "./people.js";

/** A named sample payload stored for an endpoint. */
export interface Sample {
  endpoint: string;
  name: string;
  /** JSON text, exactly as it will be sent. */
  payload: string;
  description?: string;
  createdBy: string;
  createdAt: Date;
}

/** One decision GreenLight made: a command or card action, allowed or denied. Never holds secrets. */
export interface AuditEntry {
  at: Date;
  /** Who: their display name, Teams id, and the stable identity they came with (object id, tenant, UPN). */
  actor: Person;
  /** What: the command or card-action name (`invoke`, `sample.add`, `card:invoke`). */
  action: string;
  /** The endpoint (or other target) it concerned, when there is one. */
  target?: string;
  /** `ok`, `denied`, or the error code it ended with. */
  outcome: string;
  /** Short, secret-free facts (deployment, sample name, status code). */
  detail?: string;
  /** Correlates with log lines. */
  correlationId: string;
}

/** Where a conversation is, so GreenLight can post to it later (a Bot Framework conversation reference as JSON). */
export interface ConversationRecord {
  conversationId: string;
  /** `personal`, `groupChat` or `channel`. */
  kind: string;
  /** The reference JSON, as the Teams edge captured it. */
  reference: unknown;
  updatedAt: Date;
}

/**
 * Samples, audit, conversations and processed activity ids: GreenLight's records besides rollouts, deletions,
 * subscriptions and the outbox. PGlite embedded by default, PostgreSQL when DATABASE_URL is set.
 */
export interface Store {
  /** Samples of one endpoint, by name. */
  listSamples(endpoint: string): Promise<Sample[]>;
  getSample(endpoint: string, name: string): Promise<Sample | undefined>;
  /** Adds or replaces a sample; resolves to true when it replaced one. */
  putSample(sample: Sample): Promise<boolean>;
  /** Removes an endpoint's samples (or the one named); resolves to how many were removed. */
  removeSamples(endpoint: string, name?: string): Promise<number>;

  appendAudit(entry: AuditEntry): Promise<void>;
  /** Newest first. */
  latestAudit(options: { target?: string; limit: number }): Promise<AuditEntry[]>;

  saveConversation(record: ConversationRecord): Promise<void>;
  getConversation(conversationId: string): Promise<ConversationRecord | undefined>;

  /**
   * Records an incoming activity id; resolves to false when it was seen before, so a redelivered activity is not
   * executed twice. Atomic across bot instances.
   */
  markActivityProcessed(activityId: string, at: Date): Promise<boolean>;

  /**
   * Asks the database a trivial question (readiness): resolves once it answered, rejects when it failed or took
   * longer than `timeoutMs`. Writes nothing.
   */
  ping(timeoutMs: number): Promise<void>;
}
