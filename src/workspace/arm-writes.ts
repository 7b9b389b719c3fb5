import type { Result } from "../ports/result.js";
import type { WorkspaceError } from "../ports/workspace.js";
import {
  deploymentCloneBody,
  endpointTrafficBody,
  sameDeploymentSpec,
  sameTraffic,
  mirrorTrafficOf,
  trafficOf,
  workspaceModelId,
} from "./arm-bodies.js";
import { bodyOf, CURRENT_API_VERSION, type ArmCalls } from "./arm-calls.js";
import { OperationFailedError, type OperationTarget } from "./arm-errors.js";
import { followOperation, isTerminal, provisioningStateOf, retryAfterMs, waitForProvisioning } from "./arm-lro.js";
import { deploymentNotFound, endpointNotFound, rejectedWith404 } from "./arm-not-found.js";

// The write side of the Workspace port. Each write reads the resource raw at the current api-version first, so what
// it puts back keeps every field Azure has, and re-applied (after a restart, a redelivery) it converges.

export function cloneDeployment(
  arm: ArmCalls,
  endpoint: string,
  from: string,
  to: string,
  model: { name: string; version: string },
): Promise<Result<{ retryAfterMs: number }, WorkspaceError>> {
  return arm.attempt(
    async () => {
      const source = await arm.raw("GET", arm.deploymentPath(endpoint, from));
      const desired = deploymentCloneBody(bodyOf(source), workspaceModelId(arm.ref, model));
      const target = arm.deploymentPath(endpoint, to);
      const existing = await arm.raw("GET", target);
      if (existing.status !== 404) {
        const state = provisioningStateOf(bodyOf(existing));
        // Re-applied: Azure already has, or is making, exactly this deployment. A failed one is put again, which
        // provisions it anew.
        if (
          sameDeploymentSpec(existing.body, desired) &&
          !["failed", "canceled"].includes(state?.toLowerCase() ?? "")
        ) {
          return { retryAfterMs: arm.polling.intervalMs };
        }
      }
      const accepted = await arm.raw("PUT", target, desired);
      bodyOf(accepted);
      return { retryAfterMs: retryAfterMs(accepted.headers) ?? arm.polling.intervalMs };
    },
    () => deploymentNotFound(arm, endpoint, from),
    { endpoint, deployment: to },
  );
}

export function setTraffic(
  arm: ArmCalls,
  endpoint: string,
  traffic: Record<string, number>,
  mirror?: Record<string, number>,
): Promise<Result<void, WorkspaceError>> {
  const path = arm.endpointPath(endpoint);
  return arm.attempt(
    async () => {
      for (let look = 1; ; look++) {
        const current = await arm.raw("GET", path);
        const body = bodyOf(current);
        const state = provisioningStateOf(body);
        if (sameTraffic(trafficOf(body), traffic) && (!mirror || sameTraffic(mirrorTrafficOf(body), mirror))) {
          // Already there: no PUT (re-applied after a restart, it saves an ARM operation). If the operation that
          // set it is still running, its end is waited for, and a failed one is put again.
          if (state === undefined || state.toLowerCase() === "succeeded") return;
          if (!isTerminal(state) && look === 1) {
            await waitForProvisioning(arm.client, path, CURRENT_API_VERSION, arm.polling, current).catch(
              (error: unknown) => {
                if (!(error instanceof OperationFailedError)) throw error;
              },
            );
            continue;
          }
        }
        await writeAndFollow(arm, "PUT", path, endpointTrafficBody(body, traffic, mirror));
        return;
      }
    },
    () => endpointNotFound(arm, endpoint),
    { endpoint },
  );
}

/**
 * Deletes go raw too, through the same follower as setTraffic: the SDK's poller waits as long as any Retry-After asks
 * (up to 600 s per the spec) with no bound on the whole, and reports a failed operation as a plain Error without
 * status or code (reference §1.3).
 */
export function deleteResource(
  arm: ArmCalls,
  path: string,
  target: OperationTarget,
): Promise<Result<void, WorkspaceError>> {
  return arm.attempt(() => writeAndFollow(arm, "DELETE", path), rejectedWith404, target);
}

/** Sends a write and follows the operation it starts to its end; a DELETE of what is already gone is done. */
async function writeAndFollow(arm: ArmCalls, method: "PUT" | "DELETE", path: string, body?: unknown): Promise<void> {
  const accepted = await arm.raw(method, path, body);
  // Already gone (or its endpoint is): what a delete is for.
  if (method === "DELETE" && accepted.status === 404) return;
  bodyOf(accepted);
  const started = { method, url: path, apiVersion: CURRENT_API_VERSION };
  await followOperation(arm.client, started, accepted, arm.polling, arm.durations);
}
