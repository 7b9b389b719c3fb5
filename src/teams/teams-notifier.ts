import type { CloudAdapter, ConversationParameters } from "botbuilder";
import type { ChannelAddress, Notice, Notifier } from "../ports/notifier.js";
import type { CardRenderer } from "./cards/render-card.js";
import { renderReply } from "./render-reply.js";

/**
 * Posts to Teams channels through the adapter's createConversation, which works with an empty app id too (local
 * mode); TeamsInfo.sendMessageToTeamsChannel needs an app id (reference: teams-bot §2).
 */
export class TeamsNotifier implements Notifier {
  constructor(
    private readonly adapter: CloudAdapter,
    private readonly appId: string,
    private readonly cards: CardRenderer,
  ) {}

  async postToChannel(channel: ChannelAddress, notice: Notice): Promise<void> {
    const parameters = {
      isGroup: true,
      channelData: {
        channel: { id: channel.channelId },
        ...(channel.tenantId ? { tenant: { id: channel.tenantId } } : {}),
      },
      activity: renderReply(notice, this.cards),
      ...(channel.tenantId ? { tenantId: channel.tenantId } : {}),
    } as ConversationParameters;
    // An undefined audience makes botbuilder use the bot's own default (it tests with ??, so "" would not do).
    const audience = undefined as unknown as string;
    await this.adapter.createConversationAsync(this.appId, "msteams", channel.serviceUrl, audience, parameters, () =>
      Promise.resolve(),
    );
  }
}
