import { join } from "node:path";
import type { RolloutStore } from "../ports/rollouts.js";
import type { Store } from "../ports/store.js";
import type { SubscriptionStore } from "../ports/subscriptions.js";
import type { DeletionStore } from "../ports/deletions.js";
import { PgliteClient } from "./pglite-client.js";
import { PostgresClient, type PostgresTimeouts } from "./postgres-client.js";
import { openSqlStore, type SqlStoreOptions } from "./sql-store.js";

/**
 * Everything GreenLight keeps: samples, audit, conversations, activity ids, rollouts with their outbox, and the
 * channels subscribed to endpoints.
 */
export type GreenLightStore = Store & RolloutStore & SubscriptionStore & DeletionStore;

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
  const client = databaseUrl
    ? new PostgresClient(databaseUrl, postgres)
    : await PgliteClient.open(join(dataDir, "pglite"), { sharedBuffersMb: pgliteSharedBuffersMb });
  return openSqlStore(client, storeOptions);
}
