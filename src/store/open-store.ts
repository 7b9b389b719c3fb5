import { join } from "node:path";
import type { DeletionStore } from "../ports/deletions.js";
import type { Outbox } from "../ports/outbox.js";
import type { RolloutStore } from "../ports/rollouts.js";
import type { Store } from "../ports/store.js";
import type { SubscriptionStore } from "../ports/subscriptions.js";
import { ChangeTable } from "./change-table.js";
import { deletionTable } from "./deletion-rows.js";
import { migrate } from "./migrate.js";
import { PgliteClient } from "./pglite-client.js";
import type { PostgresTimeouts } from "./postgres-client.js";
import { rolloutTable } from "./rollout-rows.js";
import type { SqlClient } from "./sql-client.js";
import { SqlOutbox } from "./sql-outbox.js";
import { SqlStore, type SqlStoreOptions } from "./sql-store.js";
import { SqlSubscriptionStore } from "./sql-subscription-store.js";

/** Everything GreenLight keeps, one store per part, all on one database. */
export interface GreenLightStore {
  /** Samples, audit, conversations and processed activity ids. */
  records: Store;
  rollouts: RolloutStore;
  deletions: DeletionStore;
  /** The channels subscribed to endpoints. */
  subscriptions: SubscriptionStore;
  /** The messages rollouts' and deletions' changes wrote, waiting to be sent. */
  outbox: Outbox;
  /** Closes the database connection (or pool) every part uses. */
  close(): Promise<void>;
}

export interface OpenStoreOptions extends SqlStoreOptions {
  /** PostgreSQL connection string (DATABASE_URL); when empty or absent, PGlite is used. */
  databaseUrl?: string | undefined;
  /** GreenLight's data folder; PGlite keeps its database in `<dataDir>/pglite`. */
  dataDir: string;
  /** PGlite's `shared_buffers` in MB (PGLITE_SHARED_BUFFERS_MB); PGlite's own default when absent. */
  pgliteSharedBuffersMb?: number | undefined;
  /** PostgreSQL's connect and statement time limits; the client's defaults when absent. */
  postgres?: PostgresTimeouts;
}

/** Opens the configured database and brings its schema up to date. */
export async function openStore(options: OpenStoreOptions): Promise<GreenLightStore> {
  const { databaseUrl, dataDir, pgliteSharedBuffersMb, postgres, ...storeOptions } = options;
  // node-postgres is loaded only for PostgreSQL: a PGlite store starts without it.
  const client = databaseUrl
    ? new (await import("./postgres-client.js")).PostgresClient(databaseUrl, postgres)
    : await PgliteClient.open(join(dataDir, "pglite"), { sharedBuffersMb: pgliteSharedBuffersMb });
  return openSqlStore(client, storeOptions);
}

/** Migrates the database behind `client`, then serves every part of the store from it. */
export async function openSqlStore(client: SqlClient, options: SqlStoreOptions = {}): Promise<GreenLightStore> {
  try {
    await migrate(client);
  } catch (error) {
    await client.close();
    throw error;
  }
  return {
    records: new SqlStore(client, options),
    rollouts: new ChangeTable(client, rolloutTable),
    deletions: new ChangeTable(client, deletionTable),
    subscriptions: new SqlSubscriptionStore(client),
    outbox: new SqlOutbox(client),
    close: () => client.close(),
  };
}
