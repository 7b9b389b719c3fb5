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

/**
 * A message GreenLight posted, so it can be updated or replied to later: the conversation reference (Bot Framework
 * JSON, as the Teams edge captured it) and the message's activity id.
 */
export interface MessageRef {
  conversation: unknown;
  activityId: string;
}

/** Someone to @mention: their Teams user id and display name. */
export interface Mention {
  id: string;
  name: string;
}

/** Proactive messages: approvals and rollout notifications reach people through this. */
export interface Notifier {
  /** Starts a new thread in the channel with the notice; resolves to the posted message. */
  postToChannel(channel: ChannelAddress, notice: Notice): Promise<MessageRef>;
  /** Replaces a posted message (a card edit notifies no one). */
  update(message: MessageRef, notice: Notice): Promise<void>;
  /** Replies in the thread of a posted channel message, @mentioning people (that notifies them). */
  replyInThread(message: MessageRef, text: string, mentions: readonly Mention[]): Promise<void>;
  /** Sends a message to a stored conversation (a personal chat); false when GreenLight has no reference for it. */
  sendToConversation(conversationId: string, notice: Notice): Promise<boolean>;
}
