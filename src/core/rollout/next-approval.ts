import type { Evidence } from "../../ports/evidence.js";
import type { Rollout } from "../../ports/rollouts.js";
import type { Patch } from "../change/change.js";
import type { Markdown } from "../../ports/notifier.js";
import { msg, trusted } from "../views/markdown.js";
import { timeOfDayText } from "../views/time.js";
import { nextGateCheck, watched } from "./gate-reading.js";
import type { ReconcileContext } from "./observed.js";
import { describeStep } from "./plan.js";
import { blockedBySmokeTest, smokeTestBlockAsk } from "./smoke-test-block.js";
import { transition, type Transition } from "./transition.js";

/**
 * A step's traffic is applied: it bakes while the gates watch, or (with no bake) the next approval is asked for — or,
 * after the last step, the old deployment's fate.
 */
export function stepDone(r: Rollout, ctx: ReconcileContext): Transition {
  const applied = `traffic is ${describeStep(r, r.step)}`;
  const watch: Patch<Rollout> = r.gates ? { appliedAt: ctx.now, evidence: undefined, bakeCut: undefined } : {};
  const bakeMs = r.gates?.bakeMs ?? 0;
  if (bakeMs > 0) {
    const bakeUntil = new Date(ctx.now.getTime() + bakeMs);
    return transition(
      r,
      {
        set: {
          ...watch,
          phase: "baking",
          bakeUntil,
          nextRunAt: earliest(bakeUntil, nextGateCheck(ctx.now, ctx.metricsDelayMs, ctx.now)),
        },
        what: `${applied}; baking until ${timeOfDayText(bakeUntil)}`,
        action: "rollout.shift",
      },
      ctx,
    );
  }
  return afterBake(r, applied, ctx, watch);
}

/** The bake is over (or there was none): the next approval, or the old deployment's fate, is asked for. */
export function afterBake(r: Rollout, what: string, ctx: ReconcileContext, set: Patch<Rollout> = {}): Transition {
  return r.step + 1 >= r.plan.length
    ? askToRetire(r, what, ctx, set)
    : askForStep(r, r.step + 1, what, ctx, undefined, set);
}

export function askForStep(
  r: Rollout,
  step: number,
  what: string,
  ctx: ReconcileContext,
  baseline?: Rollout["baseline"],
  set: Patch<Rollout> = {},
): Transition {
  const expiresAt = new Date(ctx.now.getTime() + ctx.approvalTtlMs);
  const next: Rollout = {
    ...r,
    ...(set as Partial<Rollout>),
    phase: "awaiting_approval",
    step,
    ...(baseline ? { baseline } : {}),
  };
  const blocked = blockedBySmokeTest(next);
  return transition(
    r,
    {
      set: {
        bakeUntil: undefined,
        ...set,
        phase: "awaiting_approval",
        step,
        nextRunAt: nextLook(next, expiresAt, ctx),
        expiresAt,
        ...(baseline ? { baseline } : {}),
      },
      what,
      action: r.phase === "resuming" ? "rollout.resume" : "rollout.shift",
      ask: blocked
        ? { who: "admins", text: smokeTestBlockAsk(r) }
        : {
            who: "approvers",
            text: msg`Step ${step + 1} of ${r.plan.length} of ${r.endpoint} (${describeStep(r, step)}) needs your approval.${trusted(gatesSaid(next.evidence))}`,
          },
    },
    ctx,
  );
}

export function askToRetire(r: Rollout, what: string, ctx: ReconcileContext, set: Patch<Rollout> = {}): Transition {
  const expiresAt = new Date(ctx.now.getTime() + ctx.approvalTtlMs);
  const next: Rollout = { ...r, ...(set as Partial<Rollout>), phase: "promoted" };
  return transition(
    r,
    {
      set: { bakeUntil: undefined, ...set, phase: "promoted", nextRunAt: nextLook(next, expiresAt, ctx), expiresAt },
      what,
      action: r.phase === "resuming" ? "rollout.resume" : "rollout.shift",
      ask: {
        who: "approvers",
        text: msg`${modelOf(r)} now takes all of ${r.endpoint}'s traffic. Retire ${r.live}, or keep it at 0 %?${trusted(gatesSaid(next.evidence))}`,
      },
    },
    ctx,
  );
}

/** While a person decides, the gates keep watching: the worker looks at the next readable minute, or at the expiry. */
const nextLook = (next: Rollout, expiresAt: Date, ctx: ReconcileContext): Date =>
  watched(next) ? earliest(expiresAt, nextGateCheck(ctx.now, ctx.metricsDelayMs, next.appliedAt)) : expiresAt;

export const earliest = (a: Date, b: Date): Date => (a <= b ? a : b);

/** " The gates say: pass." after an approval's ask, when the gates have read the step. */
function gatesSaid(evidence: Evidence | undefined): Markdown {
  if (!evidence) return msg``;
  const result = { pass: "passed", breach: "breached", inconclusive: "inconclusive" }[evidence.result];
  return msg` The gates on the last step: ${result} (see the card).`;
}

const modelOf = (r: Rollout): string => `${r.model.name}:${r.model.version}`;
