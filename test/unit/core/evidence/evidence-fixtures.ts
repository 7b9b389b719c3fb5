// Per-minute series as Azure Monitor reports them, for the gate tests.
import type { GateWindow } from "../../../../src/ports/evidence.js";
import type { RequestMinute } from "../../../../src/ports/metrics.js";
import { DEFAULT_THRESHOLDS } from "../../../../src/core/evidence/gate-settings.js";
import { judge, type JudgeInput } from "../../../../src/core/evidence/judge.js";

/** 10:41 UTC: the first whole minute after the traffic changed. */
export const T0 = new Date("2026-12-02T10:41:00Z");
export const at = (minute: number): Date => new Date(T0.getTime() + minute * 60_000);

/** The window of `minutes` whole minutes from T0. */
export const aWindow = (minutes = 10, from = 0): GateWindow => ({ from: at(from), to: at(from + minutes), minutes });

/** `count` minutes from minute `from`, each with these figures; `failed` may list each minute's. */
export function minutes(
  count: number,
  each: { requests: number; failed?: number | number[]; p50Ms?: number; p95Ms?: number },
  from = 0,
): RequestMinute[] {
  return Array.from({ length: count }, (_, i) => ({
    at: at(from + i),
    requests: each.requests,
    failed: Array.isArray(each.failed) ? (each.failed[i] ?? 0) : (each.failed ?? 0),
    ...(each.p50Ms === undefined ? {} : { p50Ms: each.p50Ms }),
    ...(each.p95Ms === undefined ? {} : { p95Ms: each.p95Ms }),
  }));
}

/** Judges blue (live) against green (new) over `window` with the default gates. */
export const judgeGreen = (
  metrics: Record<string, RequestMinute[]>,
  over: Partial<Omit<JudgeInput, "metrics" | "unavailable">> = {},
) =>
  judge({
    live: "blue",
    candidate: "green",
    window: aWindow(),
    thresholds: { ...DEFAULT_THRESHOLDS },
    metrics,
    ...over,
  });
