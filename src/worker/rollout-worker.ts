import type { Logger } from "../logger.js";
import { LeaseDriver, type Drive } from "./lease-driver.js";
import type { Clock } from "../ports/clock.js";
import type { ChannelAddress } from "../ports/notifier.js";
import type { SubscriptionStore } from "../ports/subscriptions.js";
import { followingChannels } from "../core/rollout/channels.js";
import { gradeSample } from "../core/rollout/smoke-test.js";
import type { Rollout, RolloutStore, SmokeSample } from "../ports/rollouts.js";
import type { GateWindow } from "../ports/evidence.js";
import type { Store } from "../ports/store.js";
import type { Workspace, WorkspaceError } from "../ports/workspace.js";
import type { Result } from "../ports/result.js";
import type { RolloutPeople } from "../core/rollout/transition.js";
import { waitingForPerson } from "../core/rollout/waiting.js";
import { windowToRead, type MetricsReading } from "../core/rollout/gate-reading.js";
import { errorText } from "../core/errors.js";
import {
  actionFailed,
  observationFor,
  observedAfter,
  observes,
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
  /** How long Azure Monitor takes to aggregate a minute: the gates read only minutes older than this. */
  metricsDelayMs: number;
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

type Outcome =
  | { kind: "wait"; until: Date | undefined }
  | { kind: "stale" }
  /** Driven on at once; `observed` is what still holds of Azure (no new read needed), if anything. */
  | { kind: "next"; rollout: Rollout; observed?: Observed | undefined }
  /** The process is stopping: the rollout goes back to the store for another instance, now. */
  | { kind: "give_back" };

/**
 * The durable worker inside the bot process: it drives each due rollout (a LeaseDriver claims them), reads Azure, asks
 * the pure reconcile function what to do, does it, and stores each transition with a compare-and-set. A crash at any
 * point leaves a rollout the next process resumes the same way: every Azure action is idempotent.
 */
export class RolloutWorker extends LeaseDriver<Rollout> {
  constructor(private readonly o: RolloutWorkerOptions) {
    super({
      kind: "rollout",
      leases: o.rollouts,
      settings: o,
      maxAtOnce: o.maxRollouts,
      retryMs: o.pollMs * 5,
      abandon: o.cancelAzureCalls,
    });
  }

  /** Drives one claimed rollout through up to ROUNDS_PER_CLAIM decisions; when it is due again. */
  protected override async drive(drive: Drive<Rollout>): Promise<Date | undefined> {
    let observed: Observed | undefined;
    for (let round = 0; round < ROUNDS_PER_CLAIM; round++) {
      const r = drive.current;
      if (this.stopping) return undefined;
      const ctx = await this.context(r);
      // Waiting for a person: nothing to read from Azure until the approval expires.
      const person = waitingForPerson(r, ctx.now);
      if (person) return person.until;
      const window = windowToRead(r, ctx.now, this.o.metricsDelayMs);
      const seen =
        observed && observes(observed, r.phase, window)
          ? { ok: true as const, value: observed }
          : await this.observe(r, window);
      if (this.abandoned) return undefined;
      if (!seen.ok) {
        // Azure could not be read (busy, throttled, down, or the identity lost its role): look again later.
        this.o.log.warn("could not read Azure for a rollout; trying again later", {
          rollout: r.id,
          error: seen.error.code,
        });
        return new Date(ctx.now.getTime() + this.o.pollMs * 5);
      }
      const outcome = await this.carryOut(r, reconcile(r, seen.value, ctx), ctx, seen.value);
      if (outcome.kind === "wait") return outcome.until;
      if (outcome.kind === "stale" || outcome.kind === "give_back") return undefined;
      observed = outcome.observed;
      drive.current = outcome.rollout;
      // A change that scheduled the next look for later (a restore Azure refused, tried again with back-off) is left
      // until then, not driven again at once.
      const due = outcome.rollout.nextRunAt;
      if (due && due > this.o.clock.now()) return due;
    }
    return undefined;
  }

  /**
   * Runs a decision made on `seen`: stores a transition, or does the Azure action and tells what happened. An action's
   * failure goes back through the pure core, which decides to wait or to end the rollout.
   */
  private async carryOut(
    r: Rollout,
    decision: Decision,
    ctx: ReconcileContext,
    seen: Observed | undefined,
  ): Promise<Outcome> {
    switch (decision.kind) {
      case "wait":
        return { kind: "wait", until: decision.until };
      case "transition": {
        const t = decision.transition;
        if (!(await this.o.rollouts.update(t.next, r.version, { audit: t.audit, outbox: t.outbox }))) {
          // Another process or a click changed it first; whoever holds it now drives it.
          return { kind: "stale" };
        }
        this.o.onStored();
        // Only the store changed: what was read from Azure still holds for the next decision.
        return { kind: "next", rollout: t.next, observed: seen };
      }
      case "act": {
        if (this.stopping) return { kind: "give_back" };
        if (!(await this.stillCurrent(r))) return { kind: "stale" };
        const { action } = decision;
        if (action.kind === "smoke_test") {
          const tested = await this.smokeTest(r, ctx);
          // Cut short by the shutdown: the answers say nothing about the new deployment.
          if (this.abandoned) return { kind: "give_back" };
          return this.carryOut(r, { kind: "transition", transition: tested }, ctx, seen);
        }
        const done = await this.act(r, action);
        // Cancelled by the shutdown, not failed: the next instance reads from Azure what it did.
        if (this.abandoned) return { kind: "give_back" };
        if (done.ok) {
          // A deployment just put is provisioning: Azure is looked at again when it said, not at once.
          const lookAgainMs = done.value?.retryAfterMs;
          const until = lookAgainMs === undefined ? undefined : new Date(this.o.clock.now().getTime() + lookAgainMs);
          if (until) return { kind: "wait", until };
          return { kind: "next", rollout: r, observed: seen && observedAfter(seen, action) };
        }
        // A failed action may have changed anything: Azure is read again after the failure is handled.
        return this.carryOut(r, actionFailed(r, action, done.error, ctx), ctx, undefined);
      }
    }
  }

  /**
   * Whether an Azure action is still this process's to do: not when another process took the rollout over (this one's
   * lease ran out), nor when a click changed it since it was read (a rollback must not be overtaken by the step it
   * cancelled). The rollout is then driven afresh from what is stored.
   */
  private async stillCurrent(r: Rollout): Promise<boolean> {
    return (await this.renew(r.id))?.version === r.version;
  }

  /** Does an Azure action; a clone tells when to look at the new deployment again. */
  private act(
    r: Rollout,
    action: Exclude<WorkspaceAction, { kind: "smoke_test" }>,
  ): Promise<Result<{ retryAfterMs: number } | void, WorkspaceError>> {
    const ws = this.o.workspace;
    switch (action.kind) {
      case "clone":
        return ws.cloneDeployment(r.endpoint, r.live, r.candidate, r.model);
      case "delete_candidate":
        return ws.deleteDeployment(r.endpoint, r.candidate);
      case "set_traffic":
        return ws.setTraffic(r.endpoint, action.traffic, action.mirror);
      case "delete_live":
        return ws.deleteDeployment(r.endpoint, r.live);
    }
  }

  /**
   * What the rollout's phase needs to know from Azure ({@link observationFor}): the endpoint's traffic alone (one read),
   * or the endpoint with its deployments.
   */
  private async observe(r: Rollout, window?: GateWindow): Promise<Result<Observed, WorkspaceError>> {
    if (observationFor(r.phase) === "traffic") {
      const [read, metrics] = await Promise.all([
        this.o.workspace.getEndpointTraffic(r.endpoint),
        window ? this.readMetrics(r, window) : undefined,
      ]);
      if (!read.ok)
        return read.error.code === "endpoint_not_found" ? { ok: true, value: { traffic: undefined } } : read;
      const { traffic, mirrorTraffic: mirror, state: endpointState } = read.value;
      return { ok: true, value: { traffic, mirror, endpointState, ...(metrics ? { metrics } : {}) } };
    }
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
   * Azure Monitor's figures for the gates' window. A failure to read them is an answer too: the gates are inconclusive,
   * with why, and never pass on it.
   */
  private async readMetrics(r: Rollout, window: GateWindow): Promise<MetricsReading> {
    const read = await this.o.workspace.requestMetrics(r.endpoint, window);
    if (read.ok) return { window, metrics: read.value };
    this.o.log.warn("could not read the gates' metrics; they are inconclusive", {
      rollout: r.id,
      error: read.error.code,
    });
    return { window, unavailable: errorText(read.error) };
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
      metricsDelayMs: this.o.metricsDelayMs,
    };
  }
}
