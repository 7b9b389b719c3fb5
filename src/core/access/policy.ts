import type { Role } from "./roles.js";

/** Anyone, even a user with no roles: they must be able to find out who they are and what they may do. */
export const EVERYONE = "everyone";

/**
 * Who may do what. Each action names the roles that allow it (any one suffices), or EVERYONE; the table is the single
 * place the rules live, and every command and card action is checked against it on the server.
 */
export const POLICY = {
  help: EVERYONE,
  whoami: EVERYONE,
  endpoints: ["viewer", "operator", "approver", "admin"],
  show: ["viewer", "operator", "approver", "admin"],
  models: ["viewer", "operator", "approver", "admin"],
  samples: ["viewer", "operator", "approver", "admin"],
  audit: ["viewer", "operator", "approver", "admin"],
  "sample.add": ["operator", "admin"],
  invoke: ["operator", "admin"],
  logs: ["operator", "admin"],
  status: ["viewer", "operator", "approver", "admin"],
  deploy: ["operator", "admin"],
  rollback: ["operator", "admin"],
  "rollout.approve": ["approver", "admin"],
  "rollout.reject": ["approver", "admin"],
  "rollout.retire": ["approver", "admin"],
  "rollout.override": ["admin"],
  "rollout.resume": ["approver", "admin"],
  "rollout.restore": ["operator", "admin"],
  "rollout.view": ["viewer", "operator", "approver", "admin"],
  "deletion.view": ["viewer", "operator", "approver", "admin"],
  delete: ["admin"],
  "deletion.approve": ["approver", "admin"],
  "deletion.reject": ["approver", "admin"],
  "samples.remove": ["admin"],
  subscribe: ["admin"],
  unsubscribe: ["admin"],
  subscriptions: ["admin"],
} as const satisfies Record<string, readonly Role[] | typeof EVERYONE>;

export type Action = keyof typeof POLICY;

/** The roles that allow an action; empty when everyone may. */
export function allowedRoles(action: Action): readonly Role[] {
  const rule = POLICY[action];
  return rule === EVERYONE ? [] : rule;
}

export function isAllowed(action: Action, roles: readonly Role[]): boolean {
  const rule: readonly Role[] | typeof EVERYONE = POLICY[action];
  return rule === EVERYONE || rule.some((r) => roles.includes(r));
}
