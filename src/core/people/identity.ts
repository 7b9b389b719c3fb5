import type { Person } from "../../ports/people.js";
import type { UserError } from "../errors.js";
import type { Caller } from "../access/roles.js";
import type { Action } from "../vocabulary/command.js";

/** Who looks at a card: the buttons drawn are theirs (the server checks every click again all the same). */
export interface Viewer {
  person: Person;
  /** Whether their roles allow an action, by the policy. */
  may: (action: Action) => boolean;
}

/** The caller as a request, an approval or an audit row records them. */
export function personOf(caller: Caller): Person {
  return {
    id: caller.id,
    name: caller.name,
    ...(caller.aadObjectId ? { aadObjectId: caller.aadObjectId } : {}),
    ...(caller.tenantId ? { tenantId: caller.tenantId } : {}),
    ...(caller.upn ? { upn: caller.upn } : {}),
  };
}

/** Whether GreenLight knows who someone is beyond their Teams id: an Entra object id, or a UPN from the roster. */
export const hasStableIdentity = (p: Person): boolean => Boolean(p.aadObjectId || p.upn);

const same = (a: string | undefined, b: string | undefined): boolean =>
  a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();

/**
 * Whether two records name one person. A Teams id, an object id or a UPN in common makes them one; "different" needs
 * proof: both carry an object id (or both a UPN) and they differ. Anything less — one side with a Teams id only, or an
 * object id on one side and a UPN on the other — is "unknown", which never counts as someone else.
 *
 * One Entra account is one person here: someone with two accounts counts as two (see README, "what identifies a
 * person").
 */
export function samePerson(a: Person, b: Person): "same" | "different" | "unknown" {
  if (a.id === b.id || same(a.aadObjectId, b.aadObjectId) || same(a.upn, b.upn)) return "same";
  if ((a.aadObjectId && b.aadObjectId) || (a.upn && b.upn)) return "different";
  return "unknown";
}

/**
 * Separation of duties: the person deciding must be someone other than the requester, and GreenLight must be able to
 * tell. Undefined when they are; otherwise the refusal.
 */
export function someoneElse(
  requester: Person,
  by: Person,
  subject: { endpoint: string; what: "rollout" | "deletion" },
): UserError | undefined {
  switch (samePerson(requester, by)) {
    case "different":
      return undefined;
    case "same":
      return { code: "self_approval", endpoint: subject.endpoint, requester: requester.name, what: subject.what };
    case "unknown":
      return { code: "identity_unknown", endpoint: subject.endpoint, what: subject.what };
  }
}
