import type { ScoringOutcome } from "./deployment-runtime.js";

/** azmlinfsrv's answer when the scoring function (or the model) raises; the details go to the container log only. */
export const SCORING_FAILED_MESSAGE = "An unexpected error occurred in scoring script. Check the logs for more info.";

export function scored(body: string, execMs: number): ScoringOutcome {
  return { status: 200, body, runFunctionFailed: false, execMs };
}

export function badRequest(message: string, execMs: number): ScoringOutcome {
  return { status: 400, body: JSON.stringify({ message }), runFunctionFailed: false, execMs };
}

export function scoringFailed(execMs: number): ScoringOutcome {
  return { status: 500, body: JSON.stringify({ message: SCORING_FAILED_MESSAGE }), runFunctionFailed: true, execMs };
}

/** A model or scoring script that cannot be loaded: the message becomes the deployment's provisioning error. */
export class DeploymentLoadError extends Error {
  override name = "DeploymentLoadError";
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
