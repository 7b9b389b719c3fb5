import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_PLAN, trafficAfter } from "../src/core/rollout/plan.js";
import type { ArmWrite } from "../src/emulator/write-log.js";
import { openStore, type GreenLightStore } from "../src/store/open-store.js";
import { mapBounded } from "../src/workspace/bounded-map.js";
import { USERS } from "../test/support/bot-harness.js";
import { ConnectorServer } from "../test/support/connector-server.js";
import { benchPostgres } from "./lib/bench-postgres.js";
import { armWrites, benchArmClient, createEndpoint } from "./lib/bench-workspace.js";
import { say } from "./lib/chat.js";
import { putSamples } from "./lib/samples.js";
import { startChildServer, type ChildServer } from "./lib/child-server.js";
import { ClickPool } from "./lib/click-pool.js";
import { buildForProduction, productionCommand, startProductionBot, type ProductionBot } from "./lib/production-bot.js";
import { asksFor, ChannelStopped, ReleaseChannel, type ClickAnswer, type SeenCard } from "./lib/release-channel.js";
import { ms, summarize, type Latencies } from "./lib/stats.js";
import type { EmulatorServerInfo } from "./servers/emulator-server.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const RELEASE_CHANNEL = "channel-releases-0001";
const INSTANCES = 2;
/** Rollouts approved at once, their deploys typed on the two instances in turn. */
const ROLLOUTS = 32;
/** Clicks in flight at once, over both instances. */
const CONCURRENCY = 16;
/** Each approval button is clicked this many times on each instance at once (people double-clicking, two approvers). */
const CLICKS_PER_INSTANCE = 2;
/** The default plan's traffic after each step, blue live and green the candidate. */
const STEPS = DEFAULT_PLAN.map((_, step) =>
  trafficAfter({ plan: [...DEFAULT_PLAN], live: "blue", candidate: "green" }, step),
);

export type ApprovalsBenchResult =
  | {
      lines: string[];
      skipped?: undefined;
      /** Clicks acknowledged per second over both instances (fresh, duplicate and stale). */
      clicksPerSecond: number;
      /** POST → invoke response over every click: p99, ms. */
      ackP99: number;
      /** Rollouts whose every step (and retire) reached the workspace exactly once, of ROLLOUTS. */
      exactlyOnce: number;
      rollouts: number;
    }
  | { lines: string[]; skipped: string };

/** A button on a card as it was shown, clicked with the data it carried. */
interface Button {
  card: SeenCard;
  verb: string;
  data: Record<string, unknown>;
}

/**
 * Approval clicks across two instances: two production bots (`npm run build`, infra's startup command) on one
 * PostgreSQL, with their default worker settings, against the emulator in its own process answering ARM operations at
 * once (provisioning delay 0), so approvals come as fast as the bots can take them. 32 rollouts are deployed at once
 * (typed in chat, on the two instances in turn); each card's approval (3 steps, then the retire button) is clicked as
 * soon as the card asks, 4 times at once — twice on each instance, with the card's own data — and every button already
 * used is clicked again (stale) on the instances in turn, 16 clicks in flight over both, fresh clicks first.
 *
 * Measured: clicks acknowledged per second (POST → invoke response), from the first click to the last answer, and
 * p50/p99/max per kind. Checked: exactly one of each burst is accepted and the rest told the card is out of date; every
 * step's traffic PUT, green's creation and blue's deletion reached the workspace exactly once (the emulator's write
 * log, `GET /_emulator/endpoints/<name>/writes`), and the audit holds one approval and one shift per step.
 *
 * Needs PostgreSQL: BENCH_DATABASE_URL or TEST_DATABASE_URL, else a throwaway server (see bench-postgres.ts); skipped,
 * saying so, where there is none.
 */
export async function benchApprovals(): Promise<ApprovalsBenchResult> {
  const database = await benchPostgres();
  if ("skipped" in database) {
    return {
      lines: [`Approval clicks across ${INSTANCES} instances: skipped, ${database.skipped}`],
      skipped: database.skipped,
    };
  }
  const root = await mkdtemp(join(tmpdir(), "greenlight-bench-approvals-"));
  const connector = await new ConnectorServer().start();
  const bots: ProductionBot[] = [];
  let emu: ChildServer<EmulatorServerInfo> | undefined;
  let store: GreenLightStore | undefined;
  let watcher: ReleaseChannel | undefined;
  const background: Promise<unknown>[] = [];
  try {
    await buildForProduction();
    emu = await startChildServer<EmulatorServerInfo>("bench/servers/emulator-server.ts");
    const info = emu.info;
    const schemaUrl = await database.schema("bench_approvals");
    const endpoints = Array.from({ length: ROLLOUTS }, (_, i) => `approvals-${i}`);
    const client = benchArmClient(info);
    await mapBounded(endpoints, 4, (name) => createEndpoint(client, info, name));
    // The smoke test's samples, in the shared database (opening it here migrates it before the bots start).
    store = await openStore({ databaseUrl: schemaUrl, dataDir: root });
    await putSamples(store.records, endpoints);
    for (const user of Object.values(USERS)) connector.members.set(user.id, user);
    const started = await Promise.all(
      Array.from({ length: INSTANCES }, async (_, i) => {
        const cwd = join(root, `bot-${i}`);
        await mkdir(cwd);
        return startProductionBot(cwd, {
          PORT: "0",
          LOCAL_WORKSPACE_URL: info.armBaseUrl,
          LOCAL_WORKSPACE_ID: info.workspaceId,
          EMULATOR_DATA_DIR: info.dataDir,
          DATA_DIR: join(cwd, "data"),
          DATABASE_URL: schemaUrl,
          ROLES_FILE: join(ROOT, "config/roles.local.json"),
          RELEASE_CHANNEL_ID: RELEASE_CHANNEL,
          RELEASE_CHANNEL_SERVICE_URL: connector.url,
          // Clicks are measured, not bakes: each approved step asks for the next at once.
          ROLLOUT_BAKE_SECONDS: "0",
        });
      }),
    );
    bots.push(...started);
    // One channel per instance to click through; both see the same connector.
    const channels = bots.map((b) => new ReleaseChannel(connector, b.url));
    const cards = (watcher = channels[0] as ReleaseChannel);

    const pool = new ClickPool(CONCURRENCY);
    const acks = { accepted: [] as number[], duplicate: [] as number[], stale: [] as number[] };
    const perInstance = bots.map(() => ({ clicks: 0, accepted: 0 }));
    const unexpected: string[] = [];
    const used: Button[] = [];
    let firstClickAt: number | undefined;
    let lastAnswerAt = 0;
    let clicking = true;
    const failures: unknown[] = [];

    const click = async (b: Button, instance: number, priority: "first" | "background"): Promise<ClickAnswer> => {
      const channel = channels[instance];
      if (!channel) throw new Error(`no instance ${instance}`);
      const answer = await pool.run(() => {
        firstClickAt ??= performance.now();
        return channel.click(USERS.approver, b.card, b.verb, b.data);
      }, priority);
      lastAnswerAt = performance.now();
      const counts = perInstance[instance];
      if (counts) counts.clicks += 1;
      return answer;
    };

    /** The button clicked on every instance at once: exactly one click may be accepted. */
    const burst = async (b: Button, accepted: string, first: number): Promise<void> => {
      const targets = Array.from({ length: INSTANCES * CLICKS_PER_INSTANCE }, (_, k) => (first + k) % INSTANCES);
      const answers = await Promise.all(targets.map(async (i) => ({ i, answer: await click(b, i, "first") })));
      const took = answers.filter((a) => a.answer.text.includes(accepted));
      for (const { i, answer } of answers) {
        if (answer.text.includes(accepted)) {
          acks.accepted.push(answer.ms);
          const counts = perInstance[i];
          if (counts) counts.accepted += 1;
        } else {
          acks.duplicate.push(answer.ms);
          if (!/out of date/i.test(answer.text)) unexpected.push(answer.text.slice(0, 200));
        }
      }
      if (took.length === 0) {
        throw new Error(
          `no click of "${accepted}" was accepted: ${answers.map((a) => a.answer.text.slice(0, 200)).join(" | ")}`,
        );
      }
      if (took.length > 1) unexpected.push(`${took.length} clicks accepted for "${accepted}"`);
      used.push(b);
    };

    const asks = (step: number) => asksFor(step, DEFAULT_PLAN.length);
    const rolloutSeconds: number[] = [];
    /** One rollout: deployed on one instance, each approval clicked on both as soon as its card asks. */
    const rollout = async (endpoint: string, i: number): Promise<void> => {
      const began = performance.now();
      const from = connector.sent.length;
      const home = bots[i % INSTANCES];
      if (!home) throw new Error("no bot");
      const reply = await say(home.url, connector, endpoint, `deploy diabetes:2 to ${endpoint}`);
      if (!reply.includes("Started the rollout")) throw new Error(`deploy to ${endpoint} refused: ${reply}`);
      const posted = await cards.cardPosted(endpoint, from);
      let card = await cards.view(USERS.approver, await cards.nextCard(posted.thread, posted.index, asks(0), 120_000));
      for (let step = 0; step < DEFAULT_PLAN.length; step++) {
        const button = card.buttons.find((b) => b.verb === "rollout.approve");
        if (!button) throw new Error(`no approve button on the card of ${endpoint}`);
        await burst({ card, verb: button.verb, data: button.data }, `approved step ${step + 1}`, i + step);
        card = await cards.view(
          USERS.approver,
          await cards.nextCard(card.thread, card.index + 1, asks(step + 1), 120_000),
        );
      }
      const retire = card.buttons.find((b) => b.verb === "rollout.retire");
      if (!retire) throw new Error(`no retire button on the card of ${endpoint}`);
      await burst({ card, verb: retire.verb, data: retire.data }, "retiring blue", i + DEFAULT_PLAN.length);
      await cards.nextCard(card.thread, card.index + 1, (seen) => /\bCompleted\b/.test(seen.text), 120_000);
      rolloutSeconds.push((performance.now() - began) / 1000);
    };

    // Stale replays of used buttons, on the instances in turn, whenever a slot is free of fresh clicks.
    let replays = 0;
    const replayer = async (): Promise<void> => {
      while (clicking) {
        const n = replays++;
        const b = used[(n * 7) % Math.max(1, used.length)];
        if (!b) {
          await sleep(10);
          continue;
        }
        const answer = await click(b, n % INSTANCES, "background");
        acks.stale.push(answer.ms);
        if (!/out of date/i.test(answer.text)) unexpected.push(answer.text.slice(0, 200));
      }
    };
    background.push(
      ...Array.from({ length: CONCURRENCY }, () => replayer().catch((error: unknown) => failures.push(error))),
    );
    const runStarted = performance.now();
    await Promise.all(
      endpoints.map((endpoint, i) =>
        rollout(endpoint, i).catch((error: unknown) => {
          if (!(error instanceof ChannelStopped)) failures.push(error);
        }),
      ),
    );
    const runSeconds = (performance.now() - runStarted) / 1000;
    clicking = false;
    await Promise.all(background);
    background.length = 0;
    if (failures.length) throw failures[0];
    const clickSeconds = (lastAnswerAt - (firstClickAt ?? lastAnswerAt)) / 1000;

    // Exactly once, as the workspace saw it: after the set-up (the endpoint, blue, blue 100), green created once, each
    // step's traffic put once, blue deleted once — nothing else.
    const expected = [
      "PUT endpoint {}",
      "PUT blue",
      'PUT endpoint {"blue":100}',
      "PUT green",
      ...STEPS.map((t) => `PUT endpoint ${JSON.stringify(t)}`),
      "DELETE blue",
    ];
    const writes = await armWrites(info, endpoints);
    const notOnce: string[] = [];
    const auditOff: string[] = [];
    const off = new Set<string>();
    for (const endpoint of endpoints) {
      const seen = (writes.get(endpoint) ?? []).map(describeWrite);
      if (JSON.stringify(seen) !== JSON.stringify(expected)) {
        notOnce.push(`${endpoint}: ${seen.join(", ")}`);
        off.add(endpoint);
      }
      // Every click is audited too (as `card:…`), so the limit leaves room for all of them.
      const audit = await store.records.latestAudit({ target: endpoint, limit: 100_000 });
      const approvals = audit.filter((a) => a.action === "rollout.approve").length;
      const shifts = audit.filter((a) => a.action === "rollout.shift").length;
      if (approvals !== STEPS.length || shifts !== STEPS.length) {
        auditOff.push(`${endpoint}: ${approvals} approvals, ${shifts} shifts`);
        off.add(endpoint);
      }
    }
    const exactlyOnce = endpoints.length - off.size;

    const all = summarize([...acks.accepted, ...acks.duplicate, ...acks.stale]);
    const clicksPerSecond = all.count / clickSeconds;
    const row = (label: string, s: Latencies): string =>
      `  ${label.padEnd(44)} p50 ${ms(s.p50).padStart(9)}   p99 ${ms(s.p99).padStart(9)}   max ${ms(s.max).padStart(9)}   n ${s.count}`;
    const problems = bots.flatMap((b, i) => b.problems.map((p) => `bot ${i + 1}: ${p}`));
    const lines = [
      `Approval clicks across ${INSTANCES} instances (the production bot, ${productionCommand()}, twice on ${database.origin}; ` +
        `default worker settings; emulator in its own process answering operations at once)`,
      `  ${ROLLOUTS} rollouts deployed at once, each approval (3 steps, retire) clicked ${INSTANCES * CLICKS_PER_INSTANCE}× at once ` +
        `(${CLICKS_PER_INSTANCE} per instance) as soon as its card asked; used buttons clicked again meanwhile; ` +
        `${CONCURRENCY} clicks in flight`,
      `  all ${ROLLOUTS} completed in ${runSeconds.toFixed(1)} s (each ${range(rolloutSeconds)} s from its deploy in chat)`,
      `  clicks acknowledged: ${all.count} in ${clickSeconds.toFixed(1)} s, ${clicksPerSecond.toFixed(0)} clicks/s ` +
        `(${(acks.accepted.length / clickSeconds).toFixed(1)} accepted/s); per instance ` +
        perInstance.map((c, i) => `${i + 1}: ${c.clicks} clicks, ${c.accepted} accepted`).join("; "),
      row("accepted (the one click of a burst that took)", summarize(acks.accepted)),
      row("the burst's other clicks (out of date)", summarize(acks.duplicate)),
      row("stale replays of used buttons", summarize(acks.stale)),
      row("all", all) + "   (no target)",
      `  exactly once: ${exactlyOnce} of ${ROLLOUTS} rollouts — green created, each step's traffic PUT and blue deleted ` +
        `once (emulator write log), one approval and one shift per step in the audit`,
      ...notOnce.slice(0, 3).map((l) => `    NOT ONCE ${l}`),
      ...auditOff.slice(0, 3).map((l) => `    AUDIT ${l}`),
      ...(unexpected.length ? [`  ${unexpected.length} unexpected answer(s); first: ${unexpected[0]}`] : []),
      ...(problems.length
        ? [`  bots logged ${problems.length} warning(s)/error(s); first: ${problems[0]?.slice(0, 300)}`]
        : []),
    ];
    return { lines, clicksPerSecond, ackP99: all.p99, exactlyOnce, rollouts: ROLLOUTS };
  } finally {
    watcher?.stop();
    await Promise.allSettled(background);
    await Promise.all(bots.map((b) => b.stop()));
    await store?.close();
    await database.close();
    await connector.close();
    await emu?.stop();
    await rm(root, { recursive: true, force: true });
  }
}

/** "PUT endpoint {…traffic…}", "PUT green", "DELETE blue" (deployments at 0 % left out of the traffic). */
function describeWrite(w: ArmWrite): string {
  if (w.deployment !== undefined) return `${w.method} ${w.deployment}`;
  const traffic = Object.fromEntries(Object.entries(w.traffic ?? {}).filter(([, v]) => v > 0));
  return w.method === "PUT" ? `PUT endpoint ${JSON.stringify(traffic)}` : `${w.method} endpoint`;
}

function range(values: number[]): string {
  return values.length ? `${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)}` : "–";
}

function sleep(delayMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, delayMs));
}
