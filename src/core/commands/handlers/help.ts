import type { Reply } from "../reply.js";
import type { CommandContext } from "../command-context.js";
import { escapeMarkdown } from "../../views/markdown.js";
import type { Action } from "../../vocabulary/command.js";

/** A chat command as help lists it. */
export interface HelpEntry {
  action: Action;
  usage: string;
  summary: string;
  example: string;
}

/** `help`: of the chat `commands` (the command table's, in its order), those this caller may run, with examples. */
export function help(ctx: CommandContext, commands: readonly HelpEntry[]): Reply {
  return {
    kind: "card",
    card: "help",
    data: {
      roles: ctx.roles.length ? ctx.roles.join(", ") : "none",
      commands: commands
        .filter((c) => ctx.may(c.action))
        .map((c) => ({
          usage: escapeMarkdown(c.usage),
          summary: escapeMarkdown(c.summary),
          example: escapeMarkdown(c.example),
        })),
    },
  };
}
