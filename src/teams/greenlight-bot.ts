import { randomUUID } from "node:crypto";
import {
  type AdaptiveCardInvokeResponse,
  type AdaptiveCardInvokeValue,
  type CloudAdapter,
  type ConversationReference,
  TeamsActivityHandler,
  TurnContext,
} from "botbuilder";
import type { RoleBook } from "../core/access/roles.js";
import { DEFAULT_LIMITS, type CommandContext, type Limits } from "../core/commands/command-context.js";
import { readMessageText } from "../core/commands/message-text.js";
import { handleCardAction, handleChat } from "../core/commands/run-command.js";
import type { Logger } from "../logger.js";
import type { Clock } from "../ports/clock.js";
import type { ChannelAddress, Notice } from "../ports/notifier.js";
import type { Store } from "../ports/store.js";
import type { Workspace } from "../ports/workspace.js";
import { readAttachedJson } from "./attachments.js";
import { CallerDirectory } from "./caller-directory.js";
import type { CardRenderer } from "./cards/render-card.js";
import { renderCard, renderReply } from "./render-reply.js";
import { TeamsNotifier } from "./teams-notifier.js";

export interface BotDependencies {
  workspace: Workspace;
  store: Store;
  roleBook: RoleBook;
  clock: Clock;
  cards: CardRenderer;
  log: Logger;
  /** The bot's app id ('' in local mode), for proactive messages. */
  appId: string;
  /** Where approvals and notifications go, and what GreenLight says there when it is installed in that tenant. */
  releaseChannel?: { address: ChannelAddress; greeting: Notice };
  limits?: Limits;
}

const MESSAGE = "application/vnd.microsoft.activity.message";
const CARD = "application/vnd.microsoft.card.adaptive";
/** Card actions answered in the invoke itself (they replace the clicked card); the rest reply in the background. */
const INLINE_VERBS = new Set(["endpoints"]);

/**
 * The Teams edge: turns activities into core commands and core replies into messages and cards.
 * The only class that knows botbuilder; everything it decides comes from core.
 */
export class GreenLightBot extends TeamsActivityHandler {
  private readonly callers: CallerDirectory;
  private readonly background = new Set<Promise<void>>();
  private readonly knownConversations = new Set<string>();
  private readonly limits: Limits;
  readonly notifier: TeamsNotifier;

  constructor(
    private readonly deps: BotDependencies,
    private readonly adapter: CloudAdapter,
  ) {
    super();
    this.callers = new CallerDirectory(deps.roleBook);
    this.limits = deps.limits ?? DEFAULT_LIMITS;
    this.notifier = new TeamsNotifier(adapter, deps.appId, deps.cards);
    this.onMessage(async (ctx, next) => {
      await this.handleMessage(ctx);
      await next();
    });
    this.onInstallationUpdateAdd(async (ctx, next) => {
      await this.greetReleaseChannel(ctx);
      await next();
    });
  }

  /** Resolves when every background reply started so far has been sent (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  private async handleMessage(ctx: TurnContext): Promise<void> {
    if (!(await this.firstDelivery(ctx))) return;
    await this.remember(ctx);
    const command = await this.commandContext(ctx);
    const text = readMessageText(ctx.activity.text ?? "");
    const attachment = await readAttachedJson(ctx.activity.attachments, this.limits.maxPayloadBytes);
    const reply = await handleChat(text, attachment, command);
    this.deps.log.info("command", {
      correlationId: command.correlationId,
      user: command.caller.id,
      outcome: reply.kind,
    });
    await ctx.sendActivity(renderReply(reply, this.deps.cards));
  }

  protected override async onAdaptiveCardInvoke(
    ctx: TurnContext,
    invoke: AdaptiveCardInvokeValue,
  ): Promise<AdaptiveCardInvokeResponse> {
    if (!(await this.firstDelivery(ctx))) {
      return messageResponse("That action was already handled.");
    }
    await this.remember(ctx);
    const command = await this.commandContext(ctx);
    const verb = invoke.action.verb ?? "";
    if (INLINE_VERBS.has(verb)) {
      const reply = await handleCardAction(verb, invoke.action.data, command);
      return { statusCode: 200, type: CARD, value: renderCard(reply, this.deps.cards) };
    }
    // Teams gives an invoke a few seconds: acknowledge now, answer with a new message when the work is done.
    const reference = TurnContext.getConversationReference(ctx.activity);
    this.runInBackground(reference, command.correlationId, async () => {
      const reply = await handleCardAction(verb, invoke.action.data, command);
      return renderReply(reply, this.deps.cards);
    });
    return messageResponse("Working on it…");
  }

  private runInBackground(
    reference: Partial<ConversationReference>,
    correlationId: string,
    work: () => Promise<ReturnType<typeof renderReply>>,
  ): void {
    const task = (async () => {
      let activity: ReturnType<typeof renderReply>;
      try {
        activity = await work();
      } catch (error) {
        this.deps.log.error("card action failed", { correlationId, error: errorText(error) });
        activity = {
          type: "message",
          text: `Something went wrong (ref ${correlationId.slice(0, 8)}). The team has the details.`,
        };
      }
      await this.adapter.continueConversationAsync(this.deps.appId, reference, async (proactive) => {
        await proactive.sendActivity(activity);
      });
    })()
      .catch((error: unknown) =>
        this.deps.log.error("could not deliver a reply", { correlationId, error: errorText(error) }),
      )
      .finally(() => this.background.delete(task));
    this.background.add(task);
  }

  /**
   * Says hello in the release channel when GreenLight is installed in its tenant (the Agents Playground installs on
   * every page load, and shows only what arrives while a page is open), so people know where notifications appear.
   */
  private async greetReleaseChannel(ctx: TurnContext): Promise<void> {
    const release = this.deps.releaseChannel;
    if (!release || !sameConnector(ctx.activity.serviceUrl, release.address.serviceUrl)) return;
    const tenant =
      ctx.activity.conversation.tenantId ??
      (ctx.activity.channelData as { tenant?: { id?: string } } | undefined)?.tenant?.id;
    if (release.address.tenantId && tenant && tenant !== release.address.tenantId) return;
    try {
      await this.notifier.postToChannel(release.address, release.greeting);
    } catch (error) {
      this.deps.log.warn("could not post to the release channel", { error: errorText(error) });
    }
  }

  /** False when this activity id was handled before (a redelivery): it must not run twice. */
  private async firstDelivery(ctx: TurnContext): Promise<boolean> {
    const id = ctx.activity.id;
    if (!id) return true;
    const first = await this.deps.store.markActivityProcessed(
      `${ctx.activity.conversation.id}|${id}`,
      this.deps.clock.now(),
    );
    if (!first) this.deps.log.warn("duplicate activity ignored", { activityId: id });
    return first;
  }

  /** Keeps the conversation reference, so later notifications can reach this chat or channel. */
  private async remember(ctx: TurnContext): Promise<void> {
    const conversationId = ctx.activity.conversation.id;
    const key = `${conversationId}|${ctx.activity.serviceUrl}`;
    if (this.knownConversations.has(key)) return;
    await this.deps.store.saveConversation({
      conversationId,
      kind: ctx.activity.conversation.conversationType ?? "personal",
      reference: TurnContext.getConversationReference(ctx.activity),
      updatedAt: this.deps.clock.now(),
    });
    this.knownConversations.add(key);
  }

  private async commandContext(ctx: TurnContext): Promise<CommandContext> {
    const caller = await this.callers.resolve(ctx);
    return {
      caller,
      roles: this.deps.roleBook.rolesOf(caller),
      roleBook: this.deps.roleBook,
      workspace: this.deps.workspace,
      store: this.deps.store,
      clock: this.deps.clock,
      limits: this.limits,
      correlationId: randomUUID(),
    };
  }
}

function sameConnector(a: string | undefined, b: string): boolean {
  const normal = (url: string): string => url.replace(/\/+$/, "").toLowerCase();
  return a !== undefined && normal(a) === normal(b);
}

/** An invoke response that shows a message; the protocol's value is a string here, botbuilder's type says object. */
function messageResponse(text: string): AdaptiveCardInvokeResponse {
  return { statusCode: 200, type: MESSAGE, value: text as unknown as Record<string, unknown> };
}

export function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
