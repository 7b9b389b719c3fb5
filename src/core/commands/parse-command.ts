import type { UserError } from "../errors.js";
import { err, type Result } from "../../ports/result.js";
import { CARD_BUTTON_WORDS, CHAT_VERBS, COMMAND_WORDS, specOf, usageOf, wordsOf } from "./command-table.js";
import type { Typed, Refusal } from "../vocabulary/chat-forms.js";
import type { Action, AttachedFile, Command } from "../vocabulary/command.js";
import { type MessageText } from "./message-text.js";
import { closest } from "../views/closest.js";
import { isValidName, shorten } from "../vocabulary/names.js";

type Parsed = Result<Command, UserError>;

const usage = (action: Action, problem: string): { ok: false; error: UserError } =>
  err({ code: "usage", command: action, usage: usageOf(action), problem });

/** A refusal of the command's words, with the usage of the command it was read as. */
function refused(action: Action, refusal: Refusal): { ok: false; error: UserError } {
  const of = refusal.of ?? action;
  return refusal.code === "usage"
    ? usage(of, refusal.problem)
    : err({ code: "json_outside_code_block", usage: usageOf(of) });
}

/**
 * Turns a chat message into a command, or says what was wrong with it. Each command's form is read strictly by its
 * entry in the command table: a word missing, left over or in the wrong place is refused with the expected form, never
 * guessed — `deploy` starts a rollout.
 */
export function parseCommand(message: MessageText, attachment?: AttachedFile): Parsed {
  const words = message.text.split(" ").filter(Boolean);
  const typed: Typed = { args: words.slice(1), codeBlocks: message.codeBlocks, attachment };
  const first = (words[0] ?? "").toLowerCase();
  if (first === "" && typed.codeBlocks.length > 0) {
    return usage(
      "invoke",
      "Say what to do with that JSON: `invoke <endpoint>` or `sample add <endpoint> <name>` first.",
    );
  }
  const action = CHAT_VERBS.get(first);
  const spec = action === undefined ? undefined : specOf(action);
  if (action === undefined || spec === undefined || !("chat" in spec)) return notACommand(words[0] ?? "", typed.args);
  if (!spec.chat.payload && typed.codeBlocks.length > 0) {
    return usage(action, `\`${wordsOf(spec.chat.usage)}\` takes no JSON; only \`invoke\` and \`sample add\` do.`);
  }
  const read = spec.chat.read(typed);
  return read.ok ? read : refused(action, read.error);
}

/** A word that is no command: a card's button typed in chat points to the card; anything else gets "did you mean". */
function notACommand(typedVerb: string, args: readonly string[]): Parsed {
  const verb = typedVerb.toLowerCase().slice(0, 40);
  const suggestion = closest(verb, COMMAND_WORDS, 1)[0];
  const buttonWord = CARD_BUTTON_WORDS.has(verb)
    ? verb
    : suggestion
      ? undefined
      : closest(verb, [...CARD_BUTTON_WORDS.keys()], 1)[0];
  const button = buttonWord === undefined ? undefined : CARD_BUTTON_WORDS.get(buttonWord);
  if (button) {
    // `approve diabetes-prod` may name an endpoint; `approve step 2`, copied from the button, does not.
    const [named, ...more] = args;
    return err({
      code: "card_button_typed",
      button: button.button,
      cards: button.cards,
      ...(named && more.length === 0 && isValidName("endpoint", named) ? { endpoint: named } : {}),
    });
  }
  return err({ code: "unknown_command", input: shorten(typedVerb), ...(suggestion ? { suggestion } : {}) });
}
