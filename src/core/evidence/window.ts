import type { GateWindow } from "../../ports/evidence.js";

const MINUTE_MS = 60_000;

/**
 * The whole minutes the gates may read after the traffic changed at `appliedAt`: from the first minute that starts at
 * or after it (a minute that began before mixes two traffic splits) up to the last minute that ended at least `delayMs`
 * before `now` (Azure Monitor reports the newest minutes as zeros or not at all until it has aggregated them, so they
 * are never read). Undefined while no such minute exists.
 */
export function gateWindow(appliedAt: Date, now: Date, delayMs: number): GateWindow | undefined {
  const from = Math.ceil(appliedAt.getTime() / MINUTE_MS) * MINUTE_MS;
  const to = Math.floor((now.getTime() - Math.max(0, delayMs)) / MINUTE_MS) * MINUTE_MS;
  if (to <= from) return undefined;
  return { from: new Date(from), to: new Date(to), minutes: (to - from) / MINUTE_MS };
}

/** The minute starting at `at` lies in the window. */
export const inWindow = (window: GateWindow, at: Date): boolean =>
  at.getTime() >= window.from.getTime() && at.getTime() < window.to.getTime();
