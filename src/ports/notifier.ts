/** A Teams channel GreenLight can post to without being spoken to first. */
export interface ChannelAddress {
  /** The Bot Framework connector that serves the channel's tenant. */
  serviceUrl: string;
  /** Teams channel id (`19:…@thread.tacv2`, or the Playground's channel id). */
  channelId: string;
  tenantId?: string;
}

declare const markdownBrand: unique symbol;

/**
 * Text Teams renders as Markdown, in which every value GreenLight did not write itself is escaped exactly once. Only
 * src/core/views/markdown.ts makes one (its `msg` template escapes each value put into it), so a plain string —
 * a model name, an Azure message — cannot reach a message unescaped, and Markdown is never escaped again.
 */
export type Markdown = string & { readonly [markdownBrand]: true };

/**
 * The people a card refreshes itself for, each getting their own view with the buttons they may use (Teams'
 * user-specific views): those who may act on it. Teams wants their Teams user ids; the roles file knows people by
 * Entra object id or UPN, which the Teams edge looks up in the channel's roster.
 */
export interface Audience {
  /** Teams user ids GreenLight has already (the requester's). */
  teamsIds: string[];
  /** Entra object ids or UPNs of role holders. */
  directoryIds: string[];
}

/**
 * What a proactive message says: Markdown text, or a card template (`cards/<card>.card.json`) filled with data, with
 * the people it refreshes itself for when it has a refresh action.
 */
export type Notice =
  { kind: "text"; text: Markdown } | { kind: "card"; card: string; data: object; audience?: Audience };

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
/**
 * Teams answered a send with a refusal that another try of the same message is not expected to change (400, 403 "the
 * bot is not in the conversation", 404 …), as opposed to a timeout, a throttle or a server error.
 */
export class DeliveryRefused extends Error {
  override readonly name = "DeliveryRefused";
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

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
