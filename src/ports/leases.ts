/** When a subject a worker gave back is due again, for the version the worker last saw. */
export interface Schedule {
  nextRunAt: Date;
  version: number;
}

/**
 * Which bot process drives a subject (a rollout, a deletion request) for now: a lease, so two processes never drive the
 * same one, and one that died leaves it to another once its lease runs out.
 */
export interface Leases<T extends { id: string; version: number }> {
  /**
   * Leases up to `limit` subjects that are due (`nextRunAt` ≤ now, still open) and not leased by a live owner (its
   * lease ended), to `owner` until now + leaseMs, soonest due first. Two processes never hold the same subject.
   */
  claimDue(owner: string, now: Date, leaseMs: number, limit: number): Promise<T[]>;
  /**
   * Extends `owner`'s lease to now + leaseMs. The worker renews while it drives a subject, so no other process takes
   * over in the middle of a slow step, and right before each Azure action. Resolves to the stored version (changed by
   * a click since the worker read it, the action may be out of date), or undefined when the lease is no longer
   * `owner`'s: it was given back, or it ran out and another process took the subject.
   */
  renewLease(id: string, owner: string, now: Date, leaseMs: number): Promise<{ version: number } | undefined>;
  /**
   * Gives a lease back (the worker is done with the subject for now), and with a schedule, sets when it is due again —
   * not a change of the subject (its version stays), and only if its version is still `schedule.version`: a click
   * stored while the worker held the lease has set its own `nextRunAt`, which must not be pushed back.
   */
  releaseLease(id: string, owner: string, schedule?: Schedule): Promise<void>;
}
