import type { Action } from "../access/policy.js";
import type { CardVerb } from "./parse-card-action.js";

/** Every chat command: its usage (also used in error messages), what it does, and an example. */
export interface CommandInfo {
  action: Action;
  usage: string;
  summary: string;
  example: string;
}

export const COMMANDS: readonly CommandInfo[] = [
  { action: "help", usage: "help", summary: "The commands you can use", example: "help" },
  {
    action: "endpoints",
    usage: "endpoints [filter]",
    summary: "Endpoints with their traffic and models",
    example: "endpoints diabetes",
  },
  { action: "show", usage: "show <endpoint>", summary: "One endpoint in detail", example: "show diabetes-prod" },
  {
    action: "models",
    usage: "models [name]",
    summary: "Registered models and their versions",
    example: "models diabetes",
  },
  {
    action: "samples",
    usage: "samples <endpoint>",
    summary: "Sample payloads stored for an endpoint",
    example: "samples diabetes-prod",
  },
  {
    action: "sample.add",
    usage: "sample add <endpoint> <name> + a JSON code block or .json file",
    summary: "Store a sample payload",
    example: 'sample add diabetes-prod older-patient ```{"input_data": …}```',
  },
  {
    action: "invoke",
    usage: "invoke <endpoint> [deployment] [sample <name> | JSON code block | .json file]",
    summary: "Score a request and show the answer",
    example: "invoke diabetes-prod blue sample typical-patient",
  },
  {
    action: "logs",
    usage: "logs <endpoint> <deployment> [tail N]",
    summary: "A deployment's log tail",
    example: "logs diabetes-prod blue tail 50",
  },
  {
    action: "deploy",
    usage: "deploy <model>:<version> to <endpoint>",
    summary: "Start a rollout: the version beside the live one, then approved traffic steps",
    example: "deploy diabetes:2 to diabetes-prod",
  },
  {
    action: "status",
    usage: "status [endpoint]",
    summary: "Rollouts under way (and an endpoint's last one)",
    example: "status diabetes-prod",
  },
  {
    action: "rollback",
    usage: "rollback <endpoint>",
    summary: "Put back the traffic the rollout started from, now",
    example: "rollback diabetes-prod",
  },
  {
    action: "subscribe",
    usage: "subscribe [endpoint]",
    summary: "In a channel: approvals and rollout news for one endpoint (or all) go here",
    example: "subscribe diabetes-prod",
  },
  {
    action: "unsubscribe",
    usage: "unsubscribe [endpoint]",
    summary: "In a channel: stop what subscribe started",
    example: "unsubscribe diabetes-prod",
  },
  {
    action: "subscriptions",
    usage: "subscriptions",
    summary: "In a channel: what it is subscribed to",
    example: "subscriptions",
  },
  {
    action: "delete",
    usage: "delete <endpoint>",
    summary: "Ask to delete an endpoint; an approver confirms on its card by typing the name",
    example: "delete fraud-scoring-old",
  },
  {
    action: "samples.remove",
    usage: "samples remove <endpoint> [name]",
    summary: "Remove an endpoint's stored samples (all, or one)",
    example: "samples remove fraud-scoring-old",
  },
  { action: "whoami", usage: "whoami", summary: "Your identity and roles", example: "whoami" },
  { action: "audit", usage: "audit [endpoint]", summary: "The latest audit entries", example: "audit diabetes-prod" },
];

export function commandInfo(action: Action): CommandInfo {
  const info = COMMANDS.find((c) => c.action === action);
  if (!info) throw new Error(`No command table entry for ${action}`);
  return info;
}

/** The words a command starts with (`deploy`, `sample add`), for "did you mean". */
export const COMMAND_WORDS: readonly string[] = COMMANDS.map((c) => {
  const words = c.usage.split(" ");
  const firstArgument = words.findIndex((w) => !/^[a-z]+$/.test(w));
  return words.slice(0, firstArgument < 0 ? words.length : firstArgument).join(" ");
});

/** A card with decision buttons. */
export type ButtonCard = "rollout" | "deletion";

/**
 * What each card verb is when its word is typed in chat. A decision button binds the click to the rollout (or deletion),
 * step and version its card showed, which a typed word cannot, so its words are not commands: they point to the card.
 */
const CARD_VERBS_TYPED = {
  endpoints: "command",
  show: "command",
  invoke: "command",
  logs: "command",
  "rollout.approve": { card: "rollout", words: ["approve"] },
  "rollout.reject": { card: "rollout", words: ["reject"] },
  "rollout.retire": { card: "rollout", words: ["retire"] },
  "rollout.keep": { card: "rollout", words: ["keep"] },
  "rollout.override": { card: "rollout", words: ["override"] },
  "rollout.resume": { card: "rollout", words: ["continue", "resume"] },
  // Typed, `rollback <endpoint>` does what this button does.
  "rollout.restore": { card: "rollout", words: ["restore"] },
  // "Show my options": asking for one's own view of a card is only ever a click.
  "rollout.view": { card: "rollout", words: [] },
  "deletion.view": { card: "deletion", words: [] },
  // The deletion card's buttons read "Delete <endpoint>" and "Keep it", once the endpoint's name is typed to confirm.
  "deletion.approve": { card: "deletion", words: ["approve", "confirm"] },
  "deletion.reject": { card: "deletion", words: ["reject", "keep"] },
} satisfies Record<CardVerb, "command" | { card: ButtonCard; words: readonly string[] }>;

/** Each decision button's word (and its verb as the card sends it, `rollout.approve`), with the cards that have it. */
export const CARD_BUTTON_WORDS: ReadonlyMap<string, { button: string; cards: ButtonCard[] }> = (() => {
  const found = new Map<string, { button: string; cards: ButtonCard[] }>();
  for (const [verb, typed] of Object.entries(CARD_VERBS_TYPED)) {
    if (typed === "command") continue;
    const [button = verb] = typed.words;
    for (const word of [...typed.words, verb]) {
      const entry = found.get(word) ?? { button: word.includes(".") ? button : word, cards: [] };
      if (!entry.cards.includes(typed.card)) entry.cards.push(typed.card);
      found.set(word, entry);
    }
  }
  return found;
})();
