import { stateLine } from "../../rollout/rollout-card.js";
import type { Reply } from "../reply.js";
import type { CommandContext } from "../command-context.js";
import { refuse } from "./replies.js";
import { viewRollout } from "./rollouts.js";

/**
 * `continue <endpoint>`: the paused rollout's card with the caller's own buttons (continue from the traffic Azure has,
 * or restore). The decision itself stays a click on that card, so it is made on what the card shows and bound to the
 * version it showed.
 */
export async function continueRollout(ctx: CommandContext, endpoint: string): Promise<Reply> {
  const active = await ctx.rollouts.current(endpoint);
  if (!active) return refuse({ code: "no_active_rollout", endpoint });
  if (active.phase !== "paused") {
    return refuse({ code: "cannot_resume", endpoint, problem: `it is not paused (${stateLine(active)})` });
  }
  return viewRollout(ctx, active.id);
}
