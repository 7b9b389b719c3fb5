// How a Deletion maps onto a `deletions` row: what the queries filter on in columns, the rest as one json value.
import type { Deletion, DeletionPhase } from "../ports/deletions.js";
import type { ChangeTableSpec } from "./change-table.js";

/** The `state` column: everything but the columns, with Dates as ISO strings (revived by `toDeletion`). */
type DeletionState = Omit<
  Deletion,
  "id" | "endpoint" | "phase" | "version" | "requestedAt" | "updatedAt" | "nextRunAt"
>;

export interface DeletionRow {
  id: string;
  endpoint: string;
  phase: DeletionPhase;
  version: number;
  requested_at: Date;
  updated_at: Date;
  next_run_at: Date | null;
  state: Record<string, unknown>;
}

export const deletionColumns = "id, endpoint, phase, version, requested_at, updated_at, next_run_at, state";

/** Parameters $2… of an insert or update: endpoint, phase, requested_at, updated_at, next_run_at, state. */
export function deletionValues(d: Deletion): unknown[] {
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

export function toDeletion(row: DeletionRow): Deletion {
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

/** The `deletions` table; `pending` is true while a request waits for its approval or its delete. */
export const deletionTable: ChangeTableSpec<Deletion, DeletionRow> = {
  kind: "deletion",
  table: "deletions",
  open: "pending",
  columns: deletionColumns,
  values: deletionValues,
  fromRow: toDeletion,
};
