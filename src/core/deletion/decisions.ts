import type { DeletionPhase } from "../../ports/deletions.js";
import type { DecisionRule } from "../change/decision.js";

/** The decisions an approver makes on a deletion's card: confirm it (typing the name), or keep the endpoint. */
export type DeletionCardDecision = "confirm" | "keep";

/** When each decision counts: only while the request waits, and a second person confirms (the requester may keep it). */
export const DELETION_DECISIONS = {
  confirm: { accepts: ["awaiting_approval"], bySomeoneElse: true },
  keep: { accepts: ["awaiting_approval"], bySomeoneElse: false },
} as const satisfies Record<DeletionCardDecision, DecisionRule<DeletionPhase>>;
