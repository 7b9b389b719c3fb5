import { randomUUID } from "node:crypto";
import type { Logger } from "../logger.js";
import type { Clock } from "../ports/clock.js";
import type { Deletion, DeletionStore } from "../ports/deletions.js";
import type { ChannelAddress, Mention } from "../ports/notifier.js";
import type { RolloutStore } from "../ports/rollouts.js";
import type { SubscriptionStore } from "../ports/subscriptions.js";
import type { Result } from "../ports/result.js";
import type { Workspace, WorkspaceError } from "../ports/workspace.js";
import {
  deleted,
  deletionFailed,
  reconcileDeletion,
  type DeletionContext,
  type DeletionDecision,
  type DeletionObserved,
} from "../core/deletion/deletion.js";
import { followingChannels } from "../core/rollout/channels.js";
import { BackgroundLoop } from "./background-loop.js";

export interface DeletionWorkerOptions {
  deletions: DeletionStore;
  /** A rollout started after the request stops the deletion. */
  rollouts: RolloutStore;
  subscriptions: SubscriptionStore;
  releaseChannel?: ChannelAddress;
  workspace: Workspace;
  /** The approvers, for whom a deletion's card refreshes while it waits. */
  approvers: readonly Mention[];
  clock: Clock;
  log: Logger;
  idleMs: number;
  leaseMs: number;
  retryMs: number;
  /** A change was stored: its messages wait in the outbox. */
  onStored: () => void;
}

/**
 * Takes due deletion requests from the store — a confirmed one to delete (Azure's operation followed to its end), an
 * unconfirmed one to expire — and stores each change with a compare-and-set, like the rollout worker.
 */
export class DeletionWorker {
  readonly owner = `deletions-${randomUUID()}`;
  private readonly loop: BackgroundLoop;

  constructor(private readonly o: DeletionWorkerOptions) {
    this.loop = new BackgroundLoop(
      () => this.round(),
      o.idleMs,
      (error) => o.log.error("deletion worker round failed", { error: String(error) }),
    );
  }

  start(): void {
    this.loop.start();
  }

  wake(): void {
    this.loop.wake();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  drain(): Promise<void> {
    return this.loop.drain();
  }

  private async round(): Promise<void> {
    // One claim at a time: a stopping instance holds nothing it has not started, and another instance can take the
    // next request while this one follows Azure's delete.
    do {
      const [due] = await this.o.deletions.claimDueDeletions(this.owner, this.o.clock.now(), this.o.leaseMs, 1);
      if (!due) return;
      await this.drive(due);
    } while (!this.loop.stopped);
  }

  private async drive(d: Deletion): Promise<void> {
    let until: Date | undefined;
    // Azure's delete can take minutes: while this process follows it, no other instance sends it again.
    const heartbeat = setInterval(() => {
      this.o.deletions
        .renewDeletionLease(d.id, this.owner, this.o.clock.now(), this.o.leaseMs)
        .then((held) => held || this.o.log.warn("another instance took over a deletion request", { deletion: d.id }))
        .catch((error: unknown) => this.o.log.warn("could not renew a deletion lease", { error: String(error) }));
    }, this.o.leaseMs / 3);
    heartbeat.unref();
    try {
      const ctx: DeletionContext = {
        now: this.o.clock.now(),
        approvers: this.o.approvers,
        notify: await followingChannels(this.o.subscriptions, d.endpoint, this.o.releaseChannel),
        correlationId: this.owner,
        retryMs: this.o.retryMs,
      };
      const seen = await this.observe(d);
      if (!seen.ok) {
        until = new Date(ctx.now.getTime() + this.o.retryMs);
        return;
      }
      let decision: DeletionDecision = reconcileDeletion(d, ctx, seen.value);
      if (decision.kind === "delete") {
        const done = await this.o.workspace.deleteEndpoint(d.endpoint);
        decision = done.ok
          ? { kind: "transition", transition: deleted(d, { ...ctx, now: this.o.clock.now() }) }
          : deletionFailed(d, done.error, ctx);
      }
      if (decision.kind === "wait") until = decision.until;
      else if (decision.kind === "transition") {
        const t = decision.transition;
        if (await this.o.deletions.updateDeletion(t.next, d.version, { audit: t.audit, outbox: t.outbox })) {
          this.o.onStored();
        }
      }
    } catch (error) {
      this.o.log.error("deletion step failed; it is retried", { deletion: d.id, error: String(error) });
      until = new Date(this.o.clock.now().getTime() + this.o.retryMs);
    } finally {
      clearInterval(heartbeat);
      await this.o.deletions
        .releaseDeletion(d.id, this.owner, until ? { nextRunAt: until, version: d.version } : undefined)
        .catch((error: unknown) => this.o.log.warn("could not release a deletion lease", { error: String(error) }));
    }
  }

  /**
   * What a confirmed request needs to know right before the delete: whether a rollout started, and the endpoint as
   * Azure has it now (to compare with the card the approver confirmed). An unconfirmed one needs nothing.
   */
  private async observe(d: Deletion): Promise<Result<DeletionObserved, WorkspaceError>> {
    if (d.phase !== "deleting") return { ok: true, value: { rolloutActive: false } };
    const rolloutActive = (await this.o.rollouts.activeRollout(d.endpoint)) !== undefined;
    const endpoint = await this.o.workspace.getEndpoint(d.endpoint);
    if (endpoint.ok) return { ok: true, value: { rolloutActive, endpoint: endpoint.value } };
    if (endpoint.error.code === "endpoint_not_found") return { ok: true, value: { rolloutActive } };
    return endpoint;
  }
}
