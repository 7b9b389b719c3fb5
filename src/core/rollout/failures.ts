import type { Rollout, Traffic } from "../../ports/rollouts.js";
import type { WorkspaceError } from "../../ports/workspace.js";
import { errorText } from "../errors.js";
import { describeTraffic } from "./plan.js";

/** Why a rollout failed: its timeline line, and the reason people read on the card and in messages. */
export interface Failure {
  what: string;
  reason: string;
  /** More to read on the card: the new deployment's log tail. */
  detail?: string;
}

/** Every way the worker fails a rollout, each with its wording in one place (argo-rollouts' failure reasons). */
export const FAILURES = {
  endpointGone: (r: Rollout): Failure => ({
    what: "the endpoint is gone",
    reason: `Endpoint ${r.endpoint} no longer exists.`,
  }),
  candidateTakesTraffic: (r: Rollout, traffic: Traffic): Failure => ({
    what: `${r.candidate} took traffic`,
    reason: `${r.candidate} now takes live traffic (${describeTraffic(traffic)}), so GreenLight will not replace it; traffic was not touched.`,
  }),
  provisioningFailed: (r: Rollout, state: string, logTail: string | undefined): Failure => ({
    what: `${r.candidate} failed to provision`,
    reason: `${r.candidate} failed to provision (${state}); traffic was not touched.`,
    ...(logTail ? { detail: logTail } : {}),
  }),
  /** The traffic change of a step failed: the starting traffic goes back first. */
  shiftFailed: (action: string, error: WorkspaceError): Failure => ({
    what: "the traffic change failed",
    reason: actionFailure(action, error),
  }),
  /** Azure refused an action, or its operation failed ("Creating green"). */
  actionFailed: (action: string, error: WorkspaceError): Failure => ({
    what: `${action} failed`,
    reason: actionFailure(action, error),
  }),
} as const;

/** "Setting traffic to blue 10 / green 90 failed: …": what Azure refused, and what it said. */
export const actionFailure = (action: string, error: WorkspaceError): string => `${action} failed: ${errorText(error)}`;
