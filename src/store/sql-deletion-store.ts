import type { Deletion, DeletionEffects, DeletionStore } from "../ports/deletions.js";
import { ChangeTable } from "./change-table.js";
import { deletionTable, type DeletionRow } from "./deletion-rows.js";
import type { SqlClient } from "./sql-client.js";

/** The DeletionStore port in plain PostgreSQL; leases and the card are the ChangeTable's, as for rollouts. */
export class SqlDeletionStore extends ChangeTable<Deletion, DeletionRow> implements DeletionStore {
  /** Expects a migrated database; `openSqlStore` migrates first. */
  constructor(db: SqlClient) {
    super(db, deletionTable);
  }

  async createDeletion(
    deletion: Deletion,
    effects: DeletionEffects,
  ): Promise<{ created: true } | { created: false; pending: Deletion }> {
    const stored = await this.create(deletion, effects);
    return stored.created ? stored : { created: false, pending: stored.open };
  }

  getDeletion(id: string): Promise<Deletion | undefined> {
    return this.get(id);
  }

  pendingDeletion(endpoint: string): Promise<Deletion | undefined> {
    return this.openOn(endpoint);
  }

  updateDeletion(next: Deletion, expectedVersion: number, effects: DeletionEffects): Promise<boolean> {
    return this.update(next, expectedVersion, effects);
  }
}
