import type { UserError } from "../errors.js";
import { err, ok, type Result } from "../../ports/result.js";
import { commandInfo } from "./command-table.js";
import { type MessageText } from "./message-text.js";
import { closest } from "./closest.js";
import type { DeletionTarget } from "../deletion/deletion.js";
import type { CardTarget } from "../rollout/events.js";
import { escapeMarkdown } from "../views/markdown.js";
import { isValidName, NAME_RULES, shorten, type NameKind } from "./names.js";

/**
 * A file attached to a message. The edge reads it only when asked, so a file is downloaded for a command that takes a
 * payload, after the policy has allowed the caller — never for parsing, never for someone without the role.
 */
export interface AttachedFile {
  name: string;
  /** The file's text, or a short reason it could not be read (never the file's content). */
  read(): Promise<Result<string, string>>;
}

/** Where an invoke or a new sample gets its JSON from. */
export type PayloadSource =
  { kind: "sample"; name: string } | { kind: "inline"; text: string } | { kind: "attachment"; file: AttachedFile };

/** The details card's own inputs, sent back with its buttons so the card keeps them when it is redrawn. */
export interface CardSelection {
  deployment?: string;
  sample?: string;
}

export type Command =
  | { name: "help" }
  | { name: "whoami" }
  | { name: "endpoints"; filter?: string; page: number }
  | { name: "show"; endpoint: string; onCard?: CardSelection }
  | { name: "models"; model?: string }
  | { name: "samples"; endpoint: string }
  | { name: "sample.add"; endpoint: string; sample: string; payload?: Exclude<PayloadSource, { kind: "sample" }> }
  | { name: "invoke"; endpoint: string; deployment?: string; payload?: PayloadSource; onCard?: CardSelection }
  | { name: "logs"; endpoint: string; deployment?: string; tail: number; onCard?: CardSelection }
  | { name: "audit"; endpoint?: string }
  | { name: "deploy"; endpoint: string; model: string; version: string }
  | { name: "status"; endpoint?: string }
  | { name: "rollback"; endpoint: string }
  | { name: "subscribe" | "unsubscribe"; endpoint?: string }
  | { name: "subscriptions" }
  | { name: "delete"; endpoint: string }
  | { name: "samples.remove"; endpoint: string; sample?: string }
  /** A deletion card's buttons: bound to the request and version shown; `typed` is the name typed to confirm. */
  | { name: "deletion.approve"; target: DeletionTarget; typed: string }
  | { name: "deletion.reject"; target: DeletionTarget }
  /** A button on a rollout card; `target` binds it to the rollout, step and version the card showed. */
  | { name: "rollout.approve"; target: CardTarget }
  | { name: "rollout.reject"; target: CardTarget; reason?: string }
  | { name: "rollout.retire"; target: CardTarget; keep: boolean }
  | { name: "rollout.override"; target: CardTarget; reason: string }
  /** After a pause: go on from the traffic the card shows, or put the starting traffic back. */
  | { name: "rollout.resume" | "rollout.restore"; target: CardTarget }
  /** A card asks for the view of the person looking at it (Teams' refresh, or "Show my options"). */
  | { name: "rollout.view"; rollout: string }
  | { name: "deletion.view"; deletion: string };

export type CommandName = Command["name"];

export const DEFAULT_LOG_TAIL = 50;
export const MAX_LOG_TAIL = 500;
const VERBS = [
  "help",
  "endpoints",
  "show",
  "models",
  "samples",
  "sample add",
  "invoke",
  "logs",
  "whoami",
  "audit",
  "deploy",
  "status",
  "rollback",
  "subscribe",
  "unsubscribe",
  "subscriptions",
  "delete",
  "samples remove",
];

/** Turns a chat message into a command, or says what was wrong with it. */
export function parseCommand(message: MessageText, attachment?: AttachedFile): Result<Command, UserError> {
  const words = message.text.split(" ").filter(Boolean);
  const verb = (words[0] ?? "").toLowerCase();
  const args = words.slice(1);
  const usage = (action: Parameters<typeof commandInfo>[0], problem: string): Result<Command, UserError> =>
    err({ code: "usage", command: action, usage: commandInfo(action).usage, problem });
  const inlinePayload = (): Exclude<PayloadSource, { kind: "sample" }> | undefined => {
    if (attachment) return { kind: "attachment", file: attachment };
    const block = message.codeBlocks[0];
    return block !== undefined ? { kind: "inline", text: block } : undefined;
  };
  /** The first of `names` that is not a valid name of its kind, as a usage error. */
  const invalidName = (
    action: Parameters<typeof commandInfo>[0],
    ...names: [NameKind, string | undefined][]
  ): Result<Command, UserError> | undefined => {
    for (const [kind, value] of names) {
      if (value !== undefined && !isValidName(kind, value)) {
        return usage(
          action,
          `'${escapeMarkdown(shorten(value))}' is not a valid ${kind} name (${NAME_RULES[kind].says}).`,
        );
      }
    }
    return undefined;
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
      return invalidName("show", ["endpoint", args[0]]) ?? ok({ name: "show", endpoint: args[0] });
    case "models":
      return (
        invalidName("models", ["model", args[0]]) ?? ok({ name: "models", ...(args[0] ? { model: args[0] } : {}) })
      );
    case "samples":
      if ((args[0] ?? "").toLowerCase() === "remove") {
        const [, endpoint, sample, ...extra] = args;
        if (!endpoint || extra.length > 0) {
          return usage("samples.remove", "Give the endpoint, and a sample's name to remove only that one.");
        }
        return (
          invalidName("samples.remove", ["endpoint", endpoint], ["sample", sample]) ??
          ok({ name: "samples.remove", endpoint, ...(sample ? { sample } : {}) })
        );
      }
      if (!args[0]) return usage("samples", "Say whose samples to list.");
      return invalidName("samples", ["endpoint", args[0]]) ?? ok({ name: "samples", endpoint: args[0] });
    case "sample": {
      if ((args[0] ?? "").toLowerCase() !== "add")
        return usage("sample.add", "To store a sample, start with `sample add`.");
      const [endpoint, sample] = [args[1], args[2]];
      if (!endpoint || !sample) return usage("sample.add", "Give the endpoint and a name for the sample.");
      const invalid = invalidName("sample.add", ["endpoint", endpoint], ["sample", sample]);
      if (invalid) return invalid;
      const payload = inlinePayload();
      return ok({ name: "sample.add", endpoint, sample, ...(payload ? { payload } : {}) });
    }
    case "invoke":
    case "score": {
      const [endpoint, ...rest] = args;
      if (!endpoint) return usage("invoke", "Say which endpoint to invoke.");
      let payload: PayloadSource | undefined;
      const sampleAt = rest.findIndex((w) => w.toLowerCase() === "sample");
      const positional = sampleAt >= 0 ? rest.slice(0, sampleAt) : rest;
      if (positional.length > 1)
        return usage("invoke", `I didn't understand '${escapeMarkdown(shorten(positional.slice(1).join(" ")))}'.`);
      const deployment = positional[0];
      if (sampleAt >= 0) {
        const name = rest[sampleAt + 1];
        if (!name) return usage("invoke", "Say which sample to send after `sample`.");
        if (rest.length > sampleAt + 2)
          return usage(
            "invoke",
            `I didn't understand '${escapeMarkdown(shorten(rest.slice(sampleAt + 2).join(" ")))}'.`,
          );
        payload = { kind: "sample", name };
      } else {
        payload = inlinePayload();
      }
      const invalid = invalidName(
        "invoke",
        ["endpoint", endpoint],
        ["deployment", deployment],
        ["sample", payload?.kind === "sample" ? payload.name : undefined],
      );
      if (invalid) return invalid;
      return ok({ name: "invoke", endpoint, ...(deployment ? { deployment } : {}), ...(payload ? { payload } : {}) });
    }
    case "logs": {
      const [endpoint, deployment, tailWord, tailValue, ...extra] = args;
      if (!endpoint || !deployment) return usage("logs", "Give the endpoint and the deployment.");
      const invalid = invalidName("logs", ["endpoint", endpoint], ["deployment", deployment]);
      if (invalid) return invalid;
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
      return (
        invalidName("audit", ["endpoint", args[0]]) ?? ok({ name: "audit", ...(args[0] ? { endpoint: args[0] } : {}) })
      );
    case "deploy": {
      // deploy <model>:<version> to <endpoint>  ("to" may be left out)
      const [modelVersion, second, third, ...extra] = args;
      const hasTo = second?.toLowerCase() === "to";
      const endpoint = hasTo ? third : second;
      const rest = hasTo ? extra : [third, ...extra].filter((w) => w !== undefined);
      const [model, version, ...more] = (modelVersion ?? "").split(":");
      if (!model || !version || more.length > 0 || !endpoint || rest.length > 0) {
        return usage("deploy", "Give the model version and the endpoint, like `deploy diabetes:2 to diabetes-prod`.");
      }
      return (
        invalidName("deploy", ["model", model], ["version", version], ["endpoint", endpoint]) ??
        ok({ name: "deploy", endpoint, model, version })
      );
    }
    case "status":
      return (
        invalidName("status", ["endpoint", args[0]]) ??
        ok({ name: "status", ...(args[0] ? { endpoint: args[0] } : {}) })
      );
    case "subscribe":
    case "unsubscribe":
      return invalidName(verb, ["endpoint", args[0]]) ?? ok({ name: verb, ...(args[0] ? { endpoint: args[0] } : {}) });
    case "subscriptions":
      return ok({ name: "subscriptions" });
    case "delete":
      if (!args[0] || args.length > 1) return usage("delete", "Say which endpoint to delete (one).");
      return invalidName("delete", ["endpoint", args[0]]) ?? ok({ name: "delete", endpoint: args[0] });
    case "rollback":
      if (!args[0]) return usage("rollback", "Say which endpoint to roll back.");
      return invalidName("rollback", ["endpoint", args[0]]) ?? ok({ name: "rollback", endpoint: args[0] });
    default: {
      const suggestion = closest(verb.slice(0, 40), VERBS, 1)[0];
      return err({ code: "unknown_command", input: shorten(words[0] ?? verb), ...(suggestion ? { suggestion } : {}) });
    }
  }
}
