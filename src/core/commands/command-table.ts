import type { Action } from "../access/policy.js";

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
