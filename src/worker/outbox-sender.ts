import { randomUUID } from "node:crypto";
import type { Logger } from "../logger.js";
import { BackgroundLoop } from "./background-loop.js";
import { settlesWithin } from "./settles-within.js";
import type { Clock } from "../ports/clock.js";
import { DeliveryRefused, type ChannelAddress, type MessageRef, type Notifier } from "../ports/notifier.js";
import type { DeletionStore } from "../ports/deletions.js";
import { nameOf, type Outbox, type OutboxMessage, type Subject } from "../ports/outbox.js";
import type { RolloutStore } from "../ports/rollouts.js";

export interface OutboxSenderOptions {
  outbox: Outbox;
  /** Where a rollout's card goes, and its reference once posted. */
  rollouts: RolloutStore;
  /** The same for a deletion request's card. */
  deletions: DeletionStore;
  notifier: Notifier;
  clock: Clock;
  log: Logger;
  /** How often the outbox is read when nothing woke the sender (messages written by other instances). */
  idleMs: number;
  leaseMs: number;
}

/** Where the cards of one kind of subject live: the store that keeps a card's reference once it is posted. */
interface Cards {
  /** The channel the subject's card goes to; undefined when the subject is gone. */
  channelOf(id: string): Promise<ChannelAddress | undefined>;
  setCard(id: string, card: MessageRef): Promise<void>;
  getCard(id: string): Promise<MessageRef | undefined>;
}

/** Longest wait before a failed message is tried again. */
const MAX_BACKOFF_MS = 5 * 60 * 1000;
/** Teams refusing the same message this many times is taken at its word (one refusal may be a passing glitch). */
const REFUSALS_BEFORE_GIVING_UP = 3;
/**
 * A message still failing this long after it was written is given up whatever the failure: its news is stale, and it
 * holds back every later message of its subject.
 */
const GIVE_UP_AFTER_MS = 24 * 60 * 60 * 1000;

/**
 * Sends what stored transitions asked for — card posts and updates, thread replies, direct messages — after the
 * transaction that wrote them, and records each as sent, so none is lost or sent again by another round or instance.
 * (A crash between sending and recording can repeat that one message; a card update repeated is harmless.)
 */
export class OutboxSender {
  readonly owner = `outbox-${randomUUID()}`;
  private readonly loop: BackgroundLoop;
  /** Stopping: the message being sent is finished, and the others claimed with it are given back unsent. */
  private stopping = false;
  /** Messages claimed and not sent yet, the one being sent excepted. */
  private waiting: OutboxMessage[] = [];
  private readonly cards: Record<Subject["kind"], Cards>;

  constructor(private readonly o: OutboxSenderOptions) {
    const { rollouts, deletions } = o;
    this.cards = {
      rollout: {
        channelOf: async (id) => (await rollouts.get(id))?.channel,
        setCard: (id, card) => rollouts.setCard(id, card),
        getCard: (id) => rollouts.getCard(id),
      },
      deletion: {
        channelOf: async (id) => (await deletions.get(id))?.channel,
        setCard: (id, card) => deletions.setCard(id, card),
        getCard: (id) => deletions.getCard(id),
      },
    };
    this.loop = new BackgroundLoop(
      () => this.round(),
      o.idleMs,
      (error) => o.log.error("outbox round failed", { error: String(error) }),
    );
  }

  start(): void {
    this.loop.start();
  }

  /** There may be due work now (a deploy, a click): look without waiting for the idle interval. */
  wake(): void {
    this.loop.wake();
  }

  /**
   * Stops taking work: the message being sent is finished, and the ones claimed with it are given back unsent, for
   * another instance to send now rather than when their lease runs out. After `graceMs` it stops waiting for the send:
   * the others are given back all the same, and the one being sent keeps its lease, so it goes out again only once that
   * runs out (it may have gone out already).
   */
  async stop(graceMs = Number.POSITIVE_INFINITY): Promise<void> {
    this.stopping = true;
    if (await settlesWithin(this.loop.stop(), graceMs)) return;
    this.o.log.warn("a message was still being sent when the time to stop ran out; its lease runs out by itself");
    await this.giveBack();
  }

  /** Resolves once no round is running (tests). */
  idle(): Promise<void> {
    return this.loop.idle();
  }

  /** Runs rounds until nothing is due now (tests). */
  drain(): Promise<void> {
    return this.loop.drain();
  }

  private async round(): Promise<void> {
    for (;;) {
      const messages = await this.o.outbox.claim(this.owner, this.o.clock.now(), this.o.leaseMs, 20);
      if (messages.length === 0) return;
      this.waiting = messages;
      // One at a time: a subject's messages must arrive in order, and Teams limits a bot to a few sends a second.
      for (let next = this.waiting[0]; next && !this.stopping; next = this.waiting[0]) {
        this.waiting.shift();
        await this.send(next);
      }
      if (this.stopping) return this.giveBack();
      if (this.loop.stopped) return;
    }
  }

  /** Gives the messages claimed and not sent back to the store, due at once for any instance. */
  private async giveBack(): Promise<void> {
    const ids = this.waiting.map((m) => m.id);
    this.waiting = [];
    if (ids.length === 0) return;
    await this.o.outbox.release(ids, this.owner);
    this.o.log.info("gave back messages claimed and not sent", { messages: ids.length });
  }

  private async send(message: OutboxMessage): Promise<void> {
    const { draft, subject } = message;
    const cards = this.cards[subject.kind];
    try {
      switch (draft.kind) {
        case "post_card": {
          const channel = await cards.channelOf(subject.id);
          if (!channel) break;
          const posted = await this.o.notifier.postToChannel(channel, draft.notice);
          await cards.setCard(subject.id, posted);
          break;
        }
        case "update_card":
        case "reply_in_thread": {
          // The card's post came first and is done with (a subject's messages go in order): a card missing now was
          // never posted (Teams refused it, or the subject had no channel) and never will be.
          const card = await cards.getCard(subject.id);
          if (!card) return await this.skip(message, `the ${subject.kind}'s card was never posted`);
          await (draft.kind === "update_card"
            ? this.o.notifier.update(card, draft.notice)
            : this.o.notifier.replyInThread(card, draft.text, draft.mentions));
          break;
        }
        case "post_notice":
          await this.o.notifier.postToChannel(draft.channel, draft.notice);
          break;
        case "personal_message":
          if (!(await this.o.notifier.sendToConversation(draft.conversationId, draft.notice))) {
            this.o.log.warn("no stored conversation for a direct message; skipped", { subject: nameOf(subject) });
          }
          break;
        default:
          // A row this version cannot read (written by a newer one) waits in the outbox instead of being marked sent.
          throw new Error(`no way to send a message of kind ${String((draft as { kind: unknown }).kind)}`);
      }
      await this.o.outbox.markSent(message.id, this.o.clock.now());
    } catch (error) {
      await this.failed(message, error);
    }
  }

  /** Gives up a message that cannot be sent, without trying it: the reason was logged when its cause failed. */
  private async skip(message: OutboxMessage, why: string): Promise<void> {
    this.o.log.info("skipped a message that cannot be sent", {
      subject: nameOf(message.subject),
      kind: message.draft.kind,
      why,
    });
    await this.o.outbox.giveUp(message.id, why, this.o.clock.now());
  }

  /** Tries a failed message again later, with back-off, or gives it up when Teams keeps refusing it or it is stale. */
  private async failed(message: OutboxMessage, error: unknown): Promise<void> {
    const now = this.o.clock.now();
    const attempts = message.attempts + 1;
    const facts = {
      subject: nameOf(message.subject),
      kind: message.draft.kind,
      attempts,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    };
    const refusedForGood = error instanceof DeliveryRefused && attempts >= REFUSALS_BEFORE_GIVING_UP;
    if (refusedForGood || now.getTime() - message.createdAt.getTime() >= GIVE_UP_AFTER_MS) {
      this.o.log.error("gave up a message Teams would not take; the subject's later messages go on", facts);
      await this.o.outbox.giveUp(message.id, facts.error, now);
      return;
    }
    const backoff = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(message.attempts, 10));
    this.o.log.warn("could not send a message; retrying", facts);
    await this.o.outbox.markFailed(message.id, facts.error, new Date(now.getTime() + backoff));
  }
}
