import type { Person, Rollout } from "../../../ports/rollouts.js";
import type { UserError } from "../../errors.js";
import { approve, overrideSmokeTest, reject, retire, rollBack, type CardTarget } from "../../rollout/events.js";
import { describeTraffic, parsePlan, PLAN_TAG } from "../../rollout/plan.js";
import { currentTraffic, rolloutCardView, rolloutNotice } from "../../rollout/rollout-card.js";
import { cardChannel, followingChannels } from "../../rollout/channels.js";
import { chooseSlots } from "../../rollout/slots.js";
import type { Transition, TransitionContext } from "../../rollout/transition.js";
import { escapeMarkdown as md } from "../../views/markdown.js";
import type { Reply } from "../../views/views.js";
import type { CommandContext } from "../command-context.js";

const refuse = (error: UserError): Reply => ({ kind: "error", error });

const personOf = (ctx: CommandContext): Person => ({
  id: ctx.caller.id,
  name: ctx.caller.name,
  ...(ctx.caller.aadObjectId ? { aadObjectId: ctx.caller.aadObjectId } : {}),
});

async function transitionContext(ctx: CommandContext, endpoint: string): Promise<TransitionContext> {
  return {
    now: ctx.clock.now(),
    approvers: ctx.rolloutSettings.approvers,
    approvalTtlMs: ctx.rolloutSettings.approvalTtlMs,
    correlationId: ctx.correlationId,
    notify: await followingChannels(ctx.subscriptions, endpoint, ctx.rolloutSettings.releaseChannel),
  };
}

/**
 * `deploy <model>:<version> to <endpoint>`: stores a rollout that creates the free slot (green beside a live blue) as a
 * copy of the live deployment with the new model, at 0 % traffic; the worker does the Azure work. Refused while another
 * rollout runs on the endpoint, for a model version that is not registered, and for a Kubernetes endpoint.
 */
export async function deploy(
  ctx: CommandContext,
  endpointName: string,
  model: string,
  version: string,
): Promise<Reply> {
  const active = await ctx.rollouts.activeRollout(endpointName);
  if (active) return refuse(activeError(active));
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
  const by = personOf(ctx);
  const rollout: Rollout = {
    id: ctx.newId(),
    endpoint: endpoint.name,
    model: { name: registered.value.model, version: registered.value.version },
    live: slots.live,
    candidate: slots.candidate,
    startTraffic: { ...endpoint.traffic },
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
    timeline: [{ at: now, what: `requested ${model}:${version} in ${slots.candidate}`, by }],
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
        detail: `rollout ${rollout.id.slice(0, 8)}: ${model}:${version} in ${slots.candidate}`,
        correlationId: ctx.correlationId,
      },
    ],
    outbox: [
      { kind: "post_card", rolloutId: rollout.id, notice: rolloutNotice(rollout) },
      // The channels following the endpoint hear of it; the card's own channel sees the card itself.
      ...(await followingChannels(ctx.subscriptions, endpoint.name, ctx.rolloutSettings.releaseChannel))
        .filter((c) => c.channelId !== channel.channelId)
        .map((c) => ({
          kind: "post_notice" as const,
          rolloutId: rollout.id,
          channel: c,
          notice: {
            kind: "text" as const,
            text: `${md(by.name)} started a rollout of ${md(`${model}:${version}`)} to ${md(endpoint.name)}.`,
          },
        })),
    ],
  });
  if (!created.created) return refuse(activeError(created.active));
  ctx.wakeWorker();
  return {
    kind: "text",
    text:
      `Started the rollout of ${md(`${model}:${version}`)} to ${md(endpoint.name)}: ${md(slots.candidate)} is being ` +
      `created beside ${md(slots.live)} at 0 % traffic, then smoke-tested. Its card is in the release channel, where ` +
      `approvers move traffic step by step (${plan.plan.map((p) => `${p} %`).join(" → ")}). ` +
      (ctx.where.personal ? "I'll message you here when it needs you and when it ends." : ""),
  };
}

function activeError(active: Rollout): UserError {
  return {
    code: "rollout_active",
    endpoint: active.endpoint,
    model: `${active.model.name}:${active.model.version}`,
    phase: rolloutCardView(active).phase,
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
          updated: `${r.updatedAt.toISOString().replace("T", " ").slice(0, 16)} UTC`,
          ending: view.ending,
        };
      }),
    },
  };
}

/** `rollback <endpoint>`: the starting traffic goes back now, without approval; the new deployment stays at 0 %. */
export async function rollback(ctx: CommandContext, endpoint: string): Promise<Reply> {
  // A concurrent change (a click, the worker) may win the compare-and-set; the rollback is tried on its result.
  for (let attempt = 0; attempt < 3; attempt++) {
    const active = await ctx.rollouts.activeRollout(endpoint);
    if (!active) return refuse({ code: "no_active_rollout", endpoint });
    const changed = rollBack(active, personOf(ctx), await transitionContext(ctx, active.endpoint));
    if (!changed.ok) return refuse(changed.error);
    if (await store(ctx, active, changed.value)) {
      return {
        kind: "text",
        text: `Rolling back ${md(active.endpoint)}: putting back ${md(describeTraffic(active.startTraffic))}. ${md(active.candidate)} stays at 0 % for inspection.`,
      };
    }
  }
  return refuse({ code: "no_active_rollout", endpoint });
}

/** A rollout card's button: approve, reject, retire or keep, override. Bound to the step and version shown. */
export async function decide(
  ctx: CommandContext,
  target: CardTarget,
  decision: (r: Rollout, by: Person, tctx: TransitionContext) => ReturnType<typeof approve>,
): Promise<Reply> {
  const rollout = await ctx.rollouts.getRollout(target.rollout);
  if (!rollout) return refuse({ code: "stale_card", endpoint: "this endpoint", now: "GreenLight has no such rollout" });
  const changed = decision(rollout, personOf(ctx), await transitionContext(ctx, rollout.endpoint));
  if (!changed.ok) return refuse(changed.error);
  if (!(await store(ctx, rollout, changed.value))) {
    // Someone (another click, the worker) changed it first: this click is stale.
    const now = (await ctx.rollouts.getRollout(target.rollout)) ?? rollout;
    return refuse({ code: "stale_card", endpoint: rollout.endpoint, now: rolloutCardView(now).phase });
  }
  return { kind: "card", card: "rollout", data: rolloutCardView(changed.value.next) };
}

export const decisions = {
  approve: (target: CardTarget) => (r: Rollout, by: Person, t: TransitionContext) => approve(r, target, by, t),
  reject: (target: CardTarget) => (r: Rollout, by: Person, t: TransitionContext) => reject(r, target, by, t),
  retire: (target: CardTarget, keep: boolean) => (r: Rollout, by: Person, t: TransitionContext) =>
    retire(r, target, by, keep, t),
  override: (target: CardTarget, reason: string) => (r: Rollout, by: Person, t: TransitionContext) =>
    overrideSmokeTest(r, target, by, reason, t),
};

async function store(ctx: CommandContext, before: Rollout, t: Transition): Promise<boolean> {
  const stored = await ctx.rollouts.updateRollout(t.next, before.version, { audit: t.audit, outbox: t.outbox });
  if (stored) ctx.wakeWorker();
  return stored;
}
