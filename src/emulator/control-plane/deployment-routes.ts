import { badArgument } from "../http/arm-error.js";
import type { LocalWorkspace } from "../local-workspace.js";
import type { StoredDeployment } from "../state/resources.js";
import { NEWER_DEPLOYMENT_PROPERTIES } from "./api-versions.js";
import type { ArmRequest, ArmResponse } from "./arm-request.js";
import { deploymentBody, logsBody, patchBody, TYPED_PROPERTIES } from "./deployment-body.js";
import { checkCapacity, deploymentProperties, INSTANCE_RANGE } from "./deployment-properties.js";
import { provision, servingOf } from "./deployment-provisioning.js";
import { extraProperties } from "./extra-properties.js";
import { managedIdentity } from "./identity.js";
import { validateResourceName } from "./names.js";
import { acceptLater, patchResource } from "./resource-operations.js";
import { parseBody } from "./validation.js";
import { asyncOperationHeaders, deploymentToWire, endpointId, page } from "./wire.js";

const MAX_DEPLOYMENTS_PER_ENDPOINT = 20;
const LOG_TAIL_DEFAULT = 5000;

/** Online deployment routes: list, get, PUT, PATCH, DELETE, getLogs, skus. */
export function deploymentRoutes(ws: LocalWorkspace) {
  const deploymentId = (endpoint: string, name: string): string => `${endpointId(ws, endpoint)}/deployments/${name}`;

  return {
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
      provision(ws, deployment, op);
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
      const capacity = body.sku?.capacity;
      if (capacity != null) checkCapacity(capacity);
      const target = { path: deploymentId(endpoint.name, deployment.name), prefix: "odidp" as const };
      return patchResource(ws, req, deployment, target, () => {
        if (body.tags) deployment.tags = body.tags;
        if (capacity != null) deployment.sku = { ...deployment.sku, capacity };
      });
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
      return acceptLater(ws, req, op, async () => {
        await ws.stopRuntime(endpoint.name, deployment.name);
        await ws.logs.remove(endpoint.name, deployment.name);
        delete ws.state.deployments[endpoint.name.toLowerCase()]?.[deployment.name.toLowerCase()];
        // A traffic entry of 0 for a deleted deployment would name a deployment that no longer exists. The maps are
        // replaced, not edited: the scoring router caches by map.
        endpoint.traffic = withoutKey(endpoint.traffic, deployment.name);
        endpoint.mirrorTraffic = withoutKey(endpoint.mirrorTraffic, deployment.name);
      });
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
        capacity: { ...INSTANCE_RANGE, default: 1, scaleType: "Manual" },
      };
      return { status: 200, body: page([sku], req) };
    },
  };
}

function withoutKey(map: Record<string, number>, key: string): Record<string, number> {
  return Object.fromEntries(Object.entries(map).filter(([k]) => k !== key));
}
