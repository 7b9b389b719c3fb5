import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startGreenLight, type GreenLight } from "../src/app.js";
import { DEFAULT_PLAN, trafficAfter } from "../src/core/rollout/plan.js";
import { loadEmulatorSettings } from "../src/emulator/settings.js";
import { ArmWorkspace } from "../src/workspace/arm-workspace.js";
import { mapBounded } from "../src/workspace/bounded-map.js";
import { USERS } from "../test/support/bot-harness.js";
import { ConnectorServer } from "../test/support/connector-server.js";
import { benchArmClient, control, createDeployment, createEndpoint } from "./lib/bench-workspace.js";
import { say } from "./lib/chat.js";
import { putSamples } from "./lib/samples.js";
import { ProblemLog, benchBotConfig } from "./lib/in-process-bot.js";
import { startChildServer } from "./lib/child-server.js";
import { median } from "./lib/load.js";
import { asksFor, ChannelStopped, ReleaseChannel, type ClickAnswer, type SeenCard } from "./lib/release-channel.js";
import { ms, summarize, type Latencies } from "./lib/stats.js";
import type { EmulatorServerInfo } from "./servers/emulator-server.js";

/** Endpoints whose rollouts keep the worker busy while clicks are measured. */
const BUSY_ENDPOINTS = 6;
/** Gap between two busy endpoints' first deploys, so their phases are spread out. */
const BUSY_STAGGER_MS = 700;
/** How long the busy rollouts run before measuring starts. */
const BUSY_WARMUP_MS = 4000;
/** Rollouts measured one after another while the worker is busy (3 steps each). */
const MEASURED_ROLLOUTS = 3;
const STALE_CLICK_INTERVAL_MS = 100;
const BASELINE_PAUSE_MS = 300;
const BASELINE_TARGETS: Record<string, number>[] = [
  { blue: 90, green: 10 },
  { blue: 10, green: 90 },
  { green: 100 },
  { blue: 100 },
];
const TARGET_ACK_MS = 1000;
const TARGET_RATIO = 1.2;

export interface RolloutBenchResult {
  lines: string[];
  /** Approval clicks (approve, retire, stale replays) answered while the worker was busy: p99, ms. */
  ackP99: number;
  /** Last click → traffic applied, over the emulator's own operation time: median and worst over every step. */
  appliedRatio: number;
  appliedRatioWorst: number;
  /** ARM calls of one whole rollout (deploy → smoke → 3 approvals → retire), the worker alone. */
  armCalls: number;
}

type Slot = "blue" | "green";

/** Where an endpoint is between rollouts: its live deployment and the model version it serves. */
interface EndpointState {
  name: string;
  live: Slot;
  model: "1" | "2";
}

/** One approved step of a measured rollout, ms from the click. */
interface StepTimes {
  step: number;
  /** The worker's traffic PUT reached the emulator (applied, less the time the emulator's update ran). */
  putMs: number;
  /** The endpoint takes the step's traffic and its operation has ended (seen in the emulator). */
  appliedMs: number;
  /** The card shows the step done (the next approval or the retire buttons), at the connector. */
  recordedMs: number;
}

interface RolloutHooks {
  /** Called at each boundary of the rollout (for the ARM call breakdown). */
  mark?: (phase: string) => void;
  /** Times each step to "applied" and "recorded". */
  measure?: (step: StepTimes) => void;
  /** Called right before each measured approval click, outside the measured time. */
  beforeApprove?: () => Promise<void>;
  onAck?: (kind: "approve" | "retire", answer: ClickAnswer) => void;
  /** A button that has been used, so a later click on it is stale. */
  onUsedButton?: (card: SeenCard, data: Record<string, unknown>) => void;
}

/**
 * Rollouts over the bot's real HTTP path, as `npm start` runs them: the emulator in a child process with its default
 * provisioning delay (2 s) and Retry-After (1 s), GreenLight in this process with its default worker settings
 * (ROLLOUT_POLL_MS 1000, WORKER_IDLE_MS 500), an on-disk PGlite store, and its release channel on a local connector.
 * Deploys are typed in chat; approvals are clicks on the card as the channel shows it, with the card's own data.
 *
 * 1. Quiet: one rollout alone (deploy → smoke test → 3 approvals → retire), ARM calls counted per phase with the
 *    workspace's own counter.
 * 2. Busy: rollouts on 6 other endpoints cycle without pause (deploying, smoke-testing, shifting, retiring), while
 *    rollouts on a measured endpoint are approved step by step and old cards of the others are clicked again
 *    (stale, answered with a refusal) every 100 ms. Every click's POST → invoke response is measured.
 *
 * For every approved step: click → the endpoint takes the step's traffic with its operation ended (the emulator
 * process answers the moment it does), over the emulator's own time for the same traffic PUT, made through the SDK
 * on a baseline endpoint throughout the same run and timed to the same signal. Also click → the card shows the step
 * done, over the SDK's own wait for that PUT (its poller honouring Retry-After).
 *
 * BENCH_TRACE=1 prints each rollout's progress to stderr.
 */
export async function benchRollout(): Promise<RolloutBenchResult> {
  const defaults = loadEmulatorSettings({});
  const emu = await startChildServer<EmulatorServerInfo>("bench/servers/emulator-server.ts");
  const dataDir = await mkdtemp(join(tmpdir(), "greenlight-bench-rollout-"));
  const connector = await new ConnectorServer().start();
  let app: GreenLight | undefined;
  let channel: ReleaseChannel | undefined;
  const background: Promise<unknown>[] = [];
  try {
    const { resourceGroup: rg, workspaceName: ws } = emu.info;
    const client = benchArmClient(emu.info);

    // Set-up at provisioning delay 0: each endpoint with blue = diabetes:1 taking all traffic; the baseline endpoint
    // with green beside it.
    const quiet: EndpointState = { name: "quiet", live: "blue", model: "1" };
    const measured: EndpointState = { name: "measured", live: "blue", model: "1" };
    const busy: EndpointState[] = Array.from({ length: BUSY_ENDPOINTS }, (_, i) => ({
      name: `busy-${i}`,
      live: "blue" as const,
      model: "1" as const,
    }));
    const all = [quiet, measured, ...busy];
    await mapBounded([...all.map((e) => e.name), "baseline"], 4, (name) => createEndpoint(client, emu.info, name));
    await createDeployment(client, emu.info, "baseline", "green", 2);
    await control(emu.info.controlUrl, `/provisioning-delay?ms=${defaults.EMULATOR_PROVISIONING_DELAY_MS}`);
    await control(emu.info.controlUrl, `/retry-after?seconds=${defaults.EMULATOR_RETRY_AFTER_SECONDS}`);

    const problems = new ProblemLog();
    const config = benchBotConfig(emu.info, connector, dataDir, { releaseChannel: true });
    app = await startGreenLight(config, { log: problems.log });
    const bot = app;
    const workspace = bot.workspace instanceof ArmWorkspace ? bot.workspace : undefined;
    const armCalls = (): number => workspace?.armCallCount ?? 0;
    // Each endpoint gets the samples local mode seeds for diabetes-prod, as the bot tests do: its smoke test sends
    // each to the new deployment and to the live one.
    await putSamples(
      bot.store.records,
      all.map((e) => e.name),
    );
    const releaseChannel = new ReleaseChannel(connector, bot.bot.url);
    channel = releaseChannel;

    /**
     * Resolves when the endpoint takes `traffic` and its operation has ended: performance.now() then, and how long the
     * update ran in the emulator from its PUT.
     */
    const applied = async (
      endpoint: string,
      traffic: Record<string, number>,
    ): Promise<{ at: number; operationMs: number }> => {
      const query = `endpoint=${encodeURIComponent(endpoint)}&traffic=${encodeURIComponent(JSON.stringify(traffic))}`;
      const response = await fetch(`${emu.info.controlUrl}/applied?${query}`);
      const text = await response.text();
      if (response.status !== 200) throw new Error(`${endpoint} never took ${JSON.stringify(traffic)}`);
      return { at: performance.now(), operationMs: (JSON.parse(text) as { operationMs: number }).operationMs };
    };

    /** One rollout from chat to completion, approved as soon as each card asks, by an approver who is not the requester. */
    const rolloutOnce = async (e: EndpointState, hooks: RolloutHooks = {}): Promise<void> => {
      const candidate: Slot = e.live === "blue" ? "green" : "blue";
      const model = e.model === "1" ? "2" : "1";
      const plan = { plan: [...DEFAULT_PLAN], live: e.live, candidate };
      const from = connector.sent.length;
      // One phase: the chat turn wakes the worker, which starts on green before the turn has answered.
      hooks.mark?.(`deploy: chat turn, creating ${candidate}, smoke test`);
      trace(`${e.name}: deploy diabetes:${model}`);
      const reply = await say(bot.bot.url, connector, e.name, `deploy diabetes:${model} to ${e.name}`);
      if (!reply.includes("Started the rollout")) throw new Error(`deploy to ${e.name} refused: ${reply}`);
      const posted = await releaseChannel.cardPosted(e.name, from);
      trace(`${e.name}: card posted`);
      const asks = (step: number) => asksFor(step, plan.plan.length);
      const asked = async (from: SeenCard, step: number, index: number): Promise<SeenCard> =>
        releaseChannel.view(USERS.approver, await releaseChannel.nextCard(from.thread, index, asks(step), 120_000));
      let card = await asked(posted, 0, posted.index);
      for (let step = 0; step < plan.plan.length; step++) {
        const button = card.buttons.find((b) => b.verb === "rollout.approve");
        if (!button) throw new Error("no approve button");
        hooks.mark?.(`step ${step + 1} (${describe(trafficAfter(plan, step))})`);
        trace(`${e.name}: approve step ${step + 1}`);
        await hooks.beforeApprove?.();
        const started = performance.now();
        const done = hooks.measure ? applied(e.name, trafficAfter(plan, step)) : undefined;
        done?.catch(() => undefined); // awaited below; a click that fails first must not leave it unhandled
        const answer = await releaseChannel.click(USERS.approver, card, "rollout.approve", button.data);
        if (!answer.text.includes(`approved step ${step + 1}`)) {
          throw new Error(`approving step ${step + 1} of ${e.name} was answered: ${answer.text.slice(0, 300)}`);
        }
        hooks.onAck?.("approve", answer);
        hooks.onUsedButton?.(card, button.data);
        card = await releaseChannel.nextCard(card.thread, card.index + 1, asks(step + 1), 120_000);
        const recordedAt = performance.now();
        card = await releaseChannel.view(USERS.approver, card);
        if (done) {
          const { at, operationMs } = await done;
          hooks.measure?.({
            step,
            putMs: at - started - operationMs,
            appliedMs: at - started,
            recordedMs: recordedAt - started,
          });
        }
      }
      const retire = card.buttons.find((b) => b.verb === "rollout.retire");
      if (!retire) throw new Error("no retire button");
      hooks.mark?.(`retire ${e.live}`);
      trace(`${e.name}: retire ${e.live}`);
      const answer = await releaseChannel.click(USERS.approver, card, "rollout.retire", retire.data);
      if (!answer.text.includes(`retiring ${e.live}`)) {
        throw new Error(`retiring ${e.live} of ${e.name} was answered: ${answer.text.slice(0, 300)}`);
      }
      hooks.onAck?.("retire", answer);
      hooks.onUsedButton?.(card, retire.data);
      await releaseChannel.nextCard(card.thread, card.index + 1, (seen) => /\bCompleted\b/.test(seen.text), 120_000);
      e.live = candidate;
      e.model = model;
    };

    // The baseline: the same traffic PUT through the SDK against the same emulator, all through the run.
    type Phase = "quiet" | "busy";
    let phase: Phase = "quiet";
    const baseline: { phase: Phase; appliedMs: number; sdkMs: number }[] = [];
    let baselineRunning = true;
    // A failure in a background loop is kept and thrown once the measured part ends (not left unhandled).
    const failures: unknown[] = [];
    const baselineLoop = (async () => {
      for (let i = 0; baselineRunning; i++) {
        const target = BASELINE_TARGETS[i % BASELINE_TARGETS.length] ?? {};
        const endpoint = await client.onlineEndpoints.get(rg, ws, "baseline");
        endpoint.properties.traffic = target;
        const during = phase;
        const started = performance.now();
        const done = applied("baseline", target);
        await client.onlineEndpoints.beginCreateOrUpdateAndWait(rg, ws, "baseline", endpoint);
        const sdkMs = performance.now() - started;
        baseline.push({ phase: during, appliedMs: (await done).at - started, sdkMs });
        await sleep(BASELINE_PAUSE_MS);
      }
    })().catch((error: unknown) => failures.push(error));
    background.push(baselineLoop);

    // 1. Quiet: one rollout alone, ARM calls per phase.
    const quietSteps: StepTimes[] = [];
    const breakdown: { phase: string; calls: number }[] = [];
    let current: { phase: string; at: number } | undefined;
    const mark = (next: string): void => {
      const now = armCalls();
      if (current) breakdown.push({ phase: current.phase, calls: now - current.at });
      current = { phase: next, at: now };
    };
    const quietStarted = performance.now();
    const quietAcks: number[] = [];
    await rolloutOnce(quiet, {
      mark,
      measure: (s) => quietSteps.push(s),
      onAck: (_, answer) => quietAcks.push(answer.ms),
    });
    // The worker's last look after the rollout completed, then nothing: the rollout is no longer due.
    await bot.worker.idle();
    await sleep(1500);
    mark("end");
    const quietSeconds = (performance.now() - quietStarted) / 1000;
    const rolloutCalls = breakdown.reduce((n, b) => n + b.calls, 0);

    // 2. Busy: rollouts cycling on the other endpoints; measured approvals and stale clicks.
    phase = "busy";
    const acks: Record<"approve" | "retire" | "stale", number[]> = { approve: [], retire: [], stale: [] };
    let measuring = false;
    const stale: { card: SeenCard; data: Record<string, unknown> }[] = [];
    const busyCompleted = { rollouts: 0 };
    let driving = true;
    const drivers = busy.map(async (e, i) => {
      await sleep(i * BUSY_STAGGER_MS);
      try {
        while (driving) {
          await rolloutOnce(e, {
            onAck: (kind, answer) => {
              if (measuring) acks[kind].push(answer.ms);
            },
            onUsedButton: (card, data) => stale.push({ card, data }),
          });
          busyCompleted.rollouts += 1;
        }
      } catch (error) {
        if (!(error instanceof ChannelStopped)) failures.push(error);
      }
    });
    background.push(...drivers);
    await sleep(BUSY_WARMUP_MS);

    const busySteps: StepTimes[] = [];
    const unexpectedStale: string[] = [];
    measuring = true;
    const busyStarted = performance.now();
    const callsBefore = armCalls();
    const completedBefore = busyCompleted.rollouts;
    const staleClicker = (async () => {
      for (let i = 0; measuring; i++) {
        const started = performance.now();
        const target = stale[(i * 7) % Math.max(1, stale.length)];
        if (target) {
          const answer = await releaseChannel.click(USERS.approver, target.card, "rollout.approve", target.data);
          if (!/out of date/i.test(answer.text)) unexpectedStale.push(answer.text.slice(0, 200));
          if (measuring) acks.stale.push(answer.ms);
        }
        await sleep(Math.max(0, STALE_CLICK_INTERVAL_MS - (performance.now() - started)));
      }
    })().catch((error: unknown) => failures.push(error));
    // What the others were doing at each measured approval: the worker is busy when they wait on Azure or a model.
    const others = new Map<string, number>();
    const beforeApprove = async (): Promise<void> => {
      for (const r of await bot.store.rollouts.allCurrent()) {
        if (r.endpoint !== measured.name) others.set(r.phase, (others.get(r.phase) ?? 0) + 1);
      }
    };
    for (let i = 0; i < MEASURED_ROLLOUTS && failures.length === 0; i++) {
      await rolloutOnce(measured, {
        beforeApprove,
        measure: (s) => busySteps.push(s),
        onAck: (kind, answer) => acks[kind].push(answer.ms),
      });
    }
    measuring = false;
    const busySeconds = (performance.now() - busyStarted) / 1000;
    const busyCalls = armCalls() - callsBefore;
    const busyRollouts = busyCompleted.rollouts - completedBefore;
    await staleClicker;
    driving = false;
    baselineRunning = false;
    releaseChannel.stop();
    await Promise.all(background);
    background.length = 0;
    if (failures.length) throw failures[0];

    // Ratios: each step over the median baseline of its phase.
    const opMs = (p: Phase) => median(baseline.filter((b) => b.phase === p).map((b) => b.appliedMs));
    const sdkMs = (p: Phase) => median(baseline.filter((b) => b.phase === p).map((b) => b.sdkMs));
    const ratios = (steps: StepTimes[], p: Phase) => steps.map((s) => s.appliedMs / opMs(p));
    const recordedRatios = (steps: StepTimes[], p: Phase) => steps.map((s) => s.recordedMs / sdkMs(p));
    const allRatios = [...ratios(quietSteps, "quiet"), ...ratios(busySteps, "busy")];
    const appliedRatio = median(allRatios);
    const appliedRatioWorst = Math.max(...allRatios);
    const clicks = summarize([...acks.approve, ...acks.retire, ...acks.stale]);

    const row = (label: string, s: Latencies): string =>
      `  ${label.padEnd(44)} p50 ${ms(s.p50).padStart(9)}   p99 ${ms(s.p99).padStart(9)}   max ${ms(s.max).padStart(9)}   n ${s.count}`;
    const x = (v: number): string => `×${v.toFixed(2)}`;
    const spread = (values: number[]): string =>
      values.length ? `median ${x(median(values))}   worst ${x(Math.max(...values))}   n ${values.length}` : "n 0";
    const stepRow = (label: string, steps: StepTimes[], p: Phase): string[] => [
      `  ${label}, each step: click → the worker's PUT ${seconds(steps.map((s) => s.putMs))}; ` +
        `→ applied ${seconds(steps.map((s) => s.appliedMs))}; → card shows it ${seconds(steps.map((s) => s.recordedMs))}`,
      `    applied / emulator's operation (${ms(opMs(p))})        ${spread(ratios(steps, p))}`,
      `    card shows it / SDK client's wait (${ms(sdkMs(p))})    ${spread(recordedRatios(steps, p))}`,
    ];
    const lines = [
      `Rollouts (emulator in a child process at npm start's provisioning delay ${defaults.EMULATOR_PROVISIONING_DELAY_MS} ms and ` +
        `Retry-After ${defaults.EMULATOR_RETRY_AFTER_SECONDS} s; bot in-process with its default ROLLOUT_POLL_MS ` +
        `${config.env.ROLLOUT_POLL_MS} and WORKER_IDLE_MS ${config.env.WORKER_IDLE_MS}; release channel on a local connector)`,
      `  baseline: a traffic PUT through the SDK on another endpoint, all through the run: PUT → applied ` +
        `${summaryOf(baseline.map((b) => b.appliedMs))}; PUT → SDK poller done ${summaryOf(baseline.map((b) => b.sdkMs))}`,
      `  quiet: one rollout alone, ${quietSeconds.toFixed(1)} s from the deploy in chat to Completed on the card`,
      ...stepRow("quiet", quietSteps, "quiet"),
      `  busy: ${BUSY_ENDPOINTS} other endpoints cycling rollouts (${busyRollouts} completed in ${busySeconds.toFixed(1)} s, ` +
        `${busyCalls} ARM calls by the bot), ${MEASURED_ROLLOUTS} measured rollouts, a stale click every ${STALE_CLICK_INTERVAL_MS} ms`,
      `  the others at the ${busySteps.length} measured approvals (phase × times seen): ` +
        [...others.entries()].map(([p, n]) => `${p.replace("_", " ")} ${n}`).join(", "),
      ...stepRow("busy", busySteps, "busy"),
      `  last click → traffic applied / emulator's operation, every step: median ${x(appliedRatio)}   worst ${x(appliedRatioWorst)}   (target ≤ ${TARGET_RATIO})`,
      `Approval clicks (POST → invoke response)`,
      row("approve and retire, the worker alone", summarize(quietAcks)),
      `  while the worker is busy:`,
      row("approve and retire, every rollout", summarize([...acks.approve, ...acks.retire])),
      row("stale replays of the others' old cards", summarize(acks.stale)),
      row("all", clicks) + `   (target p99 < ${TARGET_ACK_MS} ms)`,
      ...(unexpectedStale.length
        ? [`  ${unexpectedStale.length} stale click(s) not refused; first: ${unexpectedStale[0]}`]
        : []),
      `ARM calls per rollout (deploy → smoke test → 3 approvals → retire; ArmWorkspace.armCallCount, the rollout alone): ${rolloutCalls}`,
      `  ${breakdown.map((b) => `${b.phase} ${b.calls}`).join(" · ")}`,
      ...problems.summary(),
    ];
    return { lines, ackP99: clicks.p99, appliedRatio, appliedRatioWorst, armCalls: rolloutCalls };
  } finally {
    channel?.stop();
    await Promise.allSettled(background);
    await app?.close();
    await connector.close();
    await emu.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const T0 = performance.now();
function trace(message: string): void {
  if (process.env.BENCH_TRACE) process.stderr.write(`[${((performance.now() - T0) / 1000).toFixed(2)}] ${message}\n`);
}

function describe(traffic: Record<string, number>): string {
  return Object.entries(traffic)
    .map(([k, v]) => `${k} ${v}`)
    .join(" / ");
}

function seconds(values: number[]): string {
  return `${values.map((v) => (v / 1000).toFixed(2)).join(" ")} s`;
}

function summaryOf(values: number[]): string {
  const s = summarize(values);
  return `p50 ${ms(s.p50)}, max ${ms(s.max)} (n ${s.count})`;
}

function sleep(delayMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, delayMs));
}
