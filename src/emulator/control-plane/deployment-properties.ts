import type { z } from "zod";
import { ArmError, badArgument } from "../http/arm-error.js";
import type { LocalWorkspace } from "../local-workspace.js";
import type { DeploymentProperties, ProbeSettings, StoredDeployment } from "../state/resources.js";
import type { DeploymentBody, probe } from "./deployment-body.js";
import { durationMs } from "./validation.js";

const MAX_INSTANCES = 50;
const MAX_REQUEST_TIMEOUT_MS = 180_000;
const DEFAULT_INSTANCE_TYPE = "Standard_DS3_v2";

/** The instance counts a managed deployment may have (the skus route lists them). */
export const INSTANCE_RANGE = { minimum: 1, maximum: MAX_INSTANCES };

export function checkCapacity(capacity: number): void {
  if (capacity < 1 || capacity > MAX_INSTANCES) {
    throw badArgument(
      `sku.capacity (instance count) must be from 1 to ${MAX_INSTANCES}; got ${capacity}.`,
      "sku.capacity",
    );
  }
}

/** Validates the body against the workspace and applies the service's defaults (reference §1.2, §5). */
export function deploymentProperties(
  ws: LocalWorkspace,
  body: DeploymentBody,
  existing: StoredDeployment | undefined,
): DeploymentProperties {
  const p = body.properties;
  const computeType = p.endpointComputeType.toLowerCase();
  if (computeType !== "managed") {
    throw badArgument(
      `endpointComputeType '${p.endpointComputeType}' is not supported by the local workspace; use Managed.`,
      "properties.endpointComputeType",
    );
  }
  if (!p.model) {
    throw badArgument("properties.model is required: the ARM id of a registered model version.", "properties.model");
  }
  if (!ws.resolveModel(p.model)) {
    throw badArgument(
      `Model '${p.model}' does not resolve to a registered model version in workspace ${ws.state.name}. ` +
        `Use an id like ${ws.workspaceId}/models/<name>/versions/<version>.`,
      "properties.model",
    );
  }
  if (p.codeConfiguration) {
    if (!p.codeConfiguration.codeId || !ws.resolveAsset("codes", p.codeConfiguration.codeId)) {
      throw badArgument(
        `codeConfiguration.codeId '${p.codeConfiguration.codeId ?? ""}' does not resolve to a registered code version.`,
        "properties.codeConfiguration.codeId",
      );
    }
  }
  if (p.environmentId && !p.environmentId.startsWith("azureml://registries/")) {
    if (!ws.resolveAsset("environments", p.environmentId)) {
      throw badArgument(
        `environmentId '${p.environmentId}' does not resolve to a registered environment version.`,
        "properties.environmentId",
      );
    }
  }
  const instanceType = p.instanceType ?? existing?.properties.instanceType ?? DEFAULT_INSTANCE_TYPE;
  if (existing && instanceType !== existing.properties.instanceType) {
    throw new ArmError(
      400,
      "BadArgument",
      `instanceType cannot be changed after a deployment is created (${existing.properties.instanceType} → ` +
        `${instanceType}). Create a new deployment with the new instance type instead.`,
      "properties.instanceType",
    );
  }
  const scaleType = p.scaleSettings?.scaleType ?? "Default";
  if (scaleType.toLowerCase() !== "default") {
    throw badArgument(
      `scaleSettings.scaleType '${scaleType}' is not supported for managed deployments; only Default is.`,
      "properties.scaleSettings",
    );
  }
  const requestTimeout = p.requestSettings?.requestTimeout ?? "PT5S";
  const timeoutMs = durationMs(requestTimeout);
  if (timeoutMs === undefined || timeoutMs <= 0 || timeoutMs > MAX_REQUEST_TIMEOUT_MS) {
    throw badArgument(
      `requestSettings.requestTimeout '${requestTimeout}' must be an ISO 8601 duration from PT0.001S to PT180S.`,
      "properties.requestSettings.requestTimeout",
    );
  }
  return {
    endpointComputeType: "Managed",
    ...(p.description != null ? { description: p.description } : {}),
    properties: { ...p.properties, ...existing?.properties.properties },
    environmentVariables: p.environmentVariables ?? {},
    model: p.model,
    ...(p.modelMountPath != null ? { modelMountPath: p.modelMountPath } : {}),
    ...(p.environmentId != null ? { environmentId: p.environmentId } : {}),
    ...(p.codeConfiguration?.codeId
      ? { codeConfiguration: { codeId: p.codeConfiguration.codeId, scoringScript: p.codeConfiguration.scoringScript } }
      : {}),
    instanceType,
    scaleSettings: { scaleType: "Default" },
    requestSettings: {
      requestTimeout,
      maxConcurrentRequestsPerInstance: p.requestSettings?.maxConcurrentRequestsPerInstance ?? 1,
      maxQueueWait: p.requestSettings?.maxQueueWait ?? "PT0.5S",
    },
    livenessProbe: probeWithDefaults(p.livenessProbe),
    readinessProbe: probeWithDefaults(p.readinessProbe),
    appInsightsEnabled: p.appInsightsEnabled ?? false,
    egressPublicNetworkAccess: p.egressPublicNetworkAccess ?? "Enabled",
  };
}

function probeWithDefaults(p: z.output<typeof probe> | null | undefined): ProbeSettings {
  return {
    failureThreshold: p?.failureThreshold ?? 30,
    successThreshold: p?.successThreshold ?? 1,
    timeout: p?.timeout ?? "PT2S",
    period: p?.period ?? "PT10S",
    initialDelay: p?.initialDelay ?? "PT10S",
  };
}
