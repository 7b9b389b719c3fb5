import type { Deletion, DeletionEffects, DeletionPhase, DeletionStore } from "../ports/deletions.js";
import type { MessageRef } from "../ports/notifier.js";
import { insertAudit } from "./audit-rows.js";
import type { SqlClient, SqlExecutor } from "./sql-client.js";
import { SqlRolloutStore } from "./sql-rollout-store.js";

/** The `state` column: everything but the columns, with Dates as ISO strings (revived by `toDeletion`). */
type DeletionState = Omit<
  Deletion,
  "id" | "endpoint" | "phase" | "version" | "requestedAt" | "updatedAt" | "nextRunAt"
>;

interface DeletionRow {
  id: string;
  endpoint: string;
  phase: DeletionPhase;
  version: number;
  requested_at: Date;
  updated_at: Date;
  next_run_at: Date | null;
  state: Record<string, unknown>;
}

const columns = "id, endpoint, phase, version, requested_at, updated_at, next_run_at, state";

/** The DeletionStore port in plain PostgreSQL, beside the rollouts (it shares their outbox). */
export class SqlDeletionStore extends SqlRolloutStore implements DeletionStore {
  constructor(db: SqlClient) {
    super(db);
  }

  createDeletion(
    deletion: Deletion,
    effects: DeletionEffects,
  ): Promise<{ created: true } | { created: false; pending: Deletion }> {
    return this.db.transaction(async (tx) => {
      for (let round = 0; round < 3; round++) {
        const { rows } = await tx.query(
          `INSERT INTO deletions (id, endpoint, phase, requested_at, updated_at, next_run_at, state, version)
           VALUES ($1, $2, $3, $4, $5, $6, $7::json, 1)
           ON CONFLICT (lower(endpoint)) WHERE pending DO NOTHING RETURNING id`,
          [deletion.id, ...values(deletion)],
        );
        if (rows.length === 1) {
          await writeEffects(tx, deletion, effects);
          return { created: true };
        }
        const pending = await selectPending(tx, deletion.endpoint);
        if (pending) return { created: false, pending };
      }
      throw new Error(`Deletions of ${deletion.endpoint} keep starting and ending; try again.`);
    });
  }

  async getDeletion(id: string): Promise<Deletion | undefined> {
    const { rows } = await this.db.query<DeletionRow>(`SELECT ${columns} FROM deletions WHERE id = $1`, [id]);
    return rows[0] && toDeletion(rows[0]);
  }

  pendingDeletion(endpoint: string): Promise<Deletion | undefined> {
    return selectPending(this.db, endpoint);
  }

  updateDeletion(next: Deletion, expectedVersion: number, effects: DeletionEffects): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query(
        `UPDATE deletions SET endpoint = $2, phase = $3, requested_at = $4, updated_at = $5, next_run_at = $6,
           state = $7::json, version = $8 + 1
         WHERE id = $1 AND version = $8 RETURNING id`,
        [next.id, ...values(next), expectedVersion],
      );
      if (rows.length === 0) return false;
      await writeEffects(tx, next, effects);
      return true;
    });
  }

  async claimDueDeletions(owner: string, now: Date, leaseMs: number, limit: number): Promise<Deletion[]> {
    const { rows } = await this.db.query<DeletionRow>(
      `WITH due AS (
         SELECT id FROM deletions
         WHERE pending AND next_run_at <= $2 AND (lease_until IS NULL OR lease_until <= $2)
         ORDER BY next_run_at, id LIMIT $4
         FOR UPDATE SKIP LOCKED
       )
       UPDATE deletions SET lease_owner = $1, lease_until = $3
       WHERE id IN (SELECT id FROM due)
       RETURNING ${columns}`,
      [owner, now, new Date(now.getTime() + leaseMs), Math.max(0, Math.floor(limit))],
    );
    return rows.map(toDeletion);
  }

  async releaseDeletion(id: string, owner: string, schedule?: { nextRunAt: Date; version: number }): Promise<void> {
    await this.db.query(
      `UPDATE deletions SET lease_owner = NULL, lease_until = NULL,
         next_run_at = CASE WHEN version = $4 THEN coalesce($3::timestamptz, next_run_at) ELSE next_run_at END
       WHERE id = $1 AND lease_owner = $2`,
      [id, owner, schedule?.nextRunAt ?? null, schedule?.version ?? null],
    );
  }

  async renewDeletionLease(id: string, owner: string, now: Date, leaseMs: number): Promise<boolean> {
    const { rows } = await this.db.query(
      "UPDATE deletions SET lease_until = $3 WHERE id = $1 AND lease_owner = $2 RETURNING id",
      [id, owner, new Date(now.getTime() + leaseMs)],
    );
    return rows.length === 1;
  }

  async setDeletionCard(id: string, card: MessageRef): Promise<void> {
    await this.db.query("UPDATE deletions SET card = $2::json WHERE id = $1", [id, JSON.stringify(card)]);
  }

  async getDeletionCard(id: string): Promise<MessageRef | undefined> {
    const { rows } = await this.db.query<{ card: MessageRef | null }>("SELECT card FROM deletions WHERE id = $1", [id]);
    return rows[0]?.card ?? undefined;
  }
}

async function selectPending(db: SqlExecutor, endpoint: string): Promise<Deletion | undefined> {
  const { rows } = await db.query<DeletionRow>(
    `SELECT ${columns} FROM deletions WHERE lower(endpoint) = lower($1) AND pending`,
    [endpoint],
  );
  return rows[0] && toDeletion(rows[0]);
}

function values(d: Deletion): unknown[] {
  const { id: _i, endpoint, phase, version: _v, requestedAt, updatedAt, nextRunAt, ...state } = d;
  const json: DeletionState = state;
  return [endpoint, phase, requestedAt, updatedAt, nextRunAt ?? null, JSON.stringify(json)];
}

/** Revives the Dates JSON turned into strings: `at` fields and `expiresAt`, wherever they are. */
function revive(value: unknown, key = ""): unknown {
  if (typeof value === "string" && (key === "at" || key === "expiresAt")) return new Date(value);
  if (Array.isArray(value)) return value.map((v) => revive(v));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revive(v, k)]));
  }
  return value;
}

function toDeletion(row: DeletionRow): Deletion {
  return {
    ...(revive(row.state) as DeletionState),
    id: row.id,
    endpoint: row.endpoint,
    phase: row.phase,
    version: row.version,
    requestedAt: row.requested_at,
    updatedAt: row.updated_at,
    ...(row.next_run_at === null ? {} : { nextRunAt: row.next_run_at }),
  };
}

async function writeEffects(tx: SqlExecutor, deletion: Deletion, effects: DeletionEffects): Promise<void> {
  for (const entry of effects.audit) await insertAudit(tx, entry);
  for (const draft of effects.outbox) {
    if (draft.deletionId !== deletion.id) {
      throw new Error(`A change of deletion ${deletion.id} cannot send a message about ${draft.deletionId}`);
    }
    await tx.query("INSERT INTO outbox (rollout_id, draft, created_at) VALUES ($1, $2::json, $3)", [
      deletion.id,
      JSON.stringify(draft),
      deletion.updatedAt,
    ]);
  }
}
