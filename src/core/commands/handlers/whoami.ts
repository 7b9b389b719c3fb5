import type { Reply } from "../../views/views.js";
import type { CommandContext } from "../command-context.js";

/** `whoami`: the caller's identity as GreenLight sees it, and their roles. */
export function whoami(ctx: CommandContext): Reply {
  const c = ctx.caller;
  return {
    kind: "card",
    card: "whoami",
    data: {
      name: c.name,
      id: c.id,
      aadObjectId: c.aadObjectId ?? "(unknown)",
      upn: c.upn ?? "(unknown)",
      roles: ctx.roles.length ? ctx.roles.join(", ") : "none",
      known: ctx.roleBook.isKnown(c),
    },
  };
}
