import type { LocalWorkspace } from "../local-workspace.js";
import type { ProvisioningState, StoredOperation, SystemData } from "../state/resources.js";
import type { ArmRequest, ArmResponse } from "./arm-request.js";
import { locationHeaders } from "./wire.js";

// How the workspace answers a change it carries out in the background, as ARM RPC describes PATCH, DELETE and POST
// (reference §4.2): 202 with a Location to poll, and the operation done once the provisioning delay has run.

/** 202 with a Location; `work` runs after the provisioning delay, then the operation succeeds and the state is saved. */
export function acceptLater(
  ws: LocalWorkspace,
  req: ArmRequest,
  op: StoredOperation,
  work: () => Promise<void> | void,
): ArmResponse {
  ws.later(async () => {
    await work();
    ws.finishOperation(op);
    ws.save();
  });
  return { status: 202, headers: locationHeaders(ws, req, op) };
}

/** A PATCH of an endpoint or a deployment (tags, identity, instance count): applied now, Updating until the delay ran. */
export function patchResource(
  ws: LocalWorkspace,
  req: ArmRequest,
  resource: { provisioningState: ProvisioningState; systemData: SystemData },
  target: { path: string; prefix: "oeidp" | "odidp" },
  apply: () => void,
): ArmResponse {
  const op = ws.startOperation("PATCH", target.path, target.prefix);
  apply();
  resource.provisioningState = "Updating";
  resource.systemData = ws.systemData(resource.systemData);
  ws.save();
  return acceptLater(ws, req, op, () => {
    resource.provisioningState = "Succeeded";
  });
}
