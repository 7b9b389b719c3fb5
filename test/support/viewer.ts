import type { Person } from "../../src/ports/people.js";
import type { Role } from "../../src/core/access/roles.js";
import type { Viewer } from "../../src/core/people/identity.js";
import { isAllowed } from "../../src/core/commands/policy.js";

/** Someone looking at a card with these roles, as the policy judges them. */
export const viewerWith = (person: Person, ...roles: Role[]): Viewer => ({
  person,
  may: (action) => isAllowed(action, roles),
});
