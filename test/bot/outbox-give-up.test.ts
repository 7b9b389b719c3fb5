// The outbox sender when Teams will not take a message: a refusal (DeliveryRefused) three times over, or any failure a
// day after the message was written, gives the message up, so its subject's later messages go on; a throttle or an
// outage shorter than that is only waited out. A real store (PGlite in memory) and a clock the test moves; Teams is a
// hand-written notifier.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Clock } from "../../src/ports/clock.js";
import { DeliveryRefused, type MessageRef, type Notice, type Notifier } from "../../src/ports/notifier.js";
import { openSqlStore, type GreenLightStore } from "../../src/store/open-store.js";
import { PgliteClient } from "../../src/store/pglite-client.js";
import { OutboxSender } from "../../src/worker/outbox-sender.js";
import { asMarkdown } from "../support/card-markdown.js";
import { aRollout, ROLLOUT_T0 } from "../support/a-rollout.js";

const minutes = (n: number): Date => new Date(ROLLOUT_T0.getTime() + n * 60_000);

/** Teams failing every channel post with `failure`, and taking direct messages. */
class FailingTeams implements Notifier {
  posts = 0;
  readonly direct: string[] = [];
  constructor(private readonly failure: () => Error) {}

  postToChannel(): Promise<MessageRef> {
    this.posts += 1;
    return Promise.reject(this.failure());
  }

  update(): Promise<void> {
    return Promise.resolve();
  }

  replyInThread(): Promise<void> {
    return Promise.resolve();
  }

  sendToConversation(_conversationId: string, notice: Notice): Promise<boolean> {
    this.direct.push(notice.kind === "text" ? notice.text : notice.card);
    return Promise.resolve(true);
  }
}

describe("the outbox sender when Teams will not take a message", () => {
  let store: GreenLightStore;
  let now = ROLLOUT_T0;
  const clock: Clock = { now: () => now };
  const logged: { level: string; message: string }[] = [];
  const log = {
    info: (message: string) => logged.push({ level: "info", message }),
    warn: (message: string) => logged.push({ level: "warn", message }),
    error: (message: string) => logged.push({ level: "error", message }),
  };

  beforeEach(async () => {
    now = ROLLOUT_T0;
    logged.length = 0;
    store = await openSqlStore(await PgliteClient.open());
    await store.rollouts.create(aRollout({ updatedAt: ROLLOUT_T0 }), {
      audit: [],
      outbox: [
        { kind: "post_card", notice: { kind: "text", text: asMarkdown("the card") } },
        {
          kind: "personal_message",
          conversationId: "personal-alex",
          notice: { kind: "text", text: asMarkdown("ended") },
        },
      ],
    });
  });

  afterEach(async () => {
    await store.close();
  });

  /** A running sender whose rounds come only when the test asks (its idle wait is longer than a test). */
  const senderFor = (teams: Notifier): OutboxSender => {
    now = minutes(1);
    sender = new OutboxSender({
      outbox: store.outbox,
      rollouts: store.rollouts,
      deletions: store.deletions,
      notifier: teams,
      clock,
      log,
      idleMs: 3_600_000,
      leaseMs: 60_000,
    });
    sender.start();
    return sender;
  };

  let sender: OutboxSender | undefined;
  afterEach(async () => {
    await sender?.stop();
  });

  /** Rounds at `at` until nothing is due then: each message due is tried once. */
  const roundAt = async (running: OutboxSender, at: Date): Promise<void> => {
    now = at;
    await running.drain();
  };

  it("gives up a message Teams refused three times, and sends the subject's next message", async () => {
    const teams = new FailingTeams(() => new DeliveryRefused("Teams refused the message (403): not in the team", 403));
    const sender = senderFor(teams);
    await roundAt(sender, minutes(1));
    await roundAt(sender, minutes(2));
    expect([teams.posts, teams.direct]).toEqual([2, []]);

    await roundAt(sender, minutes(3));
    expect([teams.posts, teams.direct]).toEqual([3, ["ended"]]);
    expect(logged.filter((l) => l.level === "error").map((l) => l.message)).toEqual([
      "gave up a message Teams would not take; the subject's later messages go on",
    ]);
    await roundAt(sender, minutes(60));
    expect(teams.posts).toBe(3);
  });

  it("waits out a throttle or an outage for a day, then gives the message up", async () => {
    const teams = new FailingTeams(() => Object.assign(new Error("Too Many Requests"), { statusCode: 429 }));
    const sender = senderFor(teams);
    for (let minute = 1; minute < 24 * 60; minute += 60) await roundAt(sender, minutes(minute));
    expect(teams.posts).toBe(24);
    expect(teams.direct).toEqual([]);

    await roundAt(sender, minutes(24 * 60));
    expect([teams.posts, teams.direct]).toEqual([25, ["ended"]]);
  });
});
