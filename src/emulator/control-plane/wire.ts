import { type LocalWorkspace, PROVIDER } from "../local-workspace.js";
import type {
  StoredAssetVersion,
  StoredCodeVersion,
  StoredDeployment,
  StoredEndpoint,
  StoredEnvironmentVersion,
  StoredModelVersion,
  StoredOperation,
} from "../state/resources.js";
import { hasMirrorTraffic, NEWER_DEPLOYMENT_PROPERTIES } from "./api-versions.js";
import type { ArmRequest } from "./arm-request.js";
import { visibleProperties } from "./extra-properties.js";

/** Answers are built here from stored resources; keys never appear in them. */

export function scoringUri(baseUrl: string, endpointName: string): string {
  return `${baseUrl}/endpoints/${endpointName}/score`;
}

export function endpointId(ws: LocalWorkspace, name: string): string {
  return `${ws.workspaceId}/onlineEndpoints/${name}`;
}

export function endpointToWire(ws: LocalWorkspace, ep: StoredEndpoint, req: ArmRequest): unknown {
  return {
    id: endpointId(ws, ep.name),
    name: ep.name,
    type: `${PROVIDER}/workspaces/onlineEndpoints`,
    systemData: ep.systemData,
    location: ep.location,
    tags: ep.tags,
    kind: ep.kind ?? "Managed",
    identity: ep.identity,
    properties: {
      ...visibleProperties(ep.extraProperties, req.apiVersion, {}),
      authMode: ep.authMode,
      ...(ep.description !== undefined ? { description: ep.description } : {}),
      properties: ep.properties,
      keys: null,
      scoringUri: scoringUri(req.baseUrl, ep.name),
      swaggerUri: `${req.baseUrl}/endpoints/${ep.name}/swagger.json`,
      compute: ep.compute ?? null,
      provisioningState: ep.provisioningState,
      publicNetworkAccess: ep.publicNetworkAccess,
      traffic: ep.traffic,
      ...(hasMirrorTraffic(req.apiVersion) ? { mirrorTraffic: ep.mirrorTraffic } : {}),
    },
  };
}

export function deploymentToWire(ws: LocalWorkspace, d: StoredDeployment, req: ArmRequest): unknown {
  return {
    id: `${endpointId(ws, d.endpointName)}/deployments/${d.name}`,
    name: d.name,
    type: `${PROVIDER}/workspaces/onlineEndpoints/deployments`,
    systemData: d.systemData,
    location: d.location,
    tags: d.tags,
    kind: d.kind,
    ...(d.identity ? { identity: d.identity } : {}),
    sku: d.sku,
    properties: {
      ...visibleProperties(d.extraProperties, req.apiVersion, NEWER_DEPLOYMENT_PROPERTIES),
      ...d.properties,
      provisioningState: d.provisioningState,
    },
  };
}

/** A model, code or environment version: the fields they share, then each kind's own. */
function assetVersionToWire(
  ws: LocalWorkspace,
  kind: "models" | "codes" | "environments",
  v: StoredAssetVersion,
  own: Record<string, unknown>,
): unknown {
  return {
    id: `${ws.workspaceId}/${kind}/${v.name}/versions/${v.version}`,
    name: v.version,
    type: `${PROVIDER}/workspaces/${kind}/versions`,
    systemData: v.systemData,
    properties: {
      ...(v.description !== undefined ? { description: v.description } : {}),
      tags: v.tags,
      properties: v.properties,
      isArchived: v.isArchived,
      isAnonymous: v.isAnonymous,
      ...own,
      provisioningState: "Succeeded",
    },
  };
}

export const modelVersionToWire = (ws: LocalWorkspace, m: StoredModelVersion): unknown =>
  assetVersionToWire(ws, "models", m, {
    flavors: m.flavors,
    modelType: m.modelType,
    modelUri: m.modelUri,
    ...(m.jobName !== undefined ? { jobName: m.jobName } : {}),
  });

export const codeVersionToWire = (ws: LocalWorkspace, c: StoredCodeVersion): unknown =>
  assetVersionToWire(ws, "codes", c, { codeUri: c.codeUri });

export const environmentVersionToWire = (ws: LocalWorkspace, e: StoredEnvironmentVersion): unknown =>
  assetVersionToWire(ws, "environments", e, {
    ...(e.image !== undefined ? { image: e.image } : {}),
    osType: e.osType,
    environmentType: "UserCreated",
  });

export function modelContainerToWire(ws: LocalWorkspace, name: string): unknown {
  const entry = ws.state.models[name.toLowerCase()];
  if (!entry) return undefined;
  const versions = Object.keys(entry.versions)
    .map(Number)
    .filter((v) => Number.isFinite(v));
  const latest = versions.length > 0 ? Math.max(...versions) : undefined;
  const c = entry.container;
  return {
    id: `${ws.workspaceId}/models/${c.name}`,
    name: c.name,
    type: `${PROVIDER}/workspaces/models`,
    systemData: c.systemData,
    properties: {
      ...(c.description !== undefined ? { description: c.description } : {}),
      tags: c.tags,
      properties: c.properties,
      isArchived: c.isArchived,
      ...(latest !== undefined ? { latestVersion: String(latest), nextVersion: String(latest + 1) } : {}),
      provisioningState: "Succeeded",
    },
  };
}

export function workspaceToWire(ws: LocalWorkspace, req: ArmRequest): unknown {
  const s = ws.state;
  return {
    id: ws.workspaceId,
    name: s.name,
    type: `${PROVIDER}/workspaces`,
    location: s.location,
    identity: { type: "SystemAssigned", principalId: s.workspaceGuid, tenantId: s.workspaceGuid },
    sku: { name: "Basic", tier: "Basic" },
    properties: {
      friendlyName: "GreenLight local workspace",
      description: "The local Azure ML workspace served by GreenLight's emulator.",
      workspaceId: s.workspaceGuid,
      discoveryUrl: `${req.baseUrl}/discovery`,
      provisioningState: "Succeeded",
      publicNetworkAccess: "Enabled",
      hbiWorkspace: false,
      creationTime: s.createdAt,
    },
  };
}

export function operationStatusUrl(ws: LocalWorkspace, req: ArmRequest, op: StoredOperation): string {
  return operationUrl(ws, req, "mfeOperationsStatus", op);
}

export function operationResultUrl(ws: LocalWorkspace, req: ArmRequest, op: StoredOperation): string {
  return operationUrl(ws, req, "mfeOperationResults", op);
}

function operationUrl(ws: LocalWorkspace, req: ArmRequest, kind: string, op: StoredOperation): string {
  const s = ws.state;
  return (
    `${req.baseUrl}/subscriptions/${s.subscriptionId}/providers/${PROVIDER}/locations/${s.location}/${kind}/` +
    `${encodeURIComponent(op.id)}?api-version=${req.apiVersion}`
  );
}

/** Headers of a PUT answered 201/200 with an `Azure-AsyncOperation` status resource. */
export function asyncOperationHeaders(
  ws: LocalWorkspace,
  req: ArmRequest,
  op: StoredOperation,
): Record<string, string> {
  return { "Azure-AsyncOperation": operationStatusUrl(ws, req, op), "x-ms-async-operation-timeout": "PT1H" };
}

/** Headers of a PATCH, DELETE or POST answered 202 with a `Location` to poll. */
export function locationHeaders(ws: LocalWorkspace, req: ArmRequest, op: StoredOperation): Record<string, string> {
  return {
    Location: operationResultUrl(ws, req, op),
    "x-ms-async-operation-timeout": "PT1H",
    ...ws.retryAfter(op),
  };
}

/** One page of a list, with a `nextLink` back to this emulator while more remain. */
export function page(items: unknown[], req: ArmRequest, defaultSize = 50): { value: unknown[]; nextLink?: string } {
  const sizeParam = Number(req.url.searchParams.get("count") ?? req.url.searchParams.get("$top") ?? defaultSize);
  const size = Number.isInteger(sizeParam) && sizeParam > 0 ? Math.min(sizeParam, 1000) : defaultSize;
  const skip = Number(req.url.searchParams.get("$skipToken") ?? 0) || 0;
  const value = items.slice(skip, skip + size);
  if (skip + size >= items.length) return { value };
  const next = new URL(req.url.pathname + req.url.search, req.baseUrl);
  next.searchParams.set("$skipToken", String(skip + size));
  return { value, nextLink: next.toString() };
}
