import type { ChannelAddress, Mention } from "../../ports/notifier.js";
import type { Effects, OutboxDraft, Person, Rollout, RolloutPhase } from "../../ports/rollouts.js";
import { isFinal } from "../../ports/rollouts.js";
import type { AuditEntry } from "../../ports/store.js";
import { escapeMarkdown as md } from "../views/markdown.js";
import { rolloutNotice } from "./rollout-card.js";

/** What a transition needs besides the rollout: the time, and whom to @mention when an approval is needed. */
export interface TransitionContext {
  now: Date;
  /** The approvers, to @mention in the card's thread (a card edit notifies no one). */
  approvers: readonly Mention[];
  /** How long an approval waits before the rollout expires. */
  approvalTtlMs: number;
  /** Ties the audit rows to the log lines of the turn or worker round that made them. */
  correlationId: string;
  /** The channels that hear when a rollout of this endpoint starts or ends: its subscribers, or the release channel. */
  notify: readonly ChannelAddress[];
}

/** A stored change of a rollout: the next state and what it must send and audit, written in one transaction. */
export interface Transition extends Effects {
  next: Rollout;
}

/** GreenLight itself, for what the worker does. */
export const GREENLIGHT: Person = { id: "greenlight", name: "GreenLight" };

/** New values of a rollout's fields; `undefined` clears an optional one. */
type Patch = { [K in keyof Rollout]?: Rollout[K] | undefined };

interface Change {
  /** The new fields. */
  set: Patch;
  /** Timeline and audit wording: "approved step 1 (blue 90 / green 10)". */
  what: string;
  by?: Person;
  /** The audit row's action (`rollout.approve`) and outcome. */
  action: string;
  outcome?: string;
  /** A reply in the card's thread that @mentions the approvers. */
  askApprovers?: string;
  /** A direct message to the requester (the rollout needs them, or it ended). */
  tellRequester?: string;
  /** A short post in every channel that follows the endpoint (it ended or paused). */
  tellChannels?: string;
}

/**
 * Builds a transition: the next version of the rollout with a timeline line, its audit row, and its messages — the
 * card redrawn in place, and the thread reply or direct message the change calls for.
 */
export function transition(rollout: Rollout, change: Change, ctx: TransitionContext): Transition {
  const by = change.by ?? GREENLIGHT;
  const merged: Record<string, unknown> = {
    ...rollout,
    ...change.set,
    version: rollout.version + 1,
    timeline: [...rollout.timeline, { at: ctx.now, what: change.what, ...(change.by ? { by: change.by } : {}) }],
    updatedAt: ctx.now,
  };
  // Cleared fields are dropped, so the stored record never carries an undefined (exactOptionalPropertyTypes).
  for (const key of Object.keys(merged)) if (merged[key] === undefined) delete merged[key];
  const next = merged as unknown as Rollout;
  const audit: AuditEntry = {
    at: ctx.now,
    actor: by,
    action: change.action,
    target: rollout.endpoint,
    outcome: change.outcome ?? "ok",
    detail: `rollout ${rollout.id.slice(0, 8)}: ${change.what}`,
    correlationId: ctx.correlationId,
  };
  const outbox: OutboxDraft[] = [{ kind: "update_card", rolloutId: rollout.id, notice: rolloutNotice(next) }];
  if (change.askApprovers) {
    outbox.push({
      kind: "reply_in_thread",
      rolloutId: rollout.id,
      text: change.askApprovers,
      mentions: [...ctx.approvers],
    });
  }
  if (change.tellChannels) {
    for (const channel of ctx.notify) {
      outbox.push({
        kind: "post_notice",
        rolloutId: rollout.id,
        channel,
        notice: { kind: "text", text: change.tellChannels },
      });
    }
  }
  if (change.tellRequester && rollout.requesterConversationId) {
    outbox.push({
      kind: "personal_message",
      rolloutId: rollout.id,
      conversationId: rollout.requesterConversationId,
      notice: { kind: "text", text: change.tellRequester },
    });
  }
  return { next, audit: [audit], outbox };
}

/** The phase a rollout reaches once its starting traffic is back (or directly, when nothing was shifted). */
export function restore(
  rollout: Rollout,
  then: "rejected" | "rolled_back" | "expired" | "failed",
  change: Omit<Change, "set"> & { reason: string; detail?: string },
  ctx: TransitionContext,
): Transition {
  const { reason, detail, ...rest } = change;
  return transition(
    rollout,
    {
      ...rest,
      set: {
        phase: "restoring",
        ending: { reason, ...(detail ? { detail } : {}), then },
        nextRunAt: ctx.now,
        expiresAt: undefined,
      },
    },
    ctx,
  );
}

/** Ends a rollout: no more work, no expiry; the requester hears how it ended. */
export function end(
  rollout: Rollout,
  phase: Extract<RolloutPhase, "completed" | "rejected" | "failed" | "expired" | "rolled_back" | "paused">,
  change: Omit<Change, "set" | "tellRequester"> & { reason?: string; detail?: string },
  ctx: TransitionContext,
): Transition {
  const { reason, detail, ...rest } = change;
  const ending = reason ? { reason, ...(detail ? { detail } : {}) } : rollout.ending;
  const what = `${md(`${rollout.model.name}:${rollout.model.version}`)} to ${md(rollout.endpoint)}`;
  const why = ending?.reason ? ` ${md(ending.reason)}` : "";
  const text = `Your rollout of ${what} ${ENDED[phase]}.`;
  return transition(
    rollout,
    {
      ...rest,
      set: {
        phase,
        nextRunAt: undefined,
        expiresAt: undefined,
        ending: ending ? { reason: ending.reason, ...(ending.detail ? { detail: ending.detail } : {}) } : undefined,
      },
      tellRequester: `${text}${why}`,
      tellChannels: `The rollout of ${what}, requested by ${md(rollout.requestedBy.name)}, ${ENDED[phase]}.${why}`,
    },
    ctx,
  );
}

const ENDED: Record<Parameters<typeof end>[1], string> = {
  completed: "is complete",
  rejected: "was rejected",
  failed: "failed",
  expired: "expired",
  rolled_back: "was rolled back",
  paused: "is paused",
};

/** Whether the rollout still runs (not ended). */
export const isActive = (rollout: Rollout): boolean => !isFinal(rollout.phase);
