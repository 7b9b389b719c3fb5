import { isDeepStrictEqual } from "node:util";
import type { WorkspaceRef } from "./arm-views.js";

/**
 * Request bodies built from resources read at a current api-version, as plain JSON: every field Azure returned is
 * carried over untouched (GreenLight need not know it), only read-only fields are dropped and the one field being
 * changed is replaced. Read-only fields are those of the 2025-12-01 spec (reference §3.1, §3.2).
 */
type Json = Record<string, unknown>;

// Server-written dictionary key pointing at the operation that last changed the resource (reference §3.1).
const OPERATION_URI_PROPERTY = "AzureAsyncOperationUri";

/** The ARM id of a registered model version of this workspace, the form deployments reference (reference §3.2). */
export function workspaceModelId(ws: WorkspaceRef, model: { name: string; version: string }): string {
  return (
    `/subscriptions/${ws.subscriptionId}/resourceGroups/${ws.resourceGroup}` +
    `/providers/Microsoft.MachineLearningServices/workspaces/${ws.workspaceName}` +
    `/models/${model.name}/versions/${model.version}`
  );
}

/** A PUT body for a copy of `source` (a deployment GET) that serves `modelId` instead. */
export function deploymentCloneBody(source: unknown, modelId: string): Json {
  const body = writable(source);
  const { provisioningState: _state, ...properties } = record(body["properties"]);
  // The source's operation means nothing for the copy; the service adds the copy's own.
  const { [OPERATION_URI_PROPERTY]: _operation, ...dictionary } = record(properties["properties"]);
  return {
    ...body,
    properties: {
      ...properties,
      ...(isRecord(properties["properties"]) ? { properties: dictionary } : {}),
      model: modelId,
    },
  };
}

/**
 * Whether the deployment Azure has (a GET) already is the PUT body `desired`. The property dictionary is left out:
 * the service only ever adds to it ("Properties can be added, but not removed or altered").
 */
export function sameDeploymentSpec(current: unknown, desired: Json): boolean {
  const withoutDictionary = (body: Json): Json => {
    const { provisioningState: _state, properties: _dictionary, ...properties } = record(body["properties"]);
    return { ...body, properties };
  };
  return isDeepStrictEqual(withoutDictionary(writable(current)), withoutDictionary(desired));
}

/**
 * A PUT body for the endpoint (a GET) with its live traffic replaced — and its mirror traffic, when given —
 * everything else (the mirror when not given, tags…) kept.
 */
export function endpointTrafficBody(
  current: unknown,
  traffic: Record<string, number>,
  mirror?: Record<string, number>,
): Json {
  const body = writable(current);
  const {
    provisioningState: _state,
    scoringUri: _scoringUri,
    swaggerUri: _swaggerUri,
    // Write-only: "will always be returned as null"; sending it back would ask to set keys.
    keys: _keys,
    ...properties
  } = record(body["properties"]);
  return {
    ...body,
    properties: { ...properties, traffic: { ...traffic }, ...(mirror ? { mirrorTraffic: { ...mirror } } : {}) },
  };
}

/** The live traffic of an endpoint GET. */
export const trafficOf = (endpoint: unknown): Record<string, number> => shares(endpoint, "traffic");

/** The mirror traffic of an endpoint GET. */
export const mirrorTrafficOf = (endpoint: unknown): Record<string, number> => shares(endpoint, "mirrorTraffic");

function shares(endpoint: unknown, key: "traffic" | "mirrorTraffic"): Record<string, number> {
  const traffic = record(record(record(endpoint)["properties"])[key]);
  return Object.fromEntries(
    Object.entries(traffic).filter((entry): entry is [string, number] => typeof entry[1] === "number"),
  );
}

/** Whether two traffic maps send the same share to every deployment (a missing entry is 0, as Azure treats it). */
export function sameTraffic(a: Record<string, number>, b: Record<string, number>): boolean {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].every((name) => (a[name] ?? 0) === (b[name] ?? 0));
}

/** A resource body without the fields ARM writes itself (id, name, type, systemData, identity principals). */
function writable(resource: unknown): Json {
  const { id: _id, name: _name, type: _type, systemData: _systemData, ...body } = record(resource);
  if (body["identity"] === undefined || body["identity"] === null) return body;
  const { principalId: _principalId, tenantId: _tenantId, ...identity } = record(body["identity"]);
  const assigned = identity["userAssignedIdentities"];
  if (isRecord(assigned)) {
    // Each value's principalId and clientId are read-only: the PUT names the identities, Azure fills them in.
    identity["userAssignedIdentities"] = Object.fromEntries(Object.keys(assigned).map((id) => [id, {}]));
  }
  return { ...body, identity };
}

function record(value: unknown): Json {
  return isRecord(value) ? value : {};
}

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
