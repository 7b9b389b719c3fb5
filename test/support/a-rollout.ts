// The fixture builder of a stored rollout, for tests of the engine, the store and the worker.
import type { ReconcileContext } from "../../src/core/rollout/reconcile.js";
import type { RolloutPeople } from "../../src/core/rollout/transition.js";
import type { Rollout } from "../../src/ports/rollouts.js";

export const ROLLOUT_T0 = new Date("2026-11-29T10:00:00Z");

/** A rollout of diabetes:2 to diabetes-prod (green beside a live blue), just requested by Alex; override any field. */
export function aRollout(overrides: Partial<Rollout> = {}): Rollout {
  return {
    id: "0f0e0d0c-0000-4000-8000-000000000001",
    endpoint: "diabetes-prod",
    model: { name: "diabetes", version: "2" },
    live: "blue",
    candidate: "green",
    startTraffic: { blue: 100 },
    plan: [10, 90, 100],
    step: 0,
    phase: "requested",
    version: 1,
    requestedBy: { id: "user-alexw", name: "Alex Wilber" },
    requestedAt: ROLLOUT_T0,
    approvals: [],
    channel: { serviceUrl: "https://smba.trafficmanager.net/amer/", channelId: "19:release@thread.tacv2" },
    timeline: [{ at: ROLLOUT_T0, what: "requested diabetes:2" }],
    updatedAt: ROLLOUT_T0,
    ...overrides,
  };
}

/** What the engine is told besides the rollout: `now`, a day to approve, fast polls, one following channel. */
export function aReconcileContext(now: Date, people: RolloutPeople): ReconcileContext {
  return {
    now,
    people,
    approvalTtlMs: 24 * 60 * 60 * 1000,
    correlationId: "test",
    pollMs: 1000,
    metricsDelayMs: 60_000,
    notify: [{ serviceUrl: "https://smba.example/", channelId: "19:ml-platform" }],
  };
}
