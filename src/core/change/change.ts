// The change core: what every kind of approved change (a rollout, a deletion) shares. A new request (request.ts) and
// each later change (applyChange) are one stored transition — next version, timeline line, audit row, outbox — and a
// person's decision is bound to the subject and version its card showed (decision.ts). A new kind brings its record
// and phases (ports), a decision table, how its card is drawn (ChangeKind) and its transitions; nothing here names a
// kind.
import type { ChannelAddress, Markdown, Notice } from "../../ports/notifier.js";
import type { MessageDraft } from "../../ports/outbox.js";
import type { Person } from "../../ports/people.js";
import type { AuditEntry } from "../../ports/store.js";
import type { TimelineEvent } from "../../ports/timeline.js";

/**
 * A subject that people change by decisions on its card, and GreenLight by its worker: a rollout, a deletion request.
 * Stored with a version; every change is a compare-and-set on it.
 */
export interface Versioned<P extends string = string> {
  id: string;
  endpoint: string;
  phase: P;
  version: number;
  /** Where the subject is within its phase, when the card shows one (a rollout's step): a click is bound to it too. */
  step?: number;
  requestedBy: Person;
  requestedAt: Date;
  /** When the decision it waits for expires. */
  expiresAt?: Date;
  channel: ChannelAddress;
  requesterConversationId?: string;
  timeline: TimelineEvent[];
  updatedAt: Date;
}

/** The kinds of approved change, as an audit row names its subject ("rollout 0f0e0d0c: …"). */
export type ChangeNoun = "rollout" | "deletion";

/** GreenLight itself, for what the worker does. */
export const GREENLIGHT: Person = { id: "greenlight", name: "GreenLight" };

/** New values of a subject's fields; `undefined` clears an optional one. */
export type Patch<S> = { [K in keyof S]?: S[K] | undefined };

/** What every change needs besides the subject. */
export interface ChangeContext {
  now: Date;
  /** Ties the audit rows to the log lines of the turn or worker round that made them. */
  correlationId: string;
  /** The channels that follow the endpoint: they hear when a change starts, ends or pauses. */
  notify: readonly ChannelAddress[];
}

export interface Change<S> {
  set: Patch<S>;
  /** Timeline and audit wording, plain text: "approved step 1 (blue 90 / green 10)". */
  what: string;
  /** The person whose decision this is; GreenLight when absent. */
  by?: Person;
  /** The audit row's action (`rollout.approve`) and outcome ("ok" when absent). */
  action: string;
  outcome?: string;
  /** A reply in the card's thread that @mentions who must act now (a card edit notifies no one). */
  ask?: { text: Markdown; mentions: Person[] };
  /** A direct message to the requester. */
  tellRequester?: Markdown;
  /** A short post in every channel that follows the endpoint. */
  tellChannels?: Markdown;
}

/**
 * What a kind of change adds to the messages every change sends: how its card is drawn, and whether the card takes
 * thread replies. The messages themselves are the same for every kind (see applyChange); the store files them under
 * the subject whose change wrote them.
 */
export interface ChangeKind<S> {
  noun: ChangeNoun;
  /** The card as it shows the subject now: posted for a new request, redrawn in place after each change. */
  card(s: S): Notice;
  /** A kind whose card has no thread replies yet cannot ask anyone in the thread. */
  threadReplies: boolean;
}

/** A stored change: the next version, and its audit rows and messages — written in one transaction. */
export interface Applied<S> {
  next: S;
  audit: AuditEntry[];
  outbox: MessageDraft[];
}

/**
 * Applies a change: the next version with a timeline line, its audit row, the card redrawn in place, and the thread
 * reply, channel posts and direct message the change calls for.
 */
export function applyChange<S extends Versioned>(
  s: S,
  change: Change<S>,
  ctx: ChangeContext,
  kind: ChangeKind<S>,
): Applied<S> {
  const merged: Record<string, unknown> = {
    ...s,
    ...change.set,
    version: s.version + 1,
    timeline: [...s.timeline, { at: ctx.now, what: change.what, ...(change.by ? { by: change.by } : {}) }],
    updatedAt: ctx.now,
  };
  // Cleared fields are dropped, so the stored record never carries an undefined (exactOptionalPropertyTypes).
  for (const key of Object.keys(merged)) if (merged[key] === undefined) delete merged[key];
  const next = merged as unknown as S;
  const outbox: MessageDraft[] = [{ kind: "update_card", notice: kind.card(next) }];
  if (change.ask && change.ask.mentions.length > 0) {
    if (!kind.threadReplies) throw new Error(`a ${kind.noun} card has no thread to ask in`);
    outbox.push({ kind: "reply_in_thread", text: change.ask.text, mentions: change.ask.mentions });
  }
  if (change.tellChannels) outbox.push(...channelPosts(ctx.notify, change.tellChannels));
  if (change.tellRequester && s.requesterConversationId) {
    outbox.push({
      kind: "personal_message",
      conversationId: s.requesterConversationId,
      notice: { kind: "text", text: change.tellRequester },
    });
  }
  const audit = auditRow(kind.noun, s, {
    by: change.by ?? GREENLIGHT,
    action: change.action,
    outcome: change.outcome ?? "ok",
    what: change.what,
    ctx,
  });
  return { next, audit: [audit], outbox };
}

/** A short post in each of these channels. */
export const channelPosts = (channels: readonly ChannelAddress[], text: Markdown): MessageDraft[] =>
  channels.map((channel) => ({ kind: "post_notice", channel, notice: { kind: "text", text } }));

/** The audit row of a change: who, what, when, the endpoint, and the subject's short id. */
export function auditRow(
  noun: ChangeNoun,
  s: Pick<Versioned, "id" | "endpoint">,
  row: { by: Person; action: string; outcome: string; what: string; ctx: Omit<ChangeContext, "notify"> },
): AuditEntry {
  return {
    at: row.ctx.now,
    actor: row.by,
    action: row.action,
    target: s.endpoint,
    outcome: row.outcome,
    detail: `${noun} ${s.id.slice(0, 8)}: ${row.what}`,
    correlationId: row.ctx.correlationId,
  };
}
