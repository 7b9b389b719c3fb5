import type { MessageRef } from "../ports/notifier.js";
import type { Effects, OutboxMessage, RolloutStore, Rollout } from "../ports/rollouts.js";
import { cut, insertAudit } from "./audit-rows.js";
import {
  rolloutColumns,
  rolloutValues,
  toOutboxMessage,
  toRollout,
  type OutboxRow,
  type RolloutRow,
} from "./rollout-rows.js";
import type { SqlClient, SqlExecutor } from "./sql-client.js";
import { SqlSubscriptionStore } from "./sql-subscription-store.js";

/** Enough for a Bot Framework error and its status; the message is retried, not shown. */
const OUTBOX_ERROR_CHARS = 1000;

/**
 * The RolloutStore port in plain PostgreSQL (PGlite or a pool). Every write is one statement or one transaction, and
 * no transaction waits on anything but the database.
 */
export class SqlRolloutStore extends SqlSubscriptionStore implements RolloutStore {
  /** Expects a migrated database; `openSqlStore` migrates first. */
  constructor(db: SqlClient) {
    super(db);
  }

  createRollout(rollout: Rollout, effects: Effects): Promise<{ created: true } | { created: false; active: Rollout }> {
    return this.db.transaction(async (tx) => {
      // Each statement sees what committed before it began (READ COMMITTED), so if the active rollout that refused
      // the insert ended before the SELECT, the next round inserts.
      for (let round = 0; round < 3; round++) {
        const { rows } = await tx.query(
          `INSERT INTO rollouts (id, endpoint, phase, requested_at, updated_at, next_run_at, state, version)
           VALUES ($1, $2, $3, $4, $5, $6, $7::json, 1)
           ON CONFLICT (lower(endpoint)) WHERE active DO NOTHING
           RETURNING id`,
          [rollout.id, ...rolloutValues(rollout)],
        );
        if (rows.length === 1) {
          await writeEffects(tx, rollout, effects);
          return { created: true };
        }
        const active = await selectActive(tx, rollout.endpoint);
        if (active) return { created: false, active };
      }
      throw new Error(`Rollouts on ${rollout.endpoint} keep starting and ending; try again.`);
    });
  }

  async getRollout(id: string): Promise<Rollout | undefined> {
    const { rows } = await this.db.query<RolloutRow>(`SELECT ${rolloutColumns} FROM rollouts WHERE id = $1`, [id]);
    return rows[0] && toRollout(rows[0]);
  }

  activeRollout(endpoint: string): Promise<Rollout | undefined> {
    return selectActive(this.db, endpoint);
  }

  async activeRollouts(): Promise<Rollout[]> {
    const { rows } = await this.db.query<RolloutRow>(
      `SELECT ${rolloutColumns} FROM rollouts WHERE active ORDER BY requested_at, id`,
    );
    return rows.map(toRollout);
  }

  async lastEndedRollout(endpoint: string): Promise<Rollout | undefined> {
    const { rows } = await this.db.query<RolloutRow>(
      `SELECT ${rolloutColumns} FROM rollouts WHERE lower(endpoint) = lower($1) AND NOT active
       ORDER BY updated_at DESC, requested_at DESC LIMIT 1`,
      [endpoint],
    );
    return rows[0] && toRollout(rows[0]);
  }

  updateRollout(next: Rollout, expectedVersion: number, effects: Effects): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      // The row lock makes a concurrent update with the same expectedVersion wait, then find the version moved on.
      const { rows } = await tx.query(
        `UPDATE rollouts SET endpoint = $2, phase = $3, requested_at = $4, updated_at = $5, next_run_at = $6,
           state = $7::json, version = $8 + 1
         WHERE id = $1 AND version = $8
         RETURNING id`,
        [next.id, ...rolloutValues(next), expectedVersion],
      );
      if (rows.length === 0) return false;
      await writeEffects(tx, next, effects);
      return true;
    });
  }

  async claimDueRollouts(owner: string, now: Date, leaseMs: number, limit: number): Promise<Rollout[]> {
    // SKIP LOCKED passes over rows another process is claiming right now; a row it claimed and committed meanwhile is
    // re-read after the lock and fails the lease condition, so two processes never get the same rollout.
    const { rows } = await this.db.query<RolloutRow>(
      `WITH due AS (
         SELECT id FROM rollouts
         WHERE active AND next_run_at <= $2 AND (lease_until IS NULL OR lease_until <= $2)
         ORDER BY next_run_at, id
         LIMIT $4
         FOR UPDATE SKIP LOCKED
       )
       UPDATE rollouts SET lease_owner = $1, lease_until = $3
       WHERE id IN (SELECT id FROM due)
       RETURNING ${rolloutColumns}`,
      [owner, now, new Date(now.getTime() + leaseMs), Math.max(0, Math.floor(limit))],
    );
    return rows.map(toRollout).sort(byNextRun);
  }

  async releaseRollout(id: string, owner: string, schedule?: { nextRunAt: Date; version: number }): Promise<void> {
    // The schedule applies only to the version the worker last saw: a click stored since then set its own.
    await this.db.query(
      `UPDATE rollouts SET lease_owner = NULL, lease_until = NULL,
         next_run_at = CASE WHEN version = $4 THEN coalesce($3::timestamptz, next_run_at) ELSE next_run_at END
       WHERE id = $1 AND lease_owner = $2`,
      [id, owner, schedule?.nextRunAt ?? null, schedule?.version ?? null],
    );
  }

  async renewLease(id: string, owner: string, now: Date, leaseMs: number): Promise<{ version: number } | undefined> {
    const { rows } = await this.db.query<{ version: number }>(
      "UPDATE rollouts SET lease_until = $3 WHERE id = $1 AND lease_owner = $2 RETURNING version",
      [id, owner, new Date(now.getTime() + leaseMs)],
    );
    return rows[0] && { version: rows[0].version };
  }

  async setCard(rolloutId: string, card: MessageRef): Promise<void> {
    await this.db.query("UPDATE rollouts SET card = $2::json WHERE id = $1", [rolloutId, JSON.stringify(card)]);
  }

  async getCard(rolloutId: string): Promise<MessageRef | undefined> {
    const { rows } = await this.db.query<{ card: MessageRef | null }>("SELECT card FROM rollouts WHERE id = $1", [
      rolloutId,
    ]);
    return rows[0]?.card ?? undefined;
  }

  async claimOutbox(owner: string, now: Date, leaseMs: number, limit: number): Promise<OutboxMessage[]> {
    // Only the oldest unsent message of each rollout is a candidate, so a card update never overtakes the card's
    // post (ids follow commit order within a rollout: see writeEffects).
    const { rows } = await this.db.query<OutboxRow>(
      `WITH due AS (
         SELECT id FROM outbox message
         WHERE sent_at IS NULL
           AND (next_attempt_at IS NULL OR next_attempt_at <= $2)
           AND (lease_until IS NULL OR lease_until <= $2)
           AND NOT EXISTS (
             SELECT 1 FROM outbox earlier
             WHERE earlier.rollout_id = message.rollout_id AND earlier.sent_at IS NULL AND earlier.id < message.id
           )
         ORDER BY id
         LIMIT $4
         FOR UPDATE SKIP LOCKED
       )
       UPDATE outbox SET lease_owner = $1, lease_until = $3, attempts = attempts + 1
       WHERE id IN (SELECT id FROM due)
       RETURNING id, draft, created_at, attempts - 1 AS attempts`,
      [owner, now, new Date(now.getTime() + leaseMs), Math.max(0, Math.floor(limit))],
    );
    return rows.map(toOutboxMessage).sort((a, b) => a.id - b.id);
  }

  async markSent(id: number, at: Date): Promise<void> {
    await this.db.query(
      "UPDATE outbox SET sent_at = $2, lease_owner = NULL, lease_until = NULL WHERE id = $1 AND sent_at IS NULL",
      [id, at],
    );
  }

  async releaseOutbox(ids: number[], owner: string): Promise<void> {
    if (ids.length === 0) return;
    // The claim counted as an attempt (claimOutbox); a message given back unsent was never tried.
    await this.db.query(
      `UPDATE outbox SET lease_owner = NULL, lease_until = NULL, attempts = greatest(attempts - 1, 0)
       WHERE id = ANY($1::bigint[]) AND lease_owner = $2 AND sent_at IS NULL`,
      [ids, owner],
    );
  }

  async markFailed(id: number, error: string, retryAt: Date): Promise<void> {
    await this.db.query(
      `UPDATE outbox SET last_error = $2, next_attempt_at = $3, lease_owner = NULL, lease_until = NULL
       WHERE id = $1 AND sent_at IS NULL`,
      [id, cut(error, OUTBOX_ERROR_CHARS), retryAt],
    );
  }
}

async function selectActive(db: SqlExecutor, endpoint: string): Promise<Rollout | undefined> {
  const { rows } = await db.query<RolloutRow>(
    `SELECT ${rolloutColumns} FROM rollouts WHERE lower(endpoint) = lower($1) AND active`,
    [endpoint],
  );
  return rows[0] && toRollout(rows[0]);
}

/**
 * A transition's audit rows and messages, written in its transaction while it holds the rollout's row (inserted, or
 * locked by the compare-and-set), so a rollout's messages get ids in the order they commit. `at` is the transition's
 * time, the messages' createdAt.
 */
async function writeEffects(tx: SqlExecutor, rollout: Rollout, effects: Effects): Promise<void> {
  for (const entry of effects.audit) await insertAudit(tx, entry);
  // One insert per message, so ids follow the order the transition listed them in.
  for (const draft of effects.outbox) {
    // A message about another rollout would be numbered outside that rollout's row lock, and could overtake it.
    if (draft.rolloutId !== rollout.id) {
      throw new Error(
        `A transition of rollout ${rollout.id} cannot send a message (${draft.kind}) about rollout ${draft.rolloutId}`,
      );
    }
    await tx.query("INSERT INTO outbox (rollout_id, draft, created_at) VALUES ($1, $2::json, $3)", [
      rollout.id,
      JSON.stringify(draft),
      rollout.updatedAt,
    ]);
  }
}

const byNextRun = (a: Rollout, b: Rollout): number =>
  (a.nextRunAt?.getTime() ?? 0) - (b.nextRunAt?.getTime() ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
