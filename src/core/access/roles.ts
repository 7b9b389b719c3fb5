/** GreenLight's roles. A user holds a set of them; they do not imply each other. */
export const ROLES = ["viewer", "operator", "approver", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** Who is speaking: the Teams user, with the Entra ids roles are assigned by. */
export interface Caller {
  /** Teams user id (`29:…`) or the Playground's `user-id-N`. */
  id: string;
  name: string;
  aadObjectId?: string;
  /** User principal name, when Teams told us. */
  upn?: string;
}

/** One user's entry in the roles file. */
export interface RoleAssignment {
  /** Entra object id or UPN. */
  user: string;
  /** Display name used when GreenLight says who holds a role. */
  name?: string;
  roles: Role[];
}

/** Roles by user, as the roles file says; unknown users get `defaultRoles`. */
export class RoleBook {
  private readonly byUser = new Map<string, RoleAssignment>();

  constructor(
    assignments: readonly RoleAssignment[],
    private readonly defaultRoles: readonly Role[] = ["viewer"],
  ) {
    for (const a of assignments) this.byUser.set(a.user.toLowerCase(), a);
  }

  rolesOf(caller: Caller): Role[] {
    const entry = this.assignmentOf(caller);
    return entry ? [...entry.roles] : [...this.defaultRoles];
  }

  /** Whether the roles file names this caller (otherwise they hold the default roles). */
  isKnown(caller: Caller): boolean {
    return this.assignmentOf(caller) !== undefined;
  }

  /** Display names of the users who hold `role` (for "ask one of …"). */
  holdersOf(role: Role): string[] {
    return [...this.byUser.values()].filter((a) => a.roles.includes(role)).map((a) => a.name ?? a.user);
  }

  private assignmentOf(caller: Caller): RoleAssignment | undefined {
    for (const key of [caller.aadObjectId, caller.upn]) {
      const found = key ? this.byUser.get(key.toLowerCase()) : undefined;
      if (found) return found;
    }
    return undefined;
  }
}
