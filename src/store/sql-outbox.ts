import type { MessageDraft, Outbox, OutboxMessage, Subject } from "../ports/outbox.js";
import { cut } from "./audit-rows.js";
import { endLease, LeaseTable } from "./leases.js";
import type { SqlExecutor } from "./sql-client.js";

/** Enough for a Bot Framework error and its status; the message is retried, not shown. */
const OUTBOX_ERROR_CHARS = 1000;

interface OutboxRow {
  /** bigserial: node-postgres returns int8 as a string, PGlite as a number. */
  id: string | number;
  subject_kind: Subject["kind"];
  subject_id: string;
  draft: MessageDraft;
  created_at: Date;
  attempts: number;
}

/**
 * Writes a change's messages under its subject, in the change's transaction while it holds the subject's row (inserted,
 * or locked by the compare-and-set), so a subject's messages get ids in the order they commit. One insert per message,
 * so ids also follow the order the change listed them in.
 */
export async function enqueue(
  tx: SqlExecutor,
  subject: Subject,
  drafts: readonly MessageDraft[],
  at: Date,
): Promise<void> {
  for (const draft of drafts) {
    await tx.query("INSERT INTO outbox (subject_kind, subject_id, draft, created_at) VALUES ($1, $2, $3::json, $4)", [
      subject.kind,
      subject.id,
      JSON.stringify(draft),
      at,
    ]);
  }
}

/** The Outbox port in plain PostgreSQL (PGlite or a pool). */
export class SqlOutbox implements Outbox {
  private readonly leases: LeaseTable;

  constructor(private readonly db: SqlExecutor) {
    this.leases = new LeaseTable(db, {
      from: "outbox message",
      // Only the oldest unsent message of each subject is a candidate, so a card update never overtakes the card's
      // post (ids follow commit order within a subject: see enqueue).
      due: `sent_at IS NULL
        AND (next_attempt_at IS NULL OR next_attempt_at <= $2)
        AND NOT EXISTS (
          SELECT 1 FROM outbox earlier
          WHERE earlier.subject_id = message.subject_id AND earlier.sent_at IS NULL AND earlier.id < message.id
        )`,
      order: "id",
      // `attempts` counts claims, so a sender that died mid-send counts too.
      onClaim: "attempts = attempts + 1",
      returning: "id, subject_kind, subject_id, draft, created_at, attempts - 1 AS attempts",
    });
  }

  async claim(owner: string, now: Date, leaseMs: number, limit: number): Promise<OutboxMessage[]> {
    const rows = await this.leases.claim<OutboxRow>(owner, now, leaseMs, limit);
    return rows.map(toOutboxMessage).sort((a, b) => a.id - b.id);
  }

  async markSent(id: number, at: Date): Promise<void> {
    await this.db.query(`UPDATE outbox SET sent_at = $2, ${endLease} WHERE id = $1 AND sent_at IS NULL`, [id, at]);
  }

  async release(ids: number[], owner: string): Promise<void> {
    if (ids.length === 0) return;
    // The claim counted as an attempt; a message given back unsent was never tried.
    await this.db.query(
      `UPDATE outbox SET ${endLease}, attempts = greatest(attempts - 1, 0)
       WHERE id = ANY($1::bigint[]) AND lease_owner = $2 AND sent_at IS NULL`,
      [ids, owner],
    );
  }

  async giveUp(id: number, error: string, at: Date): Promise<void> {
    // Done with, like a sent message (so the subject's later messages are due), and marked as never delivered.
    await this.db.query(
      `UPDATE outbox SET sent_at = $3, given_up = true, last_error = $2, ${endLease} WHERE id = $1 AND sent_at IS NULL`,
      [id, cut(error, OUTBOX_ERROR_CHARS), at],
    );
  }

  async markFailed(id: number, error: string, retryAt: Date): Promise<void> {
    await this.db.query(
      `UPDATE outbox SET last_error = $2, next_attempt_at = $3, ${endLease} WHERE id = $1 AND sent_at IS NULL`,
      [id, cut(error, OUTBOX_ERROR_CHARS), retryAt],
    );
  }
}

function toOutboxMessage(row: OutboxRow): OutboxMessage {
  return {
    id: Number(row.id),
    subject: { kind: row.subject_kind, id: row.subject_id },
    draft: row.draft,
    createdAt: row.created_at,
    attempts: row.attempts,
  };
}
