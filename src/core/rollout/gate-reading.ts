import type { Evidence, GateVerdict, GateWindow } from "../../ports/evidence.js";
import type { RequestMetrics } from "../../ports/metrics.js";
import type { Rollout } from "../../ports/rollouts.js";
import { judge } from "../evidence/judge.js";
import { gateWindow } from "../evidence/window.js";

const MINUTE = 60_000;
/**
 * How long after a minute becomes readable the gates read it (the delay is counted from the minute's end): a margin
 * for timers that fire a little early, kept small because a breach waits for it.
 */
const SETTLE_MS = 50;

/** What the worker read from Azure Monitor for the gates: the window's figures, or why there are none. */
export type MetricsReading =
  { window: GateWindow; metrics: RequestMetrics } | { window: GateWindow; unavailable: string };

/**
 * Whether the gates watch the rollout now: the new deployment takes live or mirrored traffic a step gave it, and no
 * shift is running (during a bake, while an approval is awaited, and at 100 % until the old deployment's fate).
 */
export function watched(r: Rollout): r is Rollout & Required<Pick<Rollout, "gates" | "appliedAt">> {
  if (!r.gates || !r.appliedAt) return false;
  return r.phase === "baking" || r.phase === "awaiting_approval" || r.phase === "promoted";
}

/** The window the worker should read for a watched rollout now; undefined when it is not watched or has none yet. */
export const windowToRead = (r: Rollout, now: Date, delayMs: number): GateWindow | undefined =>
  watched(r) ? gateWindow(r.appliedAt, now, delayMs) : undefined;

/**
 * When the next whole minute of the gates' window becomes readable (never before the first minute that began after the
 * traffic was applied): the gates look again then.
 */
export function nextGateCheck(now: Date, delayMs: number, appliedAt: Date): Date {
  const readableEnd = Math.floor((now.getTime() - delayMs) / MINUTE) * MINUTE;
  const firstEnd = Math.ceil(appliedAt.getTime() / MINUTE) * MINUTE + MINUTE;
  return new Date(Math.max(readableEnd + MINUTE, firstEnd) + delayMs + SETTLE_MS);
}

/**
 * The gates' verdicts on a reading, against the rollout's limits and the live deployment's last baseline; with none
 * (no whole minute has settled since the step), inconclusive, saying so.
 */
export function judgeReading(r: Rollout & Required<Pick<Rollout, "gates">>, reading?: MetricsReading): Evidence {
  const read = !reading
    ? { window: undefined, metrics: {} }
    : "unavailable" in reading
      ? { window: reading.window, unavailable: reading.unavailable }
      : { window: reading.window, metrics: reading.metrics };
  return judge({
    live: r.live,
    candidate: r.candidate,
    thresholds: r.gates.thresholds,
    earlierLive: r.liveBaseline,
    ...read,
  });
}

/** Whether a new reading says something the stored one did not: a gate's verdict changed, or there was none. */
export function verdictsChanged(before: Evidence | undefined, after: Evidence): boolean {
  if (!before || before.result !== after.result) return true;
  const key = (v: GateVerdict[]) => v.map((x) => `${x.gate}:${x.result}`).join(",");
  return key(before.gates) !== key(after.gates);
}
