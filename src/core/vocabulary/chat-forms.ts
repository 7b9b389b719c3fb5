import { err, ok, type Result } from "../../ports/result.js";
import { escapeMarkdown } from "../views/markdown.js";
import {
  DEFAULT_LOG_TAIL,
  MAX_LOG_TAIL,
  type Action,
  type AttachedFile,
  type Command,
  type PayloadSource,
} from "./command.js";
import { isValidName, NAME_RULES, shorten, type NameKind } from "./names.js";

/** What followed a command's first word. */
export interface Typed {
  args: string[];
  codeBlocks: string[];
  attachment: AttachedFile | undefined;
}

/**
 * Why a command's words were refused. `parseCommand` adds the usage of the command read (or of `of`, when the words
 * look like another command), so a form never spells a usage out itself.
 */
export type Refusal =
  { code: "usage"; problem: string; of?: Action } | { code: "json_outside_code_block"; of?: Action };

export type Read = Result<Command, Refusal>;

/** How a chat command reads what follows its verb, strictly: a word missing, left over or misplaced is refused. */
export type ChatForm = (typed: Typed) => Read;

export const refuse = (problem: string, of?: Action): { ok: false; error: Refusal } =>
  err({ code: "usage", problem, ...(of ? { of } : {}) });

const jsonOutsideCodeBlock = (): Read => err({ code: "json_outside_code_block" });

/** What the user typed, quoted back short and escaped. */
export const quoted = (words: readonly string[]): string => `'${escapeMarkdown(shorten(words.join(" ")))}'`;

/** Words left over once the command's form is read: refused, saying where they were. */
export const leftOver = (extra: readonly string[], after: string): Read | undefined =>
  extra.length > 0 ? refuse(`I didn't understand ${quoted(extra)} after ${after}.`) : undefined;

/** The first of `names` that is not a valid name of its kind, refused. */
export function invalidName(...names: [NameKind, string | undefined][]): Read | undefined {
  for (const [kind, value] of names) {
    if (value !== undefined && !isValidName(kind, value)) {
      return refuse(`'${escapeMarkdown(shorten(value))}' is not a valid ${kind} name (${NAME_RULES[kind].says}).`);
    }
  }
  return undefined;
}

/** A command that takes nothing after it. */
export const bare =
  (command: Command): ChatForm =>
  ({ args }) =>
    leftOver(args, `\`${command.name}\``) ?? ok(command);

/** A command that takes one endpoint: `missing` says so when it is not there. */
export const oneEndpoint =
  (missing: string, command: (endpoint: string) => Command): ChatForm =>
  ({ args: [endpoint, ...extra] }) => {
    if (!endpoint) return refuse(missing);
    return leftOver(extra, "the endpoint") ?? invalidName(["endpoint", endpoint]) ?? ok(command(endpoint));
  };

/** A command that takes an endpoint or nothing. */
export const maybeEndpoint =
  (command: (endpoint: string | undefined) => Command): ChatForm =>
  ({ args: [endpoint, ...extra] }) =>
    leftOver(extra, "the endpoint") ?? invalidName(["endpoint", endpoint]) ?? ok(command(endpoint));

/**
 * Where JSON typed as plain text starts among the words, or -1. Names never hold `{` or `[`, so such a word is a
 * payload that lost its code block (`[deployment]` copied from the usage is not: JSON follows `[` with a value).
 */
const bareJsonAt = (args: readonly string[]): number =>
  args.findIndex((w) => /^(\{|\[([[{"\d-]|\]|$))/.test(w) || w.includes('{"'));

/** The JSON of an invoke or a new sample: one code block or an attached file, not both. */
function inlinePayload({
  codeBlocks,
  attachment,
}: Typed): Result<Exclude<PayloadSource, { kind: "sample" }> | undefined, Refusal> {
  if (codeBlocks.length > 1) return refuse("Send one JSON code block, not several.");
  const [block] = codeBlocks;
  if (block !== undefined && attachment) {
    return refuse("Send the JSON one way: a code block or an attached .json file, not both.");
  }
  if (attachment) return ok({ kind: "attachment", file: attachment });
  return ok(block !== undefined ? { kind: "inline", text: block } : undefined);
}

/** `samples remove <endpoint> [name]`, after the word `samples`. */
export const readSamplesRemove: ChatForm = ({ args: [endpoint, sample, ...extra] }) => {
  if (!endpoint || extra.length > 0) {
    return refuse("Give the endpoint, and a sample's name to remove only that one.", "samples.remove");
  }
  return (
    invalidName(["endpoint", endpoint], ["sample", sample]) ??
    ok({ name: "samples.remove", endpoint, ...(sample ? { sample } : {}) })
  );
};

const readSampleList = oneEndpoint("Say whose samples to list.", (endpoint) => ({ name: "samples", endpoint }));

/** `samples <endpoint>`, and the forms that start with the same word. */
export const readSamples: ChatForm = (typed) => {
  const [first, ...rest] = typed.args;
  const word = first?.toLowerCase();
  if (word === "remove") return readSamplesRemove({ ...typed, args: rest });
  if (word === "add") return refuse("To store a sample, start with `sample add` (no s).", "sample.add");
  return readSampleList(typed);
};

/** `sample add <endpoint> <name>` with a code block or a file. */
export const readSampleAdd: ChatForm = (typed) => {
  const [add, endpoint, sample, ...extra] = typed.args;
  if (add?.toLowerCase() !== "add") return refuse("To store a sample, start with `sample add`.");
  if (bareJsonAt(typed.args) >= 0) return jsonOutsideCodeBlock();
  if (!endpoint || !sample) return refuse("Give the endpoint and a name for the sample.");
  const refused = leftOver(extra, "the sample's name") ?? invalidName(["endpoint", endpoint], ["sample", sample]);
  if (refused) return refused;
  const payload = inlinePayload(typed);
  if (!payload.ok) return payload;
  return ok({ name: "sample.add", endpoint, sample, ...(payload.value ? { payload: payload.value } : {}) });
};

/** `invoke <endpoint> [deployment] [sample <name> | JSON code block | .json file]` */
export const readInvoke: ChatForm = (typed) => {
  if (bareJsonAt(typed.args) >= 0) return jsonOutsideCodeBlock();
  const [endpoint, ...rest] = typed.args;
  if (!endpoint) return refuse("Say which endpoint to invoke.");
  const sampleAt = rest.findIndex((w) => w.toLowerCase() === "sample");
  const [deployment, ...beforeSample] = sampleAt >= 0 ? rest.slice(0, sampleAt) : rest;
  const notUnderstood = leftOver(beforeSample, "the deployment");
  if (notUnderstood) return notUnderstood;
  let payload: PayloadSource | undefined;
  if (sampleAt >= 0) {
    const [name, ...extra] = rest.slice(sampleAt + 1);
    if (!name) return refuse("Say which sample to send after `sample`.");
    const refused = leftOver(extra, "the sample's name");
    if (refused) return refused;
    if (typed.codeBlocks.length > 0 || typed.attachment) return refuse("Send a stored sample or JSON, not both.");
    payload = { kind: "sample", name };
  } else {
    const inline = inlinePayload(typed);
    if (!inline.ok) return inline;
    payload = inline.value;
  }
  return (
    invalidName(
      ["endpoint", endpoint],
      ["deployment", deployment],
      ["sample", payload?.kind === "sample" ? payload.name : undefined],
    ) ?? ok({ name: "invoke", endpoint, ...(deployment ? { deployment } : {}), ...(payload ? { payload } : {}) })
  );
};

/** `logs <endpoint> <deployment> [tail N]` */
export const readLogs: ChatForm = ({ args: [endpoint, deployment, tailWord, tailValue, ...extra] }) => {
  if (!endpoint || !deployment) return refuse("Give the endpoint and the deployment.");
  const invalid = invalidName(["endpoint", endpoint], ["deployment", deployment]);
  if (invalid) return invalid;
  if (tailWord === undefined) return ok({ name: "logs", endpoint, deployment, tail: DEFAULT_LOG_TAIL });
  if (tailWord.toLowerCase() !== "tail" || !/^\d{1,9}$/.test(tailValue ?? "") || Number(tailValue) < 1) {
    return refuse("After the deployment, write `tail N` with N a whole number.");
  }
  return (
    leftOver(extra, "the tail") ??
    ok({ name: "logs", endpoint, deployment, tail: Math.min(Number(tailValue), MAX_LOG_TAIL) })
  );
};

/** `deploy <model>:<version> to <endpoint>`: every word where the form puts it, as this starts a rollout. */
export const readDeploy: ChatForm = ({ args }) => {
  const [modelVersion, to, endpoint, ...extra] = args;
  if (!modelVersion) return refuse("Give the model version and the endpoint.");
  if (modelVersion.toLowerCase() === "to") return refuse("The model version comes first, then `to` and the endpoint.");
  const [model, version, ...more] = modelVersion.split(":");
  if (!model || !version || more.length > 0) {
    return refuse(
      `Give the model and its version as one word, \`<model>:<version>\` (like \`diabetes:2\`), not ${quoted([modelVersion])}.`,
    );
  }
  const invalid = invalidName(["model", model], ["version", version]);
  if (invalid) return invalid;
  const like = (target: string) => `\`deploy ${model}:${version} to ${target}\``;
  if (!to) return refuse(`Say which endpoint to deploy to, like ${like("<endpoint>")}.`);
  if (to.toLowerCase() !== "to") {
    // `deploy diabetes:2 diabetes-prod`: probably the endpoint, but a rollout is not started on a guess.
    const named = endpoint === undefined && isValidName("endpoint", to) ? to : "<endpoint>";
    return refuse(`Write \`to\` before the endpoint, like ${like(named)}; nothing was started.`);
  }
  if (!endpoint) return refuse(`Say which endpoint after \`to\`, like ${like("<endpoint>")}.`);
  return (
    leftOver(extra, "the endpoint") ??
    invalidName(["endpoint", endpoint]) ??
    ok({ name: "deploy", endpoint, model, version })
  );
};
