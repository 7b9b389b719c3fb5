import type { Markdown, Mention } from "../../ports/notifier.js";
import type { Rollout, RolloutPhase, Traffic } from "../../ports/rollouts.js";
import { samePerson } from "../people/identity.js";
import {
  applyChange,
  type Applied,
  type Change as CoreChange,
  type ChangeContext,
  type ChangeKind,
} from "../change/change.js";
import { othersWhoMayAct } from "../change/decision.js";
import { msg, trusted } from "../views/markdown.js";
import { expectedTraffic } from "./plan.js";
import { rolloutNotice } from "./rollout-card.js";

/** Who holds the roles that act on rollouts, to @mention when they must (object id or UPN, as the roles file has them). */
export interface RolloutPeople {
  approvers: readonly Mention[];
  admins: readonly Mention[];
}

/** What a transition needs besides the rollout and the time: whom to @mention when a person must act. */
export interface TransitionContext extends ChangeContext {
  people: RolloutPeople;
  /** How long an approval waits before the rollout expires. */
  approvalTtlMs: number;
  /** The endpoint's traffic as just read from Azure, when the change follows a read (the worker's). */
  observed?: Traffic;
}

/** A stored change of a rollout: the next state and what it must send and audit, written in one transaction. */
export type Transition = Applied<Rollout>;

/** A reply in the card's thread for the people who must act now: approvers, or admins (a failed smoke test). */
interface Ask {
  text: Markdown;
  who: keyof RolloutPeople;
  /**
   * Tell every holder of the role but the requester (told in person), the last decider included: news of what
   * GreenLight did on its own, rather than a request to act.
   */
  all?: boolean;
}

type Change = Omit<CoreChange<Rollout>, "ask"> & {
  /** Who must act next: a reply in the card's thread @mentions them (a card edit notifies no one). */
  ask?: Ask;
};

/**
 * Builds a transition: the next version of the rollout with a timeline line, its audit row, and its messages — the
 * card redrawn in place, and the thread reply or direct message the change calls for.
 */
export function transition(rollout: Rollout, change: Change, ctx: TransitionContext): Transition {
  const { ask, ...rest } = change;
  const approvals = change.set.approvals ?? rollout.approvals;
  const mentions = ask
    ? othersWhoMayAct(ctx.people[ask.who], [
        rollout.requestedBy,
        ...(change.by ? [change.by] : []),
        ...(ask.all ? [] : approvals.slice(-1).map((a) => a.by)),
      ])
    : [];
  return applyChange(
    rollout,
    {
      ...rest,
      set: { ...(ctx.observed ? { trafficSeen: { traffic: { ...ctx.observed }, at: ctx.now } } : {}), ...change.set },
      ...(ask ? { ask: { text: ask.text, mentions } } : {}),
    },
    ctx,
    rolloutKind(ctx.people),
  );
}

/** A rollout's card, drawn for the people who act on it; its thread takes the replies that ask them to. */
export const rolloutKind = (people: RolloutPeople): ChangeKind<Rollout> => ({
  noun: "rollout",
  card: (r) => rolloutNotice(r, people),
  threadReplies: true,
});

/**
 * Starts putting the starting traffic back (retried until Azure takes it); the rollout then ends as `then`. What
 * GreenLight may have left on the endpoint is noted, so that a change someone else made meanwhile is not overwritten.
 */
export function restore(
  rollout: Rollout,
  then: "rejected" | "rolled_back" | "expired" | "failed",
  change: Omit<Change, "set"> & { reason: string; detail?: string; automatic?: boolean },
  ctx: TransitionContext,
  set: Partial<Rollout> = {},
): Transition {
  const { reason, detail, automatic, ...rest } = change;
  return transition(
    rollout,
    {
      ...rest,
      set: {
        ...set,
        phase: "restoring",
        ending: {
          reason,
          ...(detail ? { detail } : {}),
          then,
          ...(change.by ? { by: change.by } : {}),
          ...(automatic ? { automatic } : {}),
        },
        restore: { from: expectedTraffic(rollout), failures: 0 },
        nextRunAt: ctx.now,
        expiresAt: undefined,
        bakeUntil: undefined,
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
  // The requester heard of their own decision, and of GreenLight's automatic rollback when it began.
  const told =
    rollout.ending?.automatic === true ||
    (decidedBy !== undefined && samePerson(decidedBy, rollout.requestedBy) === "same");
  return transition(
    rollout,
    {
      ...rest,
      set: {
        phase,
        nextRunAt: undefined,
        expiresAt: undefined,
        restore: undefined,
        bakeUntil: undefined,
        ending: ending
          ? {
              reason: ending.reason,
              ...(ending.detail ? { detail: ending.detail } : {}),
              ...(ending.automatic ? { automatic: true } : {}),
            }
          : undefined,
        ...(oldDeployment ? { oldDeployment } : {}),
      },
      ...(told ? {} : { tellRequester: msg`Your rollout of ${trusted(what)} ${ENDED[phase]}.${trusted(why)}` }),
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
