import type { Rollout } from "../../ports/rollouts.js";
import { watched } from "./gate-reading.js";

/**
 * A rollout waiting for an approver (or for the decision about the old deployment) needs nothing from Azure until its
 * expiry: the worker skips reading the endpoint. Undefined when it has work (or its expiry has come), and while the
 * gates watch the new deployment (they read Azure Monitor each minute as it becomes readable).
 */
export function waitingForPerson(r: Rollout, now: Date): { until: Date } | undefined {
  if (r.phase !== "awaiting_approval" && r.phase !== "promoted") return undefined;
  if (watched(r)) return undefined;
  return r.expiresAt && now < r.expiresAt ? { until: r.expiresAt } : undefined;
}
