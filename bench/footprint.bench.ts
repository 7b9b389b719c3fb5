import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { mapBounded } from "../src/workspace/bounded-map.js";
import { personalMessage } from "../test/support/bot-harness.js";
import { ConnectorServer } from "../test/support/connector-server.js";
import { startChildServer } from "./lib/child-server.js";
import { processMemoryMb } from "./lib/process-memory.js";
import { buildForProduction, productionCommand, startProductionBot, type ProductionBot } from "./lib/production-bot.js";
import type { EmulatorServerInfo } from "./servers/emulator-server.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const CONVERSATIONS = 5000;
const CONCURRENCY = 16;
const IDLE_SETTLE_MS = 3000;
const TARGET_IDLE_MB = 300;

export interface FootprintResult {
  lines: string[];
  idleMb: number;
  afterMb: number;
}

/**
 * The bot's memory as production runs it: `npm run build`, then infra's startup command, in local mode against the
 * emulator (its own process) and with a fresh data folder, so PGlite creates its database as on a first deployment.
 * RSS is read from /proc 3 s after the bot listens (idle), then after one `whoami` from each of 5 000 people in 5 000
 * personal chats, 16 at a time, each answered at the local connector. Target: idle < 300 MB.
 */
export async function benchFootprint(): Promise<FootprintResult> {
  await buildForProduction();
  const emu = await startChildServer<EmulatorServerInfo>("bench/servers/emulator-server.ts");
  const dataDir = await mkdtemp(join(tmpdir(), "greenlight-bench-footprint-"));
  const connector = await new ConnectorServer().start();
  let bot: ProductionBot | undefined;
  try {
    bot = await startProductionBot(dataDir, {
      PORT: "0",
      LOCAL_WORKSPACE_URL: emu.info.armBaseUrl,
      LOCAL_WORKSPACE_ID: emu.info.workspaceId,
      EMULATOR_DATA_DIR: emu.info.dataDir,
      DATA_DIR: join(dataDir, "data"),
      ROLES_FILE: join(ROOT, "config/roles.local.json"),
    });
    const { url, problems } = bot;
    await sleep(IDLE_SETTLE_MS);
    const idle = processMemoryMb(bot.pid);

    const conversations = Array.from({ length: CONVERSATIONS }, (_, i) => i);
    const loadStarted = performance.now();
    await mapBounded(conversations, CONCURRENCY, async (i) => {
      const user = { id: `bench-user-${i}`, name: `Bench User ${i}`, aadObjectId: randomUUID() };
      connector.members.set(user.id, { ...user, userPrincipalName: `bench-${i}@greenlight.example` });
      const activity = personalMessage(connector.url, user, "whoami");
      const conversationId = `personal-bench-${i}`;
      activity.conversation = { ...(activity.conversation as object), id: conversationId };
      const replied = connector.waitForSent(conversationId, connector.sent.length, 1, 60_000);
      const response = await fetch(`${url}/api/messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(activity),
      });
      if (response.status >= 300) throw new Error(`bot answered ${response.status}: ${await response.text()}`);
      const [reply] = await replied;
      if (!JSON.stringify(reply?.activity).includes(user.name)) {
        throw new Error(`unexpected whoami reply: ${JSON.stringify(reply?.activity).slice(0, 300)}`);
      }
    });
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    const after = processMemoryMb(bot.pid);

    const mb = (value: number): string => `${value.toFixed(0)} MB`;
    const lines = [
      `Footprint: the production bot (${productionCommand()}; local mode, fresh PGlite data folder, default settings)`,
      `  idle RSS, ${IDLE_SETTLE_MS / 1000} s after it listened      ${mb(idle.rss).padStart(7)}   (target < ${TARGET_IDLE_MB} MB)${idle.rss < TARGET_IDLE_MB ? "" : "  OVER THE TARGET"}`,
      `  RSS after ${CONVERSATIONS} conversations            ${mb(after.rss).padStart(7)}   peak ${mb(after.peak)}   after / idle ${(after.rss / idle.rss).toFixed(2)}`,
      `  load: one \`whoami\` from each of ${CONVERSATIONS} people in their own personal chat, ${CONCURRENCY} at a time, ` +
        `${loadSeconds.toFixed(1)} s (${(CONVERSATIONS / loadSeconds).toFixed(0)} conversations/s); ${connector.sent.length} replies at the connector`,
      ...(problems.length
        ? [`  bot logged ${problems.length} warning(s)/error(s); first: ${problems[0]?.slice(0, 300)}`]
        : []),
    ];
    return { lines, idleMb: idle.rss, afterMb: after.rss };
  } finally {
    await bot?.stop();
    await connector.close();
    await emu.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

function sleep(delayMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, delayMs));
}
