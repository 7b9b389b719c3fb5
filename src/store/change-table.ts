import type { Schedule } from "../ports/leases.js";
import type { MessageRef } from "../ports/notifier.js";
import type { ChangeStore, Effects } from "../ports/changes.js";
import type { Subject } from "../ports/outbox.js";
import { insertAudit } from "./audit-rows.js";
import { LeaseTable } from "./leases.js";
import type { SqlClient, SqlExecutor } from "./sql-client.js";
import { enqueue } from "./sql-outbox.js";

/** A subject people change by compare-and-set on its version: a rollout, a deletion request. */
export interface Changeable {
  id: string;
  endpoint: string;
  version: number;
  updatedAt: Date;
  nextRunAt?: Date;
}

/** How one kind of subject lies in its table. */
export interface ChangeTableSpec<T, Row> {
  kind: Subject["kind"];
  table: string;
  /** The generated column that is true while a subject is open (an endpoint has one open subject at most). */
  open: string;
  /** The columns a row is read from. */
  columns: string;
  /** Parameters $2… of an insert or update: endpoint, phase, requested_at, updated_at, next_run_at, state. */
  values(subject: T): unknown[];
  fromRow(row: Row): T;
}

/**
 * A table of versioned subjects, the base of the rollout and deletion stores: one open per endpoint (a unique index on `lower(endpoint) WHERE <open>`), every change
 * a compare-and-set with its audit rows and outbox messages in the same transaction, leases for the worker, and the
 * posted card's reference beside the versioned state.
 */
export class ChangeTable<T extends Changeable, Row> implements ChangeStore<T> {
  private readonly leases: LeaseTable;

  constructor(
    private readonly db: SqlClient,
    private readonly spec: ChangeTableSpec<T, Row>,
  ) {
    this.leases = new LeaseTable(db, {
      from: spec.table,
      due: `${spec.open} AND next_run_at <= $2`,
      order: "next_run_at, id",
      returning: spec.columns,
    });
  }

  /** Stores a new subject (version 1) with its effects, unless its endpoint has an open one: then that one. */
  create(subject: T, effects: Effects): Promise<{ created: true } | { created: false; current: T }> {
    const { table, open, kind } = this.spec;
    return this.db.transaction(async (tx) => {
      // Each statement sees what committed before it began (READ COMMITTED), so if the open subject that refused the
      // insert ended before the SELECT, the next round inserts.
      for (let round = 0; round < 3; round++) {
        const { rows } = await tx.query(
          `INSERT INTO ${table} (id, endpoint, phase, requested_at, updated_at, next_run_at, state, version)
           VALUES ($1, $2, $3, $4, $5, $6, $7::json, 1)
           ON CONFLICT (lower(endpoint)) WHERE ${open} DO NOTHING
           RETURNING id`,
          [subject.id, ...this.spec.values(subject)],
        );
        if (rows.length === 1) {
          await this.writeEffects(tx, subject, effects);
          return { created: true };
        }
        const found = await this.selectOpen(tx, subject.endpoint);
        if (found) return { created: false, current: found };
      }
      throw new Error(`${kind}s on ${subject.endpoint} keep starting and ending; try again.`);
    });
  }

  async get(id: string): Promise<T | undefined> {
    const { rows } = await this.db.query<Row>(`SELECT ${this.spec.columns} FROM ${this.spec.table} WHERE id = $1`, [
      id,
    ]);
    return rows[0] && this.spec.fromRow(rows[0]);
  }

  /** The endpoint's open (current) subject, if any. */
  current(endpoint: string): Promise<T | undefined> {
    return this.selectOpen(this.db, endpoint);
  }

  /** Every open subject, oldest request first. */
  async allCurrent(): Promise<T[]> {
    const { rows } = await this.db.query<Row>(
      `SELECT ${this.spec.columns} FROM ${this.spec.table} WHERE ${this.spec.open} ORDER BY requested_at, id`,
    );
    return rows.map((row) => this.spec.fromRow(row));
  }

  /** The endpoint's most recently ended subject. */
  async lastEnded(endpoint: string): Promise<T | undefined> {
    const { rows } = await this.db.query<Row>(
      `SELECT ${this.spec.columns} FROM ${this.spec.table} WHERE lower(endpoint) = lower($1) AND NOT ${this.spec.open}
       ORDER BY updated_at DESC, requested_at DESC LIMIT 1`,
      [endpoint],
    );
    return rows[0] && this.spec.fromRow(rows[0]);
  }

  /** Writes `next` as version `expectedVersion + 1` with its effects, only if the stored version is still that. */
  update(next: T, expectedVersion: number, effects: Effects): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      // The row lock makes a concurrent update with the same expectedVersion wait, then find the version moved on.
      const { rows } = await tx.query(
        `UPDATE ${this.spec.table} SET endpoint = $2, phase = $3, requested_at = $4, updated_at = $5, next_run_at = $6,
           state = $7::json, version = $8 + 1
         WHERE id = $1 AND version = $8
         RETURNING id`,
        [next.id, ...this.spec.values(next), expectedVersion],
      );
      if (rows.length === 0) return false;
      await this.writeEffects(tx, next, effects);
      return true;
    });
  }

  async claimDue(owner: string, now: Date, leaseMs: number, limit: number): Promise<T[]> {
    const rows = await this.leases.claim<Row>(owner, now, leaseMs, limit);
    return rows.map((row) => this.spec.fromRow(row)).sort(byNextRun);
  }

  renewLease(id: string, owner: string, now: Date, leaseMs: number): Promise<{ version: number } | undefined> {
    return this.leases.renew(id, owner, now, leaseMs);
  }

  releaseLease(id: string, owner: string, schedule?: Schedule): Promise<void> {
    return this.leases.release(id, owner, schedule);
  }

  async setCard(id: string, card: MessageRef): Promise<void> {
    await this.db.query(`UPDATE ${this.spec.table} SET card = $2::json WHERE id = $1`, [id, JSON.stringify(card)]);
  }

  async getCard(id: string): Promise<MessageRef | undefined> {
    const { rows } = await this.db.query<{ card: MessageRef | null }>(
      `SELECT card FROM ${this.spec.table} WHERE id = $1`,
      [id],
    );
    return rows[0]?.card ?? undefined;
  }

  private async selectOpen(db: SqlExecutor, endpoint: string): Promise<T | undefined> {
    const { rows } = await db.query<Row>(
      `SELECT ${this.spec.columns} FROM ${this.spec.table} WHERE lower(endpoint) = lower($1) AND ${this.spec.open}`,
      [endpoint],
    );
    return rows[0] && this.spec.fromRow(rows[0]);
  }

  /** The change's audit rows and messages; `updatedAt` is the change's time, the messages' createdAt. */
  private async writeEffects(tx: SqlExecutor, subject: T, effects: Effects): Promise<void> {
    for (const entry of effects.audit) await insertAudit(tx, entry);
    await enqueue(tx, { kind: this.spec.kind, id: subject.id }, effects.outbox, subject.updatedAt);
  }
}

const byNextRun = (a: Changeable, b: Changeable): number =>
  (a.nextRunAt?.getTime() ?? 0) - (b.nextRunAt?.getTime() ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
