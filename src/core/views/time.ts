/** "2026-12-02 10:41 UTC": a moment on its own (an expiry, an audit entry, a timeline line, a subscription). */
export const minuteText = (d: Date): string => `${d.toISOString().replace("T", " ").slice(0, 16)} UTC`;

/** "10:41 UTC": a moment within the last hours, beside what it dates (traffic read at, a retry at). */
export const timeOfDayText = (d: Date): string => `${d.toISOString().slice(11, 16)} UTC`;

/** A duration as people say it: "45 s", "10 min", "1 h 30 min", "1 min 30 s". */
export function durationText(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds === 0) return "0 s";
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return [h ? `${h} h` : "", m ? `${m} min` : "", s ? `${s} s` : ""].filter(Boolean).join(" ");
}
