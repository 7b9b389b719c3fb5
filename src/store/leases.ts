import type { Schedule } from "../ports/leases.js";
import type { SqlExecutor } from "./sql-client.js";

/** A table whose rows bot processes lease, in its columns `lease_owner` and `lease_until`. */
export interface LeasedTable {
  /** The table, with an alias when `due` refers to it. */
  from: string;
  /** When a row may be claimed, besides its lease being free; `$2` is now. */
  due: string;
  order: string;
  /** What a claim returns. */
  returning: string;
  /** More to set on a claimed row. */
  onClaim?: string;
}

/** SQL assignments that end a row's lease. */
export const endLease = "lease_owner = NULL, lease_until = NULL";

/** Leases on the rows of one table: rollouts, deletion requests and outbox messages. */
export class LeaseTable {
  private readonly table: string;

  constructor(
    private readonly db: SqlExecutor,
    private readonly spec: LeasedTable,
  ) {
    this.table = spec.from.split(" ")[0] ?? spec.from;
  }

  /** Leases up to `limit` due rows whose lease is free to `owner` until now + leaseMs. */
  async claim<Row>(owner: string, now: Date, leaseMs: number, limit: number): Promise<Row[]> {
    const { from, due, order, returning, onClaim } = this.spec;
    // SKIP LOCKED passes over rows another process is claiming right now; a row it claimed and committed meanwhile is
    // re-read after the lock and fails the lease condition, so two processes never get the same row.
    const { rows } = await this.db.query<Row>(
      `WITH due AS (
         SELECT id FROM ${from}
         WHERE ${due} AND (lease_until IS NULL OR lease_until <= $2)
         ORDER BY ${order}
         LIMIT $4
         FOR UPDATE SKIP LOCKED
       )
       UPDATE ${this.table} SET lease_owner = $1, lease_until = $3${onClaim ? `, ${onClaim}` : ""}
       WHERE id IN (SELECT id FROM due)
       RETURNING ${returning}`,
      [owner, now, new Date(now.getTime() + leaseMs), Math.max(0, Math.floor(limit))],
    );
    return rows;
  }

  /** Extends `owner`'s lease on a versioned row; its version, or undefined when the lease is not `owner`'s. */
  async renew(id: string, owner: string, now: Date, leaseMs: number): Promise<{ version: number } | undefined> {
    const { rows } = await this.db.query<{ version: number }>(
      `UPDATE ${this.table} SET lease_until = $3 WHERE id = $1 AND lease_owner = $2 RETURNING version`,
      [id, owner, new Date(now.getTime() + leaseMs)],
    );
    return rows[0] && { version: rows[0].version };
  }

  /** Ends `owner`'s lease on a versioned row, and with a schedule, sets when it is due again. */
  async release(id: string, owner: string, schedule?: Schedule): Promise<void> {
    // The schedule applies only to the version the worker last saw: a click stored since then set its own.
    await this.db.query(
      `UPDATE ${this.table} SET ${endLease},
         next_run_at = CASE WHEN version = $4 THEN coalesce($3::timestamptz, next_run_at) ELSE next_run_at END
       WHERE id = $1 AND lease_owner = $2`,
      [id, owner, schedule?.nextRunAt ?? null, schedule?.version ?? null],
    );
  }
}
