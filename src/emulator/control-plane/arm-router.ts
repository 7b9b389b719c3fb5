import type { IncomingMessage, ServerResponse } from "node:http";
import { ArmError, notFound } from "../http/arm-error.js";
import { PayloadTooLargeError, readBody, sendJson } from "../http/http-io.js";
import { RouteTable } from "../http/route-table.js";
import type { LocalWorkspace } from "../local-workspace.js";
import { PROVIDER } from "../local-workspace.js";
import { METRICS_RESOURCE_TYPE, requireApiVersion } from "./api-versions.js";
import { endpointMetrics, type RecordedRequests } from "./metric-routes.js";
import type { ArmHandler, ArmRequest } from "./arm-request.js";
import { assetRoutes } from "./asset-routes.js";
import { deploymentRoutes } from "./deployment-routes.js";
import { endpointRoutes } from "./endpoint-routes.js";
import { operationRoutes } from "./operation-routes.js";
import { workspaceToWire } from "./wire.js";

const MAX_ARM_BODY_BYTES = 4 * 1024 * 1024;
const WS = `subscriptions/:subscription/resourceGroups/:resourceGroup/providers/${PROVIDER}/workspaces/:workspace`;
const EP = `${WS}/onlineEndpoints/:endpoint`;
const DEP = `${EP}/deployments/:deployment`;
const OPS = `subscriptions/:subscription/providers/${PROVIDER}/locations/:location`;
const NOTHING_RECORDED: RecordedRequests = { recordingSince: 0, recordedMinutes: () => [] };

/** The handlers of one resource kind, by what they do. */
interface ResourceRoutes {
  list: ArmHandler;
  get: ArmHandler;
  put: ArmHandler;
  delete: ArmHandler;
  patch?: ArmHandler;
}

const ITEM_METHODS = [
  ["GET", "get"],
  ["PUT", "put"],
  ["PATCH", "patch"],
  ["DELETE", "delete"],
] as const satisfies readonly (readonly [string, keyof ResourceRoutes])[];

/** The ARM control plane: auth, api-version, routing, ARM error bodies. */
export function createArmRouter(ws: LocalWorkspace, recorded: RecordedRequests = NOTHING_RECORDED) {
  const endpoints = endpointRoutes(ws);
  const deployments = deploymentRoutes(ws);
  const assets = assetRoutes(ws);
  const operations = operationRoutes(ws);

  const table = new RouteTable<{ handler: ArmHandler; type: string }>();
  const add = (method: string, pattern: string, type: string, handler: ArmHandler): void => {
    table.add(method, pattern, { handler, type });
  };
  /** A collection (GET lists it) and its items (GET, PUT, DELETE, and PATCH where the kind has one). */
  const addResource = (collection: string, item: string, type: string, routes: ResourceRoutes): void => {
    add("GET", collection, type, routes.list);
    for (const [method, verb] of ITEM_METHODS) {
      const handler = routes[verb];
      if (handler) add(method, `${collection}/${item}`, type, handler);
    }
  };
  add("GET", WS, "workspaces", (req) => ({ status: 200, body: workspaceToWire(ws, req) }));
  addResource(`${WS}/onlineEndpoints`, ":endpoint", "workspaces/onlineEndpoints", endpoints);
  add("POST", `${EP}/listKeys`, "workspaces/onlineEndpoints", endpoints.listKeys);
  add("POST", `${EP}/regenerateKeys`, "workspaces/onlineEndpoints", endpoints.regenerateKeys);
  add("POST", `${EP}/token`, "workspaces/onlineEndpoints", endpoints.token);
  addResource(`${EP}/deployments`, ":deployment", "workspaces/onlineEndpoints/deployments", deployments);
  add("POST", `${DEP}/getLogs`, "workspaces/onlineEndpoints/deployments", deployments.getLogs);
  add("GET", `${DEP}/skus`, "workspaces/onlineEndpoints/deployments", deployments.skus);
  addResource(`${WS}/models`, ":name", "workspaces/models", assets.modelContainers);
  for (const [kind, routes] of [
    ["models", assets.modelVersions],
    ["codes", assets.codeVersions],
    ["environments", assets.environmentVersions],
  ] as const) {
    addResource(`${WS}/${kind}/:name/versions`, ":version", `workspaces/${kind}/versions`, routes);
  }
  add("GET", `${EP}/providers/Microsoft.Insights/metrics`, METRICS_RESOURCE_TYPE, (req) =>
    endpointMetrics(ws, req, recorded),
  );
  add("GET", `${OPS}/mfeOperationsStatus/:operation`, "locations/mfeOperationsStatus", operations.status);
  add("GET", `${OPS}/mfeOperationResults/:operation`, "locations/mfeOperationResults", operations.result);

  const checkScope = (params: Record<string, string>): void => {
    const s = ws.state;
    const same = (a: string | undefined, b: string): boolean => a === undefined || a.toLowerCase() === b.toLowerCase();
    if (!same(params.subscription, s.subscriptionId)) {
      throw new ArmError(404, "SubscriptionNotFound", `The subscription '${params.subscription}' could not be found.`);
    }
    if (!same(params.resourceGroup, s.resourceGroup)) {
      throw new ArmError(404, "ResourceGroupNotFound", `Resource group '${params.resourceGroup}' could not be found.`);
    }
    if (!same(params.workspace, s.name)) {
      throw notFound(
        `Workspace '${params.workspace}' not found in resource group ${s.resourceGroup}. The local workspace is '${s.name}'.`,
      );
    }
  };

  return {
    async handle(
      req: IncomingMessage,
      res: ServerResponse,
      url: URL,
      segments: string[],
      baseUrl: string,
    ): Promise<void> {
      const started = performance.now();
      let status = 500;
      try {
        const response = await dispatch(req, url, segments, baseUrl);
        status = response.status;
        sendJson(res, response.status, response.body, response.headers);
      } catch (error) {
        const armError = toArmError(error);
        if (armError.status >= 500 && !(error instanceof ArmError)) ws.log(`internal error: ${String(error)}`);
        status = armError.status;
        sendJson(res, armError.status, armError.toBody(), armError.headers);
      } finally {
        ws.log(`${req.method} ${url.pathname} ${status} ${Math.round(performance.now() - started)}ms`, "debug");
      }
    },
  };

  async function dispatch(req: IncomingMessage, url: URL, segments: string[], baseUrl: string) {
    if (!/^Bearer \S+/i.test(req.headers.authorization ?? "")) {
      throw new ArmError(
        401,
        "AuthenticationFailed",
        "Authentication failed. The 'Authorization' header is missing or is not a Bearer token.",
      );
    }
    const delayMs = ws.faults.takeControlPlaneDelay();
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    const injected = ws.faults.takeControlPlaneFault();
    if (injected === 429) {
      throw new ArmError(
        429,
        "TooManyRequests",
        "The request was throttled (injected fault). Retry after the time in Retry-After.",
        undefined,
        { "Retry-After": "1" },
      );
    }
    if (injected === 500)
      throw new ArmError(500, "InternalServerError", "An internal server error occurred (injected fault).");
    const method = req.method ?? "GET";
    const matched = table.match(method, segments);
    if (matched === "methodNotAllowed") {
      throw new ArmError(405, "MethodNotAllowed", `The ${method} method is not supported on ${url.pathname}.`);
    }
    if (!matched) {
      throw new ArmError(
        404,
        "NoRegisteredProviderFound",
        `No route in the local workspace matches ${method} ${url.pathname}.`,
      );
    }
    const apiVersion = requireApiVersion(url.searchParams.get("api-version"), matched.handler.type);
    checkScope(matched.params);
    const text = await readBody(req, MAX_ARM_BODY_BYTES);
    let body: unknown;
    if (text.trim()) {
      try {
        body = JSON.parse(text);
      } catch (error) {
        throw new ArmError(
          400,
          "InvalidRequestContent",
          `The request content was not valid JSON: ${(error as Error).message}`,
        );
      }
    }
    const armRequest: ArmRequest = { method, url, apiVersion, params: matched.params, body, baseUrl };
    const response = await matched.handler.handler(armRequest);
    recordWrite(method, matched.params, response.status);
    return response;
  }

  /** Logs a write the workspace accepted (emulator-only: tests count traffic changes with it). */
  function recordWrite(method: string, params: Record<string, string>, status: number): void {
    const endpoint = params.endpoint;
    if (endpoint === undefined || status >= 300) return;
    if (method !== "PUT" && method !== "PATCH" && method !== "DELETE") return;
    const deployment = params.deployment;
    const set = deployment === undefined && method === "PUT" ? ws.findEndpoint(endpoint) : undefined;
    ws.writes.record(endpoint, {
      at: ws.now().toISOString(),
      method,
      ...(deployment !== undefined ? { deployment } : {}),
      ...(set ? { traffic: { ...set.traffic }, mirrorTraffic: { ...set.mirrorTraffic } } : {}),
    });
  }
}

function toArmError(error: unknown): ArmError {
  if (error instanceof ArmError) return error;
  if (error instanceof PayloadTooLargeError) return new ArmError(413, "RequestEntityTooLarge", error.message);
  return new ArmError(500, "InternalServerError", "An internal error occurred in the local workspace.");
}
