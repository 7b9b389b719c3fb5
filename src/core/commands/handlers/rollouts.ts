import type { Rollout } from "../../../ports/rollouts.js";
import type { Person } from "../../../ports/people.js";
import { personOf } from "../../access/identity.js";
import type { UserError } from "../../errors.js";
import { approve, overrideSmokeTest, reject, resume, retire, rollBack, type CardTarget } from "../../rollout/events.js";
import { describeTraffic, parsePlan, PLAN_TAG } from "../../rollout/plan.js";
import { currentTraffic, rolloutCardView, rolloutNotice, stateLine } from "../../rollout/rollout-card.js";
import { cardChannel, followingChannels } from "../../rollout/channels.js";
import { chooseSlots } from "../../rollout/slots.js";
import type { Transition, TransitionContext } from "../../rollout/transition.js";
import { escapeMarkdown as md, msg } from "../../views/markdown.js";
import { minuteText } from "../../views/time.js";
import type { Reply } from "../reply.js";
import type { CommandContext } from "../command-context.js";
import { cardPlace, refuse, viewerOf } from "./replies.js";
import { modelText } from "../../views/model-text.js";

async function transitionContext(ctx: CommandContext, endpoint: string): Promise<TransitionContext> {
  return {
    now: ctx.clock.now(),
    people: ctx.rolloutSettings.people,
    approvalTtlMs: ctx.rolloutSettings.approvalTtlMs,
    correlationId: ctx.correlationId,
    notify: await followingChannels(ctx.subscriptions, endpoint, ctx.rolloutSettings.releaseChannel),
  };
}

/**
 * `deploy <model>:<version> to <endpoint>`: stores a rollout that creates the free slot (green beside a live blue) as a
 * copy of the live deployment with the new model, at 0 % traffic; the worker does the Azure work. Refused while another
 * rollout runs on the endpoint or its deletion waits for a decision, for a model version that is not registered or is
 * live already, and for a Kubernetes endpoint.
 */
export async function deploy(
  ctx: CommandContext,
  endpointName: string,
  model: string,
  version: string,
): Promise<Reply> {
  const active = await ctx.rollouts.activeRollout(endpointName);
  if (active) return refuse(activeError(active));
  const deletion = await ctx.deletions.pendingDeletion(endpointName);
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
  if (endpoint.computeType !== "Managed") {
    return refuse({
      code: "cannot_deploy",
      endpoint: endpoint.name,
      problem: "it is a Kubernetes endpoint, which GreenLight shows read-only",
    });
  }
  const registered = await ctx.workspace.getModelVersion(model, version);
  if (!registered.ok) return refuse(registered.error);
  const slots = chooseSlots(endpoint);
  if (!slots.ok) return refuse({ code: "cannot_deploy", endpoint: endpoint.name, problem: slots.problem });
  const wanted = `${registered.value.model}:${registered.value.version}`;
  const liveModel = endpoint.deployments.find((d) => d.name === slots.live)?.model;
  if (liveModel && modelText(liveModel).toLowerCase() === wanted.toLowerCase()) {
    return refuse({
      code: "cannot_deploy",
      endpoint: endpoint.name,
      problem: `${wanted} is what ${slots.live} serves already, with all of its traffic. Name another version (type models ${registered.value.model})`,
    });
  }
  const plan = parsePlan(endpoint.tags[PLAN_TAG]);
  if (!plan.ok) return refuse({ code: "cannot_deploy", endpoint: endpoint.name, problem: plan.problem });
  const channel =
    (await cardChannel(ctx.subscriptions, endpoint.name, ctx.rolloutSettings.releaseChannel)) ?? ctx.where.channel;
  if (!channel) {
    return refuse({
      code: "cannot_deploy",
      endpoint: endpoint.name,
      problem:
        "no release channel is set up for its approval card (RELEASE_CHANNEL_ID); run deploy in a channel instead",
    });
  }
  const now = ctx.clock.now();
  const by = personOf(ctx.caller);
  const rollout: Rollout = {
    id: ctx.newId(),
    endpoint: endpoint.name,
    model: { name: registered.value.model, version: registered.value.version },
    live: slots.live,
    ...(liveModel ? { liveModel: modelText(liveModel) } : {}),
    candidate: slots.candidate,
    startTraffic: { ...endpoint.traffic },
    trafficSeen: { traffic: { ...endpoint.traffic }, at: now },
    plan: plan.plan,
    step: 0,
    phase: "requested",
    version: 1,
    requestedBy: by,
    requestedAt: now,
    approvals: [],
    nextRunAt: now,
    channel,
    ...(ctx.where.personal ? { requesterConversationId: ctx.where.conversationId } : {}),
    timeline: [{ at: now, what: `requested ${wanted} in ${slots.candidate}`, by }],
    updatedAt: now,
  };
  const created = await ctx.rollouts.createRollout(rollout, {
    audit: [
      {
        at: now,
        actor: by,
        action: "rollout.request",
        target: endpoint.name,
        outcome: "ok",
        detail: `rollout ${rollout.id.slice(0, 8)}: ${wanted} in ${slots.candidate}`,
        correlationId: ctx.correlationId,
      },
    ],
    outbox: [
      { kind: "post_card", rolloutId: rollout.id, notice: rolloutNotice(rollout, ctx.rolloutSettings.people) },
      // The channels following the endpoint hear of it; the card's own channel sees the card itself.
      ...(await followingChannels(ctx.subscriptions, endpoint.name, ctx.rolloutSettings.releaseChannel))
        .filter((c) => c.channelId !== channel.channelId)
        .map((c) => ({
          kind: "post_notice" as const,
          rolloutId: rollout.id,
          channel: c,
          notice: {
            kind: "text" as const,
            text: msg`${by.name} started a rollout of ${wanted} to ${endpoint.name}.`,
          },
        })),
    ],
  });
  if (!created.created) return refuse(activeError(created.active));
  ctx.wakeWorker();
  return {
    kind: "text",
    text: msg`Started the rollout of ${wanted} to ${endpoint.name}: ${slots.candidate} is being created beside ${slots.live} at 0 % traffic, then smoke-tested. Its card is ${cardPlace(ctx, channel)}, where approvers other than you move traffic step by step (${plan.plan.map((p) => `${p} %`).join(" → ")}).${ctx.where.personal ? " I'll message you here when it needs you and when it ends." : ""}`,
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
    const active = await ctx.rollouts.activeRollout(endpoint);
    const last = await ctx.rollouts.lastEndedRollout(endpoint);
    shown.push(...[active, last].filter((r): r is Rollout => r !== undefined));
  } else {
    shown.push(...(await ctx.rollouts.activeRollouts()));
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
    const active = await ctx.rollouts.activeRollout(endpoint);
    if (!active) return refuse({ code: "no_active_rollout", endpoint });
    const changed = rollBack(active, personOf(ctx.caller), await transitionContext(ctx, active.endpoint));
    if (!changed.ok) return refuse(changed.error);
    if (await store(ctx, active, changed.value)) {
      return {
        kind: "text",
        text: msg`Rolling back ${active.endpoint}: putting back ${describeTraffic(active.startTraffic)}. ${active.candidate} stays at 0 % for inspection.`,
      };
    }
  }
  return refuse({ code: "no_active_rollout", endpoint });
}

/** A rollout card's button, bound to the step and version shown; the answer is the card as the clicker now sees it. */
export async function decide(
  ctx: CommandContext,
  target: CardTarget,
  decision: Decision,
  typed: { reason?: string } = {},
): Promise<Reply> {
  const rollout = await ctx.rollouts.getRollout(target.rollout);
  if (!rollout) return refuse({ code: "stale_card", endpoint: "this endpoint", now: "GreenLight has no such rollout" });
  const changed = decision(rollout, personOf(ctx.caller), await transitionContext(ctx, rollout.endpoint));
  if (!changed.ok) return refusedOnCard(ctx, rollout, changed.error, typed);
  if (!(await store(ctx, rollout, changed.value))) {
    // Someone (another click, the worker) changed it first: this click is stale.
    const now = (await ctx.rollouts.getRollout(target.rollout)) ?? rollout;
    return refusedOnCard(ctx, now, { code: "stale_card", endpoint: rollout.endpoint, now: stateLine(now) }, typed);
  }
  return { kind: "card", card: "rollout", data: rolloutCardView(changed.value.next, viewerOf(ctx)) };
}

/** The card as the clicker may use it (Teams' refresh, or "Show my options"). */
export async function viewRollout(ctx: CommandContext, id: string): Promise<Reply> {
  const rollout = await ctx.rollouts.getRollout(id);
  if (!rollout) return refuse({ code: "stale_card", endpoint: "this endpoint", now: "GreenLight has no such rollout" });
  return { kind: "card", card: "rollout", data: rolloutCardView(rollout, viewerOf(ctx)) };
}

/**
 * A refused click on a card where something was typed leaves that card as the clicker had it — what they typed kept —
 * and says why on it; any other refusal is a banner, and the card stays as it is (no card to draw for a stale replay).
 */
function refusedOnCard(ctx: CommandContext, r: Rollout, error: UserError, typed: { reason?: string }): Reply {
  if (!typed.reason) return refuse(error);
  return {
    kind: "error",
    error,
    redraw: { kind: "card", card: "rollout", data: rolloutCardView(r, viewerOf(ctx), { refusal: error, typed }) },
  };
}

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
  resume:
    (target: CardTarget): Decision =>
    (r, by, t) =>
      resume(r, target, by, t),
  restore:
    (target: CardTarget): Decision =>
    (r, by, t) =>
      rollBack(r, by, t, target),
};

async function store(ctx: CommandContext, before: Rollout, t: Transition): Promise<boolean> {
  const stored = await ctx.rollouts.updateRollout(t.next, before.version, { audit: t.audit, outbox: t.outbox });
  if (stored) ctx.wakeWorker();
  return stored;
}
