import {
  type Activity,
  type CloudAdapter,
  type ConversationParameters,
  type ConversationReference,
  CardFactory,
  MessageFactory,
  type TurnContext,
} from "botbuilder";
import {
  DeliveryRefused,
  type Audience,
  type ChannelAddress,
  type Mention,
  type MessageRef,
  type Notice,
  type Notifier,
} from "../ports/notifier.js";
import type { Store } from "../ports/store.js";
import type { CardRenderer } from "./cards/render-card.js";
import { renderReply } from "./render-reply.js";
import { RosterIds } from "./roster-ids.js";

/** Teams refreshes a card for at most 60 named users (reference: progressive-delivery §7). */
const MAX_REFRESH_USERS = 60;

/**
 * Proactive messages through the adapter. Channel posts use createConversation, which works with an empty app id too
 * (local mode); TeamsInfo.sendMessageToTeamsChannel needs an app id (reference: teams-bot §2).
 */
export class TeamsNotifier implements Notifier {
  private readonly roster = new RosterIds();

  constructor(
    private readonly adapter: CloudAdapter,
    private readonly appId: string,
    private readonly cards: CardRenderer,
    private readonly store: Store,
  ) {}

  async postToChannel(channel: ChannelAddress, notice: Notice): Promise<MessageRef> {
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
    let posted: MessageRef | undefined;
    try {
      await this.adapter.createConversationAsync(
        this.appId,
        "msteams",
        channel.serviceUrl,
        audience,
        parameters,
        (ctx) => {
          const reference: Partial<ConversationReference> = {
            channelId: "msteams",
            serviceUrl: channel.serviceUrl,
            conversation: ctx.activity.conversation,
          };
          posted = { conversation: reference, activityId: rootMessageId(ctx.activity.conversation.id) };
          return Promise.resolve();
        },
      );
    } catch (error) {
      throw deliveryFailure(error);
    }
    if (!posted) throw new Error("the connector created no conversation");
    return posted;
  }

  async update(message: MessageRef, notice: Notice): Promise<void> {
    await this.continueIn(message.conversation, async (ctx) => {
      const activity = renderReply(notice, this.cards);
      if (notice.kind === "card" && notice.audience) await this.refreshFor(ctx, activity, notice.audience);
      await ctx.updateActivity({ ...activity, id: message.activityId });
    });
  }

  /**
   * Names the people a card with a refresh action refreshes itself for (Teams' user-specific views: each of them gets
   * their own view, with their buttons). The roles file's object ids and UPNs become Teams ids through the channel's
   * roster, at most 60 (Teams' limit). When none can be found, `userIds` is left out: Teams then refreshes the card for
   * everyone in a channel of up to 60 members, which gives each their own view all the same.
   */
  private async refreshFor(ctx: TurnContext, activity: Partial<Activity>, audience: Audience): Promise<void> {
    const card = activity.attachments?.[0]?.content as { refresh?: { userIds?: string[] } } | undefined;
    if (!card?.refresh) return;
    const ids = new Set(audience.teamsIds);
    for (const directoryId of audience.directoryIds) {
      if (ids.size >= MAX_REFRESH_USERS) break;
      const id = await this.roster.teamsIdOf(ctx, directoryId);
      if (id) ids.add(id);
    }
    // The requester alone is not who the card is for: their view has no decision of theirs.
    if (ids.size > audience.teamsIds.length) card.refresh.userIds = [...ids].slice(0, MAX_REFRESH_USERS);
  }

  /**
   * The reply is a small Adaptive Card: mentions in a card may name people by Entra object id or UPN, which is what the
   * roles file has (a text mention needs their Teams user id, which GreenLight may never have seen).
   */
  async replyInThread(message: MessageRef, text: string, mentions: readonly Mention[]): Promise<void> {
    const tags = mentions.map((m) => `<at>${escapeHtml(m.name)}</at>`);
    const card = {
      type: "AdaptiveCard",
      $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
      version: "1.5",
      body: [{ type: "TextBlock", text: `${tags.join(" ")} ${text}`.trim(), wrap: true }],
      msteams: {
        entities: mentions.map((m, i) => ({ type: "mention", text: tags[i], mentioned: { id: m.id, name: m.name } })),
      },
    };
    const activity = MessageFactory.attachment(CardFactory.adaptiveCard(card));
    activity.summary = text;
    await this.continueIn(message.conversation, async (ctx) => {
      await ctx.sendActivity(activity);
    });
  }

  async sendToConversation(conversationId: string, notice: Notice): Promise<boolean> {
    const record = await this.store.getConversation(conversationId);
    if (!record) return false;
    await this.continueIn(record.reference, async (ctx) => {
      await ctx.sendActivity(renderReply(notice, this.cards));
    });
    return true;
  }

  /**
   * Runs `logic` in the conversation, failing when it fails: the adapter would hand the error to onTurnError, which says
   * "Something went wrong" in that chat, and the outbox would count the message as sent and never try it again.
   */
  private async continueIn(reference: unknown, logic: (ctx: TurnContext) => Promise<void>): Promise<void> {
    let failure: { error: unknown } | undefined;
    await this.adapter.continueConversationAsync(
      this.appId,
      reference as Partial<ConversationReference>,
      async (ctx) => {
        try {
          await logic(ctx);
        } catch (error) {
          failure = { error };
        }
      },
    );
    if (failure) throw deliveryFailure(failure.error);
  }
}

/** Teams' answers that another try of the same message will not change; a throttle (429), 408 and 5xx pass by. */
const REFUSED_FOR_GOOD = new Set([400, 403, 404, 405, 410, 413]);

/** The connector's failure, as a DeliveryRefused when Teams refused the message itself. */
function deliveryFailure(error: unknown): Error {
  const status = (error as { statusCode?: unknown } | undefined)?.statusCode;
  const failure = error instanceof Error ? error : new Error(String(error));
  return typeof status === "number" && REFUSED_FOR_GOOD.has(status)
    ? new DeliveryRefused(`Teams refused the message (${status}): ${failure.message}`, status)
    : failure;
}

/** Teams names a new channel thread `<channel id>;messageid=<id of its first message>`: that message is the card. */
function rootMessageId(conversationId: string): string {
  const marker = ";messageid=";
  const at = conversationId.indexOf(marker);
  return at < 0 ? conversationId : conversationId.slice(at + marker.length);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] ?? c);
}
