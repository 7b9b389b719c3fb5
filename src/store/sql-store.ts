import type { AuditEntry, ConversationRecord, Sample, Store } from "../ports/store.js";
import { auditColumns, insertAudit, toAuditEntry, type AuditRow } from "./audit-rows.js";
import type { SqlExecutor } from "./sql-client.js";

export interface SqlStoreOptions {
  /** How long processed activity ids are kept to catch redeliveries; older ones are deleted. Default 7 days. */
  activityRetentionMs?: number;
}

const hourMs = 60 * 60 * 1000;
const defaultActivityRetentionMs = 7 * 24 * hourMs;

interface SampleRow {
  endpoint: string;
  name: string;
  payload: string;
  description: string | null;
  created_by: string;
  created_at: Date;
}

interface ConversationRow {
  conversation_id: string;
  kind: string;
  reference: unknown;
  updated_at: Date;
}

const sampleColumns = "endpoint, name, payload, description, created_by, created_at";

/** The Store port (samples, audit, conversations, activity ids) in plain PostgreSQL (PGlite or a pool). */
export class SqlStore implements Store {
  private readonly activityRetentionMs: number;
  private lastPruneAt: number | undefined;

  /** Expects a migrated database; `openSqlStore` migrates first. */
  constructor(
    private readonly db: SqlExecutor,
    options: SqlStoreOptions = {},
  ) {
    this.activityRetentionMs = options.activityRetentionMs ?? defaultActivityRetentionMs;
  }

  async listSamples(endpoint: string): Promise<Sample[]> {
    const { rows } = await this.db.query<SampleRow>(
      `SELECT ${sampleColumns} FROM samples WHERE lower(endpoint) = lower($1) ORDER BY lower(name), name`,
      [endpoint],
    );
    return rows.map(toSample);
  }

  async getSample(endpoint: string, name: string): Promise<Sample | undefined> {
    const { rows } = await this.db.query<SampleRow>(
      `SELECT ${sampleColumns} FROM samples WHERE lower(endpoint) = lower($1) AND lower(name) = lower($2)`,
      [endpoint, name],
    );
    return rows[0] && toSample(rows[0]);
  }

  async putSample(sample: Sample): Promise<boolean> {
    // xmax is 0 on a freshly inserted row version and set on one written by ON CONFLICT DO UPDATE; that tells a
    // replacement from an insert atomically, which a SELECT before the upsert would not under concurrency.
    const { rows } = await this.db.query<{ replaced: boolean }>(
      `INSERT INTO samples (${sampleColumns}) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (lower(endpoint), lower(name)) DO UPDATE SET
         endpoint = excluded.endpoint, name = excluded.name, payload = excluded.payload,
         description = excluded.description, created_by = excluded.created_by, created_at = excluded.created_at
       RETURNING xmax::text <> '0' AS replaced`,
      [sample.endpoint, sample.name, sample.payload, sample.description ?? null, sample.createdBy, sample.createdAt],
    );
    return rows[0]?.replaced === true;
  }

  async removeSamples(endpoint: string, name?: string): Promise<number> {
    const { rows } = await this.db.query(
      `DELETE FROM samples WHERE lower(endpoint) = lower($1) AND ($2::text IS NULL OR lower(name) = lower($2))
       RETURNING name`,
      [endpoint, name ?? null],
    );
    return rows.length;
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    await insertAudit(this.db, entry);
  }

  async latestAudit(options: { target?: string; limit: number }): Promise<AuditEntry[]> {
    const limit = Math.max(0, Math.floor(options.limit));
    // id breaks ties between entries written in the same microsecond: the later append comes first.
    const { rows } =
      options.target === undefined
        ? await this.db.query<AuditRow>(`SELECT ${auditColumns} FROM audit ORDER BY at DESC, id DESC LIMIT $1`, [limit])
        : await this.db.query<AuditRow>(
            `SELECT ${auditColumns} FROM audit WHERE lower(target) = lower($1) ORDER BY at DESC, id DESC LIMIT $2`,
            [options.target, limit],
          );
    return rows.map(toAuditEntry);
  }

  async saveConversation(record: ConversationRecord): Promise<void> {
    await this.db.query(
      `INSERT INTO conversations (conversation_id, kind, reference, updated_at) VALUES ($1, $2, $3::jsonb, $4)
       ON CONFLICT (conversation_id) DO UPDATE SET
         kind = excluded.kind, reference = excluded.reference, updated_at = excluded.updated_at`,
      // Serialized here because node-postgres would turn a top-level array into a PostgreSQL array literal.
      [record.conversationId, record.kind, JSON.stringify(record.reference ?? null), record.updatedAt],
    );
  }

  async getConversation(conversationId: string): Promise<ConversationRecord | undefined> {
    const { rows } = await this.db.query<ConversationRow>(
      "SELECT conversation_id, kind, reference, updated_at FROM conversations WHERE conversation_id = $1",
      [conversationId],
    );
    const row = rows[0];
    return (
      row && {
        conversationId: row.conversation_id,
        kind: row.kind,
        reference: row.reference,
        updatedAt: row.updated_at,
      }
    );
  }

  async markActivityProcessed(activityId: string, at: Date): Promise<boolean> {
    await this.pruneActivities(at);
    const { rows } = await this.db.query(
      `INSERT INTO processed_activities (activity_id, processed_at) VALUES ($1, $2)
       ON CONFLICT (activity_id) DO NOTHING RETURNING activity_id`,
      [activityId, at],
    );
    return rows.length === 1;
  }

  async ping(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    // PGlite queues behind a running transaction and a pool waits for a free connection: a hung database shows as late.
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the database did not answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([this.db.query("SELECT 1"), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  // At most hourly per instance; several instances pruning at once only delete the same rows.
  private async pruneActivities(now: Date): Promise<void> {
    const nowMs = now.getTime();
    if (this.lastPruneAt !== undefined && nowMs - this.lastPruneAt < hourMs) return;
    this.lastPruneAt = nowMs;
    await this.db.query("DELETE FROM processed_activities WHERE processed_at < $1", [
      new Date(nowMs - this.activityRetentionMs),
    ]);
  }
}

function toSample(row: SampleRow): Sample {
  return {
    endpoint: row.endpoint,
    name: row.name,
    payload: row.payload,
    ...(row.description === null ? {} : { description: row.description }),
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}
