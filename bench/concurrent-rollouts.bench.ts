import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startGreenLight, type GreenLight } from "../src/app.js";
import { DEFAULT_PLAN } from "../src/core/rollout/plan.js";
import { loadEmulatorSettings } from "../src/emulator/settings.js";
import type { Rollout, RolloutPhase, RolloutStore } from "../src/ports/rollouts.js";
import { openStore, type GreenLightStore } from "../src/store/open-store.js";
import { ArmWorkspace } from "../src/workspace/arm-workspace.js";
import { mapBounded } from "../src/workspace/bounded-map.js";
import { USERS } from "../test/support/bot-harness.js";
import { ConnectorServer } from "../test/support/connector-server.js";
import { benchArmClient, control, createEndpoint } from "./lib/bench-workspace.js";
import { say } from "./lib/chat.js";
import { putSamples } from "./lib/samples.js";
import { ProblemLog, benchBotConfig } from "./lib/in-process-bot.js";
import { startChildServer, type ChildServer } from "./lib/child-server.js";
import { asksFor, ChannelStopped, ReleaseChannel } from "./lib/release-channel.js";
import { ms, summarize, type Latencies } from "./lib/stats.js";
import type { EmulatorServerInfo } from "./servers/emulator-server.js";

/** Rollouts at once on one instance, as the issue asks. */
export const ROLLOUTS = 20;

export interface ConcurrentRolloutsResult {
  lines: string[];
  /** ARM calls by the bot over the whole run, per rollout (ArmWorkspace.armCallCount). */
  armCallsPerRollout: number;
  /** Due → claimed by the worker, every claim: p99, ms. */
  lagP99: number;
}

/** One claim of a due rollout by the worker: what it was due for, and how long after it became due. */
interface Claim {
  phase: RolloutPhase;
  lagMs: number;
}

/**
 * 20 rollouts at once on one instance, as `npm start` runs them (see rollout.bench.ts: the emulator in its own process
 * at its default provisioning delay and Retry-After, GreenLight in this process with its default worker settings and an
 * on-disk PGlite store, the release channel on a local connector): 20 endpoints, 20 deploys typed in chat at once, each
 * card's approval (3 steps, then retire) clicked as soon as the card asks.
 *
 * - ARM calls per rollout: the workspace's own counter (`ArmWorkspace.armCallCount`) over the whole run, from the first
 *   deploy to the worker's last look after the last rollout completed, over 20.
 * - Worker lag: for every rollout the worker claimed, from the moment it became due — its stored `nextRunAt`: the
 *   deploy or the approval click that was stored, or the time an Azure operation was to be looked at again — to the
 *   claim, when the worker starts driving it. Read by wrapping the rollout store's `claimDue` here: production code is
 *   unchanged. A rollout that becomes due while its drive goes on (a transition stored, the next decision taken at
 *   once) is not claimed again and has no lag to measure.
 */
export async function benchConcurrentRollouts(rollouts = ROLLOUTS): Promise<ConcurrentRolloutsResult> {
  const defaults = loadEmulatorSettings({});
  const dataDir = await mkdtemp(join(tmpdir(), "greenlight-bench-concurrent-"));
  const connector = await new ConnectorServer().start();
  let emu: ChildServer<EmulatorServerInfo> | undefined;
  let store: GreenLightStore | undefined;
  let app: GreenLight | undefined;
  let cards: ReleaseChannel | undefined;
  try {
    emu = await startChildServer<EmulatorServerInfo>("bench/servers/emulator-server.ts");
    const info = emu.info;
    const endpoints = Array.from({ length: rollouts }, (_, i) => `many-${i}`);
    const client = benchArmClient(info);
    await mapBounded(endpoints, 4, (name) => createEndpoint(client, info, name));
    await control(info.controlUrl, `/provisioning-delay?ms=${defaults.EMULATOR_PROVISIONING_DELAY_MS}`);
    await control(info.controlUrl, `/retry-after?seconds=${defaults.EMULATOR_RETRY_AFTER_SECONDS}`);

    const problems = new ProblemLog();
    const config = benchBotConfig(info, connector, dataDir, { releaseChannel: true });
    // The store the bot would open itself (app.ts), wrapped to see each claim.
    store = await openStore({ dataDir, pgliteSharedBuffersMb: config.env.PGLITE_SHARED_BUFFERS_MB });
    const claims: Claim[] = [];
    const driven = new Set<string>();
    let mostDriven = 0;
    let measuring = false;
    const watched = watchClaims(store, {
      claimed: (rollout, at) => {
        driven.add(rollout.id);
        mostDriven = Math.max(mostDriven, driven.size);
        if (measuring && rollout.nextRunAt) {
          claims.push({ phase: rollout.phase, lagMs: at - rollout.nextRunAt.getTime() });
        }
      },
      released: (id) => driven.delete(id),
    });
    app = await startGreenLight(config, { log: problems.log, store: watched });
    const bot = app;
    const workspace = bot.workspace instanceof ArmWorkspace ? bot.workspace : undefined;
    const armCalls = (): number => workspace?.armCallCount ?? 0;
    await putSamples(store.records, endpoints);
    const channel = (cards = new ReleaseChannel(connector, bot.bot.url));

    const asks = (step: number) => asksFor(step, DEFAULT_PLAN.length);
    const acks: number[] = [];
    const rolloutSeconds: number[] = [];
    const failures: unknown[] = [];
    const rollout = async (endpoint: string): Promise<void> => {
      const began = performance.now();
      const from = connector.sent.length;
      const reply = await say(bot.bot.url, connector, endpoint, `deploy diabetes:2 to ${endpoint}`);
      if (!reply.includes("Started the rollout")) throw new Error(`deploy to ${endpoint} refused: ${reply}`);
      const posted = await channel.cardPosted(endpoint, from);
      let card = await channel.view(
        USERS.approver,
        await channel.nextCard(posted.thread, posted.index, asks(0), 120_000),
      );
      for (let step = 0; step < DEFAULT_PLAN.length; step++) {
        const button = card.buttons.find((b) => b.verb === "rollout.approve");
        if (!button) throw new Error(`no approve button on the card of ${endpoint}`);
        const answer = await channel.click(USERS.approver, card, button.verb, button.data);
        if (!answer.text.includes(`approved step ${step + 1}`)) {
          throw new Error(`approving step ${step + 1} of ${endpoint} was answered: ${answer.text.slice(0, 300)}`);
        }
        acks.push(answer.ms);
        card = await channel.view(
          USERS.approver,
          await channel.nextCard(card.thread, card.index + 1, asks(step + 1), 120_000),
        );
      }
      const retire = card.buttons.find((b) => b.verb === "rollout.retire");
      if (!retire) throw new Error(`no retire button on the card of ${endpoint}`);
      const answer = await channel.click(USERS.approver, card, retire.verb, retire.data);
      if (!answer.text.includes("retiring blue")) {
        throw new Error(`retiring blue of ${endpoint} was answered: ${answer.text.slice(0, 300)}`);
      }
      acks.push(answer.ms);
      await channel.nextCard(card.thread, card.index + 1, (seen) => /\bCompleted\b/.test(seen.text), 120_000);
      rolloutSeconds.push((performance.now() - began) / 1000);
    };

    await bot.worker.idle();
    const callsBefore = armCalls();
    measuring = true;
    const started = performance.now();
    await Promise.all(
      endpoints.map((endpoint) =>
        rollout(endpoint).catch((error: unknown) => {
          if (!(error instanceof ChannelStopped)) failures.push(error);
        }),
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    measuring = false;
    if (failures.length) throw failures[0];
    // The worker's last look after each rollout completed, then nothing: no rollout is due any more.
    await bot.worker.idle();
    await sleep(1500);
    const calls = armCalls() - callsBefore;
    const armCallsPerRollout = calls / rollouts;

    const lag = summarize(claims.map((c) => c.lagMs));
    const causes: { label: string; phases: RolloutPhase[] }[] = [
      { label: "a deploy typed in chat (requested)", phases: ["requested"] },
      { label: "an operation's poll time (deploying)", phases: ["deploying"] },
      { label: "an approval click stored (shifting, retiring)", phases: ["shifting", "retiring"] },
    ];
    const other = claims.filter((c) => !causes.some((k) => k.phases.includes(c.phase)));
    const row = (label: string, s: Latencies): string =>
      `  ${label.padEnd(50)} p50 ${ms(s.p50).padStart(9)}   p99 ${ms(s.p99).padStart(9)}   max ${ms(s.max).padStart(9)}   n ${s.count}`;
    const lines = [
      `${rollouts} rollouts at once on one instance (emulator in a child process at provisioning delay ` +
        `${defaults.EMULATOR_PROVISIONING_DELAY_MS} ms and Retry-After ${defaults.EMULATOR_RETRY_AFTER_SECONDS} s; bot in-process ` +
        `with its default ROLLOUT_POLL_MS ${config.env.ROLLOUT_POLL_MS} and WORKER_IDLE_MS ${config.env.WORKER_IDLE_MS}, PGlite)`,
      `  ${rollouts} deploys typed at once, each approval clicked as soon as its card asked: all completed in ` +
        `${seconds.toFixed(1)} s (each ${range(rolloutSeconds)} s); at most ${mostDriven} rollouts driven at once`,
      `  ARM calls per rollout (ArmWorkspace.armCallCount over the run / ${rollouts}): ${armCallsPerRollout.toFixed(1)} ` +
        `(${calls} in all)`,
      `Worker lag: a rollout due (its stored nextRunAt) → claimed by the worker`,
      ...causes.map((k) =>
        row(k.label, summarize(claims.filter((c) => k.phases.includes(c.phase)).map((c) => c.lagMs))),
      ),
      ...(other.length
        ? [row(`other (${[...new Set(other.map((c) => c.phase))].join(", ")})`, summarize(other.map((c) => c.lagMs)))]
        : []),
      row("every claim", lag) + "   (no target)",
      row("approval clicks answered (POST → invoke response)", summarize(acks)),
      ...problems.summary(),
    ];
    return { lines, armCallsPerRollout, lagP99: lag.p99 };
  } finally {
    cards?.stop();
    await app?.close();
    await store?.close();
    await connector.close();
    await emu?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/**
 * The store, with each rollout the worker claims (and the moment it got it, ms since the epoch) and each lease it gives
 * back reported: the worker's own calls, timed outside it.
 */
function watchClaims(
  store: GreenLightStore,
  on: { claimed: (rollout: Rollout, at: number) => void; released: (id: string) => void },
): GreenLightStore {
  const rollouts = store.rollouts;
  const watched: RolloutStore = Object.create(rollouts) as RolloutStore;
  watched.claimDue = async (...args) => {
    const due = await rollouts.claimDue(...args);
    const at = Date.now();
    for (const rollout of due) on.claimed(rollout, at);
    return due;
  };
  watched.releaseLease = async (id, ...rest) => {
    on.released(id);
    return rollouts.releaseLease(id, ...rest);
  };
  return { ...store, rollouts: watched };
}

function range(values: number[]): string {
  return values.length ? `${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)}` : "–";
}

function sleep(delayMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, delayMs));
}
