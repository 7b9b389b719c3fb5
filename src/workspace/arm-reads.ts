import type { Result } from "../ports/result.js";
import type { DeploymentView, EndpointTraffic, EndpointView, ModelView, WorkspaceError } from "../ports/workspace.js";
import { collect, isNotFound, type ArmCalls } from "./arm-calls.js";
import { deploymentNotFound, endpointNotFound, modelVersionNotFound, rejectedWith404 } from "./arm-not-found.js";
import { toDeploymentView, toEndpointTraffic, toEndpointView, toModelView } from "./arm-views.js";
import { mapBounded } from "./bounded-map.js";

// The read side of the Workspace port: what GreenLight shows and what the rollout worker observes.

export function listEndpoints(arm: ArmCalls): Promise<Result<EndpointView[], WorkspaceError>> {
  return arm.attempt(async () => {
    const endpoints = await arm.endpoints();
    const views = await mapBounded(endpoints, arm.concurrency, async (endpoint) => {
      try {
        return toEndpointView(endpoint, await arm.deploymentsOf(endpoint.name ?? ""), arm.ref);
      } catch (error) {
        // Deleted between the two calls: it is gone, so it is not listed.
        if (isNotFound(error)) return undefined;
        throw error;
      }
    });
    return views.filter((v) => v !== undefined).sort((a, b) => a.name.localeCompare(b.name));
  }, rejectedWith404);
}

export function getEndpoint(arm: ArmCalls, name: string): Promise<Result<EndpointView, WorkspaceError>> {
  return arm.attempt(
    async () => {
      const [endpoint, deployments] = await Promise.all([arm.endpoint(name), arm.deploymentsOf(name)]);
      return toEndpointView(endpoint, deployments, arm.ref);
    },
    () => endpointNotFound(arm, name),
  );
}

export function getEndpointTraffic(arm: ArmCalls, name: string): Promise<Result<EndpointTraffic, WorkspaceError>> {
  return arm.attempt(
    async () => toEndpointTraffic(await arm.endpoint(name)),
    () => endpointNotFound(arm, name),
  );
}

export function listModels(arm: ArmCalls, name?: string): Promise<Result<ModelView[], WorkspaceError>> {
  const { client, rg, ws } = arm;
  return arm.attempt(async () => {
    if (name !== undefined) {
      try {
        const [container, versions] = await Promise.all([
          client.modelContainers.get(rg, ws, name),
          collect(client.modelVersions.list(rg, ws, name)),
        ]);
        return [toModelView(container, versions)];
      } catch (error) {
        // No model of that name: an empty list, which core words.
        if (isNotFound(error)) return [];
        throw error;
      }
    }
    const containers = await collect(client.modelContainers.list(rg, ws));
    const models = await mapBounded(containers, arm.concurrency, async (container) =>
      toModelView(container, await collect(client.modelVersions.list(rg, ws, container.name ?? ""))),
    );
    return models.sort((a, b) => a.name.localeCompare(b.name));
  }, rejectedWith404);
}

export function getLogs(
  arm: ArmCalls,
  endpoint: string,
  deployment: string,
  tail: number,
): Promise<Result<string, WorkspaceError>> {
  return arm.attempt(
    async () => {
      const logs = await arm.client.onlineDeployments.getLogs(arm.rg, arm.ws, endpoint, deployment, {
        containerType: "InferenceServer",
        tail,
      });
      return logs.content ?? "";
    },
    () => deploymentNotFound(arm, endpoint, deployment),
  );
}

/** The first page of a one-endpoint listing: a read the bot's role is certain to allow, whatever the workspace holds. */
export function ping(arm: ArmCalls, timeoutMs: number): Promise<Result<void, WorkspaceError>> {
  return arm.attempt(async () => {
    const pages = arm.client.onlineEndpoints
      .list(arm.rg, arm.ws, { count: 1, abortSignal: AbortSignal.timeout(timeoutMs) })
      .byPage();
    await pages.next();
  }, rejectedWith404);
}

export function getDeployment(
  arm: ArmCalls,
  endpoint: string,
  deployment: string,
): Promise<Result<DeploymentView, WorkspaceError>> {
  return arm.attempt(
    async () => toDeploymentView(await arm.client.onlineDeployments.get(arm.rg, arm.ws, endpoint, deployment), arm.ref),
    () => deploymentNotFound(arm, endpoint, deployment),
  );
}

export function getModelVersion(
  arm: ArmCalls,
  model: string,
  version: string,
): Promise<Result<{ model: string; version: string }, WorkspaceError>> {
  return arm.attempt(
    async () => {
      const found = await arm.client.modelVersions.get(arm.rg, arm.ws, model, version);
      return { model, version: found.name ?? version };
    },
    () => modelVersionNotFound(arm, model, version),
  );
}
