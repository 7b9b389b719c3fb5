import type { Result } from "../../ports/result.js";

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

/**
 * What a rollout card's decision button is bound to: the rollout, step and version the card showed. The card's data
 * says it, so the command's vocabulary owns the shape (the rollout's events take it as it is).
 */
export interface RolloutButton {
  rollout: string;
  step: number;
  version: number;
}

/** What a deletion card's button is bound to: the request and the version the card showed. */
export interface DeletionButton {
  deletion: string;
  version: number;
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
  | { name: "plan"; endpoint: string }
  | { name: "status"; endpoint?: string }
  | { name: "rollback"; endpoint: string }
  | { name: "continue"; endpoint: string }
  | { name: "subscribe"; endpoint?: string }
  | { name: "unsubscribe"; endpoint?: string }
  | { name: "subscriptions" }
  | { name: "delete"; endpoint: string }
  | { name: "samples.remove"; endpoint: string; sample?: string }
  /** A deletion card's buttons: bound to the request and version shown; `typed` is the name typed to confirm. */
  | { name: "deletion.approve"; target: DeletionButton; typed: string }
  | { name: "deletion.reject"; target: DeletionButton }
  /** A button on a rollout card; `target` binds it to the rollout, step and version the card showed. */
  | { name: "rollout.approve"; target: RolloutButton }
  | { name: "rollout.reject"; target: RolloutButton; reason?: string }
  | { name: "rollout.retire"; target: RolloutButton; keep: boolean }
  | { name: "rollout.override"; target: RolloutButton; reason: string }
  | { name: "rollout.end_bake"; target: RolloutButton; reason: string }
  /** After a pause: go on from the traffic the card shows, or put the starting traffic back. */
  | { name: "rollout.resume"; target: RolloutButton }
  | { name: "rollout.restore"; target: RolloutButton }
  /** A card asks for the view of the person looking at it (Teams' refresh, or "Show my options"). */
  | { name: "rollout.view"; rollout: string }
  | { name: "deletion.view"; deletion: string };

/** Every command and card action, by the name the policy and the audit know it by. */
export type Action = Command["name"];

export type CommandOf<A extends Action> = Extract<Command, { name: A }>;

export const DEFAULT_LOG_TAIL = 50;
export const MAX_LOG_TAIL = 500;
