/** "2026-12-02 10:41 UTC": a moment on its own (an expiry, an audit entry, a timeline line, a subscription). */
export const minuteText = (d: Date): string => `${d.toISOString().replace("T", " ").slice(0, 16)} UTC`;

/** "10:41 UTC": a moment within the last hours, beside what it dates (traffic read at, a retry at). */
export const timeOfDayText = (d: Date): string => `${d.toISOString().slice(11, 16)} UTC`;
