import { errorText, type Logger } from "../logger.js";
import type { Notifier } from "../ports/notifier.js";
import type { TeamsEdge } from "./teams-edge.js";

/**
 * The Teams edge, loaded the first time a request or a proactive message needs it. botbuilder and the card templating
 * take about a second to load, and until someone speaks to the bot (or a notification is due) none of it is needed:
 * `npm start` shows the Playground URLs that much sooner, and the first turn waits for the load instead.
 */
export class EdgeOnFirstUse {
  private loading: Promise<TeamsEdge> | undefined;

  /** Proactive messages, through the edge once it has loaded. */
  readonly notifier: Notifier = {
    postToChannel: async (channel, notice) => (await this.get()).notifier.postToChannel(channel, notice),
    update: async (message, notice) => (await this.get()).notifier.update(message, notice),
    replyInThread: async (message, text, mentions) =>
      (await this.get()).notifier.replyInThread(message, text, mentions),
    sendToConversation: async (conversationId, notice) =>
      (await this.get()).notifier.sendToConversation(conversationId, notice),
  };

  constructor(
    private readonly load: () => Promise<TeamsEdge>,
    private readonly log: Logger,
  ) {}

  get(): Promise<TeamsEdge> {
    this.loading ??= this.load().catch((error: unknown) => {
      // Every later turn fails the same way: a broken install, said once.
      this.log.error("could not load the Teams edge", { error: errorText(error) });
      throw error;
    });
    return this.loading;
  }

  /** Resolves once the replies the bot started in the background have been sent; at once if it never loaded. */
  async idle(): Promise<void> {
    const edge = await this.loading?.catch(() => undefined);
    await edge?.bot.idle();
  }
}
