// The store contracts (Store, RolloutStore, SubscriptionStore, DeletionStore, Outbox) against PostgreSQL. Skipped
// unless TEST_DATABASE_URL names a database the test may create and drop schemas in (`.ci/run` starts a throwaway
// server and sets it). Each case gets its own schema, reached through the connection's search_path, so cases and
// parallel test files never see each other's rows.
import { withAdmin } from "../support/postgres-admin.js";
import { describe } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import { uniqueName } from "../support/unique-name.js";
import { describeOutboxContract } from "./outbox.contract.js";
import { describeRolloutStoreContract } from "./rollout-store.contract.js";
import { describeStoreContract, type StoreDatabase } from "./store.contract.js";
import { describeDeletionStoreContract } from "./deletion-store.contract.js";
import { describeSubscriptionStoreContract } from "./subscription-store.contract.js";

const databaseUrl = process.env["TEST_DATABASE_URL"];

describe.runIf(databaseUrl)("PostgreSQL (TEST_DATABASE_URL set)", () => {
  describeStoreContract("Store: PostgreSQL", () => inNewSchema(databaseUrl ?? ""));
  describeRolloutStoreContract("RolloutStore: PostgreSQL", () => inNewSchema(databaseUrl ?? ""));
  describeSubscriptionStoreContract("SubscriptionStore: PostgreSQL", () => inNewSchema(databaseUrl ?? ""));
  describeDeletionStoreContract("DeletionStore: PostgreSQL", () => inNewSchema(databaseUrl ?? ""));
  describeOutboxContract("Outbox: PostgreSQL", () => inNewSchema(databaseUrl ?? ""));
});

async function inNewSchema(url: string): Promise<StoreDatabase> {
  const schema = uniqueName("store_ct").replace("-", "_");
  await withAdmin(url, (admin) => admin.query(`CREATE SCHEMA ${schema}`));
  const schemaUrl = new URL(url);
  schemaUrl.searchParams.set("options", `-c search_path=${schema}`);
  return {
    open: () => openStore({ databaseUrl: schemaUrl.toString(), dataDir: "unused-with-postgres" }),
    dispose: () => withAdmin(url, (admin) => admin.query(`DROP SCHEMA ${schema} CASCADE`)),
  };
}
