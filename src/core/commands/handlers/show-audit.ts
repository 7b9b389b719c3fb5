import type { Reply } from "../reply.js";
import type { CommandContext } from "../command-context.js";
import { escapeMarkdown, msg } from "../../views/markdown.js";
import { minuteText } from "../../views/time.js";

/** `audit [endpoint]`: the latest audit entries, newest first. */
export async function showAudit(ctx: CommandContext, target: string | undefined): Promise<Reply> {
  const entries = await ctx.store.latestAudit({ ...(target ? { target } : {}), limit: ctx.limits.auditEntries });
  if (entries.length === 0) {
    return {
      kind: "text",
      text: target ? msg`No audit entries for ${target} yet.` : msg`No audit entries yet.`,
    };
  }
  return {
    kind: "card",
    card: "audit",
    data: {
      target: escapeMarkdown(target ?? ""),
      entries: entries.map((e) => ({
        at: minuteText(e.at),
        actor: escapeMarkdown(e.actor.name),
        action: escapeMarkdown(e.action),
        target: escapeMarkdown(e.target ?? ""),
        outcome: escapeMarkdown(e.outcome),
        detail: escapeMarkdown(e.detail ?? ""),
      })),
    },
  };
}
