import type { UserError } from "../errors.js";
import { err, ok, type Result } from "../../ports/result.js";
import { commandInfo } from "./command-table.js";
import { type MessageText } from "./message-text.js";
import { closest } from "./closest.js";

/** Where an invoke or a new sample gets its JSON from. */
export type PayloadSource =
  | { kind: "sample"; name: string }
  | { kind: "inline"; text: string }
  | { kind: "attachment"; name: string; text: string };

export type Command =
  | { name: "help" }
  | { name: "whoami" }
  | { name: "endpoints"; filter?: string; page: number }
  | { name: "show"; endpoint: string }
  | { name: "models"; model?: string }
  | { name: "samples"; endpoint: string }
  | { name: "sample.add"; endpoint: string; sample: string; payload?: Exclude<PayloadSource, { kind: "sample" }> }
  | { name: "invoke"; endpoint: string; deployment?: string; payload?: PayloadSource }
  | { name: "logs"; endpoint: string; deployment: string; tail: number }
  | { name: "audit"; endpoint?: string };

export type CommandName = Command["name"];

/** A file the user attached to the message, already read by the edge. */
export type AttachedFile = { name: string; text: string } | { name: string; error: string };

export const DEFAULT_LOG_TAIL = 50;
export const MAX_LOG_TAIL = 500;
const VERBS = ["help", "endpoints", "show", "models", "samples", "sample add", "invoke", "logs", "whoami", "audit"];

/** Turns a chat message into a command, or says what was wrong with it. */
export function parseCommand(message: MessageText, attachment?: AttachedFile): Result<Command, UserError> {
  const words = message.text.split(" ").filter(Boolean);
  const verb = (words[0] ?? "").toLowerCase();
  const args = words.slice(1);
  const usage = (action: Parameters<typeof commandInfo>[0], problem: string): Result<Command, UserError> =>
    err({ code: "usage", command: action, usage: commandInfo(action).usage, problem });
  const inlinePayload = (): Result<Exclude<PayloadSource, { kind: "sample" }> | undefined, UserError> => {
    if (attachment && "error" in attachment) {
      return err({ code: "attachment_unreadable", name: attachment.name, detail: attachment.error });
    }
    if (attachment) return ok({ kind: "attachment", name: attachment.name, text: attachment.text });
    const block = message.codeBlocks[0];
    return ok(block !== undefined ? { kind: "inline", text: block } : undefined);
  };

  switch (verb) {
    case "":
    case "help":
    case "?":
      return ok({ name: "help" });
    case "whoami":
      return ok({ name: "whoami" });
    case "endpoints":
    case "list": {
      const filter = args.join(" ");
      return ok({ name: "endpoints", page: 1, ...(filter ? { filter } : {}) });
    }
    case "show":
      if (!args[0]) return usage("show", "Say which endpoint to show.");
      return ok({ name: "show", endpoint: args[0] });
    case "models":
      return ok({ name: "models", ...(args[0] ? { model: args[0] } : {}) });
    case "samples":
      if (!args[0]) return usage("samples", "Say whose samples to list.");
      return ok({ name: "samples", endpoint: args[0] });
    case "sample": {
      if ((args[0] ?? "").toLowerCase() !== "add")
        return usage("sample.add", "To store a sample, start with `sample add`.");
      const [endpoint, sample] = [args[1], args[2]];
      if (!endpoint || !sample) return usage("sample.add", "Give the endpoint and a name for the sample.");
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(sample)) {
        return usage(
          "sample.add",
          `'${sample}' is not a valid sample name (letters, digits, '.', '_', '-'; at most 64).`,
        );
      }
      const payload = inlinePayload();
      if (!payload.ok) return payload;
      return ok({ name: "sample.add", endpoint, sample, ...(payload.value ? { payload: payload.value } : {}) });
    }
    case "invoke":
    case "score": {
      const [endpoint, ...rest] = args;
      if (!endpoint) return usage("invoke", "Say which endpoint to invoke.");
      let payload: PayloadSource | undefined;
      const sampleAt = rest.findIndex((w) => w.toLowerCase() === "sample");
      const positional = sampleAt >= 0 ? rest.slice(0, sampleAt) : rest;
      if (positional.length > 1) return usage("invoke", `I didn't understand '${positional.slice(1).join(" ")}'.`);
      const deployment = positional[0];
      if (sampleAt >= 0) {
        const name = rest[sampleAt + 1];
        if (!name) return usage("invoke", "Say which sample to send after `sample`.");
        if (rest.length > sampleAt + 2)
          return usage("invoke", `I didn't understand '${rest.slice(sampleAt + 2).join(" ")}'.`);
        payload = { kind: "sample", name };
      } else {
        const inline = inlinePayload();
        if (!inline.ok) return inline;
        payload = inline.value;
      }
      return ok({ name: "invoke", endpoint, ...(deployment ? { deployment } : {}), ...(payload ? { payload } : {}) });
    }
    case "logs": {
      const [endpoint, deployment, tailWord, tailValue, ...extra] = args;
      if (!endpoint || !deployment) return usage("logs", "Give the endpoint and the deployment.");
      let tail = DEFAULT_LOG_TAIL;
      if (tailWord !== undefined) {
        const n = Number(tailValue);
        if (tailWord.toLowerCase() !== "tail" || !Number.isInteger(n) || n < 1 || extra.length > 0) {
          return usage("logs", "After the deployment, write `tail N` with N a whole number.");
        }
        tail = Math.min(n, MAX_LOG_TAIL);
      }
      return ok({ name: "logs", endpoint, deployment, tail });
    }
    case "audit":
      return ok({ name: "audit", ...(args[0] ? { endpoint: args[0] } : {}) });
    default: {
      const suggestion = closest(verb, VERBS, 1)[0];
      return err({ code: "unknown_command", input: words[0] ?? verb, ...(suggestion ? { suggestion } : {}) });
    }
  }
}
