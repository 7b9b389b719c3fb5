// The Outbox port's contract, run against PGlite and PostgreSQL, each case on a fresh database. Messages are written
// by the changes of rollouts and deletion requests (their stores' effects) and sent through the Outbox: each once, and
// a subject's messages in the order they were written. Times are explicit Dates (`at(minute)`), never the clock.
import { storesPerCase } from "./stores-per-case.js";
import { draft, said, saying, sendAll as sendAllFrom } from "./outbox-messages.js";
import { asMarkdown } from "../support/card-markdown.js";
import { describe, expect, it } from "vitest";
import type { MessageDraft, OutboxMessage } from "../../src/ports/outbox.js";
import type { Person } from "../../src/ports/people.js";
import type { Rollout } from "../../src/ports/rollouts.js";
import type { GreenLightStore } from "../../src/store/open-store.js";
import { aDeletion } from "../support/a-deletion.js";
import { aRollout as aRolloutOf } from "../support/a-rollout.js";
import type { StoreDatabase } from "./store.contract.js";

/** Why an implementation cannot honour a group of cases; those cases show as skipped with the reason. */
export interface OutboxContractSkips {
  /** Several stores (bot instances) may have the database open at the same time. */
  sharedByInstances?: string;
}

const minuteMs = 60_000;
const leaseMs = minuteMs;

export function describeOutboxContract(
  name: string,
  newDatabase: () => Promise<StoreDatabase>,
  skips: OutboxContractSkips = {},
): void {
  describe(name, () => {
    let store: GreenLightStore;
    const { open } = storesPerCase(newDatabase, (opened) => (store = opened));

    const sendAll = (now: Date = at(100)) => sendAllFrom(store, now, leaseMs);

    it("returns every kind of message as it was written, created at the transition's time", async () => {
      const rollout = aRollout({ updatedAt: at(3) });
      const drafts = allDraftKinds();
      await store.rollouts.create(rollout, { audit: [], outbox: drafts });
      const [first] = await store.outbox.claim("sender", at(5), leaseMs, 10);
      expect(first && { ...first, id: typeof first.id }).toEqual({
        id: "number",
        subject: { kind: "rollout", id: rollout.id },
        draft: drafts[0],
        createdAt: at(3),
        attempts: 0,
      });
      await store.outbox.markSent(first?.id ?? -1, at(5));
      expect(await sendAll()).toEqual(drafts.slice(1));
    });

    it("hands out a rollout's messages one at a time, in the order they were written", async () => {
      const rollout = aRollout();
      await store.rollouts.create(rollout, {
        audit: [],
        outbox: [draft("post"), draft("hello")],
      });
      const next = { ...rollout, phase: "smoke_testing" as const };
      await store.rollouts.update(next, 1, {
        audit: [],
        outbox: [draft("update"), draft("ping")],
      });

      const [post, ...more] = await store.outbox.claim("sender-1", at(10), leaseMs, 10);
      expect(post && saying(post.draft)).toBe("post");
      expect(more).toEqual([]);
      expect(await store.outbox.claim("sender-2", at(10), leaseMs, 10)).toEqual([]);
      await store.outbox.markSent(post?.id ?? -1, at(10));
      expect(said(await sendAll(at(10)))).toEqual(["hello", "update", "ping"]);
    });

    it("hands out the oldest message of each rollout together, the oldest first", async () => {
      const first = aRollout({ id: "rollout-1", endpoint: "e1" });
      const second = aRollout({ id: "rollout-2", endpoint: "e2" });
      await store.rollouts.create(second, { audit: [], outbox: [draft("2a"), draft("2b")] });
      await store.rollouts.create(first, { audit: [], outbox: [draft("1a"), draft("1b")] });
      const batch = await store.outbox.claim("sender", at(10), leaseMs, 10);
      expect(batch.map((message) => saying(message.draft))).toEqual(["2a", "1a"]);
    });

    it("hands out at most `limit` messages", async () => {
      for (let i = 0; i < 3; i++) {
        const rollout = aRollout({ id: `rollout-${i}`, endpoint: `e${i}` });
        await store.rollouts.create(rollout, { audit: [], outbox: [draft(`m${i}`)] });
      }
      const batch = await store.outbox.claim("sender", at(10), leaseMs, 2);
      expect(batch.map((message) => saying(message.draft))).toEqual(["m0", "m1"]);
    });

    it("holds a later message back while an earlier one failed, and retries the earlier one at retryAt", async () => {
      const rollout = aRollout();
      await store.rollouts.create(rollout, {
        audit: [],
        outbox: [draft("post"), draft("update")],
      });
      const [post] = await store.outbox.claim("sender", at(10), leaseMs, 10);
      await store.outbox.markFailed(post?.id ?? -1, "503 Service Unavailable", at(15));

      expect(await store.outbox.claim("sender", at(14), leaseMs, 10)).toEqual([]);
      const retried = await store.outbox.claim("sender", at(15), leaseMs, 10);
      expect(retried.map((message) => [saying(message.draft), message.attempts])).toEqual([["post", 1]]);
      await store.outbox.markSent(retried[0]?.id ?? -1, at(15));
      const [update] = await store.outbox.claim("sender", at(15), leaseMs, 10);
      expect(update && [saying(update.draft), update.attempts]).toEqual(["update", 0]);
    });

    it("never hands out a message given up, and goes on with the subject's later messages at once", async () => {
      const rollout = aRollout();
      await store.rollouts.create(rollout, { audit: [], outbox: [draft("post"), draft("update")] });
      const [post] = await store.outbox.claim("sender", at(10), leaseMs, 10);
      await store.outbox.giveUp(post?.id ?? -1, "DeliveryRefused: Teams refused the message (403)", at(11));

      const next = await store.outbox.claim("sender", at(11), leaseMs, 10);
      expect(next.map((message) => saying(message.draft))).toEqual(["update"]);
      await store.outbox.markSent(next[0]?.id ?? -1, at(11));
      await store.outbox.markFailed(post?.id ?? -1, "late", at(12));
      expect(await store.outbox.claim("sender", at(100), leaseMs, 10)).toEqual([]);
    });

    it("never hands out a sent message again, even after a late failure report", async () => {
      const rollout = aRollout();
      await store.rollouts.create(rollout, { audit: [], outbox: [draft("post")] });
      const [post] = await store.outbox.claim("sender", at(10), leaseMs, 10);
      await store.outbox.markSent(post?.id ?? -1, at(10));
      await store.outbox.markFailed(post?.id ?? -1, "timeout", at(11));
      expect(await store.outbox.claim("sender", at(100), leaseMs, 10)).toEqual([]);
    });

    it("hands a message out again when its lease ends unsent (its sender stopped), counting the attempt", async () => {
      const rollout = aRollout();
      await store.rollouts.create(rollout, { audit: [], outbox: [draft("post")] });
      const [claimed] = await store.outbox.claim("sender-1", at(10), leaseMs, 10);
      expect(await store.outbox.claim("sender-2", at(10.5), leaseMs, 10)).toEqual([]);
      const [again] = await store.outbox.claim("sender-2", at(11.5), leaseMs, 10);
      expect(again).toEqual({ ...claimed, attempts: 1 });
    });

    it("hands a message given back unsent to the next claim at once, the claim not counted as an attempt", async () => {
      const rollout = aRollout();
      await store.rollouts.create(rollout, { audit: [], outbox: [draft("post")] });
      const [claimed] = await store.outbox.claim("sender-1", at(10), leaseMs, 10);
      await store.outbox.release([claimed?.id ?? -1], "sender-1");
      const [again] = await store.outbox.claim("sender-2", at(10), leaseMs, 10);
      expect(again).toEqual(claimed);
      expect(again?.attempts).toBe(0);
    });

    it("ignores a give-back by a sender that does not hold the message, and one of a message already sent", async () => {
      const rollout = aRollout();
      await store.rollouts.create(rollout, {
        audit: [],
        outbox: [draft("post"), draft("update")],
      });
      const [post] = await store.outbox.claim("sender-1", at(10), leaseMs, 10);
      await store.outbox.release([post?.id ?? -1], "sender-2");
      expect(await store.outbox.claim("sender-2", at(10), leaseMs, 10)).toEqual([]);

      await store.outbox.markSent(post?.id ?? -1, at(10));
      await store.outbox.release([post?.id ?? -1], "sender-1");
      const [update] = await store.outbox.claim("sender-2", at(10), leaseMs, 10);
      expect(update && saying(update.draft)).toBe("update");
      expect(await store.outbox.claim("sender-3", at(10), leaseMs, 10)).toEqual([]);
    });

    it("never gives one message to two senders claiming at once", async () => {
      for (let i = 0; i < 12; i++) {
        const rollout = aRollout({ id: `rollout-${i}`, endpoint: `e${i}` });
        await store.rollouts.create(rollout, { audit: [], outbox: [draft(`m${i}`)] });
      }
      const claims = await Promise.all(
        Array.from({ length: 8 }, (_, i) => store.outbox.claim(`sender-${i}`, at(10), leaseMs, 3)),
      );
      const claimed = claims.flat().map((message) => message.id);
      expect(new Set(claimed).size).toBe(claimed.length);
      expect(claimed).toHaveLength(12);
    });

    it.skipIf(skips.sharedByInstances !== undefined)(
      `never gives one message to two bot instances claiming at once${skipped(skips.sharedByInstances)}`,
      async () => {
        const other = await open();
        const rollouts = Array.from({ length: 16 }, (_, i) => aRollout({ id: `rollout-${i}`, endpoint: `e${i}` }));
        for (const rollout of rollouts) {
          await store.rollouts.create(rollout, {
            audit: [],
            outbox: [draft("a"), draft("b")],
          });
        }
        const sent: OutboxMessage[] = [];
        for (let round = 0; sent.length < 32 && round < 40; round++) {
          const claims = await Promise.all(
            Array.from({ length: 8 }, (_, i) =>
              (i % 2 === 0 ? store : other).outbox.claim(`sender-${round}-${i}`, at(10), leaseMs, 3),
            ),
          );
          for (const message of claims.flat()) {
            sent.push(message);
            await store.outbox.markSent(message.id, at(10));
          }
        }
        const sentIds = sent.map((message) => message.id);
        expect(new Set(sentIds).size).toBe(sentIds.length);
        expect(sentIds).toHaveLength(32);
        for (const rollout of rollouts) {
          const ofRollout = sent.filter((message) => message.subject.id === rollout.id);
          expect(ofRollout.map((message) => saying(message.draft))).toEqual(["a", "b"]);
        }
      },
    );

    it("names each message's subject: the rollout or deletion request whose change wrote it", async () => {
      const rollout = aRollout();
      const deletion = aDeletion({ endpoint: "fraud-scoring", updatedAt: at(1) });
      await store.rollouts.create(rollout, { audit: [], outbox: [draft("rollout")] });
      await store.deletions.create(deletion, { audit: [], outbox: [draft("deletion")] });
      const claimed = await store.outbox.claim("sender", at(5), leaseMs, 10);
      expect(claimed.map((m) => [m.subject, saying(m.draft)])).toEqual([
        [{ kind: "rollout", id: rollout.id }, "rollout"],
        [{ kind: "deletion", id: deletion.id }, "deletion"],
      ]);
    });

    it("keeps each subject's messages in order, a rollout's and a deletion request's apart", async () => {
      const rollout = aRollout();
      const deletion = aDeletion({ endpoint: "fraud-scoring", updatedAt: at(1) });
      await store.rollouts.create(rollout, { audit: [], outbox: [draft("r1")] });
      await store.deletions.create(deletion, { audit: [], outbox: [draft("d1")] });
      await store.rollouts.update({ ...rollout, phase: "smoke_testing" }, 1, {
        audit: [],
        outbox: [draft("r2")],
      });
      await store.deletions.update({ ...deletion, phase: "deleting", version: 2 }, 1, {
        audit: [],
        outbox: [draft("d2")],
      });
      const [r1, d1, ...none] = await store.outbox.claim("sender", at(5), leaseMs, 10);
      expect([r1, d1].map((m) => m && saying(m.draft))).toEqual(["r1", "d1"]);
      expect(none).toEqual([]);
      // The deletion's first message failed: its second waits, the rollout's goes on.
      await store.outbox.markFailed(d1?.id ?? -1, "503", at(30));
      await store.outbox.markSent(r1?.id ?? -1, at(5));
      expect(said(await sendAll(at(6)))).toEqual(["r2"]);
      expect(said(await sendAll(at(30)))).toEqual(["d1", "d2"]);
    });
  });
}

function skipped(reason: string | undefined): string {
  return reason === undefined ? "" : ` (skipped: ${reason})`;
}

/** Minutes after 10:00 on 15 January 2026 (fractions allowed). */
function at(minute: number): Date {
  return new Date(Date.UTC(2026, 0, 15, 10, 0) + minute * minuteMs);
}

const megan: Person = { id: "29:1megan", name: "Megan Bowen", aadObjectId: "7a1b2c3d-0000-4000-8000-000000000001" };
const adele: Person = { id: "29:1adele", name: "Adele Vance" };

/** A rollout with only the fields every rollout has. */
function aRollout(overrides: Partial<Rollout> = {}): Rollout {
  return aRolloutOf({
    id: "rollout-1",
    phase: "deploying",
    requestedBy: megan,
    requestedAt: at(0),
    timeline: [{ at: at(0), what: "requested diabetes:2" }],
    updatedAt: at(0),
    ...overrides,
  });
}

function allDraftKinds(): MessageDraft[] {
  return [
    { kind: "post_card", notice: { kind: "card", card: "rollout", data: { endpoint: "diabetes-prod", step: 1 } } },
    { kind: "update_card", notice: { kind: "card", card: "rollout", data: { facts: [{ t: "phase" }] } } },
    { kind: "reply_in_thread", text: asMarkdown("Approval needed"), mentions: [adele, megan] },
    {
      kind: "personal_message",
      conversationId: "a:1megan-personal",
      notice: { kind: "text", text: asMarkdown("done") },
    },
    {
      kind: "post_notice",
      channel: { serviceUrl: "https://smba.example/emea/", channelId: "19:ml-platform@thread.tacv2" },
      notice: { kind: "text", text: asMarkdown("started") },
    },
  ];
}
