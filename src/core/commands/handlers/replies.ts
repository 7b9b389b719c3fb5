import type { ChannelAddress } from "../../../ports/notifier.js";
import { personOf, type Viewer } from "../../access/identity.js";
import type { UserError } from "../../errors.js";
import type { Reply } from "../reply.js";
import type { CommandContext } from "../command-context.js";

export const refuse = (error: UserError): Reply => ({ kind: "error", error });

/** The caller as a card view sees them: whose buttons to draw. */
export const viewerOf = (ctx: CommandContext): Viewer => ({ person: personOf(ctx.caller), roles: ctx.roles });

/** Where a rollout's or a deletion's card went, as the reply to the person who asked says it. */
export function cardPlace(ctx: CommandContext, channel: ChannelAddress): string {
  if (channel.channelId === ctx.where.channel?.channelId) return "in this channel";
  if (channel.channelId === ctx.rolloutSettings.releaseChannel?.channelId) return "in the release channel";
  return "in the channel subscribed to it";
}
