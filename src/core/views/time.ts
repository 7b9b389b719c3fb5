/** "2026-12-02 10:41 UTC": when something expires or was last read. */
export const minuteText = (d: Date): string => `${d.toISOString().replace("T", " ").slice(0, 16)} UTC`;

/** "12-02 10:41", for timelines: their lines are close together, and the card says UTC in their heading. */
export const clockText = (d: Date): string => d.toISOString().slice(5, 16).replace("T", " ");

/** "10:41 UTC", for a time within the day shown beside it. */
export const timeOfDayText = (d: Date): string => `${d.toISOString().slice(11, 16)} UTC`;
