import type { ChannelAddress } from "../../../ports/notifier.js";
import { personOf, type Viewer } from "../../people/identity.js";
import type { ChangeContext } from "../../change/change.js";
import type { Requester } from "../../change/request.js";
import { cardChannel, followingChannels } from "../../rollout/channels.js";
import type { UserError } from "../../errors.js";
import type { Reply } from "../reply.js";
import type { CommandContext } from "../command-context.js";

export const refuse = (error: UserError): Reply => ({ kind: "error", error });

/** The caller as a card view sees them: whose buttons to draw. */
export const viewerOf = (ctx: CommandContext): Viewer => ({ person: personOf(ctx.caller), may: ctx.may });

/** Where a rollout's or a deletion's card went, as the reply to the person who asked says it. */
export function cardPlace(ctx: CommandContext, channel: ChannelAddress): string {
  if (channel.channelId === ctx.where.channel?.channelId) return "in this channel";
  if (channel.channelId === ctx.rolloutSettings.releaseChannel?.channelId) return "in the release channel";
  return "in the channel subscribed to it";
}

/**
 * What every request made in this turn carries: a new id, the caller as requester (asked in a personal chat, they hear
 * there how it goes), and where its card goes — a channel subscribed to the endpoint, the release channel, or this one.
 */
export const newRequest = async (
  ctx: CommandContext,
  endpoint: string,
): Promise<{ id: string; requester: Requester; channel: ChannelAddress | undefined }> => ({
  id: ctx.newId(),
  requester: {
    person: personOf(ctx.caller),
    ...(ctx.where.personal ? { personalConversationId: ctx.where.conversationId } : {}),
  },
  channel: (await cardChannel(ctx.subscriptions, endpoint, ctx.rolloutSettings.releaseChannel)) ?? ctx.where.channel,
});

/** What a change decided in this turn needs: the time, this turn's correlation id, the channels following it. */
export const changeContext = async (ctx: CommandContext, endpoint: string): Promise<ChangeContext> => ({
  now: ctx.clock.now(),
  correlationId: ctx.correlationId,
  notify: await followingChannels(ctx.subscriptions, endpoint, ctx.rolloutSettings.releaseChannel),
});
