import type { Role } from "./roles.js";

/**
 * Who may do what. Each action names the roles that allow it (any one suffices); the table is the single place the
 * rules live, and every command and card action is checked against it on the server.
 */
export const POLICY = {
  help: ["viewer", "operator", "approver", "admin"],
  whoami: ["viewer", "operator", "approver", "admin"],
  endpoints: ["viewer", "operator", "approver", "admin"],
  show: ["viewer", "operator", "approver", "admin"],
  models: ["viewer", "operator", "approver", "admin"],
  samples: ["viewer", "operator", "approver", "admin"],
  audit: ["viewer", "operator", "approver", "admin"],
  "sample.add": ["operator", "admin"],
  invoke: ["operator", "admin"],
  logs: ["operator", "admin"],
} as const satisfies Record<string, readonly Role[]>;

export type Action = keyof typeof POLICY;

export function allowedRoles(action: Action): readonly Role[] {
  return POLICY[action];
}

export function isAllowed(action: Action, roles: readonly Role[]): boolean {
  return POLICY[action].some((r) => roles.includes(r));
}
