import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "../logger.js";
import type { Clock } from "../ports/clock.js";
import type { Leases } from "../ports/leases.js";
import type { Subject } from "../ports/outbox.js";
import { BackgroundLoop } from "./background-loop.js";
import { settlesWithin } from "./settles-within.js";

interface Leased {
  id: string;
  version: number;
}

/** A claimed subject being driven; the drive keeps `current` up to date as it stores changes of it. */
export interface Drive<T> {
  current: T;
}

/** What every worker's driver is set up with. */
export interface LeaseSettings {
  clock: Clock;
  log: Logger;
  /** How often the store is asked for due work when nothing woke the driver (work of other instances). */
  idleMs: number;
  /** How long a claimed subject is this process's; renewed while it is driven. */
  leaseMs: number;
}

export interface LeaseDriverOptions<T extends Leased> {
  /** What is driven (logs name it so). */
  kind: Subject["kind"];
  leases: Leases<T>;
  settings: LeaseSettings;
  /** Subjects driven at once, at most (a drive following an Azure operation holds its place). */
  maxAtOnce: number;
  /** When a drive that failed unexpectedly is tried again. */
  retryMs: number;
  /** Stopping, and a drive outlasted the time to finish: cut short what it waits for. */
  abandon?: (() => void) | undefined;
}

/**
 * A subject due again within this long gets a round of its own then, rather than at an idle round: an operation to
 * look at again, the next readable minute of a rollout's gates (a minute apart, and a breach waits for no idle round).
 */
const WAKE_WITHIN_MS = 5 * 60_000;

/**
 * The durable worker's loop, for every subject it leases (rollouts, deletion requests): it claims due subjects from the
 * store (never from memory), drives each (`drive`, the worker's own step) while a heartbeat renews its lease, and
 * hands it back with when it is due again. Each claimed subject is driven on its own, and a round does not wait for
 * them: a subject that becomes due (an approval click) is claimed and driven at once, not after the others' Azure
 * operations in flight.
 */
export abstract class LeaseDriver<T extends Leased> {
  /** This process, as a lease owner. */
  readonly owner: string;
  private readonly loop: BackgroundLoop;
  private readonly s: LeaseSettings;
  /** The subjects being driven, by id. */
  private readonly drives = new Map<string, Promise<void>>();
  private halting = false;
  private gaveUp = false;

  constructor(private readonly lease: LeaseDriverOptions<T>) {
    this.owner = `${lease.kind}-worker-${randomUUID()}`;
    this.s = lease.settings;
    this.loop = new BackgroundLoop(
      async () => void (await this.round()),
      lease.settings.idleMs,
      (error) => lease.settings.log.error(`${lease.kind} worker round failed`, { error: String(error) }),
    );
  }

  /**
   * Drives one claimed subject while its lease is renewed; resolves to when it is due again (undefined: as stored),
   * which applies only if the subject is still at the version in `drive.current`.
   */
  protected abstract drive(drive: Drive<T>): Promise<Date | undefined>;

  /** Stopping: no Azure action starts, and each subject driven is given back once the one in progress ends. */
  protected get stopping(): boolean {
    return this.halting;
  }

  /** Stopping, and the actions in progress were cut short: what they answered is this process's doing, not Azure's. */
  protected get abandoned(): boolean {
    return this.gaveUp;
  }

  start(): void {
    this.loop.start();
  }

  /** There may be due work now (a deploy, a click): look without waiting for the idle interval. */
  wake(): void {
    this.loop.wake();
  }

  /**
   * Stops taking work, and gives back each subject it drives once the Azure action in progress for it has ended: the
   * lease is released at once and the subject stays due, so another instance takes it over now rather than when the
   * lease runs out. A drive still running after `finishMs` is abandoned (`abandon` cuts it short; the next instance
   * reads from Azure what it did, as after a crash), and its subject is given back within `giveBackMs` more — from
   * here, if the drive waits for something that cannot be cut short.
   */
  async stop(finishMs = Number.POSITIVE_INFINITY, giveBackMs = 2000): Promise<void> {
    this.halting = true;
    const stopped = (async () => {
      await this.loop.stop();
      await this.idle();
    })();
    const held = (): Record<string, string[]> => ({ [`${this.lease.kind}s`]: [...this.drives.keys()] });
    if (this.drives.size > 0) {
      this.s.log.info(`stopping: giving ${this.lease.kind}s back as their Azure action in progress ends`, held());
    }
    if (await settlesWithin(stopped, finishMs)) return;
    this.gaveUp = true;
    this.s.log.warn(
      `an Azure action outlasted the time to stop; cancelling it and giving its ${this.lease.kind} back`,
      held(),
    );
    this.lease.abandon?.();
    if (await settlesWithin(stopped, giveBackMs / 2)) return;
    // Nothing such a drive does from now on is recorded (`abandoned`), and the process ends next.
    const stuck = [...this.drives.keys()];
    const released = Promise.all(stuck.map((id) => this.lease.leases.releaseLease(id, this.owner))).then(
      () => true,
      () => false,
    );
    if (!(await Promise.race([released, sleep(giveBackMs / 2).then(() => false)]))) {
      this.s.log.warn(`could not give every ${this.lease.kind} back; their leases run out by themselves`, held());
    }
  }

  /** Resolves once no round is running and nothing is being driven (tests). */
  async idle(): Promise<void> {
    do {
      await this.loop.idle();
      await Promise.all(this.drives.values());
    } while (this.drives.size > 0);
  }

  /** Drives until nothing is due now (tests; and shutdown, so what is due goes out before the process ends). */
  async drain(): Promise<void> {
    for (;;) {
      await this.idle();
      if ((await this.round()) > 0) continue;
      // Nothing due for this round; one the loop started meanwhile may have found some.
      await this.idle();
      if (this.drives.size === 0) return;
    }
  }

  /**
   * Renews the lease right before an Azure action: the stored version, or undefined when another process took the
   * subject over (this one's lease ran out) — the action is then not this process's to do.
   */
  protected async renew(id: string): Promise<{ version: number } | undefined> {
    const held = await this.lease.leases.renewLease(id, this.owner, this.s.clock.now(), this.s.leaseMs);
    if (!held)
      this.s.log.warn(`another instance took over a ${this.lease.kind}; this one leaves it`, { [this.lease.kind]: id });
    return held;
  }

  /** One round: claims due subjects while there is room, and starts driving each; how many it started. */
  private async round(): Promise<number> {
    let started = 0;
    while (this.drives.size < this.lease.maxAtOnce) {
      const room = this.lease.maxAtOnce - this.drives.size;
      const due = await this.lease.leases.claimDue(this.owner, this.s.clock.now(), this.s.leaseMs, room);
      for (const subject of due) this.startDriving(subject);
      started += due.length;
      if (due.length === 0 || this.loop.stopped) break;
    }
    return started;
  }

  private startDriving(subject: T): void {
    // A drive gives its lease back just before it ends, so the subject may be claimed again while it is still here:
    // the new drive follows the old one rather than run beside it.
    const before = this.drives.get(subject.id) ?? Promise.resolve();
    const drive: Promise<void> = before
      .then(() => this.run(subject))
      .catch((error: unknown) =>
        this.s.log.error(`${this.lease.kind} drive failed`, { [this.lease.kind]: subject.id, error: String(error) }),
      )
      .finally(() => {
        if (this.drives.get(subject.id) === drive) this.drives.delete(subject.id);
        // Room for another, and this one may be due again (a click while it was driven).
        this.loop.wake();
      });
    this.drives.set(subject.id, drive);
  }

  private async run(claimed: T): Promise<void> {
    const { kind, leases } = this.lease;
    const owner = this.owner;
    const { clock, log, leaseMs } = this.s;
    const drive: Drive<T> = { current: claimed };
    let nextRunAt: Date | undefined;
    // A step can outlast the lease (a slow or throttled Azure): while this process is alive, the subject stays its own.
    const heartbeat = setInterval(() => {
      leases
        .renewLease(claimed.id, owner, clock.now(), leaseMs)
        .then((held) => held ?? log.warn(`another instance took over a ${kind}`, { [kind]: claimed.id }))
        .catch((error: unknown) => log.warn(`could not renew a ${kind} lease`, { error: String(error) }));
    }, leaseMs / 3);
    heartbeat.unref();
    try {
      nextRunAt = await this.drive(drive);
    } catch (error) {
      log.error(`${kind} step failed; it is retried`, { [kind]: claimed.id, error: String(error) });
      nextRunAt = new Date(clock.now().getTime() + this.lease.retryMs);
    } finally {
      clearInterval(heartbeat);
      // Given back while stopping: due as stored (a working phase is due now), for an instance that stays.
      const schedule = nextRunAt && !this.halting ? { nextRunAt, version: drive.current.version } : undefined;
      const released = await leases.releaseLease(claimed.id, owner, schedule).then(
        () => true,
        (error: unknown) => {
          log.warn(`could not release a ${kind} lease; it runs out by itself`, { error: String(error) });
          return false;
        },
      );
      // Looked at again soon: claimed then, not at the next idle interval; an approval's expiry, hours away, is left
      // to the idle rounds.
      const wait = schedule && schedule.nextRunAt.getTime() - clock.now().getTime();
      if (released && wait !== undefined && wait < WAKE_WITHIN_MS) this.loop.wakeIn(wait);
    }
  }
}
