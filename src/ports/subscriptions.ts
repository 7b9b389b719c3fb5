import type { ChannelAddress } from "./notifier.js";
import type { Person } from "./people.js";

/** A channel that takes approvals and rollout notifications: for one endpoint, or (no endpoint) for all of them. */
export interface Subscription {
  channel: ChannelAddress;
  /** Undefined: every endpoint. */
  endpoint?: string;
  by: Person;
  at: Date;
}

/** Which channels get which endpoints' approvals and notifications (`subscribe`, `unsubscribe`, `subscriptions`). */
export interface SubscriptionStore {
  /** Adds a subscription; resolves to false when the channel already had it (endpoint compared case-insensitively). */
  subscribe(subscription: Subscription): Promise<boolean>;
  /** Removes the channel's subscription to `endpoint` (or to all endpoints); false when there was none. */
  unsubscribe(channelId: string, endpoint: string | undefined): Promise<boolean>;
  /** The channel's subscriptions, all-endpoints first, then by endpoint. */
  subscriptionsOf(channelId: string): Promise<Subscription[]>;
  /** The subscriptions that cover `endpoint`: to it, then to all endpoints; oldest first within each. */
  subscribersFor(endpoint: string): Promise<Subscription[]>;
}
