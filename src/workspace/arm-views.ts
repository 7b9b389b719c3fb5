import type {
  ModelContainer,
  ModelVersion,
  OnlineDeployment,
  OnlineEndpoint,
  TargetUtilizationScaleSettings,
} from "@azure/arm-machinelearning";
import type {
  AuthMode,
  DeploymentView,
  EndpointTraffic,
  EndpointView,
  InstanceScale,
  ModelView,
} from "../ports/workspace.js";

/** Where the views' model references resolve: a registered model is one of this workspace. */
export interface WorkspaceRef {
  subscriptionId: string;
  resourceGroup: string;
  workspaceName: string;
}

const AUTH_MODES = ["Key", "AMLToken", "AADToken"] as const;

/** An endpoint and its deployments as GreenLight shows them. */
export function toEndpointView(
  endpoint: OnlineEndpoint,
  deployments: readonly OnlineDeployment[],
  ws: WorkspaceRef,
): EndpointView {
  const p = endpoint.properties;
  const deploymentViews = deployments.map((d) => toDeploymentView(d, ws)).sort((a, b) => a.name.localeCompare(b.name));
  const kubernetes =
    Boolean(p.compute) ||
    endpoint.kind?.toLowerCase() === "kubernetes" ||
    deployments.some((d) => d.properties.endpointComputeType.toLowerCase() === "kubernetes");
  return {
    name: endpoint.name ?? "",
    ...toEndpointTraffic(endpoint),
    authMode: authMode(p.authMode),
    computeType: kubernetes ? "Kubernetes" : "Managed",
    ...(p.description ? { description: p.description } : {}),
    ...(p.scoringUri ? { scoringUri: p.scoringUri } : {}),
    tags: { ...endpoint.tags },
    deployments: deploymentViews,
  };
}

/** An endpoint's traffic and provisioningState, read without its deployments. */
export function toEndpointTraffic(endpoint: OnlineEndpoint): EndpointTraffic {
  return {
    state: endpoint.properties.provisioningState ?? "Unknown",
    traffic: { ...endpoint.properties.traffic },
    // Not in the 2022-10-01 model: read at 2023-04-01, which the SDK passes through untyped (reference §1.2).
    mirrorTraffic: numberRecord((endpoint.properties as { mirrorTraffic?: unknown }).mirrorTraffic),
  };
}

export function toDeploymentView(deployment: OnlineDeployment, ws: WorkspaceRef): DeploymentView {
  const p = deployment.properties;
  const timeoutMs = p.requestSettings?.requestTimeout ? isoDurationMs(p.requestSettings.requestTimeout) : undefined;
  return {
    name: deployment.name ?? "",
    state: p.provisioningState ?? "Unknown",
    model: modelOf(p.model, ws),
    instanceType: p.instanceType ?? "",
    scale: scaleOf(deployment),
    ...(timeoutMs !== undefined ? { requestTimeoutMs: timeoutMs } : {}),
  };
}

/** A model container and its versions, newest first. */
export function toModelView(container: ModelContainer, versions: readonly ModelVersion[]): ModelView {
  const description = container.properties.description;
  return {
    name: container.name ?? "",
    ...(description ? { description } : {}),
    versions: [...versions].sort(newestFirst).map((v) => {
      const p = v.properties;
      const createdAt = v.systemData?.createdAt;
      return {
        version: v.name ?? "",
        ...(p.description ? { description: p.description } : {}),
        ...(p.modelType ? { modelType: p.modelType } : {}),
        ...(createdAt ? { createdAt: new Date(createdAt).toISOString() } : {}),
      };
    }),
  };
}

/** The names of a model's versions, newest first. */
export function versionsNewestFirst(versions: readonly ModelVersion[]): string[] {
  return [...versions].sort(newestFirst).map((v) => v.name ?? "");
}

/** Numeric versions by number; others by creation time, then by name. */
function newestFirst(a: ModelVersion, b: ModelVersion): number {
  const [x, y] = [Number(a.name), Number(b.name)];
  if (a.name && b.name && Number.isFinite(x) && Number.isFinite(y)) return y - x;
  const [tx, ty] = [a.systemData?.createdAt?.valueOf() ?? 0, b.systemData?.createdAt?.valueOf() ?? 0];
  return ty - tx || (b.name ?? "").localeCompare(a.name ?? "");
}

// `/subscriptions/…/workspaces/{ws}/models/{name}/versions/{version}`, optionally written `azureml:/subscriptions/…`
// (reference §3.2). Registry ids (`azureml://registries/…`) are not models of this workspace.
const MODEL_ID =
  /^(?:azureml:)?\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.MachineLearningServices\/workspaces\/([^/]+)\/models\/([^/]+)\/versions\/([^/]+)$/i;

function modelOf(reference: string | undefined, ws: WorkspaceRef): DeploymentView["model"] {
  const match = MODEL_ID.exec(reference ?? "");
  if (!match) return { reference: reference ?? "" };
  const [, sub, rg, name, model, version] = match as unknown as [string, string, string, string, string, string];
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  if (!same(sub, ws.subscriptionId) || !same(rg, ws.resourceGroup) || !same(name, ws.workspaceName)) {
    return { reference: reference ?? "" };
  }
  return { name: model, version };
}

function authMode(value: string | undefined): AuthMode {
  const known = AUTH_MODES.find((m) => m.toLowerCase() === value?.toLowerCase());
  // The spec's enum has exactly these three (SPEC22 EndpointAuthMode); anything else is a newer Azure feature, shown
  // as Azure names it rather than failing the whole listing.
  return known ?? { other: value ?? "" };
}

/** How Azure names an auth mode. */
export const authModeName = (mode: AuthMode): string => (typeof mode === "string" ? mode : mode.other);

/**
 * Managed deployments carry `sku.capacity`; Kubernetes ones may autoscale instead (`scaleSettings` TargetUtilization
 * with min/max instances, SPEC22 TargetUtilizationScaleSettings) and have no sku. Only what Azure said is shown.
 */
function scaleOf(deployment: OnlineDeployment): InstanceScale {
  if (typeof deployment.sku?.capacity === "number") return { kind: "fixed", count: deployment.sku.capacity };
  const scale = deployment.properties.scaleSettings as TargetUtilizationScaleSettings | undefined;
  if (scale?.scaleType === "TargetUtilization") {
    return {
      kind: "autoscale",
      ...(typeof scale.minInstances === "number" ? { min: scale.minInstances } : {}),
      ...(typeof scale.maxInstances === "number" ? { max: scale.maxInstances } : {}),
    };
  }
  return { kind: "unknown" };
}

function numberRecord(value: unknown): Record<string, number> {
  if (typeof value !== "object" || value === null) return {};
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).filter((e): e is [string, number] => typeof e[1] === "number"),
  );
}

const DURATION = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i;

/** Milliseconds of an ISO 8601 duration of days and time (`PT5S`, `PT0.5S`, `PT1M30S`), or undefined. */
export function isoDurationMs(value: string): number | undefined {
  const match = DURATION.exec(value);
  if (!match || value.toUpperCase() === "P" || value.toUpperCase().endsWith("T")) return undefined;
  const [days, hours, minutes, seconds] = match.slice(1).map((n) => Number(n ?? 0)) as [number, number, number, number];
  return Math.round((((days * 24 + hours) * 60 + minutes) * 60 + seconds) * 1000);
}
