import type { RolloutPhase, Traffic } from "../../ports/rollouts.js";
import type { DeploymentView } from "../../ports/workspace.js";
import type { GateWindow } from "../../ports/evidence.js";
import type { MetricsReading } from "./gate-reading.js";
import type { Transition, TransitionContext } from "./transition.js";

/** What the worker read from Azure before deciding: only what the rollout's phase needs ({@link observationFor}). */
export interface Observed {
  /** The endpoint's live traffic; undefined when the endpoint is gone. */
  traffic: Record<string, number> | undefined;
  /** The endpoint's mirror traffic; undefined when it was not read (it is then taken to be none). */
  mirror?: Traffic;
  /** The endpoint's provisioningState: an update still running has not settled its traffic yet. */
  endpointState?: string;
  /** What Azure Monitor gave for the gates' window ({@link windowToRead}), when the rollout is watched. */
  metrics?: MetricsReading;
  /** The candidate deployment, or "missing"; undefined when the deployments were not read. */
  candidate?: Pick<DeploymentView, "state" | "model"> | "missing";
  /** Whether the old (live) deployment still exists; undefined when the deployments were not read. */
  liveExists?: boolean;
  /** The candidate's log tail, read when its provisioning failed. */
  candidateLogTail?: string;
}

/**
 * What a phase's decision needs from Azure: the endpoint's traffic (and provisioningState) alone, or its deployments
 * too. Only creating the candidate and continuing a paused rollout look at the deployments; a shift, a restore and a
 * retirement go by the traffic (the retired deployment's delete succeeds when it is gone already).
 */
export function observationFor(phase: RolloutPhase): "traffic" | "deployments" {
  return phase === "requested" || phase === "deploying" || phase === "resuming" ? "deployments" : "traffic";
}

/** Whether `seen` holds what the rollout's phase decides on, and the gates' window when they have one to read. */
export function observes(seen: Observed, phase: RolloutPhase, window?: GateWindow): boolean {
  if (observationFor(phase) === "deployments" && seen.candidate === undefined) return false;
  return !window || (seen.metrics !== undefined && seen.metrics.window.to.getTime() === window.to.getTime());
}

/**
 * What Azure's success answer to an action vouches for, on top of what was read before it: the next decision uses it
 * without reading again. A traffic update that Azure reported Succeeded set exactly that traffic (the drift check
 * before the next shift reads the endpoint afresh); a delete that succeeded left nothing. Undefined when only a new
 * read says what the action led to (a deployment put is provisioning; a smoke test changes nothing in Azure).
 */
export function observedAfter(seen: Observed, action: WorkspaceAction): Observed | undefined {
  switch (action.kind) {
    case "set_traffic":
      return { ...seen, traffic: { ...action.traffic }, mirror: { ...action.mirror }, endpointState: "Succeeded" };
    case "delete_live":
      return { ...seen, liveExists: false };
    case "delete_candidate":
      return { ...seen, candidate: "missing" };
    case "clone":
    case "smoke_test":
      return undefined;
  }
}

/** What the worker can do in Azure for a rollout. Each is idempotent: re-applied after a crash, it converges. */
export type WorkspaceAction =
  | { kind: "clone" }
  | { kind: "delete_candidate" }
  | { kind: "smoke_test" }
  /** Exactly this live and mirror traffic (a mirror of {} clears it). */
  | { kind: "set_traffic"; traffic: Traffic; mirror: Traffic }
  | { kind: "delete_live" };

/** The next thing to do: nothing yet (look again at `until`), an Azure action, or a stored transition. */
export type Decision =
  | { kind: "wait"; until: Date | undefined }
  | { kind: "act"; action: WorkspaceAction }
  | { kind: "transition"; transition: Transition };

export interface ReconcileContext extends TransitionContext {
  /** How often a running Azure operation is looked at again. */
  pollMs: number;
  /** How long Azure Monitor takes to aggregate a minute: younger minutes are not read. */
  metricsDelayMs: number;
}

export const wait = (until: Date | undefined): Decision => ({ kind: "wait", until });
export const act = (action: WorkspaceAction): Decision => ({ kind: "act", action });
export const to = (t: Transition): Decision => ({ kind: "transition", transition: t });
export const later = (ctx: ReconcileContext, ms = ctx.pollMs): Date => new Date(ctx.now.getTime() + ms);

export const updating = (seen: Observed): boolean => /^(creating|updating)$/i.test(seen.endpointState ?? "");
