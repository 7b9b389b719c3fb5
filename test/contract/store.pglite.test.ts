// The store contracts (Store, RolloutStore, SubscriptionStore, DeletionStore, Outbox) against PGlite: on disk (the
// bot's default, through openStore) and in memory (what other tests use). Every case starts from a copy of one freshly
// initialised, unmigrated cluster, because initialising PGlite takes seconds and copying it well under one; each case
// still runs the migrations itself.
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { beforeAll } from "vitest";
import { openSqlStore, openStore } from "../../src/store/open-store.js";
import { PgliteClient } from "../../src/store/pglite-client.js";
import { describeOutboxContract } from "./outbox.contract.js";
import { describeRolloutStoreContract } from "./rollout-store.contract.js";
import { describeStoreContract, type StoreDatabase } from "./store.contract.js";
import { describeDeletionStoreContract } from "./deletion-store.contract.js";
import { describeSubscriptionStoreContract } from "./subscription-store.contract.js";

let emptyCluster: Blob;
let emptyClusterDir: string;

beforeAll(async () => {
  emptyClusterDir = await mkdtemp(join(tmpdir(), "greenlight-store-template-"));
  const db = await PGlite.create(join(emptyClusterDir, "pglite"));
  emptyCluster = await db.dumpDataDir("none");
  await db.close();
  return () => rm(emptyClusterDir, { recursive: true, force: true });
});

async function onDisk(): Promise<StoreDatabase> {
  const dataDir = await mkdtemp(join(tmpdir(), "greenlight-store-"));
  await cp(join(emptyClusterDir, "pglite"), join(dataDir, "pglite"), { recursive: true });
  return {
    open: () => openStore({ dataDir }),
    dispose: () => rm(dataDir, { recursive: true, force: true }),
  };
}

function inMemory(): Promise<StoreDatabase> {
  let opened = false;
  return Promise.resolve({
    open: async () => {
      if (opened) throw new Error("an in-memory PGlite database cannot be opened twice");
      opened = true;
      return openSqlStore(new PgliteClient(await PGlite.create({ loadDataDir: emptyCluster })));
    },
    dispose: async () => {},
  });
}

const oneProcess = "a PGlite database belongs to one process; several bot instances need PostgreSQL";

describeStoreContract("Store: PGlite on disk", onDisk, { sharedByInstances: oneProcess });
describeStoreContract("Store: PGlite in memory", inMemory, {
  reopen: "an in-memory database ends with close()",
  sharedByInstances: oneProcess,
});
// In memory only: its SQL is the same on disk, and the Store cases above already open and migrate a data folder.
describeRolloutStoreContract("RolloutStore: PGlite in memory", inMemory, { sharedByInstances: oneProcess });
describeSubscriptionStoreContract("SubscriptionStore: PGlite in memory", inMemory);
describeDeletionStoreContract("DeletionStore: PGlite in memory", inMemory);
describeOutboxContract("Outbox: PGlite in memory", inMemory, { sharedByInstances: oneProcess });
