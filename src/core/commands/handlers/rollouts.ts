import type { Rollout } from "../../../ports/rollouts.js";
import type { Person } from "../../../ports/people.js";
import { personOf } from "../../people/identity.js";
import type { UserError } from "../../errors.js";
import {
  approve,
  endBake,
  overrideSmokeTest,
  reject,
  requestRollout,
  resume,
  retire,
  rollBack,
  type CardTarget,
} from "../../rollout/events.js";
import { describeTraffic, planText } from "../../rollout/plan.js";
import { currentTraffic, rolloutCardView, stateLine } from "../../rollout/rollout-card.js";
import type { TransitionContext } from "../../rollout/transition.js";
import { escapeMarkdown as md, msg } from "../../views/markdown.js";
import { minuteText } from "../../views/time.js";
import type { Reply } from "../reply.js";
import type { CommandContext } from "../command-context.js";
import { decideOnCard, storeChange, viewOnCard, type CardSubject } from "./decide-on-card.js";
import { cardPlace, changeContext, newRequest, refuse, viewerOf } from "./replies.js";

async function transitionContext(ctx: CommandContext, endpoint: string): Promise<TransitionContext> {
  return {
    ...(await changeContext(ctx, endpoint)),
    people: ctx.rolloutSettings.people,
    approvalTtlMs: ctx.rolloutSettings.approvalTtlMs,
  };
}

/**
 * `deploy <model>:<version> to <endpoint>`: stores a rollout that creates the free slot (green beside a live blue) as a
 * copy of the live deployment with the new model, at 0 % traffic; the worker does the Azure work. Refused while another
 * rollout runs on the endpoint or its deletion waits for a decision, and as `requestRollout` says.
 */
export async function deploy(
  ctx: CommandContext,
  endpointName: string,
  model: string,
  version: string,
): Promise<Reply> {
  const active = await ctx.rollouts.current(endpointName);
  if (active) return refuse(activeError(active));
  const deletion = await ctx.deletions.current(endpointName);
  if (deletion) {
    return refuse({
      code: "cannot_deploy",
      endpoint: deletion.endpoint,
      problem:
        `${deletion.requestedBy.name} asked to delete it at ${minuteText(deletion.requestedAt)} (request ` +
        `${deletion.id.slice(0, 8)}) and no approver has decided yet. An approver can keep it with Keep it on that ` +
        `card; then deploy again`,
    });
  }
  const found = await ctx.workspace.getEndpoint(endpointName);
  if (!found.ok) return refuse(found.error);
  const endpoint = found.value;
  const requested = requestRollout(
    {
      ...(await newRequest(ctx, endpoint.name)),
      endpoint,
      model: await ctx.workspace.getModelVersion(model, version),
      gateDefaults: ctx.rolloutSettings.gateDefaults,
    },
    await transitionContext(ctx, endpoint.name),
  );
  if (!requested.ok) return refuse(requested.error);
  const { next: r, audit, outbox } = requested.value;
  const created = await ctx.rollouts.create(r, { audit, outbox });
  if (!created.created) return refuse(activeError(created.current));
  ctx.wakeWorker();
  return {
    kind: "text",
    text: msg`Started the rollout of ${`${r.model.name}:${r.model.version}`} to ${r.endpoint}: ${r.candidate} is being created beside ${r.live} at 0 % traffic, then smoke-tested. Its card is ${cardPlace(ctx, r.channel)}, where approvers other than you move traffic step by step (${planText(r.plan)}).${ctx.where.personal ? " I'll message you here when it needs you and when it ends." : ""}`,
  };
}

function activeError(active: Rollout): UserError {
  return {
    code: "rollout_active",
    endpoint: active.endpoint,
    model: `${active.model.name}:${active.model.version}`,
    phase: stateLine(active),
    requestedBy: active.requestedBy.name,
  };
}

/** `status [endpoint]`: the rollouts under way, and with an endpoint also its last finished one. */
export async function status(ctx: CommandContext, endpoint: string | undefined): Promise<Reply> {
  const shown: Rollout[] = [];
  if (endpoint) {
    const active = await ctx.rollouts.current(endpoint);
    const last = await ctx.rollouts.lastEnded(endpoint);
    shown.push(...[active, last].filter((r): r is Rollout => r !== undefined));
  } else {
    shown.push(...(await ctx.rollouts.allCurrent()));
  }
  return {
    kind: "card",
    card: "rollout-status",
    data: {
      title: endpoint ? `Rollouts of ${md(endpoint)}` : "Rollouts under way",
      empty: endpoint ? `${md(endpoint)} has had no rollout yet.` : "No rollout is under way.",
      rollouts: shown.map((r) => {
        const view = rolloutCardView(r);
        return {
          endpoint: md(r.endpoint),
          model: md(`${r.model.name}:${r.model.version}`),
          phase: view.phase,
          traffic: md(describeTraffic(currentTraffic(r))),
          requestedBy: md(r.requestedBy.name),
          updated: minuteText(r.updatedAt),
          ending: view.ending,
        };
      }),
    },
  };
}

/**
 * `rollback <endpoint>`: the starting traffic goes back now, without approval; the new deployment stays at 0 %. It
 * also restores a paused rollout, and tries again at once a restore Azure refused.
 */
export async function rollback(ctx: CommandContext, endpoint: string): Promise<Reply> {
  // A concurrent change (a click, the worker) may win the compare-and-set; the rollback is tried on its result.
  for (let attempt = 0; attempt < 3; attempt++) {
    const active = await ctx.rollouts.current(endpoint);
    if (!active) return refuse({ code: "no_active_rollout", endpoint });
    const changed = rollBack(active, personOf(ctx.caller), await transitionContext(ctx, active.endpoint));
    if (!changed.ok) return refuse(changed.error);
    if (await storeChange(ctx, rolloutCards(ctx), active, changed.value)) {
      return {
        kind: "text",
        text: msg`Rolling back ${active.endpoint}: putting back ${describeTraffic(active.startTraffic)}. ${active.candidate} stays at 0 % for inspection.`,
      };
    }
  }
  return refuse({ code: "no_active_rollout", endpoint });
}

/** A rollout's card, as its buttons reach it; `typed` is what the clicker typed in the reason box. */
const rolloutCards = (ctx: CommandContext, typed: { reason?: string } = {}): CardSubject<Rollout> => ({
  unknown: "GreenLight has no such rollout",
  get: (id) => ctx.rollouts.get(id),
  update: (next, expectedVersion, effects) => ctx.rollouts.update(next, expectedVersion, effects),
  stateLine,
  card: (r, refusal) => ({
    kind: "card",
    card: "rollout",
    data: rolloutCardView(r, viewerOf(ctx), refusal ? { refusal, typed } : {}),
  }),
});

/** A rollout card's button, bound to the step and version shown; the answer is the card as the clicker now sees it. */
export async function decide(
  ctx: CommandContext,
  target: CardTarget,
  decision: Decision,
  typed: { reason?: string } = {},
): Promise<Reply> {
  const decideNow = async (r: Rollout) => decision(r, personOf(ctx.caller), await transitionContext(ctx, r.endpoint));
  return decideOnCard(ctx, rolloutCards(ctx, typed), target.rollout, decideNow, Boolean(typed.reason));
}

/** The card as the clicker may use it (Teams' refresh, or "Show my options"). */
export const viewRollout = (ctx: CommandContext, id: string): Promise<Reply> => viewOnCard(rolloutCards(ctx), id);

type Decision = (r: Rollout, by: Person, t: TransitionContext) => ReturnType<typeof approve>;

export const decisions = {
  approve:
    (target: CardTarget): Decision =>
    (r, by, t) =>
      approve(r, target, by, t),
  reject:
    (target: CardTarget, reason: string | undefined): Decision =>
    (r, by, t) =>
      reject(r, target, by, reason, t),
  retire:
    (target: CardTarget, keep: boolean): Decision =>
    (r, by, t) =>
      retire(r, target, by, keep, t),
  override:
    (target: CardTarget, reason: string): Decision =>
    (r, by, t) =>
      overrideSmokeTest(r, target, by, reason, t),
  endBake:
    (target: CardTarget, reason: string): Decision =>
    (r, by, t) =>
      endBake(r, target, by, reason, t),
  resume:
    (target: CardTarget): Decision =>
    (r, by, t) =>
      resume(r, target, by, t),
  restore:
    (target: CardTarget): Decision =>
    (r, by, t) =>
      rollBack(r, by, t, target),
};
