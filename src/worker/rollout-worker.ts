import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "../logger.js";
import { BackgroundLoop } from "./background-loop.js";
import { settlesWithin } from "./settles-within.js";
import type { Clock } from "../ports/clock.js";
import type { ChannelAddress } from "../ports/notifier.js";
import type { SubscriptionStore } from "../ports/subscriptions.js";
import { followingChannels } from "../core/rollout/channels.js";
import { gradeSample } from "../core/rollout/smoke-test.js";
import type { Rollout, RolloutStore, SmokeSample } from "../ports/rollouts.js";
import type { Store } from "../ports/store.js";
import type { Workspace, WorkspaceError } from "../ports/workspace.js";
import type { Result } from "../ports/result.js";
import type { RolloutPeople } from "../core/rollout/transition.js";
import { waitingForPerson } from "../core/rollout/waiting.js";
import {
  actionFailed,
  reconcile,
  smokeTested,
  type Decision,
  type Observed,
  type ReconcileContext,
  type WorkspaceAction,
} from "../core/rollout/reconcile.js";

export interface RolloutWorkerOptions {
  rollouts: RolloutStore;
  workspace: Workspace;
  /** Sample payloads, for the smoke test. */
  store: Store;
  clock: Clock;
  log: Logger;
  /** Who holds the roles that act on rollouts, to @mention when they must act. */
  people: RolloutPeople;
  approvalTtlMs: number;
  /** Who follows each endpoint (its subscribed channels), and the release channel when none does. */
  subscriptions: SubscriptionStore;
  releaseChannel?: ChannelAddress;
  /** How often a running Azure operation is looked at again (Azure's Retry-After when it says more). */
  pollMs: number;
  /** How often the store is asked for due work when nothing woke the worker (work of other instances). */
  idleMs: number;
  /** How long a claimed rollout is this process's; another process may take it over after. */
  leaseMs: number;
  /** Samples sent in a smoke test, at most. */
  maxSmokeSamples: number;
  /** Rollouts one process drives at once, at most (a drive following an Azure operation holds its place). */
  maxRollouts: number;
  /** Called after a transition was stored: its messages are waiting in the outbox. */
  onStored: () => void;
  /** Cancels every Azure call in flight and refuses new ones: a stopping process abandons an action that takes too long. */
  cancelAzureCalls?: () => void;
}

const ROUNDS_PER_CLAIM = 25;
/** A rollout due again within this long gets a round of its own then. */
const WAKE_WITHIN_MS = 60_000;

type Outcome =
  | { kind: "wait"; until: Date | undefined }
  | { kind: "stale" }
  | { kind: "next"; rollout: Rollout }
  /** The process is stopping: the rollout goes back to the store for another instance, now. */
  | { kind: "give_back" };

/**
 * The durable worker inside the bot process: it takes due rollouts from the store (never from memory), reads Azure,
 * asks the pure reconcile function what to do, does it, and stores each transition with a compare-and-set. A crash at
 * any point leaves a rollout the next process resumes the same way: every Azure action is idempotent.
 *
 * Each claimed rollout is driven on its own, and a round does not wait for them: a rollout that becomes due (an
 * approval click) is claimed and driven at once, not after the others' Azure operations in flight (minutes, in Azure).
 */
export class RolloutWorker {
  /** This process, as a lease owner. */
  readonly owner = `worker-${randomUUID()}`;
  private readonly loop: BackgroundLoop;
  /** The rollouts being driven, by id. */
  private readonly drives = new Map<string, Promise<void>>();
  /** Stopping: no Azure action starts, and each rollout driven is given back once the one in progress ends. */
  private stopping = false;
  /** Stopping, and the actions in progress were cancelled: what they answered is this process's doing, not Azure's. */
  private abandoned = false;

  constructor(private readonly o: RolloutWorkerOptions) {
    this.loop = new BackgroundLoop(
      async () => void (await this.round()),
      o.idleMs,
      (error) => o.log.error("rollout worker round failed", { error: String(error) }),
    );
  }

  start(): void {
    this.loop.start();
  }

  /** There may be due work now (a deploy, a click): look without waiting for the idle interval. */
  wake(): void {
    this.loop.wake();
  }

  /**
   * Stops taking work, and gives back each rollout it drives once the Azure action in progress for it has ended: the
   * lease is released at once and the rollout stays due, so another instance takes it over now rather than when the
   * lease runs out. An action still running after `finishMs` is abandoned: `cancelAzureCalls` cuts it short, what it
   * did is not recorded here (the next instance reads it from Azure, as after a crash), and its rollout is given back
   * within `giveBackMs` more — from here, if its drive waits for something that cannot be cut short (a scoring answer).
   */
  async stop(finishMs = Number.POSITIVE_INFINITY, giveBackMs = 2000): Promise<void> {
    this.stopping = true;
    const stopped = (async () => {
      await this.loop.stop();
      await this.idle();
    })();
    if (this.drives.size > 0) {
      this.o.log.info("stopping: giving rollouts back as their Azure action in progress ends", {
        rollouts: [...this.drives.keys()],
      });
    }
    if (await settlesWithin(stopped, finishMs)) return;
    this.abandoned = true;
    this.o.log.warn("an Azure action outlasted the time to stop; cancelling it and giving its rollout back", {
      rollouts: [...this.drives.keys()],
    });
    this.o.cancelAzureCalls?.();
    if (await settlesWithin(stopped, giveBackMs / 2)) return;
    // Nothing such a drive does from now on is recorded (`abandoned`), and the process ends next.
    const stuck = [...this.drives.keys()];
    const released = Promise.all(stuck.map((id) => this.o.rollouts.releaseRollout(id, this.owner))).then(
      () => true,
      () => false,
    );
    if (!(await Promise.race([released, sleep(giveBackMs / 2).then(() => false)]))) {
      this.o.log.warn("could not give every rollout back; their leases run out by themselves", { rollouts: stuck });
    }
  }

  /** Resolves once no round is running and no rollout is being driven (tests). */
  async idle(): Promise<void> {
    do {
      await this.loop.idle();
      await Promise.all(this.drives.values());
    } while (this.drives.size > 0);
  }

  /** Drives rollouts until nothing is due now (tests; and shutdown, so what is due goes out before the process ends). */
  async drain(): Promise<void> {
    for (;;) {
      await this.idle();
      if ((await this.round()) > 0) continue;
      // Nothing due for this round; one the loop started meanwhile may have found some.
      await this.idle();
      if (this.drives.size === 0) return;
    }
  }

  /** One round: claims due rollouts while there is room, and starts driving each; how many it started. */
  private async round(): Promise<number> {
    let started = 0;
    while (this.drives.size < this.o.maxRollouts) {
      const room = this.o.maxRollouts - this.drives.size;
      const due = await this.o.rollouts.claimDueRollouts(this.owner, this.o.clock.now(), this.o.leaseMs, room);
      for (const r of due) this.startDriving(r);
      started += due.length;
      if (due.length === 0 || this.loop.stopped) break;
    }
    return started;
  }

  private startDriving(r: Rollout): void {
    // A drive gives its lease back just before it ends, so the rollout may be claimed again while it is still here:
    // the new drive follows the old one rather than run beside it.
    const before = this.drives.get(r.id) ?? Promise.resolve();
    const drive: Promise<void> = before
      .then(() => this.drive(r))
      .catch((error: unknown) => this.o.log.error("rollout drive failed", { rollout: r.id, error: String(error) }))
      .finally(() => {
        if (this.drives.get(r.id) === drive) this.drives.delete(r.id);
        // Room for another, and this one may be due again (a click while it was driven).
        this.loop.wake();
      });
    this.drives.set(r.id, drive);
  }

  private async drive(rollout: Rollout): Promise<void> {
    let r = rollout;
    let nextRunAt: Date | undefined;
    // A step can outlast the lease (a slow or throttled Azure): while this process is alive, the rollout stays its own.
    const heartbeat = setInterval(() => {
      this.o.rollouts
        .renewLease(r.id, this.owner, this.o.clock.now(), this.o.leaseMs)
        .catch((error: unknown) => this.o.log.warn("could not renew a rollout lease", { error: String(error) }));
    }, this.o.leaseMs / 3);
    heartbeat.unref();
    try {
      let observed: Observed | undefined;
      for (let round = 0; round < ROUNDS_PER_CLAIM; round++) {
        if (this.stopping) break;
        const ctx = await this.context(r);
        // Waiting for a person: nothing to read from Azure until the approval expires.
        const person = waitingForPerson(r, ctx.now);
        if (person) {
          nextRunAt = person.until;
          break;
        }
        const seen = observed ? { ok: true as const, value: observed } : await this.observe(r);
        if (this.abandoned) break;
        if (!seen.ok) {
          // Azure could not be read (busy, throttled, down, or the identity lost its role): look again later.
          this.o.log.warn("could not read Azure for a rollout; trying again later", {
            rollout: r.id,
            error: seen.error.code,
          });
          nextRunAt = new Date(ctx.now.getTime() + this.o.pollMs * 5);
          break;
        }
        const decision = reconcile(r, seen.value, ctx);
        const outcome = await this.carryOut(r, decision, ctx);
        if (outcome.kind === "wait") {
          nextRunAt = outcome.until;
          break;
        }
        if (outcome.kind === "stale") return;
        if (outcome.kind === "give_back") break;
        // Only the store changed: what was just read from Azure still holds for the next decision. After an Azure
        // action (done or failed) it is read again.
        observed = decision.kind === "transition" ? seen.value : undefined;
        r = outcome.rollout;
        // A change that scheduled the next look for later (a restore Azure refused, tried again with back-off) is
        // left until then, not driven again at once.
        if (r.nextRunAt && r.nextRunAt > this.o.clock.now()) {
          nextRunAt = r.nextRunAt;
          break;
        }
      }
    } catch (error) {
      this.o.log.error("rollout step failed; it is retried", { rollout: r.id, error: String(error) });
      nextRunAt = new Date(this.o.clock.now().getTime() + this.o.pollMs * 5);
    } finally {
      clearInterval(heartbeat);
      // Given back while stopping: due as stored (a working phase is due now), for an instance that stays.
      const schedule = nextRunAt && !this.stopping ? { nextRunAt, version: r.version } : undefined;
      const released = await this.o.rollouts.releaseRollout(r.id, this.owner, schedule).then(
        () => true,
        (error: unknown) => {
          this.o.log.warn("could not release a rollout lease; it runs out by itself", { error: String(error) });
          return false;
        },
      );
      // An operation looked at again soon is claimed then, not at the next idle interval; an approval's expiry, a day
      // away, is left to the idle rounds.
      const wait = schedule && schedule.nextRunAt.getTime() - this.o.clock.now().getTime();
      if (released && wait !== undefined && wait < WAKE_WITHIN_MS) this.loop.wakeIn(wait);
    }
  }

  /**
   * Runs a decision: stores a transition, or does the Azure action and tells what happened. An action's failure goes
   * back through the pure core, which decides to wait or to end the rollout.
   */
  private async carryOut(r: Rollout, decision: Decision, ctx: ReconcileContext): Promise<Outcome> {
    switch (decision.kind) {
      case "wait":
        return { kind: "wait", until: decision.until };
      case "transition": {
        const t = decision.transition;
        if (!(await this.o.rollouts.updateRollout(t.next, r.version, { audit: t.audit, outbox: t.outbox }))) {
          // Another process or a click changed it first; whoever holds it now drives it.
          return { kind: "stale" };
        }
        this.o.onStored();
        return { kind: "next", rollout: t.next };
      }
      case "act": {
        if (this.stopping) return { kind: "give_back" };
        if (!(await this.stillCurrent(r))) return { kind: "stale" };
        if (decision.action.kind === "smoke_test") {
          const tested = await this.smokeTest(r, ctx);
          // Cut short by the shutdown: the answers say nothing about the new deployment.
          if (this.abandoned) return { kind: "give_back" };
          return this.carryOut(r, { kind: "transition", transition: tested }, ctx);
        }
        const done = await this.act(r, decision.action);
        // Cancelled by the shutdown, not failed: the next instance reads from Azure what it did.
        if (this.abandoned) return { kind: "give_back" };
        if (done.ok) return { kind: "next", rollout: r };
        return this.carryOut(r, actionFailed(r, decision.action, done.error, ctx), ctx);
      }
    }
  }

  /**
   * Renews the lease right before an Azure action, and says whether the action is still this process's to do: not when
   * another process took the rollout over (this one's lease ran out), nor when a click changed it since it was read (a
   * rollback must not be overtaken by the step it cancelled). The rollout is then driven afresh from what is stored.
   */
  private async stillCurrent(r: Rollout): Promise<boolean> {
    const held = await this.o.rollouts.renewLease(r.id, this.owner, this.o.clock.now(), this.o.leaseMs);
    if (!held) {
      this.o.log.warn("another instance took over a rollout; this one leaves it", { rollout: r.id });
      return false;
    }
    return held.version === r.version;
  }

  private act(
    r: Rollout,
    action: Exclude<WorkspaceAction, { kind: "smoke_test" }>,
  ): Promise<Result<unknown, WorkspaceError>> {
    const ws = this.o.workspace;
    switch (action.kind) {
      case "clone":
        return ws.cloneDeployment(r.endpoint, r.live, r.candidate, r.model);
      case "delete_candidate":
        return ws.deleteDeployment(r.endpoint, r.candidate);
      case "set_traffic":
        return ws.setTraffic(r.endpoint, action.traffic);
      case "delete_live":
        return ws.deleteDeployment(r.endpoint, r.live);
    }
  }

  /** What the rollout's phase needs to know from Azure: one endpoint read (it lists the deployments too). */
  private async observe(r: Rollout): Promise<Result<Observed, WorkspaceError>> {
    const endpoint = await this.o.workspace.getEndpoint(r.endpoint);
    if (!endpoint.ok) {
      if (endpoint.error.code === "endpoint_not_found") {
        return { ok: true, value: { traffic: undefined, candidate: "missing", liveExists: false } };
      }
      return endpoint;
    }
    const candidate = endpoint.value.deployments.find((d) => d.name === r.candidate);
    const seen: Observed = {
      traffic: endpoint.value.traffic,
      endpointState: endpoint.value.state,
      candidate: candidate ?? "missing",
      liveExists: endpoint.value.deployments.some((d) => d.name === r.live),
    };
    // Read while requested too: a failed candidate found then is judged in the deploying phase on this same reading.
    if (candidate && /^(failed|canceled)$/i.test(candidate.state) && /^(requested|deploying)$/.test(r.phase)) {
      const logs = await this.o.workspace.getLogs(r.endpoint, r.candidate, 20);
      if (logs.ok && logs.value.trim()) seen.candidateLogTail = logs.value.trim().slice(-2000);
    }
    return { ok: true, value: seen };
  }

  /**
   * Sends each stored sample to the new deployment and to the live one (header `azureml-model-deployment`); core grades
   * the answers.
   */
  private async smokeTest(r: Rollout, ctx: ReconcileContext) {
    const samples = (await this.o.store.listSamples(r.endpoint)).slice(0, this.o.maxSmokeSamples);
    if (samples.length === 0) {
      return smokeTested(r, [], ctx, `${r.endpoint} has no stored samples; add one with sample add, or override`);
    }
    const results: SmokeSample[] = [];
    for (const sample of samples) {
      const ask = (deployment: string) =>
        this.o.workspace.invoke({ endpoint: r.endpoint, deployment, body: sample.payload });
      const [candidate, live] = await Promise.all([ask(r.candidate), ask(r.live)]);
      results.push(gradeSample(sample.name, candidate, live));
    }
    return smokeTested(r, results, { ...ctx, now: this.o.clock.now() });
  }

  private async context(r: Rollout): Promise<ReconcileContext> {
    return {
      notify: await followingChannels(this.o.subscriptions, r.endpoint, this.o.releaseChannel),
      now: this.o.clock.now(),
      people: this.o.people,
      approvalTtlMs: this.o.approvalTtlMs,
      correlationId: this.owner,
      pollMs: this.o.pollMs,
    };
  }
}
