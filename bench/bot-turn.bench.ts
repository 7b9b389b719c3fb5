import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AzureMachineLearningWorkspaces } from "@azure/arm-machinelearning";
import { startGreenLight, type GreenLight } from "../src/app.js";
import { atApiVersion } from "../src/workspace/arm-client.js";
import { ArmWorkspace } from "../src/workspace/arm-workspace.js";
import { mapBounded } from "../src/workspace/bounded-map.js";
import { cardAction, personalMessage, USERS } from "../test/support/bot-harness.js";
import { ConnectorServer, type SentActivity } from "../test/support/connector-server.js";
import { ProblemLog, benchBotConfig } from "./lib/in-process-bot.js";
import { benchArmClient, createEndpoint, deploymentBody } from "./lib/bench-workspace.js";
import { diabetesSamples } from "./lib/samples.js";
import { startChildServer } from "./lib/child-server.js";
import { ms, summarize, type Latencies } from "./lib/stats.js";
import type { EmulatorServerInfo } from "./servers/emulator-server.js";

const ENDPOINTS = 100;
const SETUP_CONCURRENCY = 8;
/** The bot's ARM_CONCURRENCY, and the raw baseline's. */
const ARM_CONCURRENCY = 8;
const WARMUP_TURNS = 20;
const TURNS = 200;
const CLICK_DELAY_MS = 3000;
const CLICKS = 200;
const CLICK_INTERVAL_MS = 50;
const CARD_LIMIT_BYTES = 28 * 1024;
// What ArmWorkspace.listEndpoints asks for (the first api-version with mirrorTraffic), so both sides get the same bytes.
const LIST_API_VERSION = "2023-04-01";
const SAMPLE = "typical-patient";

export interface BotTurnResult {
  lines: string[];
  /** Bot turn over the raw SDK calls it makes, p50 and p99. */
  ratioP50: number;
  ratioP99: number;
  armCalls: number;
  cardBytes: number;
  ackP99: number;
}

/**
 * `endpoints` over 100 endpoints × 2 deployments in the emulator: bot turn latency (POST /api/messages → reply
 * recorded at the connector) against the same ARM calls made directly with the SDK, interleaved in one run; ARM
 * calls per command; the reply card's size; and the invoke acknowledgement of a card action while an Azure
 * operation is in flight.
 *
 * The emulator runs in its own process. GreenLight runs in this process with the local connector and the load
 * generator: turns are sequential, so the generator is idle while a turn runs, but the connector's recording of the
 * reply (a loopback HTTP server parsing the card) is inside the measured time. The raw baseline runs in this same
 * process too, so both sides pay the same event loop and the same TLS to the emulator.
 */
export async function benchBotTurn(): Promise<BotTurnResult> {
  const emu = await startChildServer<EmulatorServerInfo>("bench/servers/emulator-server.ts");
  const dataDir = await mkdtemp(join(tmpdir(), "greenlight-bench-bot-"));
  const connector = await new ConnectorServer().start();
  let app: GreenLight | undefined;
  let driver: Promise<void> | undefined;
  try {
    const { resourceGroup: rg, workspaceName: ws } = emu.info;
    const client = benchArmClient(emu.info);

    // Set-up: exactly 100 endpoints × (blue 90 %, green 10 %), provisioning delay 0.
    const setupStarted = performance.now();
    const names = Array.from({ length: ENDPOINTS }, (_, i) => `bench-${String(i).padStart(3, "0")}`);
    await client.onlineEndpoints.beginDeleteAndWait(rg, ws, "diabetes-prod", { updateIntervalInMs: 10 });
    await mapBounded(names, SETUP_CONCURRENCY, (name) =>
      createEndpoint(client, emu.info, name, { blue: 1, green: 2 }, { blue: 90, green: 10 }),
    );
    const listed = await listRaw(client, rg, ws);
    const deploymentCount = listed.reduce((n, e) => n + e.deployments, 0);
    if (listed.length !== ENDPOINTS || deploymentCount !== 2 * ENDPOINTS) {
      throw new Error(`set-up made ${listed.length} endpoints and ${deploymentCount} deployments`);
    }
    const setupSeconds = (performance.now() - setupStarted) / 1000;

    // GreenLight in local mode against that emulator, with its default on-disk PGlite store.
    const problems = new ProblemLog();
    const config = benchBotConfig(emu.info, connector, dataDir, { env: { ARM_CONCURRENCY: String(ARM_CONCURRENCY) } });
    app = await startGreenLight(config, { log: problems.log });
    const bot = app;
    const samples = diabetesSamples();
    await bot.store.records.putSample({
      endpoint: names[0] ?? "",
      name: SAMPLE,
      payload: JSON.stringify(samples.find((s) => s.name === SAMPLE)?.payload),
      createdBy: "bench",
      createdAt: new Date(),
    });

    const user = USERS.viewer;
    const endpointsTurn = async (): Promise<{ ms: number; reply: SentActivity }> => {
      const activity = personalMessage(connector.url, user, "endpoints");
      const conversationId = (activity.conversation as { id: string }).id;
      const from = connector.sent.length;
      const started = performance.now();
      const replied = connector.waitForSent(conversationId, from, 1, 30_000);
      const posted = postActivity(bot, activity);
      const [reply] = await Promise.race([replied, posted.then(() => replied)]);
      const elapsed = performance.now() - started;
      await posted;
      if (!reply || !JSON.stringify(reply.activity).includes(`${ENDPOINTS} endpoint(s)`)) {
        throw new Error(`unexpected endpoints reply: ${JSON.stringify(reply?.activity).slice(0, 300)}`);
      }
      return { ms: elapsed, reply };
    };
    const rawCalls = async (): Promise<number> => {
      const started = performance.now();
      const endpoints = await listRaw(client, rg, ws);
      if (endpoints.length !== ENDPOINTS) throw new Error(`raw list gave ${endpoints.length} endpoints`);
      return performance.now() - started;
    };

    for (let i = 0; i < WARMUP_TURNS; i++) {
      await endpointsTurn();
      await rawCalls();
    }

    // ARM calls of one `endpoints` command, by the workspace's own counter.
    const workspace = bot.workspace instanceof ArmWorkspace ? bot.workspace : undefined;
    const countedBefore = workspace?.armCallCount ?? 0;
    const { reply } = await endpointsTurn();
    const armCalls = (workspace?.armCallCount ?? 0) - countedBefore;
    const pages = Math.ceil(ENDPOINTS / 50); // the emulator lists 50 per page
    const expectedCalls = pages + ENDPOINTS;
    const card = (reply.activity.attachments as { content?: unknown }[] | undefined)?.[0]?.content;
    const cardBytes = Buffer.byteLength(JSON.stringify(card ?? null));
    const activityBytes = Buffer.byteLength(JSON.stringify(reply.activity));

    // Bot turns and the raw SDK calls, alternating so both see the same machine.
    const botMs: number[] = [];
    const rawMs: number[] = [];
    const measureStarted = performance.now();
    for (let i = 0; i < TURNS; i++) {
      botMs.push((await endpointsTurn()).ms);
      rawMs.push(await rawCalls());
    }
    const measureSeconds = (performance.now() - measureStarted) / 1000;
    const b = summarize(botMs);
    const r = summarize(rawMs);

    // Card action acknowledgements while an endpoint create or a deployment create is in flight (3 s each).
    await setProvisioningDelay(emu.info.controlUrl, CLICK_DELAY_MS);
    const operations = { endpoints: 0, deployments: 0, inFlight: false, running: true };
    // In flight = from ARM accepting the PUT until the SDK's poller (in this process, like the bot's own) sees it end.
    const inFlight = async (begin: () => Promise<{ pollUntilDone(): Promise<unknown> }>): Promise<void> => {
      const poller = await begin();
      operations.inFlight = true;
      try {
        await poller.pollUntilDone();
      } finally {
        operations.inFlight = false;
      }
    };
    const poll = { updateIntervalInMs: 250 };
    driver = (async () => {
      for (let i = 0; operations.running; i++) {
        const name = `inflight-${i}`;
        const body = { location: emu.info.location, properties: { authMode: "Key" as const } };
        await inFlight(() => client.onlineEndpoints.beginCreateOrUpdate(rg, ws, name, body, poll));
        operations.endpoints += 1;
        if (!operations.running) break;
        const deployment = deploymentBody(emu.info, 1);
        await inFlight(() => client.onlineDeployments.beginCreateOrUpdate(rg, ws, name, "blue", deployment, poll));
        operations.deployments += 1;
      }
    })();
    while (!operations.inFlight) await sleep(5);
    const ackMs: number[] = [];
    let outsideOperation = 0;
    let answeredInPlace = 0;
    const clicker = USERS.operator;
    const clickConversation = `personal-${clicker.id}`;
    const sentBeforeClicks = connector.sent.length;
    for (let i = 0; i < CLICKS; i++) {
      const started = performance.now();
      const activity = cardAction(connector.url, clicker, "invoke", {
        endpoint: names[0],
        deployment: "blue",
        sample: SAMPLE,
      });
      const duringOperation = operations.inFlight;
      const { status, body } = await postActivity(bot, activity);
      const elapsed = performance.now() - started;
      // Answered on the clicked card itself (the result, within the budget), or "Working on it…" and updated later.
      const answer = JSON.stringify(body);
      if (status !== 200 || !(answer.includes("Invoke · 200 OK") || answer.includes("Working on it"))) {
        throw new Error(`unexpected invoke response ${status}: ${answer.slice(0, 300)}`);
      }
      if (answer.includes("Row 0")) answeredInPlace += 1;
      if (duringOperation && operations.inFlight) ackMs.push(elapsed);
      else outsideOperation += 1;
      await sleep(Math.max(0, CLICK_INTERVAL_MS - (performance.now() - started)));
    }
    operations.running = false;
    await bot.bot.idle();
    const replies = connector.sent.slice(sentBeforeClicks).filter((s) => s.conversationId === clickConversation);
    const withPredictions =
      replies.filter((s) => JSON.stringify(s.activity).includes("Row 0")).length + answeredInPlace;
    await driver;
    driver = undefined;
    await setProvisioningDelay(emu.info.controlUrl, 0);
    const a = summarize(ackMs);

    const ratioP50 = b.p50 / r.p50;
    const ratioP99 = b.p99 / r.p99;
    const row = (label: string, s: Latencies): string =>
      `  ${label.padEnd(44)} p50 ${ms(s.p50).padStart(9)}   p99 ${ms(s.p99).padStart(9)}   max ${ms(s.max).padStart(9)}   n ${s.count}`;
    const lines = [
      `Bot turn: \`endpoints\` over ${ENDPOINTS} endpoints × 2 deployments (emulator in a child process; bot, connector and SDK baseline in-process)`,
      `  set-up: ${ENDPOINTS} endpoints, ${deploymentCount} deployments through the SDK in ${setupSeconds.toFixed(1)} s (concurrency ${SETUP_CONCURRENCY})`,
      `  ${TURNS} turns each, alternating bot / raw, after ${WARMUP_TURNS} warm-up turns each; ${measureSeconds.toFixed(1)} s`,
      row("bot turn (POST → reply at the connector)", b),
      row(`raw SDK calls (list + deployments, conc. ${ARM_CONCURRENCY})`, r),
      `  bot / raw: p50 ${ratioP50.toFixed(2)}   p99 ${ratioP99.toFixed(2)}   (bot's own cost at p50: ${ms(b.p50 - r.p50)})`,
      `  ARM calls for one \`endpoints\`: ${armCalls} (ArmWorkspace.armCallCount; expected ${expectedCalls} = ` +
        `${pages} endpoint list page(s) + ${ENDPOINTS} deployment lists)${armCalls === expectedCalls ? "" : "  UNEXPECTED"}`,
      `  reply card: ${cardBytes} bytes (activity ${activityBytes} bytes; limit ${CARD_LIMIT_BYTES})${cardBytes < CARD_LIMIT_BYTES ? "" : "  OVER THE LIMIT"}`,
      `Card action answer (verb invoke → the result on the card within the budget, else "Working on it…"; provisioning delay ${CLICK_DELAY_MS} ms, one click every ${CLICK_INTERVAL_MS} ms)`,
      `  while in flight: ${operations.endpoints} endpoint create(s) and ${operations.deployments} deployment create(s) completed, polled every 250 ms in-process; ` +
        `${outsideOperation} click(s) not wholly inside an operation left out`,
      row("invoke POST → invoke response", a),
      `  answered on the card: ${answeredInPlace} of ${CLICKS}; later updates: ${replies.length}; ${withPredictions} with predictions   (target: answer p99 < 1000 ms)`,
      ...problems.summary(),
    ];
    return { lines, ratioP50, ratioP99, armCalls, cardBytes, ackP99: a.p99 };
  } finally {
    if (driver) {
      await driver.catch(() => {});
    }
    await app?.close();
    await connector.close();
    await emu.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** What the bot's `endpoints` asks ARM for, made directly: the endpoint list, then each one's deployments. */
async function listRaw(
  client: AzureMachineLearningWorkspaces,
  rg: string,
  ws: string,
): Promise<{ name: string; deployments: number }[]> {
  const endpoints = [];
  for await (const e of client.onlineEndpoints.list(rg, ws, atApiVersion(LIST_API_VERSION))) endpoints.push(e);
  return mapBounded(endpoints, ARM_CONCURRENCY, async (e) => {
    let deployments = 0;
    for await (const _ of client.onlineDeployments.list(rg, ws, e.name ?? "")) deployments += 1;
    return { name: e.name ?? "", deployments };
  });
}

async function postActivity(
  app: GreenLight,
  activity: Record<string, unknown>,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${app.bot.url}/api/messages`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(activity),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`bot answered ${response.status}: ${text.slice(0, 300)}`);
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

async function setProvisioningDelay(controlUrl: string, delayMs: number): Promise<void> {
  const response = await fetch(`${controlUrl}/provisioning-delay?ms=${delayMs}`, { method: "POST" });
  if (response.status !== 204) throw new Error(`could not set the provisioning delay: ${response.status}`);
}

function sleep(delayMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, delayMs));
}
