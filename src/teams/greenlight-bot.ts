import { randomUUID } from "node:crypto";
import {
  type Activity,
  ActivityTypes,
  type CloudAdapter,
  type ConversationReference,
  type InvokeResponse,
  type TurnContext,
} from "botbuilder";
import type { RoleBook } from "../core/access/roles.js";
import {
  DEFAULT_LIMITS,
  type CommandContext,
  type Limits,
  type RolloutSettings,
} from "../core/commands/command-context.js";
import type { RolloutStore } from "../ports/rollouts.js";
import type { SubscriptionStore } from "../ports/subscriptions.js";
import type { DeletionStore } from "../ports/deletions.js";
import { handleCardAction, handleChat } from "../core/commands/run-command.js";
import { isAllowed } from "../core/commands/policy.js";
import { describeError, errorTitle } from "../core/errors.js";
import { markdownToPlain } from "../core/views/markdown.js";
import type { Reply } from "../core/commands/reply.js";
import { errorText, type Logger } from "../logger.js";
import type { Clock } from "../ports/clock.js";
import type { ChannelAddress, Notice, Notifier } from "../ports/notifier.js";
import type { Store } from "../ports/store.js";
import type { Workspace } from "../ports/workspace.js";
import { attachedJson, type AttachmentPolicy } from "./attachments.js";
import { BoundedCache } from "./bounded-cache.js";
import { CallerDirectory } from "./caller-directory.js";
import type { CardRenderer } from "./cards/render-card.js";
import { cardActionOf, conversationReferenceOf } from "./incoming-activity.js";
import { renderCard, renderReply } from "./render-reply.js";
import { correlationIdOf, unexpectedFailure } from "./unexpected-failure.js";

export interface BotDependencies {
  workspace: Workspace;
  store: Store;
  roleBook: RoleBook;
  clock: Clock;
  cards: CardRenderer;
  log: Logger;
  /** The bot's app id ('' in local mode), for proactive messages. */
  appId: string;
  /** Where attached files may be downloaded from. */
  attachments: AttachmentPolicy;
  rollouts: RolloutStore;
  subscriptions: SubscriptionStore;
  deletions: DeletionStore;
  rolloutSettings: RolloutSettings;
  /** Tells the rollout worker there is work due now. */
  wakeWorker: () => void;
  /** Where approvals and notifications go, and what GreenLight says there when it is installed in that tenant. */
  releaseChannel?: { address: ChannelAddress; greeting: Notice };
  limits?: Limits;
  /**
   * How long a card click may work before its invoke is answered; slower work finishes in the background and updates
   * the clicked card. Teams gives an invoke about 5 s (reference: teams-bot §1.7).
   */
  cardAnswerBudgetMs?: number;
}

const CARD = "application/vnd.microsoft.card.adaptive";
const MESSAGE = "application/vnd.microsoft.activity.message";
const ERROR = "application/vnd.microsoft.error";
const MAX_CONVERSATIONS = 10_000;
// The Playground sometimes installs the app twice in a row: greet at most this often (short enough that a reload a few
// seconds later greets again, which is how a page that missed it gets one).
const GREETING_INTERVAL_MS = 5_000;
/** botbuilder's answer to an invoke it has no handler for. */
const NOT_IMPLEMENTED: InvokeResponse = { status: 501 };

type Turn = (ctx: TurnContext) => Promise<void>;
type InvokeAnswer = (ctx: TurnContext) => Promise<InvokeResponse>;

/**
 * The Teams edge: turns activities into core commands and core replies into messages and cards.
 * The only class that knows botbuilder; everything it decides comes from core.
 */
export class GreenLightBot {
  private readonly callers: CallerDirectory;
  private readonly background = new Set<Promise<void>>();
  private readonly knownConversations = new BoundedCache<string, true>(MAX_CONVERSATIONS);
  private readonly limits: Limits;
  private lastGreetingAt = -Infinity;

  /**
   * The activity types GreenLight acts on. Any other (conversation and member updates, reactions, edits, typing,
   * events, …) is acknowledged with 200 and nothing done, not handed to botbuilder's dispatch, which reads fields of
   * theirs nobody checked.
   */
  private readonly turns = {
    message: (ctx) => this.handleMessage(ctx),
    invoke: (ctx) => this.handleInvoke(ctx),
    installationUpdate: (ctx) => this.handleInstallation(ctx),
  } satisfies Record<string, Turn>;

  /** The invokes GreenLight answers; any other name (no card of GreenLight's sends one) gets 501 Not Implemented. */
  private readonly invokes = {
    "adaptiveCard/action": (ctx) => this.answerCardAction(ctx),
  } satisfies Record<string, InvokeAnswer>;

  constructor(
    private readonly deps: BotDependencies,
    private readonly adapter: CloudAdapter,
    private readonly notifier: Notifier,
  ) {
    this.callers = new CallerDirectory(deps.roleBook, deps.log, () => deps.clock.now().getTime());
    this.limits = deps.limits ?? DEFAULT_LIMITS;
  }

  /** One turn, for an activity checked at the edge (`checkActivity`). */
  async run(ctx: TurnContext): Promise<void> {
    await entryOf(this.turns, ctx.activity.type)?.(ctx);
  }

  /** Resolves when every background reply started so far has been sent (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  private async handleMessage(ctx: TurnContext): Promise<void> {
    if (!(await this.firstDelivery(ctx))) return;
    await this.remember(ctx);
    const command = await this.commandContext(ctx);
    const activity = ctx.activity;
    const file = attachedJson(
      activity.attachments,
      activity.serviceUrl,
      this.deps.attachments,
      this.limits.maxPayloadBytes,
    );
    const reply = await handleChat(activity.text ?? "", file, command);
    this.deps.log.info("command", {
      correlationId: command.correlationId,
      user: command.caller.id,
      outcome: reply.kind === "error" ? reply.error.code : reply.kind,
    });
    await ctx.sendActivity(renderReply(reply, this.deps.cards));
  }

  private async handleInvoke(ctx: TurnContext): Promise<void> {
    const answer = entryOf(this.invokes, ctx.activity.name);
    const response = answer ? await answer(ctx) : NOT_IMPLEMENTED;
    await ctx.sendActivity({ type: ActivityTypes.InvokeResponse, value: response });
  }

  private async handleInstallation(ctx: TurnContext): Promise<void> {
    const action = ctx.activity.action;
    if (action === "add" || action === "add-upgrade") await this.greetReleaseChannel(ctx);
  }

  /**
   * Every `adaptiveCard/action` comes here, whatever card action it carries (botbuilder's own parsing would answer
   * some with 400 before GreenLight could audit them). The click is answered with the redrawn card when the work is done within
   * the budget; otherwise with a "working" card, and the clicked card is updated in place when the work ends.
   */
  private async answerCardAction(ctx: TurnContext): Promise<InvokeResponse> {
    if (!(await this.firstDelivery(ctx))) {
      return cardMessage(this.deps.cards, "Already handled", "That click was already handled.");
    }
    await this.remember(ctx);
    const command = await this.commandContext(ctx);
    const action = cardActionOf(ctx.activity.value);
    const work = handleCardAction(action?.verb, action?.data, command);
    const reference = conversationReferenceOf(ctx.activity);
    const replyToId = ctx.activity.replyToId;
    const shared = ctx.activity.conversation.conversationType !== "personal";

    const answered = await within(work, this.deps.cardAnswerBudgetMs ?? 2500);
    if (answered.done) {
      const reply = answered.value;
      if (reply.kind === "error" && reply.error.code === "invalid_card_action") {
        return {
          status: 200,
          body: { statusCode: 400, type: ERROR, value: { code: "BadRequest", message: describeError(reply.error) } },
        };
      }
      if (reply.kind === "error" && reply.redraw) {
        // Refused on a card with inputs: the card comes back as the person had it, what they typed kept, with why.
        return { status: 200, body: { statusCode: 200, type: CARD, value: renderCard(reply.redraw, this.deps.cards) } };
      }
      if (reply.kind === "error") {
        // A refusal (not allowed, stale, blocked) leaves the clicked card as it is, and says why.
        // A click's banner is plain text, not Markdown.
        const text = markdownToPlain(`${errorTitle(reply.error)}: ${describeError(reply.error)}`);
        return { status: 200, body: { statusCode: 200, type: MESSAGE, value: text } };
      }
      const card = renderCard(reply, this.deps.cards);
      // The invoke answer redraws the card for the person who clicked; in a chat or channel everyone else sees it too
      // (a rollout card is redrawn for everyone by the outbox, in the order of its changes).
      if (shared && replyToId && !keptCurrentByOutbox(reply))
        this.updateInBackground(reference, replyToId, command.correlationId, Promise.resolve(reply));
      return { status: 200, body: { statusCode: 200, type: CARD, value: card } };
    }
    this.updateInBackground(reference, replyToId, command.correlationId, work);
    return cardMessage(this.deps.cards, "Working on it…", "This card updates itself when the answer is in.");
  }

  /** Replaces the clicked card (or, without its id, posts a new message) with the reply once it is ready. */
  private updateInBackground(
    reference: Partial<ConversationReference>,
    replyToId: string | undefined,
    correlationId: string,
    work: Promise<Reply>,
  ): void {
    const task = (async () => {
      let activity: Partial<Activity>;
      let replace = replyToId !== undefined;
      try {
        const reply = await work;
        // The outbox redraws a rollout card for everyone; a late copy from here could overwrite a newer one.
        if (keptCurrentByOutbox(reply)) return;
        activity = renderReply(reply, this.deps.cards);
        // A refusal goes in a message of its own: the clicked card keeps what it shows.
        if (reply.kind === "error") replace = false;
      } catch (error) {
        activity = unexpectedFailure(this.deps.log, "card action failed", error, correlationId);
      }
      await this.adapter.continueConversationAsync(this.deps.appId, reference, async (proactive) => {
        if (replace && replyToId) await proactive.updateActivity({ ...activity, id: replyToId });
        else await proactive.sendActivity(activity);
      });
    })()
      .catch((error: unknown) =>
        this.deps.log.error("could not deliver a reply", { correlationId, error: errorText(error) }),
      )
      .finally(() => this.background.delete(task));
    this.background.add(task);
  }

  /**
   * Says hello in the release channel when GreenLight is installed in it, so people know where notifications appear.
   * The Agents Playground installs GreenLight in a conversation the first time a page opens it (the personal chat on
   * every page load), and shows only what arrives while a page is open: so the greeting comes when Releases is opened,
   * once per page, and not also from the personal chat's install before it.
   */
  private async greetReleaseChannel(ctx: TurnContext): Promise<void> {
    const release = this.deps.releaseChannel;
    if (!release || !sameConnector(ctx.activity.serviceUrl, release.address.serviceUrl)) return;
    const data = ctx.activity.channelData as { tenant?: { id?: string }; channel?: { id?: string } } | undefined;
    if ((data?.channel?.id ?? ctx.activity.conversation.id) !== release.address.channelId) return;
    const tenant = ctx.activity.conversation.tenantId ?? data?.tenant?.id;
    if (release.address.tenantId && tenant !== release.address.tenantId) return;
    const now = this.deps.clock.now().getTime();
    if (now - this.lastGreetingAt < GREETING_INTERVAL_MS) return;
    this.lastGreetingAt = now;
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
    if (this.knownConversations.get(key)) return;
    await this.deps.store.saveConversation({
      conversationId,
      kind: ctx.activity.conversation.conversationType ?? "personal",
      reference: conversationReferenceOf(ctx.activity),
      updatedAt: this.deps.clock.now(),
    });
    this.knownConversations.set(key, true);
  }

  private async commandContext(ctx: TurnContext): Promise<CommandContext> {
    const from = ctx.activity.from;
    const where = whereFrom(ctx.activity);
    const caller = await this.callers.resolve(ctx, {
      id: from.id,
      name: (from.name || from.id).slice(0, 200),
      ...(from.aadObjectId ? { aadObjectId: from.aadObjectId } : {}),
      ...(where.tenantId ? { tenantId: where.tenantId } : {}),
    });
    const roles = this.deps.roleBook.rolesOf(caller);
    return {
      caller,
      roles,
      may: (action) => isAllowed(action, roles),
      roleBook: this.deps.roleBook,
      workspace: this.deps.workspace,
      store: this.deps.store,
      clock: this.deps.clock,
      limits: this.limits,
      correlationId: correlationIdOf(ctx),
      rollouts: this.deps.rollouts,
      subscriptions: this.deps.subscriptions,
      deletions: this.deps.deletions,
      rolloutSettings: this.deps.rolloutSettings,
      where,
      newId: randomUUID,
      wakeWorker: this.deps.wakeWorker,
    };
  }
}

/**
 * Cards the outbox keeps current for everyone (a rollout's, a deletion request's): a click's answer is the clicker's
 * own view of it, never copied to the shared message.
 */
const keptCurrentByOutbox = (reply: Reply): boolean =>
  reply.kind === "card" && (reply.card === "rollout" || reply.card === "deletion");

/** The promise's value if it settles within `ms`, without cancelling it otherwise. */
async function within<T>(work: Promise<T>, ms: number): Promise<{ done: true; value: T } | { done: false }> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<{ done: false }>((resolve) => {
    timer = setTimeout(() => resolve({ done: false }), ms);
  });
  try {
    return await Promise.race([work.then((value) => ({ done: true as const, value })), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The conversation an activity came from; for a channel, its address (where a rollout card could go). */
function whereFrom(activity: Activity): CommandContext["where"] {
  const conversation = activity.conversation;
  const data = activity.channelData as { channel?: { id?: unknown }; tenant?: { id?: unknown } } | undefined;
  const channelId = typeof data?.channel?.id === "string" ? data.channel.id : undefined;
  const tenantId = conversation.tenantId ?? (typeof data?.tenant?.id === "string" ? data.tenant.id : undefined);
  return {
    conversationId: conversation.id,
    ...(tenantId ? { tenantId } : {}),
    personal: (conversation.conversationType ?? "personal") === "personal",
    ...(conversation.conversationType === "channel" && channelId
      ? { channel: { serviceUrl: activity.serviceUrl, channelId, ...(tenantId ? { tenantId } : {}) } }
      : {}),
  };
}

/** The table's entry for `key`, if it has one of its own (an activity of type "__proto__" has none). */
function entryOf<T extends object>(table: T, key: string | undefined): T[keyof T] | undefined {
  return key !== undefined && Object.hasOwn(table, key) ? table[key as keyof T] : undefined;
}

function sameConnector(a: string | undefined, b: string): boolean {
  const normal = (url: string): string => url.replace(/\/+$/, "").toLowerCase();
  return a !== undefined && normal(a) === normal(b);
}

/** An invoke answer that replaces the clicked card with a short message card (no lingering client banner). */
function cardMessage(cards: CardRenderer, title: string, message: string): InvokeResponse {
  return { status: 200, body: { statusCode: 200, type: CARD, value: cards.render("notice", { title, message }) } };
}
