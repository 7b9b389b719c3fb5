import { z } from "zod";
import { ArmError, badArgument } from "../http/arm-error.js";
import type { LocalWorkspace } from "../local-workspace.js";
import type { DeploymentProperties, ProbeSettings, StoredDeployment, StoredOperation } from "../state/resources.js";
import { NEWER_DEPLOYMENT_PROPERTIES } from "./api-versions.js";
import type { ArmRequest, ArmResponse } from "./arm-request.js";
import { identityBody, managedIdentity } from "./identity.js";
import { extraProperties } from "./extra-properties.js";
import { validateResourceName } from "./names.js";
import { parseBody, durationMs } from "./validation.js";
import { asyncOperationHeaders, deploymentToWire, endpointId, locationHeaders, page } from "./wire.js";

const MAX_DEPLOYMENTS_PER_ENDPOINT = 20;
const MAX_INSTANCES = 50;
const MAX_REQUEST_TIMEOUT_MS = 180_000;
const DEFAULT_INSTANCE_TYPE = "Standard_DS3_v2";
const LOG_TAIL_DEFAULT = 5000;

const stringMap = z.record(z.string(), z.string());
const probe = z.looseObject({
  failureThreshold: z.number().int().min(1).nullish(),
  successThreshold: z.number().int().min(1).nullish(),
  timeout: z.string().nullish(),
  period: z.string().nullish(),
  initialDelay: z.string().nullish(),
});

const deploymentBody = z.looseObject({
  location: z.string().min(1),
  tags: stringMap.nullish(),
  kind: z.string().nullish(),
  identity: identityBody.nullish(),
  sku: z
    .looseObject({
      name: z.string().nullish(),
      capacity: z.number().int().nullish(),
      tier: z.string().nullish(),
      size: z.string().nullish(),
      family: z.string().nullish(),
    })
    .nullish(),
  properties: z.looseObject({
    endpointComputeType: z.string(),
    description: z.string().nullish(),
    properties: stringMap.nullish(),
    environmentVariables: stringMap.nullish(),
    model: z.string().nullish(),
    modelMountPath: z.string().nullish(),
    environmentId: z.string().nullish(),
    codeConfiguration: z.looseObject({ codeId: z.string().nullish(), scoringScript: z.string().min(1) }).nullish(),
    instanceType: z.string().nullish(),
    scaleSettings: z.looseObject({ scaleType: z.string() }).nullish(),
    requestSettings: z
      .looseObject({
        requestTimeout: z.string().nullish(),
        maxConcurrentRequestsPerInstance: z.number().int().min(1).nullish(),
        maxQueueWait: z.string().nullish(),
      })
      .nullish(),
    livenessProbe: probe.nullish(),
    readinessProbe: probe.nullish(),
    startupProbe: probe.nullish(),
    appInsightsEnabled: z.boolean().nullish(),
    egressPublicNetworkAccess: z.string().nullish(),
    dataCollector: z
      .looseObject({
        collections: z.record(
          z.string(),
          z.looseObject({ dataCollectionMode: z.string().nullish(), samplingRate: z.number().min(0).max(1).nullish() }),
        ),
        rollingRate: z.string().nullish(),
      })
      .nullish(),
  }),
});

// The properties deploymentProperties() keeps in typed fields (2022-10-01's), and the one the service writes.
const TYPED_PROPERTIES = new Set([
  "endpointComputeType",
  "description",
  "properties",
  "environmentVariables",
  "model",
  "modelMountPath",
  "environmentId",
  "codeConfiguration",
  "instanceType",
  "scaleSettings",
  "requestSettings",
  "livenessProbe",
  "readinessProbe",
  "appInsightsEnabled",
  "egressPublicNetworkAccess",
  "provisioningState",
]);
type DeploymentBody = z.output<typeof deploymentBody>;

const patchBody = z.looseObject({
  tags: stringMap.nullish(),
  sku: z.looseObject({ capacity: z.number().int().nullish(), name: z.string().nullish() }).nullish(),
});

const logsBody = z.looseObject({
  containerType: z.string().nullish(),
  tail: z.number().int().min(0).nullish(),
});

/** Online deployment routes: list, get, PUT, PATCH, DELETE, getLogs, skus. */
export function deploymentRoutes(ws: LocalWorkspace) {
  const deploymentId = (endpoint: string, name: string): string => `${endpointId(ws, endpoint)}/deployments/${name}`;

  /** Provisions (or re-provisions) the deployment: the delay, then the real model load. */
  const provision = (deployment: StoredDeployment, op: StoredOperation): void => {
    const started = Date.now();
    ws.later(async () => {
      await ws.faults.provisioningHold(deployment.endpointName, deployment.name);
      const failure = await ws.startRuntime(deployment);
      const remaining = ws.timing.provisioningDelayMs - (Date.now() - started);
      if (remaining > 0) await new Promise((resolve) => setTimeout(resolve, remaining));
      if (ws.findDeployment(deployment.endpointName, deployment.name) !== deployment) return;
      deployment.provisioningState = failure ? "Failed" : "Succeeded";
      if (failure) {
        deployment.failure = failure;
        ws.finishOperation(op, {
          code: "ResourceNotReady",
          message:
            `User container has crashed or terminated: ${failure} ` + `Read the deployment logs (getLogs) for details.`,
        });
      } else {
        delete deployment.failure;
        delete deployment.serving;
        ws.finishOperation(op);
      }
      ws.save();
    }, 0);
  };

  return {
    provision,

    list: (req: ArmRequest): ArmResponse => {
      const endpoint = ws.endpoint(req.params.endpoint ?? "");
      const items = ws.deploymentsOf(endpoint.name).map((d) => deploymentToWire(ws, d, req));
      return { status: 200, body: page(items, req) };
    },

    get: (req: ArmRequest): ArmResponse => {
      const endpoint = ws.endpoint(req.params.endpoint ?? "");
      return {
        status: 200,
        body: deploymentToWire(ws, ws.deployment(endpoint.name, req.params.deployment ?? ""), req),
      };
    },

    put: (req: ArmRequest): ArmResponse => {
      const endpoint = ws.endpoint(req.params.endpoint ?? "");
      const name = req.params.deployment ?? "";
      validateResourceName("deployment", name);
      const body = parseBody(deploymentBody, req.body);
      ws.assertNoOperationInFlight(endpoint.name);
      const existing = ws.findDeployment(endpoint.name, name);
      if (!existing && ws.deploymentsOf(endpoint.name).length >= MAX_DEPLOYMENTS_PER_ENDPOINT) {
        throw badArgument(
          `Endpoint ${endpoint.name} already has ${MAX_DEPLOYMENTS_PER_ENDPOINT} deployments, the most allowed. ` +
            `Delete one before creating another.`,
        );
      }
      const properties = deploymentProperties(ws, body, existing);
      const capacity = body.sku?.capacity ?? existing?.sku.capacity ?? 1;
      checkCapacity(capacity);
      const op = ws.startOperation("PUT", deploymentId(endpoint.name, name), "odidp");
      const deployment: StoredDeployment = {
        endpointName: endpoint.name,
        name: existing?.name ?? name,
        location: body.location,
        tags: body.tags ?? {},
        kind: body.kind ?? "Managed",
        ...(body.identity ? { identity: managedIdentity(ws, body.identity, existing?.identity) } : {}),
        sku: {
          name: body.sku?.name ?? "Default",
          capacity,
          ...(body.sku?.tier != null ? { tier: body.sku.tier } : {}),
          ...(body.sku?.size != null ? { size: body.sku.size } : {}),
          ...(body.sku?.family != null ? { family: body.sku.family } : {}),
        },
        properties,
        extraProperties: extraProperties(
          body.properties,
          req.apiVersion,
          existing?.extraProperties,
          TYPED_PROPERTIES,
          NEWER_DEPLOYMENT_PROPERTIES,
        ),
        provisioningState: existing ? "Updating" : "Creating",
        ...servingOf(existing),
        systemData: ws.systemData(existing?.systemData),
      };
      (ws.state.deployments[endpoint.name.toLowerCase()] ??= {})[name.toLowerCase()] = deployment;
      ws.save();
      provision(deployment, op);
      return {
        status: existing ? 200 : 201,
        body: deploymentToWire(ws, deployment, req),
        headers: asyncOperationHeaders(ws, req, op),
      };
    },

    patch: (req: ArmRequest): ArmResponse => {
      const endpoint = ws.endpoint(req.params.endpoint ?? "");
      const deployment = ws.deployment(endpoint.name, req.params.deployment ?? "");
      ws.assertNoOperationInFlight(endpoint.name);
      const body = parseBody(patchBody, req.body);
      if (body.sku?.capacity != null) checkCapacity(body.sku.capacity);
      const op = ws.startOperation("PATCH", deploymentId(endpoint.name, deployment.name), "odidp");
      if (body.tags) deployment.tags = body.tags;
      if (body.sku?.capacity != null) deployment.sku = { ...deployment.sku, capacity: body.sku.capacity };
      deployment.provisioningState = "Updating";
      deployment.systemData = ws.systemData(deployment.systemData);
      ws.save();
      ws.later(() => {
        deployment.provisioningState = "Succeeded";
        ws.finishOperation(op);
        ws.save();
      });
      return { status: 202, headers: locationHeaders(ws, req, op) };
    },

    delete: (req: ArmRequest): ArmResponse => {
      const endpoint = ws.endpoint(req.params.endpoint ?? "");
      const deployment = ws.findDeployment(endpoint.name, req.params.deployment ?? "");
      if (!deployment) return { status: 204 };
      const live = endpoint.traffic[deployment.name] ?? 0;
      const mirror = endpoint.mirrorTraffic[deployment.name] ?? 0;
      if (live > 0 || mirror > 0) {
        throw badArgument(
          `Deployment ${deployment.name} has ${live > 0 ? `live traffic (${live}%)` : `mirror traffic (${mirror}%)`} ` +
            `and cannot be deleted. Set its traffic to 0 on endpoint ${endpoint.name} first.`,
        );
      }
      ws.assertNoOperationInFlight(endpoint.name);
      const op = ws.startOperation("DELETE", deploymentId(endpoint.name, deployment.name), "odidp");
      deployment.provisioningState = "Deleting";
      ws.save();
      ws.later(async () => {
        await ws.stopRuntime(endpoint.name, deployment.name);
        await ws.logs.remove(endpoint.name, deployment.name);
        delete ws.state.deployments[endpoint.name.toLowerCase()]?.[deployment.name.toLowerCase()];
        // A traffic entry of 0 for a deleted deployment would name a deployment that no longer exists. The maps are
        // replaced, not edited: the scoring router caches by map.
        endpoint.traffic = withoutKey(endpoint.traffic, deployment.name);
        endpoint.mirrorTraffic = withoutKey(endpoint.mirrorTraffic, deployment.name);
        ws.finishOperation(op);
        ws.save();
      });
      return { status: 202, headers: locationHeaders(ws, req, op) };
    },

    getLogs: async (req: ArmRequest): Promise<ArmResponse> => {
      const endpoint = ws.endpoint(req.params.endpoint ?? "");
      const deployment = ws.deployment(endpoint.name, req.params.deployment ?? "");
      const body = parseBody(logsBody, req.body);
      const type = (body.containerType ?? "InferenceServer").toLowerCase();
      if (type !== "inferenceserver" && type !== "storageinitializer") {
        throw badArgument(
          `containerType '${body.containerType}' is not valid. Use InferenceServer or StorageInitializer.`,
          "containerType",
        );
      }
      const container = type === "inferenceserver" ? "InferenceServer" : "StorageInitializer";
      const content = await ws.logs.read(endpoint.name, deployment.name, container, body.tail ?? LOG_TAIL_DEFAULT);
      return { status: 200, body: { content } };
    },

    skus: (req: ArmRequest): ArmResponse => {
      const endpoint = ws.endpoint(req.params.endpoint ?? "");
      ws.deployment(endpoint.name, req.params.deployment ?? "");
      const sku = {
        resourceType: "Microsoft.MachineLearning.Services/endpoints/deployments",
        sku: { name: "Default", tier: "Standard" },
        capacity: { minimum: 1, maximum: MAX_INSTANCES, default: 1, scaleType: "Manual" },
      };
      return { status: 200, body: page([sku], req) };
    },
  };
}

/** What serves while `existing` is replaced: its current model if it was running, else whatever it kept serving. */
function servingOf(existing: StoredDeployment | undefined): { serving?: DeploymentProperties } {
  const serving = existing?.provisioningState === "Succeeded" ? existing.properties : existing?.serving;
  return serving ? { serving } : {};
}

function checkCapacity(capacity: number): void {
  if (capacity < 1 || capacity > MAX_INSTANCES) {
    throw badArgument(
      `sku.capacity (instance count) must be from 1 to ${MAX_INSTANCES}; got ${capacity}.`,
      "sku.capacity",
    );
  }
}

/** Validates the body against the workspace and applies the service's defaults (reference §1.2, §5). */
function deploymentProperties(
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

function withoutKey(map: Record<string, number>, key: string): Record<string, number> {
  return Object.fromEntries(Object.entries(map).filter(([k]) => k !== key));
}
