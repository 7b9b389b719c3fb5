import type { Reply } from "../reply.js";
import type { CommandContext } from "../command-context.js";
import { escapeMarkdown } from "../../views/markdown.js";

/** `whoami`: the caller's identity as GreenLight sees it, and their roles. */
export function whoami(ctx: CommandContext): Reply {
  const c = ctx.caller;
  return {
    kind: "card",
    card: "whoami",
    data: {
      name: escapeMarkdown(c.name),
      id: escapeMarkdown(c.id),
      aadObjectId: escapeMarkdown(c.aadObjectId ?? "(unknown)"),
      upn: escapeMarkdown(c.upn ?? "(unknown)"),
      roles: ctx.roles.length ? ctx.roles.join(", ") : "none",
      known: ctx.roleBook.isKnown(c),
    },
  };
}
