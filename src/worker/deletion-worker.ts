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
import { LeaseDriver, type Drive } from "./lease-driver.js";

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
 * Drives due deletion requests (a LeaseDriver claims them) — a confirmed one to delete (Azure's operation followed to
 * its end), an unconfirmed one to expire — and stores each change with a compare-and-set, like the rollout worker.
 */
export class DeletionWorker extends LeaseDriver<Deletion> {
  constructor(private readonly o: DeletionWorkerOptions) {
    super({
      kind: "deletion",
      leases: o.deletions,
      settings: o,
      // One at a time: a stopping instance holds nothing it has not started, and another instance can take the next
      // request while this one follows Azure's delete.
      maxAtOnce: 1,
      retryMs: o.retryMs,
    });
  }

  /** Takes one step with a claimed request; when it is due again. */
  protected override async drive({ current: d }: Drive<Deletion>): Promise<Date | undefined> {
    const ctx: DeletionContext = {
      now: this.o.clock.now(),
      approvers: this.o.approvers,
      notify: await followingChannels(this.o.subscriptions, d.endpoint, this.o.releaseChannel),
      correlationId: this.owner,
      retryMs: this.o.retryMs,
    };
    const seen = await this.observe(d);
    if (!seen.ok) return new Date(ctx.now.getTime() + this.o.retryMs);
    let decision: DeletionDecision = reconcileDeletion(d, ctx, seen.value);
    if (decision.kind === "delete") {
      // Azure's delete can take minutes: it must still be this process's request, at the version it decided from.
      if ((await this.renew(d.id))?.version !== d.version) return undefined;
      const done = await this.o.workspace.deleteEndpoint(d.endpoint);
      decision = done.ok
        ? { kind: "transition", transition: deleted(d, { ...ctx, now: this.o.clock.now() }) }
        : deletionFailed(d, done.error, ctx);
    }
    if (decision.kind === "wait") return decision.until;
    if (decision.kind === "transition") {
      const t = decision.transition;
      if (await this.o.deletions.update(t.next, d.version, { audit: t.audit, outbox: t.outbox })) {
        this.o.onStored();
      }
    }
    return undefined;
  }

  /**
   * What a confirmed request needs to know right before the delete: whether a rollout started, and the endpoint as
   * Azure has it now (to compare with the card the approver confirmed). An unconfirmed one needs nothing.
   */
  private async observe(d: Deletion): Promise<Result<DeletionObserved, WorkspaceError>> {
    if (d.phase !== "deleting") return { ok: true, value: { rolloutActive: false } };
    const rolloutActive = (await this.o.rollouts.current(d.endpoint)) !== undefined;
    const endpoint = await this.o.workspace.getEndpoint(d.endpoint);
    if (endpoint.ok) return { ok: true, value: { rolloutActive, endpoint: endpoint.value } };
    if (endpoint.error.code === "endpoint_not_found") return { ok: true, value: { rolloutActive } };
    return endpoint;
  }
}
