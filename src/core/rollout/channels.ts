import type { ChannelAddress } from "../../ports/notifier.js";
import type { SubscriptionStore } from "../../ports/subscriptions.js";

/** The channels that follow an endpoint: those subscribed to it, then those subscribed to all; each once. */
async function subscribedChannels(subscriptions: SubscriptionStore, endpoint: string): Promise<ChannelAddress[]> {
  const seen = new Set<string>();
  return (await subscriptions.subscribersFor(endpoint))
    .map((s) => s.channel)
    .filter((c) => !seen.has(c.channelId) && seen.add(c.channelId));
}

/**
 * Where a rollout's card goes: the first channel subscribed to the endpoint (or to all endpoints), else the release
 * channel. The card stays there for the rollout's life, whatever subscriptions change later.
 */
export async function cardChannel(
  subscriptions: SubscriptionStore,
  endpoint: string,
  releaseChannel: ChannelAddress | undefined,
): Promise<ChannelAddress | undefined> {
  return (await subscribedChannels(subscriptions, endpoint))[0] ?? releaseChannel;
}

/** The channels that hear when a rollout of the endpoint starts or ends: its subscribers, or the release channel. */
export async function followingChannels(
  subscriptions: SubscriptionStore,
  endpoint: string,
  releaseChannel: ChannelAddress | undefined,
): Promise<ChannelAddress[]> {
  const channels = await subscribedChannels(subscriptions, endpoint);
  return channels.length > 0 ? channels : releaseChannel ? [releaseChannel] : [];
}
