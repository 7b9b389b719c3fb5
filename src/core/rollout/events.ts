import type { ChannelAddress } from "../../ports/notifier.js";
import type { Person } from "../../ports/people.js";
import type { EndpointView, WorkspaceError } from "../../ports/workspace.js";
import { err, ok, type Result } from "../../ports/result.js";
import { isFinal, type Rollout } from "../../ports/rollouts.js";
import { refuseDecision, type Refusals } from "../change/decision.js";
import { readOnlyReason, request, type Opened, type Requester } from "../change/request.js";
import { modelText } from "../views/model-text.js";
import type { UserError } from "../errors.js";
import { ROLLOUT_DECISIONS, type RolloutCardDecision } from "./decisions.js";
import { msg } from "../views/markdown.js";
import { describeStep, describeTraffic, otherDeployments, parsePlan, PLAN_TAG, trafficAfter } from "./plan.js";
import { stateLine } from "./rollout-card.js";
import { end, restore, rolloutKind, transition, type Transition, type TransitionContext } from "./transition.js";
import { chooseSlots } from "./slots.js";
import { evidenceSettings } from "../evidence/settings.js";
import type { RolloutGates } from "../../ports/evidence.js";
import { blockedBySmokeTest } from "./smoke-test-block.js";

/** What a card button says it acts on: a click is bound to exactly this rollout, step and version. */
export interface CardTarget {
  rollout: string;
  step: number;
  version: number;
}

type Outcome = Result<Transition, UserError>;

/** How a refused click on a rollout's card is worded. */
const REFUSALS: Refusals<Rollout> = {
  noun: "rollout",
  staleNow: (r) =>
    isFinal(r.phase) ? `the rollout has ended (${r.phase.replace("_", " ")})` : `the rollout is now: ${stateLine(r)}`,
  expired: (r) => (r.phase === "promoted" ? "retirement" : "step"),
};

/** Refuses a click the rollout's decision table does not take now, from this person, on the card as it was shown. */
const refused = (r: Rollout, target: CardTarget, decision: RolloutCardDecision, by: Person, now: Date) =>
  refuseDecision(
    r,
    { id: target.rollout, version: target.version, step: target.step },
    ROLLOUT_DECISIONS[decision],
    { by, now },
    REFUSALS,
  );

/** What `deploy` read from Azure, and who asked where. */
export interface RolloutRequest {
  id: string;
  requester: Requester;
  endpoint: EndpointView;
  /** The model version as the registry has it, or why it could not be read. */
  model: Result<{ model: string; version: string }, WorkspaceError>;
  /** Where its card goes (a channel subscribed to the endpoint, the release channel, or the channel asked in). */
  channel: ChannelAddress | undefined;
  /** Each step's bake and the requests a gate needs, where the endpoint's tags do not say. */
  gateDefaults: GateDefaults;
}

/** GreenLight's settings for what an endpoint's greenlight-bake and greenlight-gates tags leave out. */
export interface GateDefaults {
  bakeMs: number;
  minRequests: number;
}

/** GreenLight's defaults in the terms the tags are read in. */
export const gateSettingDefaults = (d: GateDefaults) => ({
  bakeSeconds: Math.round(d.bakeMs / 1000),
  minRequests: d.minRequests,
});

/** The bake and gate limits a rollout on the endpoint keeps, or why its tags do not say anything GreenLight can use. */
export function rolloutGates(
  tags: Record<string, string>,
  defaults: GateDefaults,
): { ok: true; gates: RolloutGates } | { ok: false; problem: string } {
  const settings = evidenceSettings(tags, gateSettingDefaults(defaults));
  if (!settings.bake.ok) return { ok: false, problem: settings.bake.problem };
  if (!settings.gates.ok) return { ok: false, problem: settings.gates.problem };
  return { ok: true, gates: { bakeMs: settings.bake.seconds * 1000, thresholds: settings.gates.thresholds } };
}

/**
 * A person asks for a rollout: the new version goes in the free slot (green beside a live blue) as a copy of the live
 * deployment, at 0 % traffic, with the endpoint's plan; its card is posted and the channels following the endpoint
 * hear of it. Refused for a Kubernetes endpoint, a model version that is not registered or is live already, traffic
 * not on one deployment, a bad plan tag, and with no channel for its card.
 */
export function requestRollout(req: RolloutRequest, ctx: TransitionContext): Outcome {
  const { endpoint } = req;
  const cannot = (problem: string): Outcome => err({ code: "cannot_deploy", endpoint: endpoint.name, problem });
  const readOnly = readOnlyReason(endpoint);
  if (readOnly) return cannot(readOnly);
  if (!req.model.ok) return err(req.model.error);
  const registered = req.model.value;
  const slots = chooseSlots(endpoint);
  if (!slots.ok) return cannot(slots.problem);
  const wanted = `${registered.model}:${registered.version}`;
  const liveModel = endpoint.deployments.find((d) => d.name === slots.live)?.model;
  if (liveModel && modelText(liveModel).toLowerCase() === wanted.toLowerCase()) {
    return cannot(
      `${wanted} is what ${slots.live} serves already, with all of its traffic. Name another version (type models ${registered.model})`,
    );
  }
  const plan = parsePlan(endpoint.tags[PLAN_TAG]);
  if (!plan.ok) return cannot(plan.problem);
  const gates = rolloutGates(endpoint.tags, req.gateDefaults);
  if (!gates.ok) return cannot(gates.problem);
  const mirrored = Object.entries(endpoint.mirrorTraffic).filter(([, share]) => share > 0);
  if (mirrored.length > 0) {
    return cannot(
      `it mirrors traffic to ${mirrored.map(([name, share]) => `${name} (${share} %)`).join(", ")}; a rollout sets and clears mirror traffic itself, so clear it in Azure first`,
    );
  }
  if (!req.channel) {
    return cannot(
      "no release channel is set up for its approval card (RELEASE_CHANNEL_ID); run deploy in a channel instead",
    );
  }
  const opening = {
    id: req.id,
    endpoint: endpoint.name,
    channel: req.channel,
    requester: req.requester,
    what: `requested ${wanted} in ${slots.candidate}`,
    action: "rollout.request",
    detail: `${wanted} in ${slots.candidate}`,
  };
  const rollout = (opened: Opened): Rollout => ({
    ...opened,
    model: { name: registered.model, version: registered.version },
    live: slots.live,
    ...(liveModel ? { liveModel: modelText(liveModel) } : {}),
    candidate: slots.candidate,
    startTraffic: { ...endpoint.traffic },
    trafficSeen: { traffic: { ...endpoint.traffic }, at: ctx.now },
    plan: plan.plan,
    gates: gates.gates,
    step: 0,
    phase: "requested",
    approvals: [],
    nextRunAt: ctx.now,
  });
  const started = msg`${req.requester.person.name} started a rollout of ${wanted} to ${endpoint.name}.`;
  return ok(request(opening, rollout, ctx, rolloutKind(ctx.people), started));
}

/** An approver approves the step the card shows: the worker applies its traffic next. */
export function approve(r: Rollout, target: CardTarget, by: Person, ctx: TransitionContext): Outcome {
  if (r.phase === "baking" && target.rollout === r.id && target.version === r.version && r.bakeUntil) {
    const leftMs = Math.max(0, r.bakeUntil.getTime() - ctx.now.getTime());
    return err({ code: "still_baking", endpoint: r.endpoint, until: r.bakeUntil, leftMs });
  }
  const refusal = refused(r, target, "approve", by, ctx.now);
  if (refusal) return err(refusal);
  if (blockedBySmokeTest(r)) return err({ code: "smoke_test_failed", endpoint: r.endpoint });
  const traffic = describeStep(r, r.step);
  return ok(
    transition(
      r,
      {
        set: {
          phase: "shifting",
          approvals: [...r.approvals, { step: r.step, by, at: ctx.now }],
          nextRunAt: ctx.now,
          expiresAt: undefined,
        },
        what: `approved step ${r.step + 1} (${traffic})`,
        by,
        action: "rollout.approve",
      },
      ctx,
    ),
  );
}

/**
 * An approver rejects the step the card shows, with a reason if they give one: the rollout ends and the starting
 * traffic is put back. The requester may withdraw their own rollout this way.
 */
export function reject(
  r: Rollout,
  target: CardTarget,
  by: Person,
  reason: string | undefined,
  ctx: TransitionContext,
): Outcome {
  const refusal = refused(r, target, "reject", by, ctx.now);
  if (refusal) return err(refusal);
  const why = reason ? `: ${reason}` : "";
  return ok(
    restore(
      r,
      "rejected",
      {
        what: `rejected step ${r.step + 1}${why}`,
        by,
        action: "rollout.reject",
        reason: `${by.name} rejected step ${r.step + 1}${why || "."}`,
      },
      ctx,
    ),
  );
}

/**
 * An admin ends a step's bake early, with a reason (audited): the gates read what there is now and the next approval
 * is asked for with that evidence. It approves nothing, and a breach still rolls back.
 */
export function endBake(r: Rollout, target: CardTarget, by: Person, reason: string, ctx: TransitionContext): Outcome {
  const refusal = refused(r, target, "end_bake", by, ctx.now);
  if (refusal) return err(refusal);
  return ok(
    transition(
      r,
      {
        set: { bakeUntil: ctx.now, bakeCut: { by, reason, at: ctx.now }, nextRunAt: ctx.now },
        what: `ended the bake of step ${r.step + 1} early: ${reason}`,
        by,
        action: "rollout.end_bake",
      },
      ctx,
    ),
  );
}

/** An admin other than the requester lets a failed smoke test pass, with a reason (audited). */
export function overrideSmokeTest(
  r: Rollout,
  target: CardTarget,
  by: Person,
  reason: string,
  ctx: TransitionContext,
): Outcome {
  const refusal = refused(r, target, "override", by, ctx.now);
  if (refusal) return err(refusal);
  if (!blockedBySmokeTest(r)) {
    return err({ code: "stale_card", endpoint: r.endpoint, now: "the smoke test needs no override" });
  }
  return ok(
    transition(
      r,
      {
        set: { override: { by, reason, at: ctx.now } },
        what: `overrode the failed smoke test: ${reason}`,
        by,
        action: "rollout.override",
        ask: {
          who: "approvers",
          text: ownStep(r, `${by.name} overrode the failed smoke test`),
        },
      },
      ctx,
    ),
  );
}

const ownStep = (r: Rollout, prefix: string) => {
  const step = describeTraffic(trafficAfter(r, 0));
  return msg`${prefix}: step 1 of ${r.endpoint} (${step}) can now be approved on the card.`;
};

/** After the last step, an approver (not the requester) deletes the old deployment, or keeps it at 0 %. */
export function retire(r: Rollout, target: CardTarget, by: Person, keep: boolean, ctx: TransitionContext): Outcome {
  const refusal = refused(r, target, "retire", by, ctx.now);
  if (refusal) return err(refusal);
  if (keep) {
    return ok(
      end(r, "completed", { what: `kept ${r.live} at 0 %`, by, action: "rollout.keep", oldDeployment: "kept" }, ctx),
    );
  }
  return ok(
    transition(
      r,
      {
        set: { phase: "retiring", nextRunAt: ctx.now, expiresAt: undefined },
        what: `retiring ${r.live}`,
        by,
        action: "rollout.retire",
      },
      ctx,
    ),
  );
}

/**
 * An operator puts the starting traffic back, at any point before the end, without approval — from a card (bound to
 * what it shows) or from chat. While a restore is already being retried, it is tried again at once.
 */
export function rollBack(r: Rollout, by: Person, ctx: TransitionContext, target?: CardTarget): Outcome {
  if (target) {
    const refusal = refused(r, target, "restore", by, ctx.now);
    if (refusal) return err(refusal);
  }
  if (isFinal(r.phase)) return err({ code: "no_active_rollout", endpoint: r.endpoint });
  if (r.phase === "retiring") {
    return err({
      code: "cannot_roll_back",
      endpoint: r.endpoint,
      problem: `all its traffic is on ${r.candidate} already and ${r.live} is being deleted`,
    });
  }
  if (r.phase === "restoring") {
    return ok(
      transition(
        r,
        {
          set: { nextRunAt: ctx.now },
          what: "rollback asked again: putting back the starting traffic now",
          by,
          action: "rollout.rollback",
        },
        ctx,
      ),
    );
  }
  return ok(
    restore(
      r,
      "rolled_back",
      { what: "rollback requested", by, action: "rollout.rollback", reason: `${by.name} rolled it back.` },
      ctx,
    ),
  );
}

/**
 * After a pause, an approver other than the requester accepts the traffic the card shows and the rollout goes on from
 * it: the worker checks that Azure still has exactly that, then asks for the next step's approval.
 */
export function resume(r: Rollout, target: CardTarget, by: Person, ctx: TransitionContext): Outcome {
  const refusal = refused(r, target, "resume", by, ctx.now);
  if (refusal) return err(refusal);
  const found = r.trafficSeen?.traffic;
  if (!found) {
    return err({ code: "cannot_resume", endpoint: r.endpoint, problem: "GreenLight has not read its traffic yet" });
  }
  const others = otherDeployments(r, found);
  if (others.length > 0) {
    return err({
      code: "cannot_resume",
      endpoint: r.endpoint,
      problem: `${others.join(", ")} takes traffic too (${describeTraffic(found)}); a rollout moves traffic between ${r.live} and ${r.candidate} only. Restore the start, or move that traffic in Azure first`,
    });
  }
  return ok(
    transition(
      r,
      {
        set: { phase: "resuming", nextRunAt: ctx.now },
        what: `continuing from ${describeTraffic(found)}`,
        by,
        action: "rollout.resume",
      },
      ctx,
    ),
  );
}
