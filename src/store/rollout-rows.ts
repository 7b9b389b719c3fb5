// How a Rollout maps onto a `rollouts` row: what the queries filter on in columns, the rest as one json value.
import { reviveEvidence, type LiveBaseline } from "../ports/evidence.js";
import type { Rollout, RolloutPhase } from "../ports/rollouts.js";
import type { ChangeTableSpec } from "./change-table.js";

/** A value as JSON carries it: every Date an ISO string. */
type Json<T> = T extends Date
  ? string
  : T extends readonly (infer E)[]
    ? Json<E>[]
    : T extends object
      ? { [K in keyof T]: Json<T[K]> }
      : T;

type ColumnFields = "id" | "endpoint" | "phase" | "version" | "requestedAt" | "updatedAt" | "nextRunAt";

/** The `state` column: everything but the columns, in JSON. */
type RolloutState = Json<Omit<Rollout, ColumnFields>>;

export interface RolloutRow {
  id: string;
  endpoint: string;
  phase: RolloutPhase;
  version: number;
  requested_at: Date;
  updated_at: Date;
  next_run_at: Date | null;
  state: RolloutState;
}

export const rolloutColumns = "id, endpoint, phase, version, requested_at, updated_at, next_run_at, state";

/** Parameters $2… of an insert or update: endpoint, phase, requested_at, updated_at, next_run_at, state. */
export function rolloutValues(rollout: Rollout): unknown[] {
  return [
    rollout.endpoint,
    rollout.phase,
    rollout.requestedAt,
    rollout.updatedAt,
    rollout.nextRunAt ?? null,
    // Serialized here because node-postgres would turn a top-level array into a PostgreSQL array literal.
    JSON.stringify(toState(rollout)),
  ];
}

function toState(rollout: Rollout): RolloutState {
  const {
    id: _id,
    endpoint: _endpoint,
    phase: _phase,
    version: _version,
    requestedAt: _requestedAt,
    updatedAt: _updatedAt,
    nextRunAt: _nextRunAt,
    approvals,
    smoke,
    override,
    expiresAt,
    timeline,
    trafficSeen,
    appliedAt,
    bakeUntil,
    bakeCut,
    evidence,
    liveBaseline,
    ...plain
  } = rollout;
  return {
    ...plain,
    ...(appliedAt === undefined ? {} : { appliedAt: appliedAt.toISOString() }),
    ...(bakeUntil === undefined ? {} : { bakeUntil: bakeUntil.toISOString() }),
    ...(bakeCut === undefined ? {} : { bakeCut: { ...bakeCut, at: bakeCut.at.toISOString() } }),
    ...(evidence === undefined ? {} : { evidence: asJson(evidence) }),
    ...(liveBaseline === undefined ? {} : { liveBaseline: asJson(liveBaseline) }),
    ...(trafficSeen === undefined ? {} : { trafficSeen: { ...trafficSeen, at: trafficSeen.at.toISOString() } }),
    approvals: approvals.map((approval) => ({ ...approval, at: approval.at.toISOString() })),
    ...(smoke === undefined ? {} : { smoke: { ...smoke, at: smoke.at.toISOString() } }),
    ...(override === undefined ? {} : { override: { ...override, at: override.at.toISOString() } }),
    ...(expiresAt === undefined ? {} : { expiresAt: expiresAt.toISOString() }),
    timeline: timeline.map((event) => ({ ...event, at: event.at.toISOString() })),
  };
}

export function toRollout(row: RolloutRow): Rollout {
  const {
    approvals,
    smoke,
    override,
    expiresAt,
    timeline,
    trafficSeen,
    appliedAt,
    bakeUntil,
    bakeCut,
    evidence,
    liveBaseline,
    ...plain
  } = row.state;
  return {
    id: row.id,
    endpoint: row.endpoint,
    ...plain,
    ...(appliedAt === undefined ? {} : { appliedAt: new Date(appliedAt) }),
    ...(bakeUntil === undefined ? {} : { bakeUntil: new Date(bakeUntil) }),
    ...(bakeCut === undefined ? {} : { bakeCut: { ...bakeCut, at: new Date(bakeCut.at) } }),
    ...(evidence === undefined ? {} : { evidence: reviveEvidence(evidence) }),
    ...(liveBaseline === undefined ? {} : { liveBaseline: reviveBaseline(liveBaseline) }),
    ...(trafficSeen === undefined ? {} : { trafficSeen: { ...trafficSeen, at: new Date(trafficSeen.at) } }),
    phase: row.phase,
    version: row.version,
    requestedAt: row.requested_at,
    updatedAt: row.updated_at,
    ...(row.next_run_at === null ? {} : { nextRunAt: row.next_run_at }),
    approvals: approvals.map((approval) => ({ ...approval, at: new Date(approval.at) })),
    ...(smoke === undefined ? {} : { smoke: { ...smoke, at: new Date(smoke.at) } }),
    ...(override === undefined ? {} : { override: { ...override, at: new Date(override.at) } }),
    ...(expiresAt === undefined ? {} : { expiresAt: new Date(expiresAt) }),
    timeline: timeline.map((event) => ({ ...event, at: new Date(event.at) })),
  };
}

/** A value with its Dates as ISO strings, as JSON.stringify writes them. */
const asJson = <T>(value: T): Json<T> => JSON.parse(JSON.stringify(value)) as Json<T>;

function reviveBaseline(b: Json<LiveBaseline>): LiveBaseline {
  return { ...b, window: { ...b.window, from: new Date(b.window.from), to: new Date(b.window.to) } };
}

/** The `rollouts` table; `active` is true in every phase but the ends. */
export const rolloutTable: ChangeTableSpec<Rollout, RolloutRow> = {
  kind: "rollout",
  table: "rollouts",
  open: "active",
  columns: rolloutColumns,
  values: rolloutValues,
  fromRow: toRollout,
};
