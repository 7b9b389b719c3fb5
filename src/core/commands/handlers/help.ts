import { isAllowed } from "../../vocabulary/policy.js";
import type { Reply } from "../reply.js";
import type { CommandContext } from "../command-context.js";
import { escapeMarkdown } from "../../views/markdown.js";
import { COMMANDS } from "../../vocabulary/command-table.js";

/** `help`: the commands this caller may run, with examples. */
export function help(ctx: CommandContext): Reply {
  return {
    kind: "card",
    card: "help",
    data: {
      roles: ctx.roles.length ? ctx.roles.join(", ") : "none",
      commands: COMMANDS.filter((c) => isAllowed(c.action, ctx.roles)).map((c) => ({
        usage: escapeMarkdown(c.usage),
        summary: escapeMarkdown(c.summary),
        example: escapeMarkdown(c.example),
      })),
    },
  };
}
