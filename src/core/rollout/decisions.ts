import type { RolloutPhase } from "../../ports/rollouts.js";
import type { DecisionRule } from "../change/decision.js";

/** The decisions a person makes on a rollout's card. */
export type RolloutCardDecision = "approve" | "reject" | "override" | "end_bake" | "retire" | "resume" | "restore";

/**
 * When each decision counts: the phases that take it, and whether the requester must leave it to someone else. The
 * requester may withdraw their own rollout (reject) and anyone allowed may put the start back (restore).
 */
export const ROLLOUT_DECISIONS = {
  approve: { accepts: ["awaiting_approval"], bySomeoneElse: true },
  reject: { accepts: ["awaiting_approval", "baking"], bySomeoneElse: false },
  override: { accepts: ["awaiting_approval"], bySomeoneElse: true },
  // The next step still needs an approver other than the requester: ending the bake approves nothing.
  end_bake: { accepts: ["baking"], bySomeoneElse: false },
  retire: { accepts: ["promoted"], bySomeoneElse: true },
  resume: { accepts: ["paused"], bySomeoneElse: true },
  restore: { accepts: "any", bySomeoneElse: false },
} as const satisfies Record<RolloutCardDecision, DecisionRule<RolloutPhase>>;
