/** GreenLight's roles. A user holds a set of them; they do not imply each other. */
export const ROLES = ["viewer", "operator", "approver", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** Who is speaking: the Teams user, with the Entra ids roles are assigned by. */
export interface Caller {
  /** Teams user id (`29:…`) or the Playground's `user-id-N`. */
  id: string;
  name: string;
  aadObjectId?: string;
  /** User principal name, from the Teams roster (never from the activity, which anyone could forge). */
  upn?: string;
  /** Why the caller's roles may be incomplete: the roster could not be read, so UPN entries could not match. */
  directoryProblem?: string;
}

/** One user's entry in the roles file. */
export interface RoleAssignment {
  /** Entra object id or UPN. */
  user: string;
  /** Display name used when GreenLight says who holds a role. */
  name?: string;
  roles: Role[];
}

/** An Entra object id: a GUID. Anything else in the roles file is a UPN. */
export const OBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Roles by user, as the roles file says; unknown users get `defaultRoles`. Object ids and UPNs are kept apart: an
 * activity's object id matches object-id entries only, and a UPN (from the roster) matches UPN entries only, so an
 * object id of "adelev@contoso.com" is nobody.
 */
export class RoleBook {
  private readonly byObjectId = new Map<string, RoleAssignment>();
  private readonly byUpn = new Map<string, RoleAssignment>();

  constructor(
    assignments: readonly RoleAssignment[],
    private readonly defaultRoles: readonly Role[] = ["viewer"],
  ) {
    for (const a of assignments) (OBJECT_ID.test(a.user) ? this.byObjectId : this.byUpn).set(a.user.toLowerCase(), a);
  }

  /** Whether a UPN could matter: some entries name users by UPN, and this caller is not named by object id. */
  needsUpn(caller: Caller): boolean {
    return this.byUpn.size > 0 && this.byObjectIdOf(caller) === undefined;
  }

  rolesOf(caller: Caller): Role[] {
    const entry = this.assignmentOf(caller);
    return entry ? [...entry.roles] : [...this.defaultRoles];
  }

  /** Whether the roles file names this caller (otherwise they hold the default roles). */
  isKnown(caller: Caller): boolean {
    return this.assignmentOf(caller) !== undefined;
  }

  /** The users who hold `role`, as the roles file names them (object id or UPN, and display name). */
  membersWith(role: Role): { user: string; name: string }[] {
    return [...this.byObjectId.values(), ...this.byUpn.values()]
      .filter((a) => a.roles.includes(role))
      .map((a) => ({ user: a.user, name: a.name ?? a.user }));
  }

  /** Display names of the users who hold `role` (for "ask one of …"). */
  holdersOf(role: Role): string[] {
    return [...this.byObjectId.values(), ...this.byUpn.values()]
      .filter((a) => a.roles.includes(role))
      .map((a) => a.name ?? a.user);
  }

  private assignmentOf(caller: Caller): RoleAssignment | undefined {
    return this.byObjectIdOf(caller) ?? (caller.upn ? this.byUpn.get(caller.upn.toLowerCase()) : undefined);
  }

  private byObjectIdOf(caller: Caller): RoleAssignment | undefined {
    const id = caller.aadObjectId;
    return id && OBJECT_ID.test(id) ? this.byObjectId.get(id.toLowerCase()) : undefined;
  }
}
