import type { Reply } from "../../views/views.js";
import type { CommandContext } from "../command-context.js";

/** `audit [endpoint]`: the latest audit entries, newest first. */
export async function showAudit(ctx: CommandContext, target: string | undefined): Promise<Reply> {
  const entries = await ctx.store.latestAudit({ ...(target ? { target } : {}), limit: ctx.limits.auditEntries });
  if (entries.length === 0) {
    return { kind: "text", text: target ? `No audit entries for ${target} yet.` : "No audit entries yet." };
  }
  return {
    kind: "card",
    card: "audit",
    data: {
      target: target ?? "",
      entries: entries.map((e) => ({
        at: e.at.toISOString().replace("T", " ").slice(0, 19) + " UTC",
        actor: e.actor.name,
        action: e.action,
        target: e.target ?? "",
        outcome: e.outcome,
        detail: e.detail ?? "",
      })),
    },
  };
}
