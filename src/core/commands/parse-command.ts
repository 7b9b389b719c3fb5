import type { UserError } from "../errors.js";
import { err, ok, type Result } from "../../ports/result.js";
import type { Action } from "../access/policy.js";
import { COMMAND_WORDS, commandInfo } from "./command-table.js";
import { CARD_BUTTON_WORDS } from "./parse-card-action.js";
import { DEFAULT_LOG_TAIL, MAX_LOG_TAIL, type AttachedFile, type Command, type PayloadSource } from "./command.js";
import { type MessageText } from "./message-text.js";
import { closest } from "./closest.js";
import { escapeMarkdown } from "../views/markdown.js";
import { isValidName, NAME_RULES, shorten, type NameKind } from "./names.js";

/** What followed the command's first word. */
interface Typed {
  args: string[];
  codeBlocks: string[];
  attachment: AttachedFile | undefined;
}

type Parsed = Result<Command, UserError>;

/** How one chat verb reads what follows it; `payload` if it takes JSON (any other command refuses a code block). */
interface ChatVerb {
  action: Action;
  payload?: true;
  read(typed: Typed): Parsed;
}

const usage = (action: Action, problem: string): { ok: false; error: UserError } =>
  err({ code: "usage", command: action, usage: commandInfo(action).usage, problem });

/** What the user typed, quoted back short and escaped. */
const quoted = (words: readonly string[]): string => `'${escapeMarkdown(shorten(words.join(" ")))}'`;

/** Words left over once the command's form is read: refused, saying where they were. */
const leftOver = (action: Action, extra: readonly string[], after: string): Parsed | undefined =>
  extra.length > 0 ? usage(action, `I didn't understand ${quoted(extra)} after ${after}.`) : undefined;

/** The first of `names` that is not a valid name of its kind, as a usage error. */
function invalidName(action: Action, ...names: [NameKind, string | undefined][]): Parsed | undefined {
  for (const [kind, value] of names) {
    if (value !== undefined && !isValidName(kind, value)) {
      return usage(
        action,
        `'${escapeMarkdown(shorten(value))}' is not a valid ${kind} name (${NAME_RULES[kind].says}).`,
      );
    }
  }
  return undefined;
}

/** A command that takes nothing after it. */
const bare = (action: Action, command: Command): ChatVerb => ({
  action,
  read: ({ args }) => leftOver(action, args, `\`${commandWords(action)}\``) ?? ok(command),
});

/** A command that takes one endpoint: `missing` says so when it is not there. */
const oneEndpoint = (action: Action, missing: string, command: (endpoint: string) => Command): ChatVerb => ({
  action,
  read: ({ args: [endpoint, ...extra] }) => {
    if (!endpoint) return usage(action, missing);
    return (
      leftOver(action, extra, "the endpoint") ?? invalidName(action, ["endpoint", endpoint]) ?? ok(command(endpoint))
    );
  },
});

/** A command that takes an endpoint or nothing. */
const maybeEndpoint = (action: Action, command: (endpoint: string | undefined) => Command): ChatVerb => ({
  action,
  read: ({ args: [endpoint, ...extra] }) =>
    leftOver(action, extra, "the endpoint") ?? invalidName(action, ["endpoint", endpoint]) ?? ok(command(endpoint)),
});

const commandWords = (action: Action): string => commandInfo(action).usage.split(/ [<[+]/)[0] ?? action;

/**
 * Where JSON typed as plain text starts among the words, or -1. Names never hold `{` or `[`, so such a word is a
 * payload that lost its code block (`[deployment]` copied from the usage is not: JSON follows `[` with a value).
 */
const bareJsonAt = (args: readonly string[]): number =>
  args.findIndex((w) => /^(\{|\[([[{"\d-]|\]|$))/.test(w) || w.includes('{"'));

/** The JSON of an invoke or a new sample: one code block or an attached file, not both. */
function inlinePayload(
  action: Action,
  { codeBlocks, attachment }: Typed,
): Result<Exclude<PayloadSource, { kind: "sample" }> | undefined, UserError> {
  if (codeBlocks.length > 1) return usage(action, "Send one JSON code block, not several.");
  const [block] = codeBlocks;
  if (block !== undefined && attachment) {
    return usage(action, "Send the JSON one way: a code block or an attached .json file, not both.");
  }
  if (attachment) return ok({ kind: "attachment", file: attachment });
  return ok(block !== undefined ? { kind: "inline", text: block } : undefined);
}

const help = bare("help", { name: "help" });
const listSamples = oneEndpoint("samples", "Say whose samples to list.", (endpoint) => ({ name: "samples", endpoint }));

/**
 * Every verb typed in chat (with its aliases) and the form of its arguments, read strictly: a word missing, left over
 * or in the wrong place is refused with the expected form, never guessed — `deploy` starts a rollout.
 */
const CHAT_VERBS = {
  help,
  "?": help,
  whoami: bare("whoami", { name: "whoami" }),
  subscriptions: bare("subscriptions", { name: "subscriptions" }),
  // A filter is free text matched against endpoint names.
  endpoints: {
    action: "endpoints",
    read: ({ args }) => ok({ name: "endpoints", page: 1, ...(args.length ? { filter: args.join(" ") } : {}) }),
  },
  show: oneEndpoint("show", "Say which endpoint to show.", (endpoint) => ({ name: "show", endpoint })),
  rollback: oneEndpoint("rollback", "Say which endpoint to roll back.", (endpoint) => ({ name: "rollback", endpoint })),
  audit: maybeEndpoint("audit", (endpoint) => ({ name: "audit", ...(endpoint ? { endpoint } : {}) })),
  status: maybeEndpoint("status", (endpoint) => ({ name: "status", ...(endpoint ? { endpoint } : {}) })),
  subscribe: maybeEndpoint("subscribe", (endpoint) => ({ name: "subscribe", ...(endpoint ? { endpoint } : {}) })),
  unsubscribe: maybeEndpoint("unsubscribe", (endpoint) => ({ name: "unsubscribe", ...(endpoint ? { endpoint } : {}) })),
  delete: {
    action: "delete",
    read: ({ args: [endpoint, ...extra] }) => {
      if (!endpoint || extra.length > 0) return usage("delete", "Say which endpoint to delete (one).");
      return invalidName("delete", ["endpoint", endpoint]) ?? ok({ name: "delete", endpoint });
    },
  },
  models: {
    action: "models",
    read: ({ args: [model, ...extra] }) =>
      leftOver("models", extra, "the model's name") ??
      invalidName("models", ["model", model]) ??
      ok({ name: "models", ...(model ? { model } : {}) }),
  },
  samples: {
    action: "samples",
    read: (typed) => {
      const [first, ...rest] = typed.args;
      switch (first?.toLowerCase()) {
        case "remove": {
          const [endpoint, sample, ...extra] = rest;
          if (!endpoint || extra.length > 0) {
            return usage("samples.remove", "Give the endpoint, and a sample's name to remove only that one.");
          }
          return (
            invalidName("samples.remove", ["endpoint", endpoint], ["sample", sample]) ??
            ok({ name: "samples.remove", endpoint, ...(sample ? { sample } : {}) })
          );
        }
        case "add":
          return usage("sample.add", "To store a sample, start with `sample add` (no s).");
        default:
          return listSamples.read(typed);
      }
    },
  },
  sample: {
    action: "sample.add",
    payload: true,
    read: (typed) => {
      const [add, endpoint, sample, ...extra] = typed.args;
      if (add?.toLowerCase() !== "add") return usage("sample.add", "To store a sample, start with `sample add`.");
      if (bareJsonAt(typed.args) >= 0) return jsonOutsideCodeBlock("sample.add");
      if (!endpoint || !sample) return usage("sample.add", "Give the endpoint and a name for the sample.");
      const refused =
        leftOver("sample.add", extra, "the sample's name") ??
        invalidName("sample.add", ["endpoint", endpoint], ["sample", sample]);
      if (refused) return refused;
      const payload = inlinePayload("sample.add", typed);
      if (!payload.ok) return payload;
      return ok({ name: "sample.add", endpoint, sample, ...(payload.value ? { payload: payload.value } : {}) });
    },
  },
  invoke: { action: "invoke", payload: true, read: readInvoke },
  logs: {
    action: "logs",
    read: ({ args: [endpoint, deployment, tailWord, tailValue, ...extra] }) => {
      if (!endpoint || !deployment) return usage("logs", "Give the endpoint and the deployment.");
      const invalid = invalidName("logs", ["endpoint", endpoint], ["deployment", deployment]);
      if (invalid) return invalid;
      if (tailWord === undefined) return ok({ name: "logs", endpoint, deployment, tail: DEFAULT_LOG_TAIL });
      if (tailWord.toLowerCase() !== "tail" || !/^\d{1,9}$/.test(tailValue ?? "") || Number(tailValue) < 1) {
        return usage("logs", "After the deployment, write `tail N` with N a whole number.");
      }
      return (
        leftOver("logs", extra, "the tail") ??
        ok({ name: "logs", endpoint, deployment, tail: Math.min(Number(tailValue), MAX_LOG_TAIL) })
      );
    },
  },
  deploy: { action: "deploy", read: readDeploy },
} satisfies Record<string, ChatVerb>;

/** Other words for a verb, and what an empty message (only a mention) asks for. */
const ALIASES = { "": "help", list: "endpoints", score: "invoke" } satisfies Record<string, keyof typeof CHAT_VERBS>;

const lookUp = <T extends object>(table: T, key: string): T[keyof T] | undefined =>
  Object.hasOwn(table, key) ? table[key as keyof T] : undefined;

function jsonOutsideCodeBlock(action: Action): Parsed {
  return err({ code: "json_outside_code_block", usage: commandInfo(action).usage });
}

/** `invoke <endpoint> [deployment] [sample <name> | JSON code block | .json file]` */
function readInvoke(typed: Typed): Parsed {
  if (bareJsonAt(typed.args) >= 0) return jsonOutsideCodeBlock("invoke");
  const [endpoint, ...rest] = typed.args;
  if (!endpoint) return usage("invoke", "Say which endpoint to invoke.");
  const sampleAt = rest.findIndex((w) => w.toLowerCase() === "sample");
  const [deployment, ...beforeSample] = sampleAt >= 0 ? rest.slice(0, sampleAt) : rest;
  const notUnderstood = leftOver("invoke", beforeSample, "the deployment");
  if (notUnderstood) return notUnderstood;
  let payload: PayloadSource | undefined;
  if (sampleAt >= 0) {
    const [name, ...extra] = rest.slice(sampleAt + 1);
    if (!name) return usage("invoke", "Say which sample to send after `sample`.");
    const refused = leftOver("invoke", extra, "the sample's name");
    if (refused) return refused;
    if (typed.codeBlocks.length > 0 || typed.attachment) {
      return usage("invoke", "Send a stored sample or JSON, not both.");
    }
    payload = { kind: "sample", name };
  } else {
    const inline = inlinePayload("invoke", typed);
    if (!inline.ok) return inline;
    payload = inline.value;
  }
  return (
    invalidName(
      "invoke",
      ["endpoint", endpoint],
      ["deployment", deployment],
      ["sample", payload?.kind === "sample" ? payload.name : undefined],
    ) ?? ok({ name: "invoke", endpoint, ...(deployment ? { deployment } : {}), ...(payload ? { payload } : {}) })
  );
}

/** `deploy <model>:<version> to <endpoint>`: every word where the form puts it, as this starts a rollout. */
function readDeploy({ args }: Typed): Parsed {
  const [modelVersion, to, endpoint, ...extra] = args;
  if (!modelVersion) return usage("deploy", "Give the model version and the endpoint.");
  if (modelVersion.toLowerCase() === "to") {
    return usage("deploy", "The model version comes first, then `to` and the endpoint.");
  }
  const [model, version, ...more] = modelVersion.split(":");
  if (!model || !version || more.length > 0) {
    return usage(
      "deploy",
      `Give the model and its version as one word, \`<model>:<version>\` (like \`diabetes:2\`), not ${quoted([modelVersion])}.`,
    );
  }
  const invalid = invalidName("deploy", ["model", model], ["version", version]);
  if (invalid) return invalid;
  const like = (target: string) => `\`deploy ${model}:${version} to ${target}\``;
  if (!to) return usage("deploy", `Say which endpoint to deploy to, like ${like("<endpoint>")}.`);
  if (to.toLowerCase() !== "to") {
    // `deploy diabetes:2 diabetes-prod`: probably the endpoint, but a rollout is not started on a guess.
    const named = endpoint === undefined && isValidName("endpoint", to) ? to : "<endpoint>";
    return usage("deploy", `Write \`to\` before the endpoint, like ${like(named)}; nothing was started.`);
  }
  if (!endpoint) return usage("deploy", `Say which endpoint after \`to\`, like ${like("<endpoint>")}.`);
  return (
    leftOver("deploy", extra, "the endpoint") ??
    invalidName("deploy", ["endpoint", endpoint]) ??
    ok({ name: "deploy", endpoint, model, version })
  );
}

/** Turns a chat message into a command, or says what was wrong with it. */
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
  const spec: ChatVerb | undefined = lookUp(CHAT_VERBS, lookUp(ALIASES, first) ?? first);
  if (!spec) return notACommand(words[0] ?? "", typed.args);
  if (!spec.payload && typed.codeBlocks.length > 0) {
    return usage(spec.action, `\`${commandWords(spec.action)}\` takes no JSON; only \`invoke\` and \`sample add\` do.`);
  }
  return spec.read(typed);
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
