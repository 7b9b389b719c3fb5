import type { Config, Env } from "./config.js";
import { DEFAULT_LIMITS } from "./core/commands/command-context.js";
import { onlineAnnouncement } from "./core/notifications/announcements.js";
import type { RoleBook } from "./core/access/roles.js";
import type { RolloutPeople } from "./core/rollout/transition.js";
import { localWorkspaceAccess, type LocalWorkspaceAccess } from "./dev/local-workspace-access.js";
import { seedLocalSamples } from "./dev/seed-local-samples.js";
import { consoleLogger, type Logger } from "./logger.js";
import { systemClock, type Clock } from "./ports/clock.js";
import type { Notifier } from "./ports/notifier.js";
import type { Workspace } from "./ports/workspace.js";
import type { TeamsEdge } from "./teams/teams-edge.js";
import { loadRoleBook } from "./roles-file.js";
import { Shutdown } from "./shutdown.js";
import { buildStore } from "./build-store.js";
import type { GreenLightStore } from "./store/open-store.js";
import { startBotServer, type RunningBot } from "./teams/bot-server.js";
import { EdgeOnFirstUse } from "./teams/edge-on-first-use.js";
import { DeletionWorker } from "./worker/deletion-worker.js";
import { OutboxSender } from "./worker/outbox-sender.js";
import { RolloutWorker } from "./worker/rollout-worker.js";
import { settlesWithin } from "./worker/settles-within.js";
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
  /** Overrides the store (tests pass an in-memory PGlite); the caller closes it. */
  store?: GreenLightStore;
  /** The configured store, already opening (`buildStore`); GreenLight closes it when it stops. */
  opening?: Promise<GreenLightStore>;
}

/** What every builder may use: the settings, the log, the clock, and who holds which role. */
interface Basics {
  config: Config;
  env: Env;
  log: Logger;
  clock: Clock;
  roleBook: RoleBook;
  people: RolloutPeople;
}

/**
 * The composition root: the one place that knows both sides. Local mode differs from Azure mode only in the ARM
 * base URL, the credential and the CA trusted for TLS.
 */
export async function startGreenLight(config: Config, options: StartOptions = {}): Promise<GreenLight> {
  const basics = basicsOf(config, options);
  const [store, local] = await Promise.all([
    options.store ?? options.opening ?? buildStore(basics.env),
    config.workspace.mode === "local" ? localWorkspaceAccess(config.workspace) : undefined,
  ]);
  // Aborted when a stopping instance has given its rollouts back: nothing of it may reach Azure after that.
  const azureCalls = new AbortController();
  const workspace = await buildWorkspace(basics, azureCalls.signal, local);
  if (local) await seedLocalSamples(local, store.records, basics.clock, basics.log);
  const edge = new EdgeOnFirstUse(
    () => loadTeamsEdge(basics, { store, workspace, wake: () => workers.wake() }),
    basics.log,
  );
  const workers = buildWorkers(basics, { store, workspace, notifier: edge.notifier, azureCalls });
  const bot = await startBotServer(
    edge,
    { store: store.records, workspace, log: basics.log },
    { host: basics.env.BOT_HOST, port: basics.env.PORT },
  );
  workers.start();
  announce(basics, bot, workers.rollouts);
  const shutdown = buildShutdown(basics, { bot, workers, azureCalls, ...(options.store ? {} : { store }) });
  return {
    bot,
    store,
    workspace,
    worker: workers.rollouts,
    deletions: workers.deletions,
    outbox: workers.outbox,
    close: () => shutdown.run(),
  };
}

function basicsOf(config: Config, options: StartOptions): Basics {
  const roleBook = loadRoleBook(config.rolesFile, config.tenants);
  const holders = (role: "approver" | "admin") => roleBook.membersWith(role).map((m) => ({ id: m.user, name: m.name }));
  return {
    config,
    env: config.env,
    log: options.log ?? consoleLogger("bot"),
    clock: options.clock ?? systemClock,
    roleBook,
    people: { approvers: holders("approver"), admins: holders("admin") },
  };
}

/** The Azure ML workspace through the ARM SDK: Azure, or the local workspace when `local` says where it is. */
async function buildWorkspace(
  { config, env }: Basics,
  stopSignal: AbortSignal,
  local: LocalWorkspaceAccess | undefined,
): Promise<Workspace> {
  const ws = config.workspace;
  // Loaded only for Azure: @azure/identity takes a third of a second to load, and the local workspace needs none of it.
  const credential = local ? localCredential() : new (await import("@azure/identity")).DefaultAzureCredential();
  const tls = local ? { caCertPem: local.caCertPem } : {};
  const client = createArmClient({
    subscriptionId: ws.subscriptionId,
    credential,
    endpoint: ws.mode === "local" ? ws.url : ws.armEndpoint,
    timeoutMs: env.ARM_TIMEOUT_MS,
    stopSignal,
    ...tls,
  });
  return new ArmWorkspace({
    client,
    resourceGroup: ws.resourceGroup,
    workspaceName: ws.workspace,
    credential,
    invokeTimeoutMs: env.INVOKE_TIMEOUT_MS,
    maxConcurrency: env.ARM_CONCURRENCY,
    // Without a Retry-After, an operation is looked at as often as the rollout worker looks at its work.
    operationPolling: { intervalMs: env.ROLLOUT_POLL_MS },
    ...tls,
  });
}

interface Workers {
  rollouts: RolloutWorker;
  deletions: DeletionWorker;
  outbox: OutboxSender;
  /** There may be due work now (a deploy, a click): every worker looks without waiting for its idle interval. */
  wake: () => void;
  start: () => void;
}

/** The background work: rollouts and deletions driven through Azure, and the messages their transitions stored. */
function buildWorkers(
  { config, env, clock, log, people }: Basics,
  parts: { store: GreenLightStore; workspace: Workspace; notifier: Notifier; azureCalls: AbortController },
): Workers {
  const { store, workspace, notifier, azureCalls } = parts;
  const releaseChannel = config.releaseChannel ? { releaseChannel: config.releaseChannel } : {};
  const outbox = new OutboxSender({
    outbox: store.outbox,
    rollouts: store.rollouts,
    deletions: store.deletions,
    notifier,
    clock,
    log,
    idleMs: env.WORKER_IDLE_MS,
    leaseMs: env.WORKER_LEASE_MS,
  });
  const rollouts = new RolloutWorker({
    rollouts: store.rollouts,
    workspace,
    store: store.records,
    clock,
    log,
    people,
    approvalTtlMs: env.APPROVAL_TTL_SECONDS * 1000,
    subscriptions: store.subscriptions,
    ...releaseChannel,
    pollMs: env.ROLLOUT_POLL_MS,
    metricsDelayMs: config.gates.metricsDelayMs,
    idleMs: env.WORKER_IDLE_MS,
    leaseMs: env.WORKER_LEASE_MS,
    maxRollouts: env.WORKER_MAX_ROLLOUTS,
    maxSmokeSamples: 10,
    onStored: () => outbox.wake(),
    cancelAzureCalls: () => azureCalls.abort(),
  });
  const deletions = new DeletionWorker({
    deletions: store.deletions,
    rollouts: store.rollouts,
    approvers: people.approvers,
    subscriptions: store.subscriptions,
    ...releaseChannel,
    workspace,
    clock,
    log,
    idleMs: env.WORKER_IDLE_MS,
    leaseMs: env.WORKER_LEASE_MS,
    retryMs: env.ROLLOUT_POLL_MS * 5,
    onStored: () => outbox.wake(),
  });
  const all = [rollouts, outbox, deletions];
  return {
    rollouts,
    deletions,
    outbox,
    wake: () => all.forEach((w) => w.wake()),
    start: () => all.forEach((w) => w.start()),
  };
}

/** botbuilder, the bot and the card templates, loaded (by `EdgeOnFirstUse`) when first needed. */
async function loadTeamsEdge(
  { config, env, clock, log, roleBook, people }: Basics,
  parts: { store: GreenLightStore; workspace: Workspace; wake: () => void },
): Promise<TeamsEdge> {
  const { createTeamsEdge } = await import("./teams/teams-edge.js");
  const { store, workspace, wake } = parts;
  const ws = config.workspace;
  const release = config.releaseChannel;
  return createTeamsEdge(
    {
      MicrosoftAppId: env.MicrosoftAppId,
      MicrosoftAppPassword: env.MicrosoftAppPassword,
      MicrosoftAppTenantId: env.MicrosoftAppTenantId,
      MicrosoftAppType: env.MicrosoftAppType,
    },
    {
      workspace,
      store: store.records,
      roleBook,
      clock,
      log,
      appId: env.MicrosoftAppId ?? "",
      limits: { ...DEFAULT_LIMITS, maxPayloadBytes: env.MAX_PAYLOAD_BYTES },
      attachments: { hosts: env.ATTACHMENT_HOSTS, allowLoopbackConnector: ws.mode === "local" },
      rollouts: store.rollouts,
      subscriptions: store.subscriptions,
      deletions: store.deletions,
      rolloutSettings: {
        ...(release ? { releaseChannel: release } : {}),
        approvalTtlMs: env.APPROVAL_TTL_SECONDS * 1000,
        people,
        gateDefaults: { bakeMs: config.gates.bakeMs, minRequests: config.gates.minRequests },
      },
      wakeWorker: wake,
      cardAnswerBudgetMs: env.CARD_ANSWER_BUDGET_MS,
      ...(release
        ? {
            releaseChannel: {
              address: release,
              greeting: onlineAnnouncement(ws.mode === "local" ? "the local workspace" : `workspace ${ws.workspace}`),
            },
          }
        : {}),
    },
  );
}

function announce({ config, log }: Basics, bot: RunningBot, rollouts: RolloutWorker): void {
  const ws = config.workspace;
  log.info("GreenLight is listening", {
    url: `${bot.url}/api/messages`,
    // How the store's leases name this instance (rollouts.lease_owner).
    worker: rollouts.owner,
    workspace: ws.mode === "local" ? `local (${ws.url})` : `${ws.subscriptionId}/${ws.resourceGroup}/${ws.workspace}`,
    auth: config.auth.enabled ? "Bot Framework tokens required" : "off (local mode)",
  });
}

/**
 * Stopping within SHUTDOWN_TIMEOUT_MS (less a moment to exit): the work in progress gets most of it; giving back and
 * closing, the rest.
 */
function buildShutdown(
  { env, log }: Basics,
  parts: { bot: RunningBot; workers: Workers; azureCalls: AbortController; store?: GreenLightStore },
): Shutdown {
  const { bot, workers, azureCalls, store } = parts;
  const budget = env.SHUTDOWN_TIMEOUT_MS - 500;
  const reserve = Math.min(5000, budget / 4);
  return new Shutdown(budget, log, [
    // Load balancers first: /api/messages and /readyz answer 503 from now on.
    { name: "stop taking turns", run: () => bot.stopAccepting() },
    {
      // Each rollout goes back to the store as soon as its Azure action ends; turns and card updates started finish.
      // The outbox keeps sending meanwhile: what these last transitions and turns wrote goes out now.
      name: "finish or give back the work in progress",
      leaveMs: reserve,
      run: (ms) =>
        Promise.all([
          workers.rollouts.stop(ms, reserve / 2),
          settlesWithin(workers.deletions.stop(), ms),
          settlesWithin(bot.idle(), ms),
        ]),
    },
    { name: "cancel the Azure calls still running", run: () => azureCalls.abort() },
    { name: "send or give back the outbox", leaveMs: reserve / 4, run: (ms) => workers.outbox.stop(ms) },
    { name: "close the server", run: () => bot.close() },
    ...(store ? [{ name: "close the store", run: () => store.close() }] : []),
  ]);
}
