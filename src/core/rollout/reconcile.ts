import type { Rollout, SmokeSample, Traffic } from "../../ports/rollouts.js";
import type { DeploymentView, WorkspaceError } from "../../ports/workspace.js";
import { errorText } from "../errors.js";
import { code, msg } from "../views/markdown.js";
import { smokeTestBlockAsk, smokeTestBlockToRequester } from "./smoke-test-block.js";
import {
  describeSplit,
  describeStep,
  describeTraffic,
  liveShareOf,
  mirrorAfter,
  mirrorBefore,
  otherDeployments,
  sameTraffic,
  trafficAfter,
  trafficBefore,
} from "./plan.js";
import { smokeTestOf, smokeTimelineText } from "./smoke-test.js";
import { actionFailure, FAILURES, type Failure } from "./failures.js";
import { end, pause, restore, transition, type Transition } from "./transition.js";
import {
  act,
  later,
  to,
  updating,
  wait,
  type Decision,
  type Observed,
  type ReconcileContext,
  type WorkspaceAction,
} from "./observed.js";
import { askForStep, askToRetire, stepDone } from "./next-approval.js";
import { baking, watching } from "./watch.js";

export {
  observationFor,
  observedAfter,
  observes,
  type Decision,
  type Observed,
  type ReconcileContext,
  type WorkspaceAction,
} from "./observed.js";

const sameModel = (model: DeploymentView["model"], wanted: Rollout["model"]): boolean =>
  "name" in model && model.name === wanted.name && model.version === wanted.version;

/**
 * The rollout engine: from the stored rollout and what Azure says now, the one next thing to do (Argo Rollouts'
 * reconcile shape). Pure: the worker reads, calls this, acts or stores, and calls it again. Every change it decides
 * records the traffic just read, so the card says what Azure has.
 */
export function reconcile(r: Rollout, seen: Observed, rctx: ReconcileContext): Decision {
  if (seen.traffic === undefined) return to(fail(r, FAILURES.endpointGone(r), rctx));
  const traffic = seen.traffic;
  const ctx: ReconcileContext = { ...rctx, observed: traffic };
  switch (r.phase) {
    case "requested": {
      if (seen.candidate === undefined) throw unobserved(r);
      if (seen.candidate === "missing") return act({ kind: "clone" });
      if (sameModel(seen.candidate.model, r.model)) {
        return to(
          transition(
            r,
            {
              set: { phase: "deploying", nextRunAt: ctx.now },
              what: `creating ${r.candidate}`,
              action: "rollout.deploy",
            },
            ctx,
          ),
        );
      }
      // An idle deployment of another model sits in the slot: it is replaced (deleted, then created afresh, since
      // Azure will not change an existing deployment's instance type).
      if ((traffic[r.candidate] ?? 0) > 0) return to(fail(r, FAILURES.candidateTakesTraffic(r, traffic), ctx));
      return act({ kind: "delete_candidate" });
    }
    case "deploying": {
      if (seen.candidate === undefined) throw unobserved(r);
      if (seen.candidate === "missing") return act({ kind: "clone" });
      const state = seen.candidate.state.toLowerCase();
      if (state === "succeeded" && sameModel(seen.candidate.model, r.model)) {
        return to(
          transition(
            r,
            {
              set: { phase: "smoke_testing", nextRunAt: ctx.now },
              what: `${r.candidate} is up; smoke test`,
              action: "rollout.deployed",
            },
            ctx,
          ),
        );
      }
      if (state === "failed" || state === "canceled") {
        return to(fail(r, FAILURES.provisioningFailed(r, seen.candidate.state, seen.candidateLogTail), ctx));
      }
      return wait(later(ctx));
    }
    case "smoke_testing":
      return act({ kind: "smoke_test" });
    case "awaiting_approval":
    case "promoted":
      if (r.expiresAt && ctx.now >= r.expiresAt) {
        if (r.phase === "promoted") {
          return to(
            end(
              r,
              "completed",
              {
                what: `no one retired ${r.live} in time; it stays at 0 %`,
                action: "rollout.complete",
                oldDeployment: "kept",
              },
              ctx,
            ),
          );
        }
        return to(
          restore(
            r,
            "expired",
            {
              what: `step ${r.step + 1} expired unapproved`,
              action: "rollout.expire",
              outcome: "expired",
              reason: "No approver answered in time.",
            },
            ctx,
          ),
        );
      }
      return watching(r, seen, ctx);
    case "shifting": {
      const mirror = seen.mirror ?? {};
      const target = { traffic: trafficAfter(r, r.step), mirror: mirrorAfter(r, r.step) };
      const before = { traffic: trafficBefore(r, r.step), mirror: mirrorBefore(r, r.step) };
      const at = (t: typeof target) => sameTraffic(traffic, t.traffic) && sameTraffic(mirror, t.mirror);
      // The target is there but Azure's update is still running (a process died while it ran): it may yet fail.
      if (at(target) && updating(seen)) return wait(later(ctx));
      if (at(target)) return to(stepDone(r, ctx));
      if (at(before)) return act({ kind: "set_traffic", ...target });
      return to(changedOutside(r, { traffic, mirror }, before, ctx));
    }
    case "baking": {
      // The gates judge the split the step set: a bake on someone else's split would judge nothing of the rollout.
      const mirror = seen.mirror ?? {};
      const applied = { traffic: trafficAfter(r, r.step), mirror: mirrorAfter(r, r.step) };
      if (!updating(seen) && !(sameTraffic(traffic, applied.traffic) && sameTraffic(mirror, applied.mirror))) {
        return to(changedOutside(r, { traffic, mirror }, applied, ctx));
      }
      return baking(r, seen, ctx);
    }
    case "restoring": {
      const restored = sameTraffic(traffic, r.startTraffic) && sameTraffic(seen.mirror ?? {}, {});
      if (restored && updating(seen)) return wait(later(ctx));
      if (restored) {
        const then = r.ending?.then ?? "rolled_back";
        return to(
          end(
            r,
            then,
            {
              what: `starting traffic restored (${describeTraffic(r.startTraffic)})`,
              action: `rollout.${then === "rolled_back" ? "rollback" : then}`,
              outcome: then,
            },
            ctx,
          ),
        );
      }
      const left = r.restore?.from ?? [];
      if (!left.some((t) => sameTraffic(traffic, t))) {
        return to(
          pause(
            r,
            {
              what: "traffic changed outside GreenLight while restoring",
              action: "rollout.pause",
              outcome: "paused",
              reason: `The endpoint's traffic is ${describeTraffic(traffic)}, not what GreenLight left (${left.map(describeTraffic).join(" or ") || "unknown"}): someone changed it meanwhile, so GreenLight did not put the starting traffic (${describeTraffic(r.startTraffic)}) back over it.`,
            },
            ctx,
          ),
        );
      }
      return act({ kind: "set_traffic", traffic: r.startTraffic, mirror: {} });
    }
    case "retiring":
      if (seen.liveExists === false) {
        return to(
          end(r, "completed", { what: `${r.live} deleted`, action: "rollout.retire", oldDeployment: "deleted" }, ctx),
        );
      }
      if ((traffic[r.live] ?? 0) > 0) {
        return to(
          pause(
            r,
            {
              what: `${r.live} took traffic again`,
              action: "rollout.pause",
              outcome: "paused",
              reason: `${r.live} takes live traffic again (${describeTraffic(traffic)}), so GreenLight did not delete it.`,
            },
            ctx,
          ),
        );
      }
      return act({ kind: "delete_live" });
    case "resuming":
      return resumed(r, seen, traffic, ctx);
    case "paused":
      // Active, but it waits for a person (continue or restore) and never expires: nothing for the worker to do.
      return wait(undefined);
    case "completed":
    case "rejected":
    case "failed":
    case "expired":
    case "rolled_back":
      return wait(undefined);
  }
}

/**
 * A person continued a paused rollout from the traffic its card showed: if Azure still has exactly that, it becomes
 * the rollout's baseline and the next step whose share is above the new deployment's asks for approval (or, at 100 %,
 * the old deployment's fate). Anything else pauses it again, saying what Azure has now.
 */
function resumed(r: Rollout, seen: Observed, traffic: Traffic, ctx: ReconcileContext): Decision {
  const shown = r.trafficSeen?.traffic;
  const pauseAgain = (reason: string): Decision =>
    to(pause(r, { what: "could not continue", action: "rollout.pause", outcome: "paused", reason }, ctx));
  if (!shown || !sameTraffic(traffic, shown)) {
    return pauseAgain(
      `The endpoint's traffic is now ${describeTraffic(traffic)}, not ${describeTraffic(shown ?? {})} as the card showed when the rollout was continued. Continue from what the card shows now, or restore the start.`,
    );
  }
  if (updating(seen)) return wait(later(ctx));
  if (seen.candidate === undefined) throw unobserved(r);
  if (seen.candidate === "missing") {
    return pauseAgain(`${r.candidate} no longer exists, so the rollout cannot go on; restore the start.`);
  }
  const others = otherDeployments(r, traffic);
  if (others.length > 0) {
    return pauseAgain(`${others.join(", ")} takes traffic too (${describeTraffic(traffic)}).`);
  }
  const share = traffic[r.candidate] ?? 0;
  const next = r.plan.findIndex((p) => liveShareOf(p) > share);
  const resumedFrom = `continued from ${describeTraffic(traffic)}`;
  // The gates watch what the new deployment takes from here on.
  const watch = r.gates && share > 0 ? { appliedAt: ctx.now, evidence: undefined } : {};
  if (next < 0) return to(askToRetire(r, resumedFrom, ctx, watch));
  return to(askForStep(r, next, resumedFrom, ctx, { step: next, traffic: { ...traffic } }, watch));
}

type Split = { traffic: Traffic; mirror: Traffic };

/** The endpoint is not as the rollout left it: it pauses, saying what Azure has, rather than overwrite or judge it. */
function changedOutside(r: Rollout, found: Split, left: Split, ctx: ReconcileContext): Transition {
  return pause(
    r,
    {
      what: "traffic changed outside GreenLight",
      action: "rollout.pause",
      outcome: "paused",
      reason: `The endpoint's traffic is ${describeSplit(found.traffic, found.mirror)}, not ${describeSplit(left.traffic, left.mirror)} as the rollout left it: someone changed it outside GreenLight, and GreenLight stopped instead of overwriting it.`,
    },
    ctx,
  );
}

/** A worker that read less than the phase needs ({@link observationFor}): a defect, not something Azure did. */
const unobserved = (r: Rollout): Error =>
  new Error(`reconcile needs the deployments of ${r.endpoint} in phase ${r.phase}, and they were not read`);

/** The smoke test ran: the first approval is asked for (a failed test blocks it until an admin overrides). */
export function smokeTested(r: Rollout, samples: SmokeSample[], ctx: ReconcileContext, note?: string): Transition {
  const smoke = smokeTestOf(samples, ctx.now, note);
  const { passed } = smoke;
  const expiresAt = new Date(ctx.now.getTime() + ctx.approvalTtlMs);
  const summary = smokeTimelineText(smoke);
  return transition(
    r,
    {
      set: { phase: "awaiting_approval", step: 0, smoke, nextRunAt: expiresAt, expiresAt },
      what: summary,
      action: "rollout.smoke_test",
      outcome: passed ? "ok" : "smoke_test_failed",
      ask: passed
        ? {
            who: "approvers",
            text: msg`${`${r.model.name}:${r.model.version}`} passed its smoke test on ${r.endpoint}. Step 1 (${describeStep(r, 0)}) needs your approval.`,
          }
        : { who: "admins", text: smokeTestBlockAsk(r) },
      ...(passed ? {} : { tellRequester: smokeTestBlockToRequester(r) }),
    },
    ctx,
  );
}

/** How a failure is audited. */
const FAILED = { action: "rollout.fail", outcome: "failed" } as const;

/** Ends the rollout as failed, for one of the reasons in FAILURES. */
const fail = (r: Rollout, failure: Failure, ctx: ReconcileContext): Transition =>
  end(r, "failed", { ...failure, ...FAILED }, ctx);

/** The longest wait between two attempts to put the starting traffic back. */
const MAX_RESTORE_BACKOFF_MS = 5 * 60_000;

/**
 * An Azure action failed. A busy, throttled or unreachable workspace is waited out; a refusal or a failed operation
 * ends the rollout — after putting the starting traffic back when some was already shifted. Putting it back is tried
 * again, with back-off, until Azure takes it: a rollout never ends with traffic GreenLight split.
 */
export function actionFailed(
  r: Rollout,
  action: WorkspaceAction,
  error: WorkspaceError,
  ctx: ReconcileContext,
): Decision {
  switch (error.code) {
    case "operation_in_progress":
    case "workspace_throttled":
      return wait(later(ctx, Math.max(ctx.pollMs, (error.retryAfterSeconds ?? 0) * 1000)));
    case "workspace_unreachable":
    case "invoke_timeout":
      return wait(later(ctx, Math.max(ctx.pollMs, 5000)));
    default: {
      if (action.kind === "set_traffic" && r.phase === "restoring") return to(restoreFailed(r, errorText(error), ctx));
      if (action.kind === "set_traffic" && r.phase === "shifting") {
        return to(restore(r, "failed", { ...FAILURES.shiftFailed(describeAction(r, action), error), ...FAILED }, ctx));
      }
      if (action.kind === "delete_live") {
        return to(
          end(
            r,
            "completed",
            {
              what: `${r.live} could not be deleted; it stays at 0 %`,
              action: "rollout.retire",
              outcome: "failed",
              reason: actionFailure(describeAction(r, action), error),
              oldDeployment: "kept",
            },
            ctx,
          ),
        );
      }
      return to(fail(r, FAILURES.actionFailed(describeAction(r, action), error), ctx));
    }
  }
}

/** Putting the starting traffic back failed: it is tried again later, and the first failure is told to people. */
function restoreFailed(r: Rollout, problem: string, ctx: ReconcileContext): Transition {
  const failures = (r.restore?.failures ?? 0) + 1;
  const delay = Math.min(MAX_RESTORE_BACKOFF_MS, ctx.pollMs * 5 * 2 ** (failures - 1));
  const retryAt = new Date(ctx.now.getTime() + delay);
  const told = msg`GreenLight could not put back the starting traffic of ${r.endpoint} (${describeTraffic(r.startTraffic)}) yet: ${problem} It keeps trying, and ${code(`rollback ${r.endpoint}`)} tries again at once.`;
  return transition(
    r,
    {
      set: { restore: { from: r.restore?.from ?? [], failures, lastError: problem }, nextRunAt: retryAt },
      what: `could not put back the starting traffic (attempt ${failures}): ${problem}`,
      action: "rollout.restore",
      outcome: "failed",
      ...(failures === 1 ? { tellRequester: told, tellChannels: told } : {}),
    },
    ctx,
  );
}

function describeAction(r: Rollout, action: WorkspaceAction): string {
  switch (action.kind) {
    case "clone":
      return `Creating ${r.candidate}`;
    case "delete_candidate":
      return `Replacing the idle ${r.candidate}`;
    case "smoke_test":
      return "The smoke test";
    case "set_traffic":
      return `Setting traffic to ${describeTraffic(action.traffic)}`;
    case "delete_live":
      return `Deleting ${r.live}`;
  }
}
