import type { Reply } from "../core/views/views.js";

/** A Teams channel GreenLight can post to without being spoken to first. */
export interface ChannelAddress {
  /** The Bot Framework connector that serves the channel's tenant. */
  serviceUrl: string;
  /** Teams channel id (`19:…@thread.tacv2`, or the Playground's channel id). */
  channelId: string;
  tenantId?: string;
}

/** Proactive messages: approvals and rollout notifications reach people through this. */
export interface Notifier {
  /** Starts a new thread in the channel with the reply. */
  postToChannel(channel: ChannelAddress, reply: Reply): Promise<void>;
}
