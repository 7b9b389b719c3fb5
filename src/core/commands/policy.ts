import { COMMAND_TABLE, EVERYONE, type Roles } from "./command-table.js";
import type { Action } from "../vocabulary/command.js";
import type { Role } from "../access/roles.js";

export { EVERYONE };
export type { Action };

/**
 * Who may do what: each action's roles from the command table (any one suffices), or EVERYONE. Every command and card
 * action is checked against it on the server.
 */
export const POLICY: Readonly<Record<Action, Roles>> = Object.fromEntries(
  Object.entries(COMMAND_TABLE).map(([action, spec]) => [action, spec.roles]),
) as Record<Action, Roles>;

/** The roles that allow an action; empty when everyone may. */
export function allowedRoles(action: Action): readonly Role[] {
  const rule = POLICY[action];
  return rule === EVERYONE ? [] : rule;
}

export function isAllowed(action: Action, roles: readonly Role[]): boolean {
  const rule = POLICY[action];
  return rule === EVERYONE || rule.some((r) => roles.includes(r));
}
