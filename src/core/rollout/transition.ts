import type { ChannelAddress, Markdown, Mention } from "../../ports/notifier.js";
import type { Person } from "../../ports/people.js";
import type { Effects, OutboxDraft, Rollout, RolloutPhase, Traffic } from "../../ports/rollouts.js";
import { isFinal } from "../../ports/rollouts.js";
import type { AuditEntry } from "../../ports/store.js";
import { samePerson } from "../access/identity.js";
import { msg, trusted } from "../views/markdown.js";
import { expectedTraffic } from "./plan.js";
import { rolloutNotice } from "./rollout-card.js";

/** Who holds the roles that act on rollouts, to @mention when they must (object id or UPN, as the roles file has them). */
export interface RolloutPeople {
  approvers: readonly Mention[];
  admins: readonly Mention[];
}

/** What a transition needs besides the rollout: the time, and whom to @mention when a person must act. */
export interface TransitionContext {
  now: Date;
  people: RolloutPeople;
  /** How long an approval waits before the rollout expires. */
  approvalTtlMs: number;
  /** Ties the audit rows to the log lines of the turn or worker round that made them. */
  correlationId: string;
  /** The channels that hear when a rollout of this endpoint starts or ends: its subscribers, or the release channel. */
  notify: readonly ChannelAddress[];
  /** The endpoint's traffic as just read from Azure, when the change follows a read (the worker's). */
  observed?: Traffic;
}

/** A stored change of a rollout: the next state and what it must send and audit, written in one transaction. */
export interface Transition extends Effects {
  next: Rollout;
}

/** GreenLight itself, for what the worker does. */
export const GREENLIGHT: Person = { id: "greenlight", name: "GreenLight" };

/** New values of a rollout's fields; `undefined` clears an optional one. */
type Patch = { [K in keyof Rollout]?: Rollout[K] | undefined };

/** A reply in the card's thread for the people who must act now: approvers, or admins (a failed smoke test). */
interface Ask {
  text: Markdown;
  who: keyof RolloutPeople;
}

interface Change {
  /** The new fields. */
  set: Patch;
  /** Timeline and audit wording, plain text: "approved step 1 (blue 90 / green 10)". */
  what: string;
  by?: Person;
  /** The audit row's action (`rollout.approve`) and outcome. */
  action: string;
  outcome?: string;
  /** Who must act next: a reply in the card's thread @mentions them (a card edit notifies no one). */
  ask?: Ask;
  /** A direct message to the requester (the rollout needs them, or it ended). */
  tellRequester?: Markdown;
  /** A short post in every channel that follows the endpoint (it ended or paused). */
  tellChannels?: Markdown;
}

/**
 * Builds a transition: the next version of the rollout with a timeline line, its audit row, and its messages — the
 * card redrawn in place, and the thread reply or direct message the change calls for.
 */
export function transition(rollout: Rollout, change: Change, ctx: TransitionContext): Transition {
  const by = change.by ?? GREENLIGHT;
  const merged: Record<string, unknown> = {
    ...rollout,
    ...(ctx.observed ? { trafficSeen: { traffic: { ...ctx.observed }, at: ctx.now } } : {}),
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
  const outbox: OutboxDraft[] = [
    { kind: "update_card", rolloutId: rollout.id, notice: rolloutNotice(next, ctx.people) },
  ];
  const mentions = change.ask ? whoCanAct(next, ctx.people[change.ask.who], change.by) : [];
  if (change.ask && mentions.length > 0) {
    outbox.push({ kind: "reply_in_thread", rolloutId: rollout.id, text: change.ask.text, mentions });
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

/**
 * The role holders to @mention: not the requester (they cannot approve their own rollout), and not the person whose
 * click led here (they are looking at the card) — so each ping is for someone who can act and has not just done so.
 */
function whoCanAct(r: Rollout, holders: readonly Mention[], actor: Person | undefined): Person[] {
  const excluded = [r.requestedBy, ...(actor ? [actor] : []), ...lastApprover(r)];
  return holders.map((m) => ({ id: m.id, name: m.name })).filter((m) => !excluded.some((p) => namedBy(p, m.id)));
}

const lastApprover = (r: Rollout): Person[] => {
  const last = r.approvals.at(-1);
  return last ? [last.by] : [];
};

/** Whether a roles-file id (object id or UPN) or Teams id names this person. */
const namedBy = (p: Person, id: string): boolean =>
  samePerson(p, { id, name: "", ...(id.includes("@") ? { upn: id } : { aadObjectId: id }) }) === "same";

/**
 * Starts putting the starting traffic back (retried until Azure takes it); the rollout then ends as `then`. What
 * GreenLight may have left on the endpoint is noted, so that a change someone else made meanwhile is not overwritten.
 */
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
        ending: { reason, ...(detail ? { detail } : {}), then, ...(change.by ? { by: change.by } : {}) },
        restore: { from: expectedTraffic(rollout), failures: 0 },
        nextRunAt: ctx.now,
        expiresAt: undefined,
      },
    },
    ctx,
  );
}

/**
 * Stops the rollout where it is because the endpoint is not as GreenLight left it; a person continues from there or
 * restores the start. Nothing changes in Azure meanwhile, and nothing expires.
 */
export function pause(
  rollout: Rollout,
  change: Omit<Change, "set" | "ask"> & { reason: string },
  ctx: TransitionContext,
) {
  const { reason, ...rest } = change;
  const what = msg`${`${rollout.model.name}:${rollout.model.version}`} to ${rollout.endpoint}`;
  return transition(
    rollout,
    {
      ...rest,
      set: {
        phase: "paused",
        ending: { reason },
        nextRunAt: undefined,
        expiresAt: undefined,
        restore: undefined,
      },
      ask: {
        who: "approvers",
        text: msg`The rollout of ${trusted(what)} is paused: ${reason} Continue from the traffic Azure has now, or restore the start, on the card.`,
      },
      tellRequester: msg`Your rollout of ${trusted(what)} is paused. ${reason}`,
      tellChannels: msg`The rollout of ${trusted(what)}, requested by ${rollout.requestedBy.name}, is paused. ${reason}`,
    },
    ctx,
  );
}

/** Ends a rollout: no more work, no expiry; the requester hears how it ended, unless it ended by their own decision. */
export function end(
  rollout: Rollout,
  phase: Extract<RolloutPhase, "completed" | "rejected" | "failed" | "expired" | "rolled_back">,
  change: Omit<Change, "set" | "tellRequester"> & {
    reason?: string;
    detail?: string;
    oldDeployment?: Rollout["oldDeployment"];
  },
  ctx: TransitionContext,
): Transition {
  const { reason, detail, oldDeployment, ...rest } = change;
  const ending = reason ? { reason, ...(detail ? { detail } : {}) } : rollout.ending;
  const what = msg`${`${rollout.model.name}:${rollout.model.version}`} to ${rollout.endpoint}`;
  const why = ending?.reason ? msg` ${ending.reason}` : msg``;
  const decidedBy = rollout.ending?.by;
  const ownDecision = decidedBy !== undefined && samePerson(decidedBy, rollout.requestedBy) === "same";
  return transition(
    rollout,
    {
      ...rest,
      set: {
        phase,
        nextRunAt: undefined,
        expiresAt: undefined,
        restore: undefined,
        ending: ending ? { reason: ending.reason, ...(ending.detail ? { detail: ending.detail } : {}) } : undefined,
        ...(oldDeployment ? { oldDeployment } : {}),
      },
      ...(ownDecision ? {} : { tellRequester: msg`Your rollout of ${trusted(what)} ${ENDED[phase]}.${trusted(why)}` }),
      tellChannels: msg`The rollout of ${trusted(what)}, requested by ${rollout.requestedBy.name}, ${ENDED[phase]}.${trusted(why)}`,
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
};

/** Whether the rollout still runs (not ended). */
export const isActive = (rollout: Rollout): boolean => !isFinal(rollout.phase);
