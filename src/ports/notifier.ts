/** A Teams channel GreenLight can post to without being spoken to first. */
export interface ChannelAddress {
  /** The Bot Framework connector that serves the channel's tenant. */
  serviceUrl: string;
  /** Teams channel id (`19:…@thread.tacv2`, or the Playground's channel id). */
  channelId: string;
  tenantId?: string;
}

/** What a proactive message says: plain text, or a card template (`cards/<card>.card.json`) filled with data. */
export type Notice = { kind: "text"; text: string } | { kind: "card"; card: string; data: object };

/** Proactive messages: approvals and rollout notifications reach people through this. */
export interface Notifier {
  /** Starts a new thread in the channel with the notice. */
  postToChannel(channel: ChannelAddress, notice: Notice): Promise<void>;
}
