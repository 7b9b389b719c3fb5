import type { Rollout, SmokeSample } from "../../ports/rollouts.js";
import type { DeploymentView, WorkspaceError } from "../../ports/workspace.js";
import { describeError } from "../errors.js";
import { describeTraffic, sameTraffic, trafficAfter, trafficBefore } from "./plan.js";
import { smokeTestOf, smokeTimelineText } from "./smoke-test.js";
import { end, restore, transition, type Transition, type TransitionContext } from "./transition.js";

/** What the worker read from Azure before deciding: only what the rollout's phase needs. */
export interface Observed {
  /** The endpoint's live traffic; undefined when the endpoint is gone. */
  traffic: Record<string, number> | undefined;
  /** The endpoint's provisioningState: an update still running has not settled its traffic yet. */
  endpointState?: string;
  /** The candidate deployment, or "missing". */
  candidate: Pick<DeploymentView, "state" | "model"> | "missing";
  /** Whether the old (live) deployment still exists (read while retiring). */
  liveExists: boolean;
  /** The candidate's log tail, read when its provisioning failed. */
  candidateLogTail?: string;
}

/** What the worker can do in Azure for a rollout. Each is idempotent: re-applied after a crash, it converges. */
export type WorkspaceAction =
  | { kind: "clone" }
  | { kind: "delete_candidate" }
  | { kind: "smoke_test" }
  | { kind: "set_traffic"; traffic: Record<string, number> }
  | { kind: "delete_live" };

/** The next thing to do: nothing yet (look again at `until`), an Azure action, or a stored transition. */
export type Decision =
  | { kind: "wait"; until: Date | undefined }
  | { kind: "act"; action: WorkspaceAction }
  | { kind: "transition"; transition: Transition };

export interface ReconcileContext extends TransitionContext {
  /** How often a running Azure operation is looked at again. */
  pollMs: number;
}

const wait = (until: Date | undefined): Decision => ({ kind: "wait", until });
const act = (action: WorkspaceAction): Decision => ({ kind: "act", action });
const to = (t: Transition): Decision => ({ kind: "transition", transition: t });
const later = (ctx: ReconcileContext, ms = ctx.pollMs): Date => new Date(ctx.now.getTime() + ms);

const updating = (seen: Observed): boolean => /^(creating|updating)$/i.test(seen.endpointState ?? "");

const sameModel = (model: DeploymentView["model"], wanted: Rollout["model"]): boolean =>
  "name" in model && model.name === wanted.name && model.version === wanted.version;

/**
 * A rollout waiting for an approver (or for the decision about the old deployment) needs nothing from Azure until its
 * expiry: the worker skips reading the endpoint. Undefined when it has work (or its expiry has come).
 */
export function waitingForPerson(r: Rollout, now: Date): { until: Date } | undefined {
  if (r.phase !== "awaiting_approval" && r.phase !== "promoted") return undefined;
  return r.expiresAt && now < r.expiresAt ? { until: r.expiresAt } : undefined;
}

/**
 * The rollout engine: from the stored rollout and what Azure says now, the one next thing to do (Argo Rollouts'
 * reconcile shape). Pure: the worker reads, calls this, acts or stores, and calls it again.
 */
export function reconcile(r: Rollout, seen: Observed, ctx: ReconcileContext): Decision {
  if (seen.traffic === undefined) {
    return to(
      end(
        r,
        "failed",
        {
          what: "the endpoint is gone",
          action: "rollout.fail",
          outcome: "failed",
          reason: `Endpoint ${r.endpoint} no longer exists.`,
        },
        ctx,
      ),
    );
  }
  switch (r.phase) {
    case "requested": {
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
      if ((seen.traffic[r.candidate] ?? 0) > 0) {
        return to(
          end(
            r,
            "failed",
            {
              what: `${r.candidate} took traffic`,
              action: "rollout.fail",
              outcome: "failed",
              reason: `${r.candidate} now takes live traffic, so GreenLight will not replace it.`,
            },
            ctx,
          ),
        );
      }
      return act({ kind: "delete_candidate" });
    }
    case "deploying": {
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
        return to(
          end(
            r,
            "failed",
            {
              what: `${r.candidate} failed to provision`,
              action: "rollout.fail",
              outcome: "failed",
              reason: `${r.candidate} failed to provision (${seen.candidate.state}); traffic was not touched.`,
              ...(seen.candidateLogTail ? { detail: seen.candidateLogTail } : {}),
            },
            ctx,
          ),
        );
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
              { what: `no one retired ${r.live} in time; it stays at 0 %`, action: "rollout.complete" },
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
      return wait(r.expiresAt);
    case "shifting": {
      const target = trafficAfter(r, r.step);
      // The target is there but Azure's update is still running (a process died while it ran): it may yet fail.
      if (sameTraffic(seen.traffic, target) && updating(seen)) return wait(later(ctx));
      if (sameTraffic(seen.traffic, target)) return to(stepDone(r, ctx));
      if (sameTraffic(seen.traffic, trafficBefore(r, r.step))) return act({ kind: "set_traffic", traffic: target });
      return to(
        end(
          r,
          "paused",
          {
            what: "traffic changed outside GreenLight",
            action: "rollout.pause",
            outcome: "paused",
            reason: `The endpoint's traffic is ${describeTraffic(seen.traffic)}, not ${describeTraffic(trafficBefore(r, r.step))} as the rollout left it: someone changed it outside GreenLight. GreenLight stopped instead of overwriting it.`,
          },
          ctx,
        ),
      );
    }
    case "restoring": {
      if (sameTraffic(seen.traffic, r.startTraffic) && updating(seen)) return wait(later(ctx));
      if (sameTraffic(seen.traffic, r.startTraffic)) {
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
      return act({ kind: "set_traffic", traffic: r.startTraffic });
    }
    case "retiring":
      if (!seen.liveExists) {
        return to(end(r, "completed", { what: `${r.live} deleted`, action: "rollout.retire" }, ctx));
      }
      if ((seen.traffic[r.live] ?? 0) > 0) {
        return to(
          end(
            r,
            "paused",
            {
              what: `${r.live} took traffic again`,
              action: "rollout.pause",
              outcome: "paused",
              reason: `${r.live} takes live traffic again (${describeTraffic(seen.traffic)}), so GreenLight did not delete it.`,
            },
            ctx,
          ),
        );
      }
      return act({ kind: "delete_live" });
    case "completed":
    case "rejected":
    case "failed":
    case "expired":
    case "rolled_back":
    case "paused":
      return wait(undefined);
  }
}

/** A step's traffic is applied: ask for the next approval, or (after the last step) for the old deployment's fate. */
function stepDone(r: Rollout, ctx: ReconcileContext): Transition {
  const applied = describeTraffic(trafficAfter(r, r.step));
  const expiresAt = new Date(ctx.now.getTime() + ctx.approvalTtlMs);
  if (r.step + 1 >= r.plan.length) {
    return transition(
      r,
      {
        set: { phase: "promoted", nextRunAt: expiresAt, expiresAt },
        what: `traffic is ${applied}`,
        action: "rollout.shift",
        askApprovers: `${r.model.name}:${r.model.version} now takes all of ${r.endpoint}'s traffic. Retire ${r.live}, or keep it at 0 %?`,
      },
      ctx,
    );
  }
  const next = r.step + 1;
  return transition(
    r,
    {
      set: { phase: "awaiting_approval", step: next, nextRunAt: expiresAt, expiresAt },
      what: `traffic is ${applied}`,
      action: "rollout.shift",
      askApprovers: `Step ${next + 1} of ${r.plan.length} of ${r.endpoint} (${describeTraffic(trafficAfter(r, next))}) needs your approval.`,
    },
    ctx,
  );
}

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
      askApprovers: passed
        ? `${r.model.name}:${r.model.version} passed its smoke test on ${r.endpoint}. Step 1 (${describeTraffic(trafficAfter(r, 0))}) needs your approval.`
        : `${r.model.name}:${r.model.version} failed its smoke test on ${r.endpoint}; approval is blocked until an admin overrides it with a reason.`,
      ...(passed
        ? {}
        : {
            tellRequester: `Your rollout of ${r.model.name}:${r.model.version} to ${r.endpoint} failed its smoke test; see the card in the release channel.`,
          }),
    },
    ctx,
  );
}

/**
 * An Azure action failed. A busy, throttled or unreachable workspace is waited out; a refusal or a failed operation
 * ends the rollout — after putting the starting traffic back when some was already shifted.
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
      const reason = `${describeAction(r, action)} failed: ${describeError(error)}`;
      if (action.kind === "set_traffic" && r.phase === "shifting") {
        return to(
          restore(
            r,
            "failed",
            { what: "the traffic change failed", action: "rollout.fail", outcome: "failed", reason },
            ctx,
          ),
        );
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
              reason,
            },
            ctx,
          ),
        );
      }
      return to(
        end(
          r,
          "failed",
          { what: describeAction(r, action) + " failed", action: "rollout.fail", outcome: "failed", reason },
          ctx,
        ),
      );
    }
  }
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
