import type { AuditEntry } from "../ports/store.js";
import type { SqlExecutor } from "./sql-client.js";

export interface AuditRow {
  at: Date;
  actor_id: string;
  actor_name: string;
  actor_aad_object_id: string | null;
  actor_upn: string | null;
  actor_tenant_id: string | null;
  action: string;
  target: string | null;
  outcome: string;
  detail: string | null;
  correlation_id: string;
}

export const auditColumns =
  "at, actor_id, actor_name, actor_aad_object_id, actor_upn, actor_tenant_id, action, target, outcome, detail, correlation_id";

/**
 * The longest each audit field is stored: whatever a caller (or an attacker's 25 KB argument) puts in a row, the
 * audit card that shows twenty of them stays within Teams' card size.
 */
const AUDIT_FIELD_CHARS = { id: 128, name: 100, word: 64, target: 100, detail: 300 };

export const cut = (value: string, max: number): string =>
  value.length <= max ? value : `${value.slice(0, max - 1)}…`;

/** Appends one audit row, through the pool or inside a transaction that writes other rows with it. */
export async function insertAudit(db: SqlExecutor, entry: AuditEntry): Promise<void> {
  const f = AUDIT_FIELD_CHARS;
  const optional = (value: string | undefined): string | null => (value === undefined ? null : cut(value, f.id));
  await db.query(`INSERT INTO audit (${auditColumns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, [
    entry.at,
    cut(entry.actor.id, f.id),
    cut(entry.actor.name, f.name),
    optional(entry.actor.aadObjectId),
    optional(entry.actor.upn),
    optional(entry.actor.tenantId),
    cut(entry.action, f.word),
    entry.target === undefined ? null : cut(entry.target, f.target),
    cut(entry.outcome, f.word),
    entry.detail === undefined ? null : cut(entry.detail, f.detail),
    cut(entry.correlationId, f.word),
  ]);
}

export function toAuditEntry(row: AuditRow): AuditEntry {
  return {
    at: row.at,
    actor: {
      id: row.actor_id,
      name: row.actor_name,
      ...(row.actor_aad_object_id === null ? {} : { aadObjectId: row.actor_aad_object_id }),
      ...(row.actor_upn === null ? {} : { upn: row.actor_upn }),
      ...(row.actor_tenant_id === null ? {} : { tenantId: row.actor_tenant_id }),
    },
    action: row.action,
    ...(row.target === null ? {} : { target: row.target }),
    outcome: row.outcome,
    ...(row.detail === null ? {} : { detail: row.detail }),
    correlationId: row.correlation_id,
  };
}
