// The Store port's contract, run against every implementation: PGlite (in memory and on disk) and PostgreSQL.
// Each case gets a fresh, empty database of its own, so cases never see each other's rows.
import { storesPerCase } from "./stores-per-case.js";
import { describe, expect, it } from "vitest";
import type { AuditEntry, ConversationRecord, Sample } from "../../src/ports/store.js";
import type { GreenLightStore } from "../../src/store/open-store.js";

/** One empty database a case may open (several times, or from several instances at once) and then throw away. */
export interface StoreDatabase {
  /** Opens a store on this database, running migrations as the bot does at start. */
  open(): Promise<GreenLightStore>;
  /** Removes the database (temp folder, schema); called after every store opened on it is closed. */
  dispose(): Promise<void>;
}

/** Why an implementation cannot honour a group of cases; those cases show as skipped with the reason. */
export interface StoreContractSkips {
  /** Data outlives close(), so a reopened store sees it. */
  reopen?: string;
  /** Several stores (bot instances) may have the database open at the same time. */
  sharedByInstances?: string;
}

export function describeStoreContract(
  name: string,
  newDatabase: () => Promise<StoreDatabase>,
  skips: StoreContractSkips = {},
): void {
  describe(name, () => {
    let store: GreenLightStore;
    const { open, close } = storesPerCase(newDatabase, (opened) => (store = opened));

    describe("samples", () => {
      it("has no sample that was never stored", async () => {
        expect(await store.records.getSample("diabetes-prod", "typical")).toBeUndefined();
        expect(await store.records.listSamples("diabetes-prod")).toEqual([]);
      });

      it("returns a stored sample with every field it was given", async () => {
        const sample = aSample({ description: "a typical patient" });
        expect(await store.records.putSample(sample)).toBe(false);
        expect(await store.records.getSample(sample.endpoint, sample.name)).toEqual(sample);
      });

      it("leaves the description absent when none was given", async () => {
        await store.records.putSample(aSample());
        const stored = await store.records.getSample("diabetes-prod", "typical");
        expect(stored).toBeDefined();
        expect(stored).not.toHaveProperty("description");
      });

      it("keeps the payload text exactly, spacing, key order and non-ASCII included", async () => {
        const payload = '{\n  "z": 1,  "a": [1.50, 2e3],\n  "note": "café ☕ \\u00e9"\n}';
        await store.records.putSample(aSample({ payload }));
        expect((await store.records.getSample("diabetes-prod", "typical"))?.payload).toBe(payload);
      });

      it("finds a sample whatever the case of its endpoint and name", async () => {
        await store.records.putSample(aSample({ endpoint: "Diabetes-Prod", name: "Typical" }));
        const found = await store.records.getSample("DIABETES-prod", "tyPICAL");
        expect(found).toMatchObject({ endpoint: "Diabetes-Prod", name: "Typical" });
      });

      it("replaces a sample whose name differs only in case, and says it replaced it", async () => {
        expect(await store.records.putSample(aSample({ name: "typical", payload: '{"v":1}' }))).toBe(false);
        const replacement = aSample({
          endpoint: "DIABETES-PROD",
          name: "Typical",
          payload: '{"v":2}',
          createdBy: "Adele Vance",
          createdAt: new Date("2026-02-01T08:00:00.000Z"),
        });
        expect(await store.records.putSample(replacement)).toBe(true);
        expect(await store.records.listSamples("diabetes-prod")).toEqual([replacement]);
      });

      it("drops the old description when the replacement has none", async () => {
        await store.records.putSample(aSample({ description: "old" }));
        await store.records.putSample(aSample());
        expect(await store.records.getSample("diabetes-prod", "typical")).not.toHaveProperty("description");
      });

      it("lists the samples of one endpoint only, sorted by name regardless of case", async () => {
        await store.records.putSample(aSample({ name: "zeta" }));
        await store.records.putSample(aSample({ name: "Alpha" }));
        await store.records.putSample(aSample({ name: "beta" }));
        await store.records.putSample(aSample({ endpoint: "churn-prod", name: "aaa" }));
        const names = (await store.records.listSamples("Diabetes-Prod")).map((sample) => sample.name);
        expect(names).toEqual(["Alpha", "beta", "zeta"]);
      });

      it("keeps samples with the same name on different endpoints apart", async () => {
        await store.records.putSample(aSample({ endpoint: "diabetes-prod", payload: '{"e":"diabetes"}' }));
        expect(await store.records.putSample(aSample({ endpoint: "churn-prod", payload: '{"e":"churn"}' }))).toBe(
          false,
        );
        expect((await store.records.getSample("diabetes-prod", "typical"))?.payload).toBe('{"e":"diabetes"}');
        expect((await store.records.getSample("churn-prod", "typical"))?.payload).toBe('{"e":"churn"}');
      });
    });

    describe("audit", () => {
      it("returns an entry with every field it was given", async () => {
        const entry = anAuditEntry({
          actor: { id: "29:1abc", name: "Megan Bowen", aadObjectId: "7a1b2c3d-0000-4000-8000-000000000001" },
          target: "diabetes-prod",
          detail: "deployment=green sample=typical status=200",
        });
        await store.records.appendAudit(entry);
        expect(await store.records.latestAudit({ limit: 10 })).toEqual([entry]);
      });

      it("leaves optional fields absent when they were not given", async () => {
        await store.records.appendAudit(anAuditEntry());
        const [entry] = await store.records.latestAudit({ limit: 1 });
        expect(entry).toBeDefined();
        expect(entry).not.toHaveProperty("target");
        expect(entry).not.toHaveProperty("detail");
        expect(entry?.actor).not.toHaveProperty("aadObjectId");
      });

      it("returns the newest entries first, whatever order they were appended in", async () => {
        for (const minute of [2, 0, 3, 1]) {
          await store.records.appendAudit(anAuditEntry({ at: atMinute(minute), correlationId: `c${minute}` }));
        }
        const entries = await store.records.latestAudit({ limit: 10 });
        expect(entries.map((entry) => entry.correlationId)).toEqual(["c3", "c2", "c1", "c0"]);
      });

      it("puts the later-appended entry first when two have the same time", async () => {
        await store.records.appendAudit(anAuditEntry({ correlationId: "first" }));
        await store.records.appendAudit(anAuditEntry({ correlationId: "second" }));
        const entries = await store.records.latestAudit({ limit: 10 });
        expect(entries.map((entry) => entry.correlationId)).toEqual(["second", "first"]);
      });

      it("returns at most `limit` entries, the newest ones", async () => {
        for (let minute = 0; minute < 5; minute++) {
          await store.records.appendAudit(anAuditEntry({ at: atMinute(minute), correlationId: `c${minute}` }));
        }
        const entries = await store.records.latestAudit({ limit: 2 });
        expect(entries.map((entry) => entry.correlationId)).toEqual(["c4", "c3"]);
        expect(await store.records.latestAudit({ limit: 0 })).toEqual([]);
      });

      it("keeps each field short, whatever a caller sends, so one entry cannot fill the audit card", async () => {
        const huge = "x".repeat(25_000);
        await store.records.appendAudit(
          anAuditEntry({
            actor: { id: huge, name: huge, aadObjectId: huge },
            action: huge,
            target: huge,
            outcome: huge,
            detail: huge,
            correlationId: huge,
          }),
        );
        const [entry] = await store.records.latestAudit({ limit: 1 });
        const stored = JSON.stringify(entry);
        expect(stored.length).toBeLessThan(2500);
        expect(entry?.target).toMatch(/^x+…$/);
        expect(entry?.detail).toMatch(/^x+…$/);
        expect(entry?.actor.name).toMatch(/^x+…$/);
      });

      it("filters by target whatever its case, newest first", async () => {
        await store.records.appendAudit(
          anAuditEntry({ at: atMinute(0), target: "diabetes-prod", correlationId: "d0" }),
        );
        await store.records.appendAudit(anAuditEntry({ at: atMinute(1), target: "churn-prod", correlationId: "c1" }));
        await store.records.appendAudit(
          anAuditEntry({ at: atMinute(2), target: "Diabetes-Prod", correlationId: "d2" }),
        );
        await store.records.appendAudit(anAuditEntry({ at: atMinute(3), correlationId: "none3" }));
        const entries = await store.records.latestAudit({ target: "DIABETES-PROD", limit: 10 });
        expect(entries.map((entry) => entry.correlationId)).toEqual(["d2", "d0"]);
        expect(await store.records.latestAudit({ target: "unknown-endpoint", limit: 10 })).toEqual([]);
      });
    });

    describe("conversations", () => {
      it("has no reference for a conversation never saved", async () => {
        expect(await store.records.getConversation("19:unknown@thread.tacv2")).toBeUndefined();
      });

      it("returns a saved conversation reference as the same JSON", async () => {
        const record = aConversation();
        await store.records.saveConversation(record);
        expect(await store.records.getConversation(record.conversationId)).toEqual(record);
      });

      it("replaces the reference, kind and time when the same conversation is saved again", async () => {
        await store.records.saveConversation(aConversation());
        const updated = aConversation({
          kind: "groupChat",
          reference: [{ serviceUrl: "https://smba.trafficmanager.net/emea/" }, "second element"],
          updatedAt: new Date("2026-03-01T00:00:00.000Z"),
        });
        await store.records.saveConversation(updated);
        expect(await store.records.getConversation(updated.conversationId)).toEqual(updated);
      });
    });

    describe("processed activities", () => {
      it("accepts an activity id the first time and refuses it after", async () => {
        const at = new Date("2026-01-15T10:00:00.000Z");
        expect(await store.records.markActivityProcessed("activity-1", at)).toBe(true);
        expect(await store.records.markActivityProcessed("activity-1", at)).toBe(false);
        expect(await store.records.markActivityProcessed("activity-2", at)).toBe(true);
      });

      it("lets exactly one of many simultaneous calls with the same activity id through", async () => {
        const at = new Date("2026-01-15T10:00:00.000Z");
        const results = await Promise.all(
          Array.from({ length: 20 }, () => store.records.markActivityProcessed("redelivered", at)),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
      });
    });

    describe("readiness", () => {
      it("answers a ping, writing nothing", async () => {
        await store.records.ping(2000);
        expect(await store.records.latestAudit({ limit: 10 })).toEqual([]);
      });

      it("fails a ping once closed, within its time limit", async () => {
        await close(store);
        const started = performance.now();
        await expect(store.records.ping(2000)).rejects.toThrow();
        expect(performance.now() - started).toBeLessThan(2500);
      });
    });

    describe("lifetime", () => {
      it.skipIf(skips.reopen !== undefined)(
        `keeps samples, audit, conversations and activity ids across close and reopen${skipped(skips.reopen)}`,
        async () => {
          const sample = aSample({ description: "kept" });
          const entry = anAuditEntry({ target: "diabetes-prod" });
          const conversation = aConversation();
          await store.records.putSample(sample);
          await store.records.appendAudit(entry);
          await store.records.saveConversation(conversation);
          await store.records.markActivityProcessed("activity-1", new Date("2026-01-15T10:00:00.000Z"));
          await close(store);

          const reopened = await open();
          expect(await reopened.records.listSamples(sample.endpoint)).toEqual([sample]);
          expect(await reopened.records.latestAudit({ limit: 10 })).toEqual([entry]);
          expect(await reopened.records.getConversation(conversation.conversationId)).toEqual(conversation);
          expect(await reopened.records.markActivityProcessed("activity-1", new Date("2026-01-15T10:05:00.000Z"))).toBe(
            false,
          );
        },
      );

      it.skipIf(skips.reopen !== undefined)(
        `opens an already migrated database again and again without error or loss${skipped(skips.reopen)}`,
        async () => {
          await store.records.putSample(aSample());
          await close(store);
          for (let attempt = 0; attempt < 2; attempt++) {
            const reopened = await open();
            expect(await reopened.records.putSample(aSample())).toBe(true);
            await close(reopened);
          }
        },
      );

      it.skipIf(skips.sharedByInstances !== undefined)(
        `lets two bot instances start at once on one database${skipped(skips.sharedByInstances)}`,
        async () => {
          await close(store);
          const [first, second] = await Promise.all([open(), open()]);
          await first.records.putSample(aSample({ payload: '{"from":"first"}' }));
          expect((await second.records.getSample("diabetes-prod", "typical"))?.payload).toBe('{"from":"first"}');
        },
      );

      it.skipIf(skips.sharedByInstances !== undefined)(
        `lets exactly one of two bot instances process a redelivered activity${skipped(skips.sharedByInstances)}`,
        async () => {
          const other = await open();
          const at = new Date("2026-01-15T10:00:00.000Z");
          const results = await Promise.all(
            Array.from({ length: 10 }, (_, i) =>
              (i % 2 === 0 ? store : other).records.markActivityProcessed("shared", at),
            ),
          );
          expect(results.filter(Boolean)).toHaveLength(1);
        },
      );
    });
  });
}

function skipped(reason: string | undefined): string {
  return reason === undefined ? "" : ` (skipped: ${reason})`;
}

function atMinute(minute: number): Date {
  return new Date(Date.UTC(2026, 0, 15, 10, minute));
}

function aSample(overrides: Partial<Sample> = {}): Sample {
  return {
    endpoint: "diabetes-prod",
    name: "typical",
    payload: '{"input_data":{"columns":["age","bmi"],"index":[0],"data":[[0.04,0.06]]}}',
    createdBy: "Megan Bowen",
    createdAt: new Date("2026-01-15T09:30:00.123Z"),
    ...overrides,
  };
}

function anAuditEntry(overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    at: new Date("2026-01-15T10:00:00.456Z"),
    actor: { id: "29:1abc", name: "Megan Bowen" },
    action: "invoke",
    outcome: "ok",
    correlationId: "7f3a0c1e",
    ...overrides,
  };
}

function aConversation(overrides: Partial<ConversationRecord> = {}): ConversationRecord {
  return {
    conversationId: "19:release@thread.tacv2;messageid=1700000000000",
    kind: "channel",
    reference: {
      activityId: "1700000000000",
      bot: { id: "28:greenlight", name: "GreenLight" },
      channelId: "msteams",
      conversation: { id: "19:release@thread.tacv2", conversationType: "channel", isGroup: true },
      serviceUrl: "https://smba.trafficmanager.net/amer/",
      locale: "en-US",
    },
    updatedAt: new Date("2026-01-15T10:00:00.789Z"),
    ...overrides,
  };
}
