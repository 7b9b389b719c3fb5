// The DeletionStore port's contract, run against PGlite and PostgreSQL, each case on a fresh database.
import { asMarkdown } from "../support/card-markdown.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { GreenLightStore } from "../../src/store/open-store.js";
import { aDeletion, DELETION_T0 } from "../support/a-deletion.js";
import { aRollout } from "../support/a-rollout.js";
import type { StoreDatabase } from "./store.contract.js";

const at = (minute: number): Date => new Date(DELETION_T0.getTime() + minute * 60_000);
const none = { audit: [], outbox: [] };

export function describeDeletionStoreContract(name: string, newDatabase: () => Promise<StoreDatabase>): void {
  describe(name, () => {
    let database: StoreDatabase;
    let store: GreenLightStore;

    beforeEach(async () => {
      database = await newDatabase();
      store = await database.open();
    });
    afterEach(async () => {
      await store.close();
      await database.dispose();
    });

    it("keeps a request with every field, Dates as Dates", async () => {
      const deletion = aDeletion({ approvedBy: { by: { id: "user-meganb", name: "Megan Bowen" }, at: at(3) } });
      expect(await store.deletions.create(deletion, none)).toEqual({ created: true });
      expect(await store.deletions.get(deletion.id)).toEqual(deletion);
      expect(await store.deletions.current("FRAUD-SCORING")).toEqual(deletion);
    });

    it("refuses a second pending request for the endpoint, and allows one once the first ended", async () => {
      const first = aDeletion();
      await store.deletions.create(first, none);
      const second = aDeletion({ id: "0f0e0d0c-0000-4000-8000-0000000000d2" });
      expect(await store.deletions.create(second, none)).toEqual({ created: false, current: first });
      expect(await store.deletions.update({ ...first, phase: "rejected", version: 2 }, 1, none)).toBe(true);
      expect(await store.deletions.current("fraud-scoring")).toBeUndefined();
      expect(await store.deletions.create(second, none)).toEqual({ created: true });
    });

    it("changes a request only from the version it was read at", async () => {
      const deletion = aDeletion();
      await store.deletions.create(deletion, none);
      const audit = [
        { at: at(1), actor: { id: "u", name: "Megan" }, action: "deletion.approve", outcome: "ok", correlationId: "c" },
      ];
      const results = await Promise.all(
        Array.from({ length: 10 }, () =>
          store.deletions.update({ ...deletion, phase: "deleting", version: 2 }, 1, { audit, outbox: [] }),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(
        (await store.records.latestAudit({ limit: 20 })).filter((a) => a.action === "deletion.approve"),
      ).toHaveLength(1);
      expect((await store.deletions.get(deletion.id))?.version).toBe(2);
    });

    it("leases due requests to one owner at a time, and keeps a schedule only for the version seen", async () => {
      const deletion = aDeletion({ nextRunAt: at(0) });
      await store.deletions.create(deletion, none);
      expect((await store.deletions.claimDue("w1", at(1), 60_000, 10)).map((d) => d.id)).toEqual([deletion.id]);
      expect(await store.deletions.claimDue("w2", at(1), 60_000, 10)).toEqual([]);
      await store.deletions.releaseLease(deletion.id, "w1", { nextRunAt: at(30), version: 1 });
      expect(await store.deletions.claimDue("w2", at(29), 60_000, 10)).toEqual([]);
      expect((await store.deletions.claimDue("w2", at(30), 60_000, 10)).map((d) => d.id)).toEqual([deletion.id]);
    });

    it("keeps a request leased while its owner renews the lease, and only its owner", async () => {
      const deletion = aDeletion({ nextRunAt: at(0) });
      await store.deletions.create(deletion, none);
      const tenMinutes = 10 * 60_000;
      expect((await store.deletions.claimDue("w1", at(1), tenMinutes, 10)).map((d) => d.id)).toEqual([deletion.id]);
      // Renewed at minute 8 for ten more: still w1's at minute 15, when the first lease would have run out.
      expect(await store.deletions.renewLease(deletion.id, "w1", at(8), tenMinutes)).toEqual({ version: 1 });
      expect(await store.deletions.claimDue("w2", at(15), tenMinutes, 10)).toEqual([]);
      expect(await store.deletions.renewLease(deletion.id, "w2", at(15), tenMinutes)).toBeUndefined();
      // Not renewed again: taken over once it ran out, and the old owner's renewal then fails.
      expect((await store.deletions.claimDue("w2", at(19), tenMinutes, 10)).map((d) => d.id)).toEqual([deletion.id]);
      expect(await store.deletions.renewLease(deletion.id, "w1", at(20), tenMinutes)).toBeUndefined();
    });

    it("sends a request's messages in order, through the outbox it shares with rollouts", async () => {
      const deletion = aDeletion();
      const notice = (text: string) => ({ kind: "text" as const, text: asMarkdown(text) });
      await store.deletions.create(deletion, {
        audit: [],
        outbox: [{ kind: "post_card", notice: notice("card") }],
      });
      await store.deletions.update({ ...deletion, phase: "deleting", version: 2 }, 1, {
        audit: [],
        outbox: [{ kind: "update_card", notice: notice("deleting") }],
      });
      const rollout = aRollout({ endpoint: "diabetes-prod" });
      await store.rollouts.create(rollout, {
        audit: [],
        outbox: [{ kind: "post_card", notice: notice("rollout") }],
      });
      const first = await store.outbox.claim("s", at(2), 60_000, 10);
      expect(first.map((m) => m.subject.id).sort()).toEqual([deletion.id, rollout.id].sort());
      for (const m of first) await store.outbox.markSent(m.id, at(2));
      const second = await store.outbox.claim("s", at(2), 60_000, 10);
      expect(second.map((m) => [m.subject, m.draft])).toEqual([
        [
          { kind: "deletion", id: deletion.id },
          { kind: "update_card", notice: notice("deleting") },
        ],
      ]);
      await store.deletions.setCard(deletion.id, { conversation: { id: "c" }, activityId: "a1" });
      expect(await store.deletions.getCard(deletion.id)).toEqual({ conversation: { id: "c" }, activityId: "a1" });
      expect((await store.deletions.get(deletion.id))?.version).toBe(2);
    });
  });
}
