import { planView } from "../../rollout/plan-view.js";
import type { CommandContext } from "../command-context.js";
import type { Reply } from "../reply.js";
import { refuse } from "./replies.js";

/** `plan <endpoint>`: what a rollout on the endpoint would do, from its tags or the defaults. */
export async function showPlan(ctx: CommandContext, name: string): Promise<Reply> {
  const found = await ctx.workspace.getEndpoint(name);
  if (!found.ok) return refuse(found.error);
  return { kind: "card", card: "plan", data: planView(found.value, ctx.rolloutSettings.gateDefaults) };
}
