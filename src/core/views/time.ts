/** "2026-12-02 10:41 UTC": a moment on its own (an expiry, an audit entry, a timeline line, a subscription). */
export const minuteText = (d: Date): string => `${d.toISOString().replace("T", " ").slice(0, 16)} UTC`;

/** "10:41 UTC": a moment within the last hours, beside what it dates (traffic read at, a retry at). */
export const timeOfDayText = (d: Date): string => `${d.toISOString().slice(11, 16)} UTC`;

/** A duration as people say it: "45 s", "10 min", "1 h 30 min". */
export function durationText(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
}
