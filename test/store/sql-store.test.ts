// SqlStore behaviour beyond the Store port's contract.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PgliteClient } from "../../src/store/pglite-client.js";
import { openSqlStore, type GreenLightStore } from "../../src/store/open-store.js";

const dayMs = 24 * 60 * 60 * 1000;
const start = new Date("2026-01-15T10:00:00.000Z");
const later = (ms: number) => new Date(start.getTime() + ms);

describe("SqlStore processed activity ids", () => {
  let store: GreenLightStore;

  beforeEach(async () => {
    store = await openSqlStore(await PgliteClient.open(), { activityRetentionMs: dayMs });
  });

  afterEach(async () => {
    await store.close();
  });

  it("forgets an activity id once it is older than the retention, so the table does not grow forever", async () => {
    expect(await store.records.markActivityProcessed("old", start)).toBe(true);
    expect(await store.records.markActivityProcessed("new", later(2 * dayMs))).toBe(true);
    expect(await store.records.markActivityProcessed("old", later(2 * dayMs))).toBe(true);
  });

  it("still refuses a redelivered activity within the retention", async () => {
    expect(await store.records.markActivityProcessed("recent", start)).toBe(true);
    expect(await store.records.markActivityProcessed("other", later(dayMs - 60_000))).toBe(true);
    expect(await store.records.markActivityProcessed("recent", later(dayMs - 60_000))).toBe(false);
  });
});
