import { ArmError, notFound } from "../http/arm-error.js";
import type { LocalWorkspace } from "../local-workspace.js";
import type { StoredOperation } from "../state/resources.js";
import type { ArmRequest, ArmResponse } from "./arm-request.js";
import { deploymentToWire, endpointToWire } from "./wire.js";

/** `mfeOperationsStatus` (Azure-AsyncOperation) and `mfeOperationResults` (Location), as ARM RPC describes them. */
export function operationRoutes(ws: LocalWorkspace) {
  const find = (req: ArmRequest): StoredOperation => {
    const op = ws.state.operations[req.params.operation ?? ""];
    if (!op) throw notFound(`Operation ${req.params.operation} not found.`);
    return op;
  };

  return {
    status: (req: ArmRequest): ArmResponse => {
      const op = find(req);
      return {
        status: 200,
        headers: op.status === "InProgress" ? ws.retryAfter(op) : {},
        body: {
          id: `/subscriptions/${ws.state.subscriptionId}/providers/Microsoft.MachineLearningServices/locations/${ws.state.location}/mfeOperationsStatus/${op.id}`,
          name: op.id,
          status: op.status,
          startTime: op.startTime,
          ...(op.endTime ? { endTime: op.endTime, percentComplete: 100 } : { percentComplete: 0 }),
          ...(op.error ? { error: op.error } : {}),
        },
      };
    },

    result: (req: ArmRequest): ArmResponse => {
      const op = find(req);
      if (op.status === "InProgress") {
        return { status: 202, headers: { Location: req.url.toString(), ...ws.retryAfter(op) } };
      }
      if (op.error) throw new ArmError(400, op.error.code, op.error.message);
      if (op.method !== "PATCH") return { status: 204 };
      const body = resourceBody(ws, req, op.resourcePath);
      return body === undefined ? { status: 204 } : { status: 200, body };
    },
  };
}

function resourceBody(ws: LocalWorkspace, req: ArmRequest, path: string): unknown {
  const m = /\/onlineEndpoints\/([^/]+)(?:\/deployments\/([^/]+))?$/.exec(path);
  if (!m?.[1]) return undefined;
  if (m[2]) {
    const d = ws.findDeployment(m[1], m[2]);
    return d && deploymentToWire(ws, d, req);
  }
  const e = ws.findEndpoint(m[1]);
  return e && endpointToWire(ws, e, req);
}
