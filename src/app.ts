import { readFileSync } from "node:fs";
import https from "node:https";
import { DefaultAzureCredential } from "@azure/identity";
import type { Config } from "./config.js";
import { DEFAULT_LIMITS, type Limits } from "./core/commands/command-context.js";
import { onlineAnnouncement } from "./core/notifications/announcements.js";
import { consoleLogger, type Logger } from "./logger.js";
import { systemClock, type Clock } from "./ports/clock.js";
import type { Store } from "./ports/store.js";
import type { Workspace } from "./ports/workspace.js";
import { loadRoleBook } from "./roles-file.js";
import { openStore, type GreenLightStore } from "./store/open-store.js";
import { OutboxSender } from "./worker/outbox-sender.js";
import { RolloutWorker } from "./worker/rollout-worker.js";
import { DeletionWorker } from "./worker/deletion-worker.js";
import { settlesWithin } from "./worker/settles-within.js";
import type { Mention } from "./ports/notifier.js";
import type { Role } from "./core/access/roles.js";
import type { RolloutPeople } from "./core/rollout/transition.js";
import { CardRenderer } from "./teams/cards/render-card.js";
import { startBotServer, type RunningBot } from "./teams/bot-server.js";
import { createArmClient, localCredential } from "./workspace/arm-client.js";
import { ArmWorkspace } from "./workspace/arm-workspace.js";

export interface GreenLight {
  bot: RunningBot;
  store: GreenLightStore;
  worker: RolloutWorker;
  deletions: DeletionWorker;
  outbox: OutboxSender;
  workspace: Workspace;
  close(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  clock?: Clock;
  /** Overrides the store (tests pass an in-memory PGlite). */
  store?: GreenLightStore;
}

/**
 * The composition root: the one place that knows both sides. Local mode differs from Azure mode only in the ARM
 * base URL, the credential and the CA trusted for TLS.
 */
export async function startGreenLight(config: Config, options: StartOptions = {}): Promise<GreenLight> {
  const log = options.log ?? consoleLogger("bot");
  const clock = options.clock ?? systemClock;
  const env = config.env;
  const roleBook = loadRoleBook(config.rolesFile, config.tenants);
  const store =
    options.store ??
    (await openStore({
      dataDir: env.DATA_DIR,
      pgliteSharedBuffersMb: env.PGLITE_SHARED_BUFFERS_MB,
      postgres: {
        connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS,
        statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
      },
      ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
    }));
  const limits: Limits = { ...DEFAULT_LIMITS, maxPayloadBytes: env.MAX_PAYLOAD_BYTES };

  const ws = config.workspace;
  const local = ws.mode === "local" ? { caCertPem: readCa(ws.caCertPath) } : undefined;
  const credential = ws.mode === "local" ? localCredential() : new DefaultAzureCredential();
  // Aborted when a stopping instance has given its rollouts back: nothing of it may reach Azure after that.
  const azureCalls = new AbortController();
  const client = createArmClient({
    subscriptionId: ws.subscriptionId,
    credential,
    endpoint: ws.mode === "local" ? ws.url : ws.armEndpoint,
    timeoutMs: env.ARM_TIMEOUT_MS,
    stopSignal: azureCalls.signal,
    ...(local ? { caCertPem: local.caCertPem } : {}),
  });
  const workspace = new ArmWorkspace({
    client,
    resourceGroup: ws.resourceGroup,
    workspaceName: ws.workspace,
    credential,
    invokeTimeoutMs: env.INVOKE_TIMEOUT_MS,
    maxConcurrency: env.ARM_CONCURRENCY,
    // Without a Retry-After, an operation is looked at as often as the rollout worker looks at its work.
    operationPolling: { intervalMs: env.ROLLOUT_POLL_MS },
    ...(local ? { caCertPem: local.caCertPem } : {}),
  });
  if (ws.mode === "local" && local) await seedLocalSamples(ws.url, local.caCertPem, store.records, clock, log);

  const holders = (role: Role): Mention[] => roleBook.membersWith(role).map((m) => ({ id: m.user, name: m.name }));
  const people: RolloutPeople = { approvers: holders("approver"), admins: holders("admin") };
  const approvalTtlMs = env.APPROVAL_TTL_SECONDS * 1000;
  // The outbox sender needs the bot's notifier, which exists once the bot server does: bound late.
  const late: { outbox?: OutboxSender } = {};
  const worker = new RolloutWorker({
    rollouts: store.rollouts,
    workspace,
    store: store.records,
    clock,
    log,
    people,
    approvalTtlMs,
    subscriptions: store.subscriptions,
    ...(config.releaseChannel ? { releaseChannel: config.releaseChannel } : {}),
    pollMs: env.ROLLOUT_POLL_MS,
    idleMs: env.WORKER_IDLE_MS,
    leaseMs: env.WORKER_LEASE_MS,
    maxRollouts: env.WORKER_MAX_ROLLOUTS,
    maxSmokeSamples: 10,
    onStored: () => late.outbox?.wake(),
    cancelAzureCalls: () => azureCalls.abort(),
  });

  const deletions = new DeletionWorker({
    deletions: store.deletions,
    rollouts: store.rollouts,
    approvers: people.approvers,
    subscriptions: store.subscriptions,
    ...(config.releaseChannel ? { releaseChannel: config.releaseChannel } : {}),
    workspace,
    clock,
    log,
    idleMs: env.WORKER_IDLE_MS,
    leaseMs: env.WORKER_LEASE_MS,
    retryMs: env.ROLLOUT_POLL_MS * 5,
    onStored: () => late.outbox?.wake(),
  });

  const bot = await startBotServer(
    {
      workspace,
      store: store.records,
      roleBook,
      clock,
      cards: new CardRenderer(),
      log,
      appId: env.MicrosoftAppId ?? "",
      limits,
      attachments: { hosts: env.ATTACHMENT_HOSTS, allowLoopbackConnector: ws.mode === "local" },
      rollouts: store.rollouts,
      subscriptions: store.subscriptions,
      deletions: store.deletions,
      rolloutSettings: {
        ...(config.releaseChannel ? { releaseChannel: config.releaseChannel } : {}),
        approvalTtlMs,
        people,
      },
      wakeWorker: () => {
        worker.wake();
        deletions.wake();
        late.outbox?.wake();
      },
      cardAnswerBudgetMs: env.CARD_ANSWER_BUDGET_MS,
      ...(config.releaseChannel
        ? {
            releaseChannel: {
              address: config.releaseChannel,
              greeting: onlineAnnouncement(ws.mode === "local" ? "the local workspace" : `workspace ${ws.workspace}`),
            },
          }
        : {}),
    },
    {
      MicrosoftAppId: env.MicrosoftAppId,
      MicrosoftAppPassword: env.MicrosoftAppPassword,
      MicrosoftAppTenantId: env.MicrosoftAppTenantId,
      MicrosoftAppType: env.MicrosoftAppType,
    },
    { host: env.BOT_HOST, port: env.PORT },
  );
  const outbox = new OutboxSender({
    outbox: store.outbox,
    rollouts: store.rollouts,
    deletions: store.deletions,
    notifier: bot.notifier,
    clock,
    log,
    idleMs: env.WORKER_IDLE_MS,
    leaseMs: env.WORKER_LEASE_MS,
  });
  late.outbox = outbox;
  worker.start();
  outbox.start();
  deletions.start();
  log.info("GreenLight is listening", {
    url: `${bot.url}/api/messages`,
    // How the store's leases name this instance (rollouts.lease_owner).
    worker: worker.owner,
    workspace: ws.mode === "local" ? `local (${ws.url})` : `${ws.subscriptionId}/${ws.resourceGroup}/${ws.workspace}`,
    auth: config.auth.enabled ? "Bot Framework tokens required" : "off (local mode)",
  });
  return {
    bot,
    store,
    workspace,
    worker,
    deletions,
    outbox,
    close: async () => {
      // Within SHUTDOWN_TIMEOUT_MS (less a moment to exit): the work in progress gets most of it; giving back and
      // closing, the rest.
      const started = performance.now();
      const budget = env.SHUTDOWN_TIMEOUT_MS - 500;
      const left = (): number => budget - (performance.now() - started);
      const reserve = Math.min(5000, budget / 4);
      // Load balancers first: /api/messages and /readyz answer 503 from now on.
      bot.stopAccepting();
      // Each rollout goes back to the store as soon as its Azure action ends; turns and card updates started finish.
      // The outbox keeps sending meanwhile: what these last transitions and turns wrote goes out now.
      await Promise.all([
        worker.stop(left() - reserve, reserve / 2),
        settlesWithin(deletions.stop(), left() - reserve),
        settlesWithin(bot.idle(), left() - reserve),
      ]);
      azureCalls.abort();
      await outbox.stop(left() - reserve / 4);
      await settlesWithin(bot.close(), left());
      if (!options.store) await settlesWithin(store.close(), left());
    },
  };
}

function readCa(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    throw new Error(
      `The local workspace's CA certificate is missing at ${path}. Start the emulator first (npm run emulator).`,
    );
  }
}

/** Copies the local workspace's shipped sample payloads into the store, without overwriting anything there. */
async function seedLocalSamples(url: string, ca: string, store: Store, clock: Clock, log: Logger): Promise<void> {
  const body = await new Promise<string>((resolve, reject) => {
    https
      .get(`${url}/_emulator/samples`, { ca }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`status ${res.statusCode}`))));
      })
      .on("error", reject);
  }).catch((error: unknown) => {
    log.warn("could not read the local workspace's samples", { error: String(error) });
    return undefined;
  });
  if (!body) return;
  const samples = (
    JSON.parse(body) as { value: { endpoint: string; name: string; description: string; payload: unknown }[] }
  ).value;
  let added = 0;
  for (const s of samples) {
    if (await store.getSample(s.endpoint, s.name)) continue;
    await store.putSample({
      endpoint: s.endpoint,
      name: s.name,
      description: s.description,
      payload: JSON.stringify(s.payload),
      createdBy: "local workspace",
      createdAt: clock.now(),
    });
    added += 1;
  }
  if (added > 0) log.info("seeded sample payloads from the local workspace", { added });
}
