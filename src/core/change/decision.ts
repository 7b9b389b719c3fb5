import type { Mention } from "../../ports/notifier.js";
import type { Person } from "../../ports/people.js";
import { samePerson, someoneElse } from "../people/identity.js";
import type { UserError } from "../errors.js";
import type { ChangeNoun, Versioned } from "./change.js";

/** When a person's decision on a card counts: each kind of change keeps a table of these, one per decision. */
export interface DecisionRule<P extends string> {
  /** The phases in which the decision can be made; "any" for one that holds at every point (a rollback). */
  accepts: readonly P[] | "any";
  /** Separation of duties: only someone other than the requester may make it (checked at the click). */
  bySomeoneElse: boolean;
}

/** What a card's button is bound to: the subject, its version (and step) as the card showed them. */
export interface Shown {
  id: string;
  version: number;
  step?: number;
}

/** How a kind of change words a refused click. */
export interface Refusals<S> {
  noun: ChangeNoun;
  /** Why a click on an out-of-date card changed nothing: what the subject is now. */
  staleNow(s: S): string;
  /** What expired, for the wording of an expired approval. */
  expired(s: S): Extract<UserError, { code: "approval_expired" }>["what"];
}

/**
 * Refuses a decision made on a card that no longer shows the subject as it is (another version or step, a phase that
 * does not take it), one whose time ran out — whether or not the worker has recorded the expiry yet — and one that
 * needs a second person from the requester (or from someone GreenLight cannot tell apart from them).
 */
export function refuseDecision<S extends Versioned>(
  s: S,
  shown: Shown,
  rule: DecisionRule<S["phase"]>,
  decider: { by: Person; now: Date },
  refusals: Refusals<S>,
): UserError | undefined {
  const phaseTakesIt = rule.accepts === "any" || rule.accepts.includes(s.phase);
  if (shown.id !== s.id || shown.version !== s.version || shown.step !== s.step || !phaseTakesIt) {
    return { code: "stale_card", endpoint: s.endpoint, now: refusals.staleNow(s) };
  }
  if (s.expiresAt && decider.now >= s.expiresAt) {
    return { code: "approval_expired", endpoint: s.endpoint, expiredAt: s.expiresAt, what: refusals.expired(s) };
  }
  if (!rule.bySomeoneElse) return undefined;
  return someoneElse(s.requestedBy, decider.by, { endpoint: s.endpoint, what: refusals.noun });
}

/** Whether a viewer's card should offer the decision: they are a second person where the rule needs one. */
export const mayDecide = (rule: DecisionRule<string>, requester: Person, viewer: Person): boolean =>
  !rule.bySomeoneElse || samePerson(requester, viewer) === "different";

/**
 * The role holders to @mention: not those excluded (the requester, who cannot approve; the person whose click led
 * here, who is looking at the card; the last decider) — so each ping is for someone who can act and has not just done so.
 */
export function othersWhoMayAct(holders: readonly Mention[], excluded: readonly Person[]): Person[] {
  return holders.map((m) => ({ id: m.id, name: m.name })).filter((m) => !excluded.some((p) => namedBy(p, m.id)));
}

/** Whether a roles-file id (object id or UPN) or Teams id names this person. */
const namedBy = (p: Person, id: string): boolean =>
  samePerson(p, { id, name: "", ...(id.includes("@") ? { upn: id } : { aadObjectId: id }) }) === "same";
