import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startGreenLight, type GreenLight } from "../src/app.js";
import { ArmWorkspace } from "../src/workspace/arm-workspace.js";
import { BotHarness, USERS } from "../test/support/bot-harness.js";
import { WorkspaceAdmin } from "../test/support/bot-fixtures.js";
import { ConnectorServer } from "../test/support/connector-server.js";
import { httpsClient } from "../test/support/https-request.js";
import { anEndpoint, clickOnCard, startRolloutHarness, waitForRollout } from "../test/support/rollout-fixtures.js";
import { benchArmClient, control, createEndpoint } from "./lib/bench-workspace.js";
import { say } from "./lib/chat.js";
import { ProblemLog, benchBotConfig } from "./lib/in-process-bot.js";
import { startChildServer } from "./lib/child-server.js";
import { asksFor, ReleaseChannel } from "./lib/release-channel.js";
import { diabetesSamples, putSamples } from "./lib/samples.js";
import { loadEmulatorSettings } from "../src/emulator/settings.js";
import type { EmulatorServerInfo } from "./servers/emulator-server.js";

const MINUTE = 60_000;
const TARGET_RATIO = 1.2;
/** Simulated bake per step and wait for each approval after it, for the count of calls. */
const BAKE_MINUTES = 10;
const APPROVAL_AFTER_MINUTES = 5;

export interface GatesBenchResult {
  lines: string[];
  /** First breaching minute readable → starting traffic restored, over the restore's own traffic update. */
  restoreRatio: number;
  /** ARM + metrics calls of a rollout whose three steps bake 10 minutes and are approved 5 minutes after. */
  callsWithBakes: number;
  /** ARM + metrics calls of one look of the gates (traffic, request counts, latencies). */
  callsPerLook: number;
}

/**
 * Evidence-gated rollouts.
 *
 * 1. Breach → restored, in real time, as `npm start` runs it: the emulator in its own process with its default
 *    provisioning delay and Retry-After, GreenLight in this process (metrics delay 0, a 10-minute bake). A rollout's
 *    first step is approved; during the first whole minute after it, the new deployment fails every request its
 *    clients send. From the moment that minute is readable (its end, plus the delay) to the endpoint taking its
 *    starting traffic with the operation ended, over how long that traffic update ran in the emulator.
 * 2. Calls per rollout with bakes: a whole rollout (deploy, smoke test, three steps each baking 10 minutes and
 *    approved 5 minutes after its bake, retire) with a clock the benchmark moves on a minute at a time while
 *    clients send requests; the workspace's own counter of ARM and Azure Monitor calls.
 */
export async function benchGates(): Promise<GatesBenchResult> {
  const breach = await breachToRestore();
  const calls = await callsWithBakes();
  const lines = [
    "Evidence-gated rollouts",
    `  breach readable → start restored          ${breach.restoreMs.toFixed(0)} ms (the restore's own traffic update ${breach.operationMs.toFixed(0)} ms): ×${breach.ratio.toFixed(2)}   (target ≤ ${TARGET_RATIO})`,
    `    the rollback was recorded ${breach.lookLagMs.toFixed(0)} ms after the minute was readable`,
    `  ARM + metrics calls per rollout, 3 steps baking ${BAKE_MINUTES} min, approved ${APPROVAL_AFTER_MINUTES} min later: ${calls.total}`,
    ...calls.breakdown.map((b) => `    ${b.phase.padEnd(44)} ${b.calls}`),
    `    per minute while an approval waits (one look of the gates) ${calls.perLook.toFixed(1)}, over ${calls.looks} minutes`,
  ];
  return { lines, restoreRatio: breach.ratio, callsWithBakes: calls.total, callsPerLook: calls.perLook };
}

async function breachToRestore(): Promise<{
  restoreMs: number;
  operationMs: number;
  ratio: number;
  lookLagMs: number;
}> {
  const defaults = loadEmulatorSettings({});
  const emu = await startChildServer<EmulatorServerInfo>("bench/servers/emulator-server.ts");
  const dataDir = await mkdtemp(join(tmpdir(), "greenlight-bench-gates-"));
  const connector = await new ConnectorServer().start();
  const https = httpsClient(emu.info.caCertPem);
  let app: GreenLight | undefined;
  let channel: ReleaseChannel | undefined;
  try {
    const client = benchArmClient(emu.info);
    const endpoint = "breach";
    await createEndpoint(client, emu.info, endpoint);
    await control(emu.info.controlUrl, `/provisioning-delay?ms=${defaults.EMULATOR_PROVISIONING_DELAY_MS}`);
    await control(emu.info.controlUrl, `/retry-after?seconds=${defaults.EMULATOR_RETRY_AFTER_SECONDS}`);
    const problems = new ProblemLog();
    const env = { ROLLOUT_BAKE_SECONDS: "600", METRICS_DELAY_SECONDS: "0", GATE_MIN_REQUESTS: "20" };
    app = await startGreenLight(benchBotConfig(emu.info, connector, dataDir, { releaseChannel: true, env }), {
      log: problems.log,
    });
    const bot = app;
    await putSamples(bot.store.records, [endpoint]);
    channel = new ReleaseChannel(connector, bot.bot.url);

    const reply = await say(bot.bot.url, connector, endpoint, `deploy diabetes:2 to ${endpoint}`);
    if (!reply.includes("Started the rollout")) throw new Error(`deploy refused: ${reply}`);
    const posted = await channel.cardPosted(endpoint, 0);
    const card = await channel.view(
      USERS.approver,
      await channel.nextCard(posted.thread, posted.index, asksFor(0, 3), 120_000),
    );
    const approve = card.buttons.find((b) => b.verb === "rollout.approve");
    if (!approve) throw new Error("no approve button");
    await channel.click(USERS.approver, card, "rollout.approve", approve.data);
    let baking = await bot.store.rollouts.current(endpoint);
    for (let i = 0; baking?.phase !== "baking" && i < 600; i++) {
      await sleep(50);
      baking = await bot.store.rollouts.current(endpoint);
    }
    if (!baking?.appliedAt) throw new Error(`the rollout did not bake: ${baking?.phase}`);

    // The new deployment fails every request during the first whole minute after the step.
    const admin = `${emu.info.armBaseUrl}/_emulator`;
    const injected = await https.send({
      method: "POST",
      url: `${admin}/faults`,
      body: { kind: "scoringFailure", endpoint, deployment: "green", rate: 1 },
    });
    if (injected.status !== 204) throw new Error(`fault refused: ${injected.status}`);
    const e = await client.onlineEndpoints.get(emu.info.resourceGroup, emu.info.workspaceName, endpoint);
    const keys = await client.onlineEndpoints.listKeys(emu.info.resourceGroup, emu.info.workspaceName, endpoint);
    const payload = diabetesSamples()[0]?.payload ?? "{}";
    const readableAt = Math.ceil(baking.appliedAt.getTime() / MINUTE) * MINUTE + MINUTE;
    const clients = (async () => {
      while (Date.now() < readableAt + 2000) {
        await https.send({
          method: "POST",
          url: e.properties.scoringUri ?? "",
          headers: { authorization: `Bearer ${keys.primaryKey ?? ""}` },
          body: payload,
        });
        await sleep(20);
      }
    })();
    // The emulator's watch answers within 60 s: it starts a little before the minute is readable.
    await sleep(Math.max(0, readableAt - Date.now() - 5000));
    const query = `endpoint=${endpoint}&traffic=${encodeURIComponent(JSON.stringify({ blue: 100 }))}`;
    const restored = await fetch(`${emu.info.controlUrl}/applied?${query}`);
    if (restored.status !== 200) throw new Error("the starting traffic was not restored within 60 s");
    const wallNow = Date.now();
    const { operationMs } = (await restored.json()) as { operationMs: number };
    await clients;
    const ended = (await bot.store.rollouts.current(endpoint)) ?? (await bot.store.rollouts.lastEnded(endpoint));
    const rolledBack = ended?.timeline.find((t) => t.what.includes("gate breached"));
    for (const line of problems.summary()) console.error(line);
    const restoreMs = wallNow - readableAt;
    return {
      restoreMs,
      operationMs,
      ratio: restoreMs / operationMs,
      lookLagMs: rolledBack ? rolledBack.at.getTime() - readableAt : NaN,
    };
  } finally {
    channel?.stop();
    https.close();
    await app?.close();
    await connector.close();
    await emu.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function callsWithBakes(): Promise<{
  total: number;
  perLook: number;
  looks: number;
  breakdown: { phase: string; calls: number }[];
}> {
  let offsetMs = 0;
  const clock = { now: () => new Date(Date.now() + offsetMs) };
  const h: BotHarness = await startRolloutHarness({
    clock,
    env: {
      ROLLOUT_BAKE_SECONDS: String(BAKE_MINUTES * 60),
      METRICS_DELAY_SECONDS: "180",
      GATE_MIN_REQUESTS: "20",
    },
  });
  const admin = new WorkspaceAdmin(h);
  try {
    const endpoint = "baked";
    await anEndpoint(h, admin, endpoint);
    const workspace = h.app.workspace instanceof ArmWorkspace ? h.app.workspace : undefined;
    const calls = (): number => workspace?.armCallCount ?? 0;
    const payload = (await h.store.records.listSamples(endpoint))[0]?.payload ?? "";
    const breakdown: { phase: string; calls: number }[] = [];
    let at = calls();
    const mark = (phase: string): void => {
      breakdown.push({ phase, calls: calls() - at });
      at = calls();
    };
    let looks = 0;
    const waits: number[] = [];
    /** A simulated minute: clients send requests, the clock moves on, the worker does what is due. */
    const minute = async (): Promise<void> => {
      await admin.score(endpoint, payload, 30);
      offsetMs += MINUTE;
      await h.app.worker.drain();
      looks += 1;
    };

    await h.say(USERS.operator, `deploy diabetes:2 to ${endpoint}`);
    await waitForRollout(h, endpoint, (r) => r.phase === "awaiting_approval", "the first approval");
    mark("deploy + smoke test");
    for (let step = 1; step <= 3; step++) {
      await clickOnCard(h, endpoint, USERS.approver, new RegExp(`Approve step ${step}`));
      await waitForRollout(h, endpoint, (r) => r.phase === "baking", `step ${step}'s bake`);
      const looksBefore = looks;
      for (let m = 0; m < BAKE_MINUTES; m++) await minute();
      // While the approver takes their time, each minute is one look of the gates and nothing else.
      const beforeWait = calls();
      for (let m = 0; m < APPROVAL_AFTER_MINUTES; m++) await minute();
      waits.push((calls() - beforeWait) / APPROVAL_AFTER_MINUTES);
      const r = await h.store.rollouts.current(endpoint);
      const waiting = step < 3 ? r?.phase === "awaiting_approval" : r?.phase === "promoted";
      if (!waiting) throw new Error(`after step ${step}'s bake the rollout is ${r?.phase}: ${r?.ending?.reason}`);
      mark(`step ${step}: shift, ${looks - looksBefore} minutes of bake and wait`);
    }
    await clickOnCard(h, endpoint, USERS.approver, /Retire blue/);
    await waitForRollout(h, endpoint, (r) => r.phase === "completed", "the retirement");
    await h.app.worker.drain();
    mark("retire blue");
    const total = breakdown.reduce((n, b) => n + b.calls, 0);
    return { total, perLook: Math.max(...waits), looks, breakdown };
  } finally {
    admin.close();
    await h.close();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
