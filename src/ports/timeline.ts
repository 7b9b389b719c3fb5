import type { Person } from "./people.js";

/** One line of a rollout's or a deletion request's timeline, shown on its card. */
export interface TimelineEvent {
  at: Date;
  /** Short, secret-free text: "requested diabetes:2", "approved step 1 (blue 90 / green 10)". */
  what: string;
  by?: Person;
}
