import type { Rollout } from "../../ports/rollouts.js";

/** A failed smoke test blocks the first step until an admin (not the requester) overrides it. */
export const blockedBySmokeTest = (r: Pick<Rollout, "step" | "smoke" | "override">): boolean =>
  r.step === 0 && r.smoke !== undefined && !r.smoke.passed && !r.override;

/**
 * A rollout waiting for an approver (or for the decision about the old deployment) needs nothing from Azure until its
 * expiry: the worker skips reading the endpoint. Undefined when it has work (or its expiry has come).
 */
export function waitingForPerson(r: Rollout, now: Date): { until: Date } | undefined {
  if (r.phase !== "awaiting_approval" && r.phase !== "promoted") return undefined;
  return r.expiresAt && now < r.expiresAt ? { until: r.expiresAt } : undefined;
}
