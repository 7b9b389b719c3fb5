// The SubscriptionStore port's contract, run against PGlite and PostgreSQL, each case on a fresh database.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Subscription } from "../../src/ports/subscriptions.js";
import type { GreenLightStore } from "../../src/store/open-store.js";
import type { StoreDatabase } from "./store.contract.js";

const at = new Date("2026-11-29T10:00:00Z");
const ADELE = { id: "user-adelev", name: "Adele Vance" };
const channel = (id: string) => ({
  channelId: id,
  serviceUrl: "https://smba.trafficmanager.net/amer/",
  tenantId: "t1",
});
const aSubscription = (channelId: string, endpoint?: string, minute = 0): Subscription => ({
  channel: channel(channelId),
  ...(endpoint ? { endpoint } : {}),
  by: ADELE,
  at: new Date(at.getTime() + minute * 60_000),
});

export function describeSubscriptionStoreContract(name: string, newDatabase: () => Promise<StoreDatabase>): void {
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

    it("keeps a subscription with every field, and says when the channel already had it", async () => {
      expect(await store.subscriptions.subscribe(aSubscription("19:ml", "diabetes-prod"))).toBe(true);
      expect(await store.subscriptions.subscribe(aSubscription("19:ml", "Diabetes-Prod", 1))).toBe(false);
      expect(await store.subscriptions.subscriptionsOf("19:ml")).toEqual([aSubscription("19:ml", "diabetes-prod")]);
    });

    it("lists a channel's subscriptions, all endpoints first", async () => {
      await store.subscriptions.subscribe(aSubscription("19:ml", "fraud-scoring"));
      await store.subscriptions.subscribe(aSubscription("19:ml", undefined, 1));
      await store.subscriptions.subscribe(aSubscription("19:ml", "diabetes-prod", 2));
      await store.subscriptions.subscribe(aSubscription("19:other", "diabetes-prod"));
      expect((await store.subscriptions.subscriptionsOf("19:ml")).map((s) => s.endpoint ?? "*")).toEqual([
        "*",
        "diabetes-prod",
        "fraud-scoring",
      ]);
    });

    it("finds the channels covering an endpoint: those subscribed to it, then those subscribed to all", async () => {
      await store.subscriptions.subscribe(aSubscription("19:all", undefined, 0));
      await store.subscriptions.subscribe(aSubscription("19:diabetes-2", "diabetes-prod", 2));
      await store.subscriptions.subscribe(aSubscription("19:diabetes-1", "DIABETES-PROD", 1));
      await store.subscriptions.subscribe(aSubscription("19:fraud", "fraud-scoring", 0));
      expect((await store.subscriptions.subscribersFor("diabetes-prod")).map((s) => s.channel.channelId)).toEqual([
        "19:diabetes-1",
        "19:diabetes-2",
        "19:all",
      ]);
      expect((await store.subscriptions.subscribersFor("churn")).map((s) => s.channel.channelId)).toEqual(["19:all"]);
    });

    it("removes one subscription, and says when there was none", async () => {
      await store.subscriptions.subscribe(aSubscription("19:ml", "diabetes-prod"));
      await store.subscriptions.subscribe(aSubscription("19:ml"));
      expect(await store.subscriptions.unsubscribe("19:ml", "DIABETES-PROD")).toBe(true);
      expect(await store.subscriptions.unsubscribe("19:ml", "diabetes-prod")).toBe(false);
      expect((await store.subscriptions.subscriptionsOf("19:ml")).map((s) => s.endpoint ?? "*")).toEqual(["*"]);
      expect(await store.subscriptions.unsubscribe("19:ml", undefined)).toBe(true);
      expect(await store.subscriptions.subscriptionsOf("19:ml")).toEqual([]);
    });
  });
}
