import type { Clock } from "../../ports/clock.js";
import type { ChannelAddress } from "../../ports/notifier.js";
import type { RolloutPeople } from "../rollout/transition.js";
import type { GateDefaults } from "../rollout/events.js";
import type { RolloutStore } from "../../ports/rollouts.js";
import type { SubscriptionStore } from "../../ports/subscriptions.js";
import type { DeletionStore } from "../../ports/deletions.js";
import type { Store } from "../../ports/store.js";
import type { Workspace } from "../../ports/workspace.js";
import type { Caller, Role, RoleBook } from "../access/roles.js";
import type { Action } from "../vocabulary/command.js";

/** Limits that keep messages small and payloads sane. */
export interface Limits {
  /** Longest chat message read; longer ones are refused before parsing (Teams' own message limit is about 28 KB). */
  maxMessageChars: number;
  /** Largest JSON payload GreenLight stores or sends. */
  maxPayloadBytes: number;
  /** Endpoints per page of the list card. */
  pageSize: number;
  /** Characters of a scoring response shown before truncating. */
  responsePreviewChars: number;
  /** Characters of log text shown before truncating. */
  logPreviewChars: number;
  /** Audit entries shown. */
  auditEntries: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxMessageChars: 28 * 1024,
  maxPayloadBytes: 256 * 1024,
  pageSize: 10,
  responsePreviewChars: 3000,
  logPreviewChars: 12_000,
  auditEntries: 20,
};

/** Everything a command handler may use. */
export interface CommandContext {
  caller: Caller;
  roles: Role[];
  /** Whether the caller's roles allow an action, by the policy the command table gives. */
  may: (action: Action) => boolean;
  roleBook: RoleBook;
  workspace: Workspace;
  store: Store;
  clock: Clock;
  limits: Limits;
  correlationId: string;
  rollouts: RolloutStore;
  subscriptions: SubscriptionStore;
  deletions: DeletionStore;
  rolloutSettings: RolloutSettings;
  /** Where the command came from: a channel (its address) or a chat, the conversation's id, and its Entra tenant. */
  where: { conversationId: string; personal: boolean; channel?: ChannelAddress; tenantId?: string };
  /** A new unique id (rollout ids). */
  newId(): string;
  /** Tells the rollout worker there is work due now. */
  wakeWorker(): void;
}

export interface RolloutSettings {
  /** Where rollout cards go when the command was not typed in a channel. */
  releaseChannel?: ChannelAddress;
  /** How long an approval waits before the rollout expires. */
  approvalTtlMs: number;
  /** Who holds the roles that act on rollouts: whom a reply in a card's thread @mentions when they must act. */
  people: RolloutPeople;
  /** Each step's bake and the requests a gate needs, where an endpoint's tags do not say. */
  gateDefaults: GateDefaults;
}
