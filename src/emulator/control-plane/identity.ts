import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { LocalWorkspace } from "../local-workspace.js";
import type { ManagedIdentity } from "../state/resources.js";

/** The `identity` of an endpoint or deployment PUT; principal ids sent back from a GET are ignored (read-only). */
export const identityBody = z.looseObject({
  type: z.string(),
  userAssignedIdentities: z.record(z.string(), z.unknown()).nullish(),
});

/**
 * The identity the service keeps for a PUT: a system-assigned principal and each user-assigned identity keep their
 * ids across updates, as Entra does; user-assigned identities are the ones named, each with its own ids.
 */
export function managedIdentity(
  ws: LocalWorkspace,
  sent: z.output<typeof identityBody>,
  previous: ManagedIdentity | undefined,
): ManagedIdentity {
  const systemAssigned = /systemassigned/i.test(sent.type);
  const assigned = Object.keys(sent.userAssignedIdentities ?? {});
  return {
    type: sent.type,
    ...(systemAssigned ? { principalId: previous?.principalId ?? randomUUID(), tenantId: ws.state.workspaceGuid } : {}),
    ...(assigned.length > 0
      ? {
          userAssignedIdentities: Object.fromEntries(
            assigned.map((id) => [
              id,
              previous?.userAssignedIdentities?.[id] ?? { principalId: randomUUID(), clientId: randomUUID() },
            ]),
          ),
        }
      : {}),
  };
}
