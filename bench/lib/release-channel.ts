import { cardAction, visibleText } from "../../test/support/bot-harness.js";
import type { ConnectorServer, Member, SentActivity } from "../../test/support/connector-server.js";
import { buttonsOf, cardText, fact } from "../../test/support/bot-fixtures.js";

/** A rollout card as the release channel shows it at one moment: its thread, the message to click on, its buttons. */
export interface SeenCard {
  thread: string;
  /** The card's message id (`replyToId` of a click on it). */
  messageId: string;
  /** Index in the connector's record, to look for what came after it. */
  index: number;
  card: Record<string, unknown>;
  buttons: { title: string; verb: string; data: Record<string, unknown> }[];
  text: string;
}

/** What an Action.Execute invoke was answered with, and how long the answer took (POST → response). */
export interface ClickAnswer {
  ms: number;
  statusCode: number;
  type: string;
  /** The answer's visible text: the redrawn card's, or the refusal banner. */
  text: string;
}

/**
 * Whether a rollout card (as everyone sees it) waits for the approval of step `step` (from 0), or — past the last of
 * `steps` — for the old deployment's retirement.
 */
export const asksFor =
  (step: number, steps: number) =>
  (seen: SeenCard): boolean =>
    step < steps ? seen.text.includes(`to approve step ${step + 1} of ${steps}`) : seen.text.includes(" to retire ");

/** Thrown into waits in progress when the channel is stopped (the benchmark is done with its drivers). */
export class ChannelStopped extends Error {}

/**
 * The release channel of a bot whose connector is `connector`, seen the way an approver sees it: rollout cards posted
 * and updated in place, and buttons to click with the data the card carries. Waiting on a card's thread is woken by
 * the connector's own record of each activity, so watching several rollouts costs the bot's event loop next to nothing.
 */
export class ReleaseChannel {
  private stopped = false;

  constructor(
    private readonly connector: ConnectorServer,
    private readonly botUrl: string,
  ) {}

  /** Ends every wait in progress with ChannelStopped. */
  stop(): void {
    this.stopped = true;
  }

  /** The thread of the rollout card for `endpoint` posted after connector index `from`. */
  async cardPosted(endpoint: string, from: number, timeoutMs = 60_000): Promise<SeenCard> {
    return this.next(
      from,
      timeoutMs,
      (s) => s.kind === "create" && s.conversationId.includes(";messageid="),
      (seen) => (fact(seen.card, "Endpoint") === endpoint ? seen : undefined),
    );
  }

  /** The first version of the card in `thread`, after connector index `from`, that satisfies `wanted`. */
  nextCard(thread: string, from: number, wanted: (seen: SeenCard) => boolean, timeoutMs = 60_000): Promise<SeenCard> {
    return this.next(
      from,
      timeoutMs,
      (s) => s.conversationId === thread && s.kind !== "send",
      (seen) => (wanted(seen) ? seen : undefined),
      thread,
    );
  }

  /**
   * The card `seen` as `user` sees it: the card everyone sees has no decision buttons, so they ask for their own view
   * ("Show my options"; Teams' refresh does it by itself), whose buttons carry the rollout's step and version.
   */
  async view(user: Member, seen: SeenCard): Promise<SeenCard> {
    const show = seen.buttons.find((b) => b.verb === "rollout.view");
    if (!show) throw new Error(`no "Show my options" on the card: ${seen.text.slice(0, 300)}`);
    const activity = cardAction(this.connector.url, user, show.verb, show.data, true);
    activity.conversation = { ...(activity.conversation as object), id: seen.thread };
    activity.replyToId = seen.messageId;
    const response = await fetch(`${this.botUrl}/api/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(activity),
    });
    const answer = (await response.json()) as { type: string; value: Record<string, unknown> };
    if (answer.type !== "application/vnd.microsoft.card.adaptive") {
      throw new Error(`asking for ${user.name}'s view was answered ${JSON.stringify(answer).slice(0, 300)}`);
    }
    return { ...seen, card: answer.value, buttons: buttonsOf(answer.value), text: cardText(answer.value) };
  }

  /** Clicks `verb` with `data` on the card message `seen`, as `user` in the channel. */
  async click(user: Member, seen: SeenCard, verb: string, data: Record<string, unknown>): Promise<ClickAnswer> {
    const activity = cardAction(this.connector.url, user, verb, data, true);
    activity.conversation = { ...(activity.conversation as object), id: seen.thread };
    activity.replyToId = seen.messageId;
    const body = JSON.stringify(activity);
    const started = performance.now();
    const response = await fetch(`${this.botUrl}/api/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    const text = await response.text();
    const ms = performance.now() - started;
    if (response.status !== 200) throw new Error(`the bot answered a click with ${response.status}: ${text}`);
    const answer = JSON.parse(text) as { statusCode: number; type: string; value: unknown };
    const shown =
      typeof answer.value === "string"
        ? answer.value
        : answer.type === "application/vnd.microsoft.card.adaptive"
          ? cardText(answer.value as Record<string, unknown>)
          : JSON.stringify(answer.value);
    return { ms, statusCode: answer.statusCode, type: answer.type, text: shown };
  }

  private async next(
    from: number,
    timeoutMs: number,
    relevant: (s: SentActivity) => boolean,
    pick: (seen: SeenCard) => SeenCard | undefined,
    thread?: string,
  ): Promise<SeenCard> {
    const deadline = performance.now() + timeoutMs;
    let cursor = from;
    for (;;) {
      const sent = this.connector.sent;
      for (; cursor < sent.length; cursor++) {
        const s = sent[cursor];
        if (!s || !relevant(s)) continue;
        const seen = seenCard(s, cursor);
        const picked = seen && pick(seen);
        if (picked) return picked;
      }
      if (this.stopped) throw new ChannelStopped("the release channel was stopped");
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`no such card within ${timeoutMs} ms`);
      // In a known thread, the connector wakes this wait on the activity itself; a new thread is looked for every 10 ms.
      const slice = Math.min(left, 500);
      if (thread === undefined) await sleep(Math.min(slice, 10));
      else await this.connector.waitForSent(thread, cursor, 1, slice).catch(() => undefined);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function seenCard(s: SentActivity, index: number): SeenCard | undefined {
  const attachment = (s.activity.attachments as { content?: Record<string, unknown> }[] | undefined)?.[0];
  if (!attachment?.content) return undefined;
  const messageId =
    s.kind === "update" && typeof s.activity.id === "string"
      ? s.activity.id
      : (s.conversationId.split(";messageid=")[1] ?? "");
  return {
    thread: s.conversationId,
    messageId,
    index,
    card: attachment.content,
    buttons: buttonsOf(attachment.content),
    text: visibleText(s),
  };
}
