import { echo } from "./gate-settings.js";

/** The endpoint tag that sets how long each step bakes before its next approval is asked ("10m"). */
export const BAKE_TAG = "greenlight-bake";

/** A step that bakes longer waits on a person for nothing: the approval itself can wait. */
export const MAX_BAKE_SECONDS = 24 * 60 * 60;

const UNIT_SECONDS: Record<string, number> = { h: 3600, m: 60, min: 60, s: 1, sec: 1 };

export type ParsedBake = { ok: true; seconds: number } | { ok: false; problem: string };

/**
 * Reads a bake tag: a duration of hours, minutes and seconds (`10m`, `90s`, `1h`, `1h30m`), a plain number being
 * seconds (`600`), `0` for no bake, at most 24h. `defaultSeconds` (the deployment's ROLLOUT_BAKE_SECONDS) when the
 * tag is absent or empty; a problem when it is malformed or too long.
 */
export function parseBake(tag: string | undefined, defaultSeconds: number): ParsedBake {
  if (tag === undefined || tag.trim() === "") return { ok: true, seconds: defaultSeconds };
  const seconds = readDuration(tag.trim().toLowerCase());
  if (seconds === undefined || seconds > MAX_BAKE_SECONDS) {
    return {
      ok: false,
      problem:
        `tag ${BAKE_TAG} is '${echo(tag)}'; it must be a duration of at most 24h, such as 10m, 90s, 1h or 1h30m ` +
        `(a plain number is seconds; 0 means no bake)`,
    };
  }
  return { ok: true, seconds };
}

function readDuration(text: string): number | undefined {
  if (/^\d{1,6}$/.test(text)) return Number(text);
  if (text.length > 24) return undefined;
  const parts = [...text.matchAll(/(\d{1,6})\s*(h|min|m|sec|s)\s*/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text) return undefined;
  const units = parts.map((p) => UNIT_SECONDS[p[2] ?? ""] ?? 0);
  // Largest unit first, each at most once: "1h30m", not "30m1h" or "5m5m".
  if (units.some((u, i) => i > 0 && u >= (units[i - 1] ?? 0))) return undefined;
  return parts.reduce((sum, p, i) => sum + Number(p[1]) * (units[i] ?? 0), 0);
}
