import { z } from "zod";
import { identityBody } from "./identity.js";

// What a client may send to the deployment routes (SPEC2512 OnlineDeployment, reference §3.2): unknown fields are
// kept (looseObject), so a newer client's settings survive a PUT.

const stringMap = z.record(z.string(), z.string());
export const probe = z.looseObject({
  failureThreshold: z.number().int().min(1).nullish(),
  successThreshold: z.number().int().min(1).nullish(),
  timeout: z.string().nullish(),
  period: z.string().nullish(),
  initialDelay: z.string().nullish(),
});

export const deploymentBody = z.looseObject({
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
export const TYPED_PROPERTIES = new Set([
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
export type DeploymentBody = z.output<typeof deploymentBody>;

export const patchBody = z.looseObject({
  tags: stringMap.nullish(),
  sku: z.looseObject({ capacity: z.number().int().nullish(), name: z.string().nullish() }).nullish(),
});

export const logsBody = z.looseObject({
  containerType: z.string().nullish(),
  tail: z.number().int().min(0).nullish(),
});
