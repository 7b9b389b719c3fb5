import type { UserError } from "../errors.js";
import { err, ok, type Result } from "../../ports/result.js";
import { CARD_VERBS } from "./command-table.js";
import { shorten } from "../vocabulary/names.js";
import type { Command } from "../vocabulary/command.js";

/**
 * Turns an Action.Execute verb and its data (the card's data merged with its inputs) into a command. Both come from
 * the client and may be forged: any type, any size. A verb not in the command table is refused; nothing falls through
 * to another command. What the caller may do is decided later by the policy, as for chat.
 */
export function parseCardAction(verb: unknown, data: unknown): Result<Command, UserError> {
  const spec = typeof verb === "string" ? CARD_VERBS.get(verb) : undefined;
  if (!spec) {
    const shown = typeof verb === "string" ? `'${shorten(verb)}'` : `of type ${verb === null ? "null" : typeof verb}`;
    return err({ code: "invalid_card_action", detail: `unknown action ${shown}` });
  }
  const parsed = spec.schema.safeParse(data ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return err({
      code: "invalid_card_action",
      detail: `${issue?.path.join(".") || "data"}: ${issue?.message ?? "invalid"}`,
    });
  }
  return ok(spec.command(parsed.data));
}
