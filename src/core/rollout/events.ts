import { err, ok, type Result } from "../../ports/result.js";
import { isFinal, type Person, type Rollout } from "../../ports/rollouts.js";
import type { UserError } from "../errors.js";
import { describeTraffic, trafficAfter } from "./plan.js";
import { end, restore, transition, type Transition, type TransitionContext } from "./transition.js";

/** What a card button says it acts on: a click is bound to exactly this rollout, step and version. */
export interface CardTarget {
  rollout: string;
  step: number;
  version: number;
}

type Outcome = Result<Transition, UserError>;

/** Refuses a click made on a card that no longer shows the rollout as it is (step done, ended, or changed since). */
function current(r: Rollout, target: CardTarget, phases: readonly Rollout["phase"][]): UserError | undefined {
  if (target.rollout !== r.id || target.step !== r.step || target.version !== r.version || !phases.includes(r.phase)) {
    return {
      code: "stale_card",
      endpoint: r.endpoint,
      now: isFinal(r.phase)
        ? `the rollout has ended (${r.phase.replace("_", " ")})`
        : `the rollout is at: ${phaseNow(r)}`,
    };
  }
  return undefined;
}

const phaseNow = (r: Rollout): string =>
  r.phase === "awaiting_approval"
    ? `step ${r.step + 1} of ${r.plan.length}, waiting for approval`
    : r.phase.replace("_", " ");

/** Separation of duties: whoever requested a rollout cannot approve its steps or the retirement. */
function selfApproval(r: Rollout, by: Person): UserError | undefined {
  return by.id === r.requestedBy.id
    ? { code: "self_approval", endpoint: r.endpoint, requester: r.requestedBy.name, what: "rollout" }
    : undefined;
}

/** An approver approves the step the card shows: the worker applies its traffic next. */
export function approve(r: Rollout, target: CardTarget, by: Person, ctx: TransitionContext): Outcome {
  const refused = current(r, target, ["awaiting_approval"]) ?? selfApproval(r, by);
  if (refused) return err(refused);
  if (r.step === 0 && r.smoke && !r.smoke.passed && !r.override) {
    return err({ code: "smoke_test_failed", endpoint: r.endpoint });
  }
  const traffic = describeTraffic(trafficAfter(r, r.step));
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

/** An approver rejects the step the card shows: the rollout ends and the starting traffic is put back. */
export function reject(r: Rollout, target: CardTarget, by: Person, ctx: TransitionContext): Outcome {
  const refused = current(r, target, ["awaiting_approval"]);
  if (refused) return err(refused);
  return ok(
    restore(
      r,
      "rejected",
      {
        what: `rejected step ${r.step + 1}`,
        by,
        action: "rollout.reject",
        reason: `${by.name} rejected step ${r.step + 1}.`,
      },
      ctx,
    ),
  );
}

/** An admin lets a failed smoke test pass, with a reason (audited); the first step can then be approved. */
export function overrideSmokeTest(
  r: Rollout,
  target: CardTarget,
  by: Person,
  reason: string,
  ctx: TransitionContext,
): Outcome {
  const refused = current(r, target, ["awaiting_approval"]);
  if (refused) return err(refused);
  if (r.step !== 0 || !r.smoke || r.smoke.passed || r.override) {
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
      },
      ctx,
    ),
  );
}

/** After the last step, an approver (not the requester) deletes the old deployment, or keeps it at 0 %. */
export function retire(r: Rollout, target: CardTarget, by: Person, keep: boolean, ctx: TransitionContext): Outcome {
  const refused = current(r, target, ["promoted"]) ?? selfApproval(r, by);
  if (refused) return err(refused);
  if (keep) {
    return ok(end(r, "completed", { what: `kept ${r.live} at 0 %`, by, action: "rollout.keep" }, ctx));
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

/** An operator puts the starting traffic back, at any point before the end, without approval. */
export function rollBack(r: Rollout, by: Person, ctx: TransitionContext): Outcome {
  if (isFinal(r.phase) || r.phase === "restoring" || r.phase === "retiring") {
    return err({ code: "no_active_rollout", endpoint: r.endpoint });
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
