/** GreenLight's roles. A user holds a set of them; they do not imply each other. */
export const ROLES = ["viewer", "operator", "approver", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** Who is speaking: the Teams user, with the Entra ids roles are assigned by. */
export interface Caller {
  /** Teams user id (`29:…`) or the Playground's `user-id-N`. */
  id: string;
  name: string;
  aadObjectId?: string;
  /** The Entra tenant the activity came from (Teams sets it on every activity). */
  tenantId?: string;
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

/** The Entra tenants whose people may hold roles: a list, or any tenant (local mode's Playgrounds). */
export type TenantRule = { kind: "list"; tenants: readonly string[] } | { kind: "any" };

/**
 * Roles by user, as the roles file says; unknown users get `defaultRoles`. Object ids and UPNs are kept apart: an
 * activity's object id matches object-id entries only, and a UPN (from the roster) matches UPN entries only, so an
 * object id of "adelev@contoso.com" is nobody. Someone named by both an object-id entry and a UPN entry holds the roles
 * of both (roles add up, as in Azure RBAC). Only people of the tenants GreenLight serves hold any role, default roles
 * included.
 */
export class RoleBook {
  private readonly byObjectId = new Map<string, RoleAssignment>();
  private readonly byUpn = new Map<string, RoleAssignment>();

  constructor(
    assignments: readonly RoleAssignment[],
    private readonly defaultRoles: readonly Role[] = ["viewer"],
    private readonly tenants: TenantRule = { kind: "any" },
  ) {
    for (const a of assignments) {
      const book = OBJECT_ID.test(a.user) ? this.byObjectId : this.byUpn;
      const key = a.user.toLowerCase();
      // roles-file.ts refuses a file that lists a user twice; a second entry here would be a programming error.
      if (book.has(key)) throw new Error(`${a.user} is listed twice`);
      book.set(key, a);
    }
  }

  /** Whether a UPN could matter: some entries name users by UPN (it adds to an object-id entry's roles). */
  needsUpn(): boolean {
    return this.byUpn.size > 0;
  }

  rolesOf(caller: Caller): Role[] {
    if (this.outsider(caller)) return [];
    const entries = this.assignmentsOf(caller);
    if (entries.length === 0) return [...this.defaultRoles];
    return ROLES.filter((role) => entries.some((e) => e.roles.includes(role)));
  }

  /** Whether the roles file names this caller (otherwise they hold the default roles). */
  isKnown(caller: Caller): boolean {
    return !this.outsider(caller) && this.assignmentsOf(caller).length > 0;
  }

  /**
   * Why the caller holds no role whatever the roles file says: they came from a tenant GreenLight does not serve
   * (or Teams named none). Undefined for the people of the tenants it serves.
   */
  outsider(caller: Caller): string | undefined {
    if (this.tenants.kind === "any") return undefined;
    const tenant = caller.tenantId?.toLowerCase();
    if (tenant && this.tenants.tenants.some((t) => t.toLowerCase() === tenant)) return undefined;
    return tenant
      ? `GreenLight serves the organizations it is set up for, and yours (tenant ${caller.tenantId}) is not one of them, so you hold no role here. Ask the platform team that runs GreenLight if you should.`
      : "Teams did not say which organization you are in, so GreenLight gives you no role. Try again from Teams.";
  }

  /** The users who hold `role`, as the roles file names them (object id or UPN, and display name). */
  membersWith(role: Role): { user: string; name: string }[] {
    return [...this.byObjectId.values(), ...this.byUpn.values()]
      .filter((a) => a.roles.includes(role))
      .map((a) => ({ user: a.user, name: a.name ?? a.user }));
  }

  /** Display names of the users who hold `role` (for "ask one of …"), each once. */
  holdersOf(role: Role): string[] {
    return [...new Set(this.membersWith(role).map((m) => m.name))];
  }

  private assignmentsOf(caller: Caller): RoleAssignment[] {
    const id = caller.aadObjectId;
    const byId = id && OBJECT_ID.test(id) ? this.byObjectId.get(id.toLowerCase()) : undefined;
    const byUpn = caller.upn ? this.byUpn.get(caller.upn.toLowerCase()) : undefined;
    return [byId, byUpn].filter((a): a is RoleAssignment => a !== undefined);
  }
}
