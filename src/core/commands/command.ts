import type { Result } from "../../ports/result.js";
import type { DeletionTarget } from "../deletion/deletion.js";
import type { CardTarget } from "../rollout/events.js";

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
