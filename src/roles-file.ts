import { readFileSync } from "node:fs";
import { z } from "zod";
import { OBJECT_ID, ROLES, RoleBook, type TenantRule } from "./core/access/roles.js";

const rolesFileSchema = z.object({
  /** Roles of users the file does not name: `["viewer"]` by default, `[]` to give them none. */
  defaultRoles: z.array(z.enum(ROLES)).default(["viewer"]),
  users: z.array(
    z.object({
      /** Entra object id (a GUID) or UPN (name@domain); each matches only its own kind of id. */
      user: z
        .string()
        .refine(
          (u) => OBJECT_ID.test(u) || /^[^@\s]+@[^@\s]+$/.test(u),
          "must be an Entra object id (a GUID) or a UPN (name@domain)",
        ),
      name: z.string().min(1).optional(),
      roles: z.array(z.enum(ROLES)),
    }),
  ),
});

/**
 * Reads the roles file named by ROLES_FILE; a bad file stops the bot with a message naming the problem. A user listed
 * twice (the same object id or UPN, in any case) is refused: which entry would count is not for GreenLight to guess.
 */
export function loadRoleBook(path: string, tenants: TenantRule = { kind: "any" }): RoleBook {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(`Cannot read the roles file ${path} (ROLES_FILE): ${(error as Error).message}`);
  }
  const parsed = rolesFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`The roles file ${path} is invalid at ${issue?.path.join(".") || "top level"}: ${issue?.message}`);
  }
  const seen = new Map<string, number>();
  for (const [index, u] of parsed.data.users.entries()) {
    const first = seen.get(u.user.toLowerCase());
    if (first !== undefined) {
      throw new Error(
        `The roles file ${path} lists ${u.user} twice (users.${first} and users.${index}): give each person one entry with all their roles.`,
      );
    }
    seen.set(u.user.toLowerCase(), index);
  }
  return new RoleBook(
    parsed.data.users.map((u) => ({ user: u.user, roles: u.roles, ...(u.name ? { name: u.name } : {}) })),
    parsed.data.defaultRoles,
    tenants,
  );
}
