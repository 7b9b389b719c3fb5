// The outbox sender of a stopping bot instance: it finishes the message being sent and gives back the ones it claimed
// with it, so another instance sends them at once rather than when their lease (ten minutes here) runs out — also when
// Teams does not answer the one being sent within the time to stop. A real store (PGlite in memory); Teams is a
// hand-written notifier that answers when the test lets it.
import { asMarkdown } from "../support/card-markdown.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/logger.js";
import { systemClock } from "../../src/ports/clock.js";
import type { MessageRef, Notice, Notifier } from "../../src/ports/notifier.js";
import { openSqlStore, type GreenLightStore } from "../../src/store/open-store.js";
import { PgliteClient } from "../../src/store/pglite-client.js";
import { OutboxSender } from "../../src/worker/outbox-sender.js";
import { aRollout } from "../support/a-rollout.js";
import { waitFor } from "../support/bot-process.js";

const LEASE_MS = 10 * 60_000;

/** Teams, answering each post only once the test lets it. */
class HeldTeams implements Notifier {
  /** What was handed to Teams, in order; `answered` what it has answered. */
  readonly asked: string[] = [];
  readonly answered: string[] = [];
  private held = true;
  private readonly waiting: (() => void)[] = [];

  async postToChannel(_channel: unknown, notice: Notice): Promise<MessageRef> {
    const text = notice.kind === "text" ? notice.text : notice.card;
    this.asked.push(text);
    if (this.held) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.answered.push(text);
    return { conversation: { id: text }, activityId: text };
  }

  /** Answers what waits, and everything after at once. */
  answer(): void {
    this.held = false;
    for (const resolve of this.waiting.splice(0)) resolve();
  }

  update(): Promise<void> {
    return Promise.resolve();
  }

  replyInThread(): Promise<void> {
    return Promise.resolve();
  }

  sendToConversation(): Promise<boolean> {
    return Promise.resolve(true);
  }
}

describe("the outbox sender of a stopping instance", () => {
  let store: GreenLightStore;
  let teams: HeldTeams;
  let sender: OutboxSender;

  beforeEach(async () => {
    store = await openSqlStore(await PgliteClient.open());
    for (const n of [1, 2, 3]) {
      const rollout = aRollout({ id: `rollout-${n}`, endpoint: `endpoint-${n}` });
      const notice: Notice = { kind: "text", text: asMarkdown(`card ${n}`) };
      await store.rollouts.create(rollout, {
        audit: [],
        outbox: [{ kind: "post_card", notice }],
      });
    }
    teams = new HeldTeams();
    sender = new OutboxSender({
      outbox: store.outbox,
      rollouts: store.rollouts,
      deletions: store.deletions,
      notifier: teams,
      clock: systemClock,
      log: silentLogger,
      idleMs: 50,
      leaseMs: LEASE_MS,
    });
    sender.start();
    // It claimed the three cards together and is posting the first.
    await waitFor(() => teams.asked.length === 1, "the first post");
  });

  afterEach(async () => {
    teams.answer();
    await sender.stop();
    await store.close();
  });

  /** What another instance finds to send now. */
  const takenByAnother = async (): Promise<[string, number][]> =>
    (await store.outbox.claim("another-instance", new Date(), LEASE_MS, 20)).map((m) => [
      m.draft.kind === "post_card" && m.draft.notice.kind === "text" ? m.draft.notice.text : m.draft.kind,
      m.attempts,
    ]);

  it("finishes the post in progress, and gives back the others it claimed, not counted as tried", async () => {
    const stopping = sender.stop();
    teams.answer();
    await stopping;
    expect(teams.answered).toEqual(["card 1"]);
    expect(await takenByAnother()).toEqual([
      ["card 2", 0],
      ["card 3", 0],
    ]);
  });

  it("gives back the others when Teams does not answer in time; the one being sent keeps its lease", async () => {
    await sender.stop(200);
    expect(teams.answered).toEqual([]);
    expect(await takenByAnother()).toEqual([
      ["card 2", 0],
      ["card 3", 0],
    ]);
  });
});
