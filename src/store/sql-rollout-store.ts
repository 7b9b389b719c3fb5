import type { Effects, Rollout, RolloutStore } from "../ports/rollouts.js";
import { ChangeTable } from "./change-table.js";
import { rolloutTable, type RolloutRow } from "./rollout-rows.js";
import type { SqlClient } from "./sql-client.js";

/**
 * The RolloutStore port in plain PostgreSQL (PGlite or a pool); leases and the card are the ChangeTable's. Every write
 * is one statement or one transaction, and no transaction waits on anything but the database.
 */
export class SqlRolloutStore extends ChangeTable<Rollout, RolloutRow> implements RolloutStore {
  /** Expects a migrated database; `openSqlStore` migrates first. */
  constructor(db: SqlClient) {
    super(db, rolloutTable);
  }

  async createRollout(
    rollout: Rollout,
    effects: Effects,
  ): Promise<{ created: true } | { created: false; active: Rollout }> {
    const stored = await this.create(rollout, effects);
    return stored.created ? stored : { created: false, active: stored.open };
  }

  getRollout(id: string): Promise<Rollout | undefined> {
    return this.get(id);
  }

  activeRollout(endpoint: string): Promise<Rollout | undefined> {
    return this.openOn(endpoint);
  }

  activeRollouts(): Promise<Rollout[]> {
    return this.allOpen();
  }

  lastEndedRollout(endpoint: string): Promise<Rollout | undefined> {
    return this.lastEnded(endpoint);
  }

  updateRollout(next: Rollout, expectedVersion: number, effects: Effects): Promise<boolean> {
    return this.update(next, expectedVersion, effects);
  }
}
