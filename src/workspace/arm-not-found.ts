import type { WorkspaceError } from "../ports/workspace.js";
import { collect, isNotFound, type ArmCalls } from "./arm-calls.js";
import { toWorkspaceError } from "./arm-errors.js";
import { versionsNewestFirst } from "./arm-views.js";

// What a 404 from Azure means, where it was answered: the one place each is worded, with the names that do exist.

/** A 404 where nothing more specific can be said (a listing, a ping, a delete's own operation): Azure's words. */
export const rejectedWith404 = (message: string): WorkspaceError => ({
  code: "workspace_rejected",
  status: 404,
  message,
});

/** No endpoint of that name; the workspace's endpoint names when they can be listed. */
export async function endpointNotFound(arm: ArmCalls, name: string): Promise<WorkspaceError> {
  const known = await endpointNames(arm);
  return { code: "endpoint_not_found", endpoint: name, ...(known ? { known } : {}) };
}

/** A 404 from a deployment call: either the endpoint or the deployment is missing. */
export async function deploymentNotFound(arm: ArmCalls, endpoint: string, deployment: string): Promise<WorkspaceError> {
  try {
    const known = (await arm.deploymentsOf(endpoint)).map((d) => d.name ?? "").sort();
    return { code: "deployment_not_found", endpoint, deployment, known };
  } catch (error) {
    return toWorkspaceError(error, () => endpointNotFound(arm, endpoint));
  }
}

/** A 404 for a model version: the versions the model has, newest first (none when the model is not registered). */
export async function modelVersionNotFound(arm: ArmCalls, model: string, version: string): Promise<WorkspaceError> {
  let known: string[] = [];
  try {
    known = versionsNewestFirst(await collect(arm.client.modelVersions.list(arm.rg, arm.ws, model)));
  } catch (error) {
    // No such model: no versions. Any other failure is Azure's, and says more than the missing version does.
    if (!isNotFound(error)) return toWorkspaceError(error, () => rejectedWith404(""));
  }
  return { code: "model_version_not_found", model, version, known };
}

/** Every endpoint's name, for "did you mean"; undefined when they cannot be listed. */
async function endpointNames(arm: ArmCalls): Promise<string[] | undefined> {
  try {
    return (await collect(arm.client.onlineEndpoints.list(arm.rg, arm.ws))).map((e) => e.name ?? "");
  } catch (error) {
    // Rethrows what is not Azure's failure (a bug); Azure's own failure just means no suggestions.
    await toWorkspaceError(error, () => ({ code: "endpoint_not_found", endpoint: "" }));
    return undefined;
  }
}
